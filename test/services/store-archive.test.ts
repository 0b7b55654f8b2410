import { appendFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import type { AuditEntry, ClusterRecord } from '../../src/services/store-schema.js';
import { openStore, type Store } from '../../src/services/store.js';
import { aCluster, aSpec } from '../support/clusters.js';
import { storeOnDisk } from '../support/store-files.js';

const DAY = 24 * 60 * 60_000;
const START = Date.UTC(2026, 2, 1, 9);

/** prod-N deleted `daysAgo` days before START. */
function deleted(name: string, daysAgo: number): ClusterRecord {
  const at = new Date(START - daysAgo * DAY).toISOString();
  return aCluster({
    id: `c-${name}`,
    draftId: `d-${name}`,
    spec: aSpec({ name }),
    createdAt: new Date(START - (daysAgo + 1) * DAY).toISOString(),
    status: 'Deleted',
    deletion: { requestedBy: 'U1', requestedAt: at, deletedAt: at },
  });
}
const note = (target: string, daysAgo: number): AuditEntry => ({ at: new Date(START - daysAgo * DAY).toISOString(), actor: 'U1', action: 'cluster.note', target, detail: {} });

describe('the store archive', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  const stores: Store[] = [];
  const open = async () => {
    const store = await openStore(file, { clock, historyDays: 30 });
    stores.push(store);
    return store;
  };
  const onDisk = () => storeOnDisk(file);
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-archive-'));
    file = path.join(dir, 'db.json');
    clock = new ManualClock(START);
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('moves deleted clusters and audit entries older than HISTORY_DAYS out of the file at open; the rest stays', async () => {
    const seeding = await open();
    await seeding.update((data) => {
      data.clusters.push(deleted('old', 40), deleted('recent', 10), aCluster({ id: 'c-live', draftId: 'd-live', spec: aSpec({ name: 'live' }), status: 'Running', createdAt: new Date(START - 90 * DAY).toISOString() }));
      data.audit.push(note('old', 40), note('recent', 10));
    });
    await seeding.close();

    await open();
    const kept = await onDisk();
    expect(kept.clusters.map((c) => c.spec.name)).toEqual(['recent', 'live']);
    expect(kept.audit.map((e) => e.target)).toEqual(['recent']);
    const month = new Date(START - 40 * DAY).toISOString().slice(0, 7);
    const archived = await readFile(path.join(dir, 'archive', `clusters-${month}.jsonl`), 'utf8');
    expect(archived).toContain('"id":"c-old"');
    expect((await stat(path.join(dir, 'archive', `audit-${month}.jsonl`))).mode & 0o777).toBe(0o600);
  });

  it('archives again at most once an hour, after an update, by the injected clock', async () => {
    const store = await open();
    // Due for the archive 30 minutes from now.
    await store.update((data) => void data.clusters.push(deleted('ending', 30 - 1 / 48)));
    clock.advance(45 * 60_000);
    await store.update((data) => void data.audit.push(note('a', 0)));
    expect((await onDisk()).clusters.map((c) => c.id)).toEqual(['c-ending']);

    clock.advance(20 * 60_000);
    await store.update((data) => void data.audit.push(note('b', 0)));
    await vi.waitFor(async () => expect((await onDisk()).clusters).toEqual([]));
    expect(store.read((data) => data.clusters)).toEqual([]);
    expect(await store.archive.cluster('c-ending')).toMatchObject({ status: 'Deleted' });
  });

  it('keeps archived clusters findable by the repositories: by id and by name, as deleted; a live cluster of the same name wins', async () => {
    const seeding = await open();
    await seeding.update((data) => void data.clusters.push(deleted('prod-9', 45)));
    await seeding.close();
    const store = await open();
    const { clusters } = createLowdbRepositories(store);
    expect(await clusters.get('c-prod-9')).toMatchObject({ status: 'Deleted', spec: { name: 'prod-9' } });
    expect(await clusters.findByName('payments', 'PROD-9')).toMatchObject({ id: 'c-prod-9', status: 'Deleted' });
    expect(await clusters.findByName('other-project', 'prod-9')).toBeUndefined();

    await clusters.insert(aCluster({ id: 'c-prod-9b', draftId: 'd-9b', spec: aSpec({ name: 'prod-9' }), status: 'Running' }));
    expect(await clusters.findByName('payments', 'prod-9')).toMatchObject({ id: 'c-prod-9b' });
  });

  it('survives a crash between the append and the removal: the entry is in both, and is read once', async () => {
    const seeding = await open();
    await seeding.update((data) => {
      data.clusters.push(deleted('twice', 10));
      data.audit.push(note('twice', 40));
    });
    await seeding.close();
    // As if a previous archiving appended them and died before rewriting db.json.
    const month = new Date(START - 40 * DAY).toISOString().slice(0, 7);
    await mkdir(path.join(dir, 'archive'), { recursive: true });
    await appendFile(path.join(dir, 'archive', `audit-${month}.jsonl`), `\n${JSON.stringify(note('twice', 40))}\n{"cut short by a full di`);

    const store = await open();
    const { audit } = createLowdbRepositories(store);
    expect((await audit.list({ target: 'twice' })).map((e) => e.at)).toEqual([note('twice', 40).at]);
    await store.update((data) => void data.audit.push(note('later', 0)));
    expect((await audit.list()).map((e) => e.target)).toEqual(['twice', 'later']);
  });
});
