import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { openStore, StoreWriteError, type Store } from '../../src/services/store.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { aCluster, aSpec } from '../support/clusters.js';
import { fullDisk, type FullDisk } from '../support/full-disk.js';
import { storeOnDisk, storeFilesText } from '../support/store-files.js';

const entry = (target: string) => ({ at: '2026-01-01T09:00:00.000Z', actor: 'U1', action: 'cluster.note', target, detail: {} });

describe('a store write', () => {
  let dir: string;
  let file: string;
  let disk: FullDisk;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-durable-'));
    file = path.join(dir, 'db.json');
    disk = fullDisk();
    store = await openStore(file, { files: disk, clock: new ManualClock() });
    await store.update((data) => void data.clusters.push(aCluster({ status: 'Running' })));
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const status = () => store.read((data) => data.clusters[0]?.status);
  const onDisk = () => storeOnDisk(file);

  it('on a full disk changes nothing: the update is refused with StoreWriteError, reads and the file show the data as before', async () => {
    const before = await storeFilesText(file);
    disk.full = true;
    const refused = store.update((data) => {
      (data.clusters[0] as { status: string }).status = 'Deleting';
    });
    await expect(refused).rejects.toThrow(StoreWriteError);
    await expect(refused).rejects.toThrow(`Could not write the store file ${file} (ENOSPC: no space left on device`);
    expect(status()).toBe('Running');
    expect(await storeFilesText(file)).toBe(before);

    // Space again: the same change goes through, and the one refused never shows up.
    disk.full = false;
    await store.update((data) => void data.audit.push(entry('after')));
    expect(status()).toBe('Running');
    expect((await onDisk()).clusters[0]?.status).toBe('Running');
    await store.update((data) => {
      (data.clusters[0] as { status: string }).status = 'Deleting';
    });
    expect(status()).toBe('Deleting');
  });

  it('refuses every update of a batch whose write failed, and none of their changes stays', async () => {
    disk.full = true;
    const burst = Array.from({ length: 20 }, (_, i) => store.update((data) => void data.audit.push(entry(`t${i}`))));
    const outcomes = await Promise.allSettled(burst);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof StoreWriteError)).toBe(true);
    expect(disk.refused).toBeLessThanOrEqual(2);
    expect(store.read((data) => data.audit)).toEqual([]);
    disk.full = false;
    await store.update((data) => void data.audit.push(entry('later')));
    expect((await onDisk()).audit).toEqual([entry('later')]);
  });

  it('is seen by reads only once it is on disk', async () => {
    let seenWhileWriting: string | undefined;
    const write = disk.replace.bind(disk);
    // The store's writer, looking at what reads see while the file is being written.
    disk.replace = async (f, text) => {
      seenWhileWriting = status();
      return write(f, text);
    };
    await store.update((data) => {
      (data.clusters[0] as { status: string }).status = 'Deleting';
    });
    expect(seenWhileWriting).toBe('Running');
    expect(status()).toBe('Deleting');
  });

  it('of a change that throws is refused alone: the other updates of its batch are made', async () => {
    const good = store.update((data) => void data.audit.push(entry('good')));
    const bad = store.update((data) => {
      data.audit.push(entry('half-done'));
      throw new Error('a bug in a change');
    });
    const alsoGood = store.update((data) => void data.audit.push(entry('also good')));
    await expect(bad).rejects.toThrow('a bug in a change');
    await Promise.all([good, alsoGood]);
    expect(store.read((data) => data.audit.map((e) => e.target))).toEqual(['good', 'also good']);
    expect((await onDisk()).audit).toHaveLength(2);
  });

  it('leaves the file readable only by its owner (mode 0600), and no temp file behind', async () => {
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('hands out copies of the records selected only, and a record changed by a later write does not change one read before', async () => {
    const before = store.read((data) => data.clusters.find((c) => c.spec.name === aSpec().name));
    await store.update((data) => {
      (data.clusters[0] as { status: string }).status = 'Deleting';
    });
    expect(before?.status).toBe('Running');
  });

  it('writes the file as JSON.stringify would, after edits (records replaced) and updates (changed in place) mixed in one batch', async () => {
    await Promise.all([
      store.edit((data) => {
        data.clusters[0] = { ...(data.clusters[0] as ClusterRecord), status: 'Deleting' };
      }),
      store.update((data) => void data.audit.push(entry('in place'))),
      store.edit((data) => void data.drafts.push({ id: 'd1', userId: 'U1', channel: 'C1', spec: {}, createdAt: 'x', updatedAt: 'x' })),
    ]);
    expect(await readFile(file, 'utf8')).toBe(JSON.stringify(store.read((data) => data)));
    expect((await onDisk()).clusters[0]?.status).toBe('Deleting');
  });
});
