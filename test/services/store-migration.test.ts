import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addonPlanOutdated, migrate, type JsonObject } from '../../src/services/store-migrations.js';
import { STORE_VERSION } from '../../src/services/store-schema.js';
import { ManualClock } from '../../src/services/clock.js';
import { openStore as open, StoreLoadError } from '../../src/services/store.js';
import { FIXTURE_CLOCK_END, STORE_V1_FIXTURE } from '../support/store-fixture.js';

/** The store at the fixture's time: nothing in it is old enough for the archive. */
const openStore = (file: string) => open(file, { clock: new ManualClock(FIXTURE_CLOCK_END) });

type V1Cluster = { id: string; spec: { name: string }; status: string; progress: Record<string, unknown>; plan: { addons: unknown[] }; transientErrors: number; failure?: unknown };
type V1 = JsonObject & { clusters: V1Cluster[] };

const clusterNamed = (data: V1, name: string) => data.clusters.find((c) => c.spec.name === name) as V1Cluster;

describe('opening a store file of schema version 1', () => {
  let dir: string;
  let file: string;
  let original: Buffer;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-migrate-'));
    file = path.join(dir, 'db.json');
    await copyFile(STORE_V1_FIXTURE, file);
    original = await readFile(file);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads it back as the current version: the fields no longer used are gone, everything else is equal, and the original is kept as db.json.v1.bak', async () => {
    const store = await openStore(file);

    const v1 = JSON.parse(original.toString('utf8')) as V1;
    const expected = structuredClone(v1);
    expected.version = STORE_VERSION;
    // Version 4's outbox of thread messages starts empty.
    expected.outbox = [];
    const running = clusterNamed(expected, 'prod-running');
    expect(running.progress).toHaveProperty('createRequestedAt');
    expect(running.progress).toHaveProperty('endpointRequestedAt');
    delete running.progress.createRequestedAt;
    delete running.progress.endpointRequestedAt;
    // Still provisioning with a plan from before Helm releases: Failed, saying what to do.
    Object.assign(clusterNamed(expected, 'legacy-addons'), { status: 'Failed', failure: addonPlanOutdated(['mariadb']), transientErrors: 0, plan: { ...clusterNamed(v1, 'legacy-addons').plan, addons: [] } });

    const onDisk = JSON.parse(await readFile(file, 'utf8')) as unknown;
    expect(onDisk).toEqual(expected);
    expect(store.read((data) => data)).toEqual(expected);
    expect(store.migrated).toEqual({
      from: 1,
      to: STORE_VERSION,
      backup: `${file}.v1.bak`,
      notes: [expect.stringMatching(/^cluster legacy-addons \(.+\) failed: AddonPlanOutdated \(mariadb\)$/)],
    });

    const backup = await readFile(`${file}.v1.bak`);
    expect(backup.equals(original)).toBe(true);
    expect((await stat(`${file}.v1.bak`)).mode & 0o777).toBe(0o600);
  });

  it('migrates only once: the next start opens the current version as it is and leaves the backup alone', async () => {
    await openStore(file);
    const migrated = await readFile(file);
    const reopened = await openStore(file);
    expect(reopened.migrated).toBeUndefined();
    expect((await readFile(file)).equals(migrated)).toBe(true);
    expect((await readFile(`${file}.v1.bak`)).equals(original)).toBe(true);
  });

  it('starts again on the same v1 file after a crash between the backup and the migrated write', async () => {
    await writeFile(`${file}.v1.bak`, original, { mode: 0o600 });
    const store = await openStore(file);
    expect(store.read((data) => data.version)).toBe(STORE_VERSION);
  });

  it('refuses to overwrite a different backup already there, and leaves the store unchanged', async () => {
    await writeFile(`${file}.v1.bak`, '{"version":1,"something":"else"}');
    await expect(openStore(file)).rejects.toThrow(`Cannot use the store file ${file}: it needs migrating, but ${file}.v1.bak already exists`);
    expect((await readFile(file)).equals(original)).toBe(true);
  });

  it('keeps a cluster that is no longer provisioning as it was, without its pre-Helm add-on entries', () => {
    const v1 = JSON.parse(original.toString('utf8')) as V1;
    const running = clusterNamed(v1, 'prod-running');
    running.plan.addons = [{ name: 'redis', chart: 'redis', version: '1.0.0', values: '', repository: '', package: '' }, ...running.plan.addons];
    const { data, notes } = migrate(v1, STORE_VERSION);
    const after = clusterNamed(data as V1, 'prod-running');
    expect(after.status).toBe('Running');
    expect(after.failure).toBeUndefined();
    expect(after.plan.addons).toEqual(clusterNamed(JSON.parse(original.toString('utf8')) as V1, 'prod-running').plan.addons);
    expect(notes).toContainEqual(expect.stringContaining('prod-running'));
  });
});

describe('a store file tkeops cannot read', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-migrate-'));
    file = path.join(dir, 'db.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a version newer than this code knows, naming the file and the version, and leaves it unchanged', async () => {
    const newer = JSON.stringify({ version: STORE_VERSION + 1, accounts: [], clusters: [], drafts: [], audit: [], approvals: [] });
    await writeFile(file, newer);
    await expect(openStore(file)).rejects.toThrow(StoreLoadError);
    await expect(openStore(file)).rejects.toThrow(`Cannot use the store file ${file}: it is schema version ${STORE_VERSION + 1}, written by a newer tkeops; this one reads versions up to ${STORE_VERSION}`);
    expect(await readFile(file, 'utf8')).toBe(newer);
  });

  it('refuses a file without a schema version', async () => {
    await writeFile(file, JSON.stringify({ accounts: [] }));
    await expect(openStore(file)).rejects.toThrow(`Cannot use the store file ${file}: it has no schema version`);
  });

  it('refuses a v1 file that does not match the schema once migrated, writing neither the store nor a backup', async () => {
    const wrong = JSON.stringify({ version: 1, accounts: [{ name: 7 }], clusters: [], drafts: [], audit: [] });
    await writeFile(file, wrong);
    await expect(openStore(file)).rejects.toThrow(/does not match the store schema at accounts\.0\./);
    expect(await readFile(file, 'utf8')).toBe(wrong);
    await expect(stat(`${file}.v1.bak`)).rejects.toThrow();
  });
});
