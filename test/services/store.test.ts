import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { STORE_VERSION } from '../../src/services/store-schema.js';
import { openStore as open, StoreLoadError } from '../../src/services/store.js';
import { storeOnDisk } from '../support/store-files.js';

/** On the day the entries below were written: nothing is old enough for the archive. */
const openStore = (file: string) => open(file, { clock: new ManualClock(Date.UTC(2026, 0, 1, 9)) });

describe('the store', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-store-'));
    file = path.join(dir, 'db.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps what was written across a restart', async () => {
    const first = await openStore(file);
    await first.update((data) => {
      data.audit.push({ at: '2026-01-01T00:00:00.000Z', actor: 'U1', action: 'account.add', target: 'prod', detail: {} });
    });
    const reopened = await openStore(file);
    expect(reopened.read((data) => data.audit.map((entry) => entry.target))).toEqual(['prod']);
  });

  it('starts empty when the file does not exist yet, and creates it on the first write', async () => {
    const store = await openStore(path.join(dir, 'nested', 'db.json'));
    expect(store.read((data) => data.clusters)).toEqual([]);
    await store.update((data) => data.drafts.length);
    expect(JSON.parse(await readFile(path.join(dir, 'nested', 'db.json'), 'utf8'))).toMatchObject({ version: STORE_VERSION });
  });

  it('refuses a file that is not JSON, names it, and leaves it byte-for-byte unchanged', async () => {
    const corrupt = '{"version": 1, "accounts": [ broken';
    await writeFile(file, corrupt);
    await expect(openStore(file)).rejects.toThrow(StoreLoadError);
    await expect(openStore(file)).rejects.toThrow(`${file}: not valid JSON`);
    expect(await readFile(file, 'utf8')).toBe(corrupt);
  });

  it('refuses a file that does not match the schema and says where', async () => {
    const wrong = JSON.stringify({ version: 1, accounts: [{ name: 7 }], clusters: [], drafts: [], audit: [] });
    await writeFile(file, wrong);
    await expect(openStore(file)).rejects.toThrow(/does not match the store schema at accounts\.0\./);
    expect(await readFile(file, 'utf8')).toBe(wrong);
  });

  it('has every change of a burst on disk by the time its update resolves, and all of them after a restart', async () => {
    const store = await openStore(file);
    const entry = (i: number) => ({ at: '2026-01-01T00:00:00.000Z', actor: 'U1', action: 'cluster.note', target: `t${i}`, detail: {} });
    const onDiskWhenResolved = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store
          .update((data) => void data.audit.push(entry(i)))
          .then(async () => (await storeOnDisk(file)).audit.some((e) => e.target === `t${i}`)),
      ),
    );
    expect(onDiskWhenResolved.every(Boolean)).toBe(true);
    const reopened = await openStore(file);
    expect(reopened.read((data) => data.audit.length)).toBe(200);
  });

  it('hands out copies, so changing a read result does not change the store', async () => {
    const store = await openStore(file);
    const audit = store.read((data) => data.audit);
    audit.push({ at: 'x', actor: 'x', action: 'x', target: 'x', detail: {} });
    expect(store.read((data) => data.audit)).toHaveLength(0);
  });
});
