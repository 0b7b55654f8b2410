import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClusterLookup } from '../../src/services/cluster-lookup.js';
import type { Cluster } from '../../src/services/domain/index.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import { openPostgresStore } from '../../src/services/repositories/postgres/database.js';
import type { OutboxMessage, Repositories } from '../../src/services/repositories/repositories.js';
import { openStore } from '../../src/services/store.js';
import { aCluster, aSpec } from '../support/clusters.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/**
 * The repository contract, written once and run against both stores: lowdb (a file in a temp
 * folder) and PostgreSQL (a database of its own on the run's server, emptied between tests).
 */
interface StoreUnderTest {
  name: string;
  /** Repositories over an empty store. */
  open(): Promise<Repositories>;
  /** The repositories of a tkeops restarted on the same store. */
  reopen(): Promise<Repositories>;
  /** After each test: closes what was opened and empties the store. */
  reset(): Promise<void>;
  /** After the file: removes what is left. */
  remove(): Promise<void>;
}

function lowdbStore(): StoreUnderTest {
  let dir = '';
  const opened: { close(): Promise<void> }[] = [];
  const open = async () => {
    const store = await openStore(path.join(dir, 'db.json'));
    opened.push(store);
    return createLowdbRepositories(store);
  };
  return {
    name: 'lowdb',
    async open() {
      dir = await mkdtemp(path.join(tmpdir(), 'tkeops-repos-'));
      return open();
    },
    reopen: open,
    async reset() {
      for (const store of opened.splice(0)) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
    remove: async () => undefined,
  };
}

function postgresStore(): StoreUnderTest {
  let database: TestDatabase | undefined;
  const opened: { close(): Promise<void> }[] = [];
  const open = async () => {
    if (!database) throw new Error('no test database');
    const store = await openPostgresStore(database.url, { max: 25 });
    opened.push(store);
    return store.repositories;
  };
  return {
    name: 'PostgreSQL',
    async open() {
      database ??= await createTestDatabase();
      return open();
    },
    reopen: open,
    async reset() {
      for (const store of opened.splice(0)) await store.close();
      // The database is made once per file (CREATE DATABASE is slow); each test starts from empty tables.
      await database?.truncate();
    },
    async remove() {
      await database?.drop();
      database = undefined;
    },
  };
}

const named = (name: string, overrides: Partial<Cluster> = {}) => aCluster({ id: `c-${name}`, draftId: `d-${name}`, spec: aSpec({ name }), project: 'platform', ...overrides });
const account = { id: 'acct-1', name: 'Prod', description: '', scope: { kind: 'tenant' } as const, secretId: 'AKIDx', secretKey: { iv: 'i', tag: 't', data: 'd' }, addedBy: 'U1', addedAt: 'x', validatedAt: 'x' };
const draft = (id: string, updatedAt: string, overrides: Record<string, unknown> = {}) => ({ id, userId: 'U1', channel: 'C1', spec: {}, createdAt: updatedAt, updatedAt, ...overrides });

const root = (clusterId: string, recordedAt = '2026-01-01T09:00:00.000Z'): OutboxMessage => ({ clusterId, step: 'root', channel: 'C0PLATFORM', recordedAt });
const reply = (clusterId: string, step: string, recordedAt = '2026-01-01T09:00:00.000Z'): OutboxMessage => ({
  clusterId,
  step,
  channel: 'C0PLATFORM',
  threadTs: '1767258000.000100',
  recordedAt,
  event: { kind: 'stepDone', label: step },
});

describe.each([lowdbStore(), postgresStore()])('on $name', (store) => {
  let repos: Repositories;
  beforeEach(async () => {
    repos = await store.open();
  });
  afterEach(() => store.reset());
  // The database server is shared by the run; nothing of this file's is left on it.
  afterAll(() => store.remove());

  describe('the cluster repository', () => {
    it('counts a name as taken by a live cluster of the same project, whatever its case, and by no other', async () => {
      for (const cluster of [named('payments-prod', { status: 'Running' }), named('old', { status: 'Deleted' }), named('loose', { project: undefined, status: 'Failed' })]) {
        await repos.clusters.insert(cluster);
      }
      const lookup = createClusterLookup({ clusters: repos.clusters, policy: { projectForChannel: () => undefined } });
      expect(await lookup.isNameTaken('platform', 'Payments-PROD')).toBe(true);
      expect(await lookup.isNameTaken('data', 'payments-prod')).toBe(false);
      expect(await lookup.isNameTaken('platform', 'old')).toBe(false);
      expect(await lookup.isNameTaken(undefined, 'loose')).toBe(true);
      expect(await lookup.isNameTaken('platform', 'loose')).toBe(false);
    });

    it("records a cluster once per draft, and never a second live one of the project's name", async () => {
      const first = named('prod-1');
      expect(await repos.clusters.insert(first)).toEqual({ ok: true });
      expect(await repos.clusters.insert({ ...named('other'), draftId: first.draftId })).toEqual({ ok: false, conflict: 'draft', existing: first });
      expect(await repos.clusters.insert({ ...named('PROD-1'), id: 'c-2', draftId: 'd-2' })).toEqual({ ok: false, conflict: 'name' });
      expect(await (await store.reopen()).clusters.list()).toEqual([first]);
      expect(await repos.clusters.findByDraft(first.draftId)).toEqual(first);
      expect(await repos.clusters.findByDraft('d-nope')).toBeUndefined();
      expect(await repos.clusters.get('c-nope')).toBeUndefined();
    });

    it('records one cluster when 20 Deploys of one draft arrive at once', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => repos.clusters.insert(named('prod-1', { id: `c-try-${i}` }))));
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const [kept] = await repos.clusters.list();
      expect(results.filter((r) => !r.ok)).toEqual(Array.from({ length: 19 }, () => ({ ok: false, conflict: 'draft', existing: kept })));
      expect(await (await store.reopen()).clusters.list()).toHaveLength(1);
    });

    it('frees a name once its cluster is deleted', async () => {
      await repos.clusters.insert(named('prod-1', { status: 'Running' }));
      await repos.clusters.update('c-prod-1', (c) => void (c.status = 'Deleted'));
      expect(await repos.clusters.insert(named('prod-1', { id: 'c-again', draftId: 'd-again' }))).toEqual({ ok: true });
    });

    it('finds by name the live cluster first, else the latest deleted one', async () => {
      await repos.clusters.insert(named('prod-1', { id: 'c-old', draftId: 'd-old', status: 'Deleted', createdAt: '2026-01-01T08:00:00.000Z' }));
      await repos.clusters.insert(named('prod-1', { id: 'c-older', draftId: 'd-older', status: 'DeletedForced', createdAt: '2026-01-01T07:00:00.000Z' }));
      expect((await repos.clusters.findByName('platform', 'Prod-1'))?.id).toBe('c-old');
      await repos.clusters.insert(named('prod-1', { id: 'c-live', draftId: 'd-live', status: 'Running' }));
      expect((await repos.clusters.findByName('platform', 'prod-1'))?.id).toBe('c-live');
      expect(await repos.clusters.findByName(undefined, 'prod-1')).toBeUndefined();
    });

    it('lists by status, project and account, in the order recorded, and counts by status', async () => {
      await repos.clusters.insert(named('a', { status: 'Running' }));
      await repos.clusters.insert(named('b', { status: 'Deleting', project: undefined }));
      await repos.clusters.insert(named('c', { status: 'Deleting', spec: aSpec({ name: 'c', accountId: 'acct-2' }) }));
      const names = (list: Cluster[]) => list.map((c) => c.spec.name);
      expect(names(await repos.clusters.list())).toEqual(['a', 'b', 'c']);
      expect(names(await repos.clusters.list({ status: ['Deleting'] }))).toEqual(['b', 'c']);
      expect(names(await repos.clusters.list({ project: null }))).toEqual(['b']);
      expect(names(await repos.clusters.list({ project: 'platform', accountId: 'acct-2' }))).toEqual(['c']);
      expect(await repos.clusters.countByStatus()).toMatchObject({ Running: 1, Deleting: 2, Provisioning: 0, Deleted: 0 });
    });

    it('updates the stored record and hands back a copy; an unknown id is undefined', async () => {
      await repos.clusters.insert(named('prod-1'));
      const updated = await repos.clusters.update('c-prod-1', (c) => void (c.status = 'Running'));
      expect(updated?.status).toBe('Running');
      if (updated) updated.status = 'Failed';
      expect((await (await store.reopen()).clusters.get('c-prod-1'))?.status).toBe('Running');
      expect(await repos.clusters.update('c-nope', () => undefined)).toBeUndefined();
    });

    it('leaves the record as it was when the change returns false', async () => {
      await repos.clusters.insert(named('prod-1'));
      const unchanged = await repos.clusters.update('c-prod-1', (c) => ((c.status = 'Failed'), false));
      expect(unchanged?.status).toBe('Provisioning');
      expect((await repos.clusters.get('c-prod-1'))?.status).toBe('Provisioning');
    });

    it('applies 20 changes made at once to one cluster one after the other', async () => {
      await repos.clusters.insert(named('prod-1'));
      await Promise.all(Array.from({ length: 20 }, () => repos.clusters.update('c-prod-1', (c) => void (c.transientErrors += 1))));
      expect((await (await store.reopen()).clusters.get('c-prod-1'))?.transientErrors).toBe(20);
    });

    it('lets one caller claim a thread step, also after a restart', async () => {
      await repos.clusters.insert(named('prod-1'));
      const claims = await Promise.all(Array.from({ length: 10 }, () => repos.clusters.claim('c-prod-1', 'ready')));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await (await store.reopen()).clusters.claim('c-prod-1', 'ready')).toBe(false);
      expect((await repos.clusters.get('c-prod-1'))?.posted).toEqual(['ready']);
      expect(await repos.clusters.claim('c-nope', 'ready')).toBe(false);
    });

    it('lets a step be claimed again once a change took it off the posted list', async () => {
      await repos.clusters.insert(named('prod-1', { posted: ['created', 'deletion:requested'] }));
      expect(await repos.clusters.claim('c-prod-1', 'deletion:requested')).toBe(false);
      await repos.clusters.update('c-prod-1', (c) => void (c.posted = c.posted.filter((key) => key !== 'deletion:requested')));
      expect(await repos.clusters.claim('c-prod-1', 'deletion:requested')).toBe(true);
      expect((await repos.clusters.get('c-prod-1'))?.posted).toEqual(['created', 'deletion:requested']);
    });

    it('applies a batch of changes, their step claims and audit entries in one write, skipping clusters that are gone', async () => {
      await repos.clusters.insert(named('a', { posted: ['created'] }));
      await repos.clusters.insert(named('b'));
      const results = await repos.clusters.updateMany([
        { id: 'c-a', apply: (c, write) => ((c.status = 'Running'), ['created', 'ready'].filter((key) => write.claim(key))) },
        { id: 'c-gone', apply: () => ['never'] },
        {
          id: 'c-b',
          apply: (c, write) => {
            c.transientErrors = 1;
            write.audit({ at: '2026-01-01T09:00:00.000Z', actor: 'tkeops', action: 'cluster.note', target: c.id, detail: {} });
            return [];
          },
        },
      ]);
      expect(results.map((r) => [r.cluster.id, r.result])).toEqual([
        ['c-a', ['ready']],
        ['c-b', []],
      ]);
      const after = await store.reopen();
      expect(await after.clusters.get('c-a')).toMatchObject({ status: 'Running', posted: ['created', 'ready'] });
      expect(await after.clusters.claim('c-a', 'ready')).toBe(false);
      expect(await after.clusters.get('c-b')).toMatchObject({ transientErrors: 1 });
      expect(await after.audit.list({ target: 'c-b' })).toEqual([expect.objectContaining({ action: 'cluster.note' })]);
    });

    it('lets one of two batches claiming the same step at once have it', async () => {
      await repos.clusters.insert(named('a'));
      const batch = () => repos.clusters.updateMany([{ id: 'c-a', apply: (_c, write) => write.claim('ready') }]);
      const [first, second] = await Promise.all([batch(), batch()]);
      expect([first[0]?.result, second[0]?.result].sort()).toEqual([false, true]);
    });
  });

  describe('the account repository', () => {
    it('refuses a second account of the same name in a scope, whatever its case', async () => {
      expect(await repos.accounts.insertUnique(account)).toBe(true);
      expect(await repos.accounts.insertUnique({ ...account, id: 'acct-2', name: 'PROD' })).toBe(false);
      expect(await repos.accounts.insertUnique({ ...account, id: 'acct-3', scope: { kind: 'project', project: 'platform' } })).toBe(true);
      expect(repos.accounts.all().map((a) => a.id)).toEqual(['acct-1', 'acct-3']);
      expect((await store.reopen()).accounts.all()).toEqual([account, { ...account, id: 'acct-3', scope: { kind: 'project', project: 'platform' } }]);
    });

    it('removes an account only when no live cluster uses it, naming those that do', async () => {
      await repos.accounts.insertUnique(account);
      await repos.clusters.insert(named('web', { status: 'Running', spec: aSpec({ name: 'web', accountId: 'acct-1' }) }));
      await repos.clusters.insert(named('old', { status: 'Deleted', spec: aSpec({ name: 'old', accountId: 'acct-1' }) }));
      expect(await repos.accounts.removeUnused({ name: 'prod', scope: { kind: 'tenant' } })).toEqual({ removed: false, reason: 'in_use', clusters: ['web'] });
      await repos.clusters.update('c-web', (c) => void (c.status = 'Deleted'));
      expect(await repos.accounts.removeUnused({ name: 'prod', scope: { kind: 'tenant' } })).toEqual({ removed: true, account });
      expect(await repos.accounts.removeUnused({ name: 'prod', scope: { kind: 'tenant' } })).toEqual({ removed: false, reason: 'not_found' });
      expect(repos.accounts.all()).toEqual([]);
    });
  });

  describe('the draft repository', () => {
    it('lists a user’s drafts newest first and drops the stale ones when a draft is added', async () => {
      await repos.drafts.insert(draft('d-old', '2026-01-01T09:00:00.000Z'));
      await repos.drafts.insert(draft('d-mid', '2026-01-02T09:00:00.000Z'));
      await repos.drafts.insert(draft('d-other', '2026-01-02T10:00:00.000Z', { channel: 'C2' }));
      await repos.drafts.insert(draft('d-new', '2026-01-03T09:00:00.000Z'), { removeUpdatedBefore: '2026-01-02T00:00:00.000Z' });
      expect((await repos.drafts.list({ userId: 'U1', channel: 'C1' })).map((d) => d.id)).toEqual(['d-new', 'd-mid']);
      expect((await repos.drafts.list({ userId: 'U1' })).map((d) => d.id)).toEqual(['d-new', 'd-other', 'd-mid']);
      expect(await repos.drafts.list({ userId: 'U2' })).toEqual([]);
      expect(await repos.drafts.remove('d-mid')).toBe(true);
      expect((await (await store.reopen()).drafts.list({ userId: 'U1' })).map((d) => d.id)).toEqual(['d-new', 'd-other']);
    });

    it('gets, changes and removes a draft only when the condition holds of the stored one', async () => {
      await repos.drafts.insert(draft('d-1', '2026-01-01T09:00:00.000Z'));
      expect(await repos.drafts.update('d-1', (d) => void (d.viewId = 'V1'))).toMatchObject({ id: 'd-1', viewId: 'V1' });
      expect(await repos.drafts.update('d-1', (d) => ((d.viewId = 'V2'), false))).toMatchObject({ viewId: 'V1' });
      expect(await repos.drafts.update('d-nope', () => undefined)).toBeUndefined();
      expect((await repos.drafts.get('d-1'))?.viewId).toBe('V1');
      expect(await repos.drafts.remove('d-1', (d) => d.viewId === 'V2')).toBe(false);
      expect(await repos.drafts.remove('d-1', (d) => d.viewId === 'V1')).toBe(true);
      expect(await repos.drafts.get('d-1')).toBeUndefined();
      expect(await repos.drafts.remove('d-1')).toBe(false);
    });
  });

  describe('the audit log', () => {
    it('keeps entries in the order appended, and finds those about a target', async () => {
      const entry = (action: string, target: string) => ({ at: '2026-01-01T09:00:00.000Z', actor: 'U1', action, target, detail: { n: 1, ok: true, why: 'x' } });
      await repos.audit.append(entry('cluster.create', 'c-1'), entry('account.add', 'acct-1'));
      await repos.audit.append(entry('cluster.delete', 'c-1'));
      expect((await (await store.reopen()).audit.list()).map((e) => e.action)).toEqual(['cluster.create', 'account.add', 'cluster.delete']);
      expect(await repos.audit.list({ target: 'c-1' })).toEqual([entry('cluster.create', 'c-1'), entry('cluster.delete', 'c-1')]);
    });
  });

  describe('the outbox repository', () => {
    it('keeps a message recorded before it is sent across a restart, until it is marked sent with its ts', async () => {
      await repos.outbox.record([root('c-1'), reply('c-2', 'created')]);

      const after = await store.reopen();
      expect(await after.outbox.pending()).toEqual([root('c-1'), reply('c-2', 'created')]);
      await after.outbox.markSent('c-1', 'root', '1767258000.000100');

      const again = await store.reopen();
      expect(await again.outbox.pending()).toEqual([reply('c-2', 'created')]);
      expect(await again.outbox.find('c-1', 'root')).toEqual({ ...root('c-1'), ts: '1767258000.000100' });
    });

    it('records one message per cluster and step: recording it again keeps the first record', async () => {
      await repos.outbox.record([root('c-1', '2026-01-01T09:00:00.000Z')]);
      await repos.outbox.record([root('c-1', '2026-01-01T09:05:00.000Z'), root('c-2', '2026-01-01T09:05:00.000Z')]);
      expect(await repos.outbox.pending()).toEqual([root('c-1', '2026-01-01T09:00:00.000Z'), root('c-2', '2026-01-01T09:05:00.000Z')]);
    });

    it('forgets a message Slack did not take, and the sent ones recorded before the given time', async () => {
      await repos.outbox.record([reply('c-1', 'created', '2026-01-01T09:00:00.000Z'), reply('c-1', 'ready', '2026-01-01T09:00:00.000Z'), reply('c-1', 'refused')]);
      await repos.outbox.markSent('c-1', 'created', '1767258000.000200');
      await repos.outbox.forget('c-1', 'refused');
      await repos.outbox.record([reply('c-2', 'created', '2026-01-03T09:00:00.000Z')], { removeSentBefore: '2026-01-02T09:00:00.000Z' });

      expect(await repos.outbox.find('c-1', 'created')).toBeUndefined();
      expect(await repos.outbox.find('c-1', 'refused')).toBeUndefined();
      expect(await repos.outbox.pending()).toEqual([reply('c-1', 'ready'), reply('c-2', 'created', '2026-01-03T09:00:00.000Z')]);
    });

    it('lets a replica take a pending message to resume it, never one Slack took or one forgotten', async () => {
      await repos.outbox.record([reply('c-1', 'created'), reply('c-1', 'ready'), reply('c-1', 'refused')]);
      await repos.outbox.markSent('c-1', 'ready', '1767258000.000200');
      await repos.outbox.forget('c-1', 'refused');
      const take = (step: string) => repos.outbox.take('c-1', step, 'replica-b', '2026-01-01T09:01:00.000Z', '2026-01-01T09:00:00.000Z');
      expect(await take('created')).toBe(true);
      expect(await take('ready')).toBe(false);
      expect(await take('refused')).toBe(false);
      expect(await take('missing')).toBe(false);
    });
  });
});

describe('the PostgreSQL outbox, several replicas', () => {
  const postgres = postgresStore();
  afterEach(() => postgres.reset());
  afterAll(() => postgres.remove());

  it('leaves a message to the replica sending it until its hold passes (renewed by that replica meanwhile), then lets another take it', async () => {
    const repos = await postgres.open();
    await repos.outbox.record([{ ...reply('c-1', 'created'), heldBy: 'replica-a', heldUntil: '2026-01-01T09:01:00.000Z' }]);
    const takeAt = (replica: string, now: string) => repos.outbox.take('c-1', 'created', replica, new Date(Date.parse(now) + 60_000).toISOString(), now);

    expect(await takeAt('replica-b', '2026-01-01T09:00:30.000Z')).toBe(false);
    // Replica A renews its hold while the message waits for Slack.
    expect(await takeAt('replica-a', '2026-01-01T09:00:40.000Z')).toBe(true);
    expect(await takeAt('replica-b', '2026-01-01T09:01:30.000Z')).toBe(false);
    // Replica A died: once its hold has passed, replica B takes the message to resume it.
    expect(await takeAt('replica-b', '2026-01-01T09:01:41.000Z')).toBe(true);
    expect(await takeAt('replica-a', '2026-01-01T09:01:42.000Z')).toBe(false);
    expect((await repos.outbox.find('c-1', 'created'))?.heldBy).toBe('replica-b');
  });
});

describe('the lowdb cluster repository', () => {
  const lowdb = lowdbStore();
  afterEach(() => lowdb.reset());

  it('lists snapshots: a listed cluster cannot be changed in place, and an update shows in the next list', async () => {
    const repos = await lowdb.open();
    await repos.clusters.insert(named('snap', { status: 'Running' }));
    const [listed] = await repos.clusters.list();
    expect(() => {
      (listed as Cluster).status = 'Deleting';
    }).toThrow(TypeError);
    expect(() => (listed as Cluster).posted.push('x')).toThrow(TypeError);
    expect((await repos.clusters.get('c-snap'))?.status).toBe('Running');
    await repos.clusters.update('c-snap', (c) => void (c.status = 'Deleting'));
    expect((await repos.clusters.list()).map((c) => c.status)).toEqual(['Deleting']);
    expect(listed?.status).toBe('Running');
  });
});
