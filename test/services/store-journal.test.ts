import { appendFile, copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import { openStore, StoreLoadError, StoreWriteError, type Store, type StoreOptions } from '../../src/services/store.js';
import { journalFileOf } from '../../src/services/store-journal.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { aCluster, aSpec } from '../support/clusters.js';
import { fullDisk, type FullDisk } from '../support/full-disk.js';
import { storeOnDisk } from '../support/store-files.js';

const NOW = '2026-03-01T09:00:00.000Z';
const entry = (target: string) => ({ at: NOW, actor: 'U1', action: 'cluster.note', target, detail: {} });
/** A deleted cluster ended yesterday (kept in the store file: within HISTORY_DAYS). */
const deleted = (i: number): ClusterRecord =>
  aCluster({ id: `c-old-${i}`, draftId: `d-old-${i}`, spec: aSpec({ name: `old-${i}` }), status: 'Deleted', deletion: { requestedBy: 'U1', requestedAt: '2026-02-28T09:00:00.000Z', deletedAt: '2026-02-28T09:00:00.000Z' } });

let dir: string;
let file: string;
let journal: string;
let disk: FullDisk;
const opened: Store[] = [];
const open = async (options: StoreOptions = {}) => {
  const store = await openStore(file, { files: disk, clock: new ManualClock(new Date(NOW)), ...options });
  opened.push(store);
  return store;
};
/** Closes the store, as a restart would, and opens it again. */
const restart = async (store: Store, options: StoreOptions = {}) => {
  await store.close();
  return open(options);
};
const setStatus = (store: Store, id: string, status: ClusterRecord['status']) =>
  createLowdbRepositories(store).clusters.update(id, (c) => void (c.status = status));

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-journal-'));
  file = path.join(dir, 'db.json');
  journal = journalFileOf(file);
  disk = fullDisk();
  const seeding = await open();
  await seeding.update((data) => {
    data.clusters.push(aCluster({ id: 'c-live', status: 'Running' }), ...Array.from({ length: 500 }, (_, i) => deleted(i)));
  });
  await seeding.close();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the store journal', () => {
  it('writes a change to one record as a journal line of that record, without rewriting the store file; a restart reads it back', async () => {
    const store = await open();
    const fileBefore = await readFile(file);
    const journalBefore = (await stat(journal)).size;

    await setStatus(store, 'c-live', 'Deleting');
    await createLowdbRepositories(store).audit.append(entry('c-live'));

    expect((await readFile(file)).equals(fileBefore)).toBe(true);
    const grown = (await stat(journal)).size - journalBefore;
    // Two lines: the one cluster and the one audit entry, not the 500 deleted clusters in history.
    expect(grown).toBeGreaterThan(0);
    expect(grown).toBeLessThan(fileBefore.length / 100);
    expect((await stat(journal)).mode & 0o777).toBe(0o600);

    const after = await restart(store);
    expect(after.read((data) => data.clusters.find((c) => c.id === 'c-live')?.status)).toBe('Deleting');
    expect(after.read((data) => data.audit)).toEqual([entry('c-live')]);
    expect(after.read((data) => data.clusters)).toHaveLength(501);
  });

  it('folds the journal into the store file once its lines outgrow the store file', async () => {
    // A store file of one cluster is smaller than a few changes of it: they are folded into it as they pass its size.
    const small = await open({ journalCompactBytes: 0 });
    await setStatus(small, 'c-live', 'Deleting');
    await small.update((data) => void (data.clusters = data.clusters.filter((c) => c.id === 'c-live')));
    const fileSize = (await stat(file)).size;
    const header = (await stat(journal)).size;
    const { clusters } = createLowdbRepositories(small);
    const journalLines: number[] = [];
    for (let i = 1; i <= 12; i++) {
      await clusters.update('c-live', (c) => void (c.transientErrors = i));
      journalLines.push((await stat(journal)).size - header);
    }
    // Each line is about the cluster's size: the journal grows to the file's size, is folded in (back to empty), and grows again.
    expect(journalLines.filter((bytes) => bytes === 0).length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...journalLines)).toBeLessThan(fileSize * 2);
    expect((await storeOnDisk(file)).clusters).toEqual([expect.objectContaining({ id: 'c-live', transientErrors: 12 })]);
    expect((await restart(small)).read((data) => data.clusters)).toEqual(small.read((data) => data.clusters));
  });

  it('on a full disk refuses the change, appends nothing, and the change is not there after a restart', async () => {
    const store = await open();
    const journalBefore = await readFile(journal, 'utf8');
    disk.full = true;
    await expect(setStatus(store, 'c-live', 'Deleting')).rejects.toThrow(StoreWriteError);
    await expect(createLowdbRepositories(store).outbox.record([{ clusterId: 'c-live', step: 'root', channel: 'C1', recordedAt: NOW }])).rejects.toThrow(StoreWriteError);
    expect(store.read((data) => [data.clusters[0]?.status, data.outbox.length])).toEqual(['Running', 0]);
    expect(await readFile(journal, 'utf8')).toBe(journalBefore);

    disk.full = false;
    await setStatus(store, 'c-live', 'Failed');
    const after = await restart(store);
    expect(after.read((data) => data.clusters[0]?.status)).toBe('Failed');
    expect(after.read((data) => data.outbox)).toEqual([]);
  });

  it('skips a line cut short by a crash mid-append (its change was never acknowledged) and keeps every line before it', async () => {
    const store = await open();
    await setStatus(store, 'c-live', 'Deleting');
    await store.close();
    await appendFile(journal, '{"clusters":{"set":[{"id":"c-live","sta');

    const after = await open();
    expect(after.read((data) => data.clusters[0]?.status)).toBe('Deleting');
    expect(after.read((data) => data.clusters)).toHaveLength(501);
    // Folded in at open: the cut-short line is gone from the disk.
    expect(await readFile(journal, 'utf8')).not.toContain('"sta');
  });

  it('after a crash between a new store file and its fresh journal, does not apply the old journal twice', async () => {
    const store = await open();
    await createLowdbRepositories(store).audit.append(entry('once'));
    await store.close();
    const old = path.join(dir, 'journal.old');
    await copyFile(journal, old);
    // A change the journal cannot say (made in place) rewrites the store file, then starts a fresh journal ...
    const store2 = await open();
    await store2.update((data) => void data.audit.push(entry('second')));
    await store2.close();
    // ... and the crash came before the fresh journal was written: the old one is still there.
    await copyFile(old, journal);

    const after = await open();
    expect(after.read((data) => data.audit)).toEqual([entry('once'), entry('second')]);
  });

  it('refuses to start on a journal that is not one, or whose lines do not match the store schema, leaving both files as they were', async () => {
    const store = await open();
    await setStatus(store, 'c-live', 'Deleting');
    await store.close();
    const header = (await readFile(journal, 'utf8')).split('\n')[0] as string;

    for (const text of ['not a journal\n', `${header}\n{"clusters":{"set":[{"id":"c-live"}],"del":[]}}\n`]) {
      await writeFile(journal, text);
      const fileBefore = await readFile(file);
      await expect(open()).rejects.toThrow(StoreLoadError);
      expect(await readFile(journal, 'utf8')).toBe(text);
      expect((await readFile(file)).equals(fileBefore)).toBe(true);
    }
  });
});
