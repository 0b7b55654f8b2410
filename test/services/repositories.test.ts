import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClusterLookup } from '../../src/services/cluster-lookup.js';
import type { Cluster } from '../../src/services/domain/index.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import type { Repositories } from '../../src/services/repositories/repositories.js';
import { openStore } from '../../src/services/store.js';
import { aCluster, aSpec } from '../support/clusters.js';

let dir: string;
let file: string;
let repos: Repositories;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-repos-'));
  file = path.join(dir, 'db.json');
  repos = createLowdbRepositories(await openStore(file));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The repositories of a tkeops restarted on the same file. */
const reopened = async () => createLowdbRepositories(await openStore(file));

const named = (name: string, overrides: Partial<Cluster> = {}) => aCluster({ id: `c-${name}`, draftId: `d-${name}`, spec: aSpec({ name }), project: 'platform', ...overrides });

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
    expect(await (await reopened()).clusters.list()).toEqual([first]);
  });

  it('finds by name the live cluster first, else the latest deleted one', async () => {
    await repos.clusters.insert(named('prod-1', { id: 'c-old', draftId: 'd-old', status: 'Deleted', createdAt: '2026-01-01T08:00:00.000Z' }));
    await repos.clusters.insert(named('prod-1', { id: 'c-older', draftId: 'd-older', status: 'DeletedForced', createdAt: '2026-01-01T07:00:00.000Z' }));
    expect((await repos.clusters.findByName('platform', 'Prod-1'))?.id).toBe('c-old');
    await repos.clusters.insert(named('prod-1', { id: 'c-live', draftId: 'd-live', status: 'Running' }));
    expect((await repos.clusters.findByName('platform', 'prod-1'))?.id).toBe('c-live');
    expect(await repos.clusters.findByName(undefined, 'prod-1')).toBeUndefined();
  });

  it('lists snapshots: a listed cluster cannot be changed in place, and an update shows in the next list', async () => {
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

  it('lists by status, project and account', async () => {
    await repos.clusters.insert(named('a', { status: 'Running' }));
    await repos.clusters.insert(named('b', { status: 'Deleting', project: undefined }));
    await repos.clusters.insert(named('c', { status: 'Deleting', spec: aSpec({ name: 'c', accountId: 'acct-2' }) }));
    const names = (list: Cluster[]) => list.map((c) => c.spec.name);
    expect(names(await repos.clusters.list({ status: ['Deleting'] }))).toEqual(['b', 'c']);
    expect(names(await repos.clusters.list({ project: null }))).toEqual(['b']);
    expect(names(await repos.clusters.list({ project: 'platform', accountId: 'acct-2' }))).toEqual(['c']);
  });

  it('updates the stored record and hands back a copy; an unknown id is undefined', async () => {
    await repos.clusters.insert(named('prod-1'));
    const updated = await repos.clusters.update('c-prod-1', (c) => void (c.status = 'Running'));
    expect(updated?.status).toBe('Running');
    if (updated) updated.status = 'Failed';
    expect((await (await reopened()).clusters.get('c-prod-1'))?.status).toBe('Running');
    expect(await repos.clusters.update('c-nope', () => undefined)).toBeUndefined();
  });

  it('lets one caller claim a thread step, also after a restart', async () => {
    await repos.clusters.insert(named('prod-1'));
    const claims = await Promise.all([repos.clusters.claim('c-prod-1', 'ready'), repos.clusters.claim('c-prod-1', 'ready')]);
    expect(claims.sort()).toEqual([false, true]);
    expect(await (await reopened()).clusters.claim('c-prod-1', 'ready')).toBe(false);
    expect(await repos.clusters.claim('c-nope', 'ready')).toBe(false);
  });

  it("applies a batch of changes, their step claims and audit entries in one write, skipping clusters that are gone", async () => {
    const store = await openStore(file);
    const repositories = createLowdbRepositories(store);
    await repositories.clusters.insert(named('a', { posted: ['created'] }));
    await repositories.clusters.insert(named('b'));
    const results = await repositories.clusters.updateMany([
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
    expect(results.map((r) => [r.cluster.id, r.result])).toEqual([['c-a', ['ready']], ['c-b', []]]);
    const after = await reopened();
    expect(await after.clusters.get('c-a')).toMatchObject({ status: 'Running', posted: ['created', 'ready'] });
    expect(await after.clusters.get('c-b')).toMatchObject({ transientErrors: 1 });
    expect(await after.audit.list({ target: 'c-b' })).toEqual([expect.objectContaining({ action: 'cluster.note' })]);
  });
});

describe('the account repository', () => {
  const account = { id: 'acct-1', name: 'Prod', description: '', scope: { kind: 'tenant' } as const, secretId: 'AKIDx', secretKey: { iv: 'i', tag: 't', data: 'd' }, addedBy: 'U1', addedAt: 'x', validatedAt: 'x' };

  it('refuses a second account of the same name in a scope, whatever its case', async () => {
    expect(await repos.accounts.insertUnique(account)).toBe(true);
    expect(await repos.accounts.insertUnique({ ...account, id: 'acct-2', name: 'PROD' })).toBe(false);
    expect(await repos.accounts.insertUnique({ ...account, id: 'acct-3', scope: { kind: 'project', project: 'platform' } })).toBe(true);
    expect((await reopened()).accounts.all().map((a) => a.id)).toEqual(['acct-1', 'acct-3']);
  });

  it('removes an account only when no live cluster uses it, naming those that do', async () => {
    await repos.accounts.insertUnique(account);
    await repos.clusters.insert(named('web', { status: 'Running', spec: aSpec({ name: 'web', accountId: 'acct-1' }) }));
    await repos.clusters.insert(named('old', { status: 'Deleted', spec: aSpec({ name: 'old', accountId: 'acct-1' }) }));
    expect(await repos.accounts.removeUnused({ name: 'prod', scope: { kind: 'tenant' } })).toEqual({ removed: false, reason: 'in_use', clusters: ['web'] });
    await repos.clusters.update('c-web', (c) => void (c.status = 'Deleted'));
    expect(await repos.accounts.removeUnused({ name: 'prod', scope: { kind: 'tenant' } })).toEqual({ removed: true, account });
    expect(await repos.accounts.removeUnused({ name: 'prod', scope: { kind: 'tenant' } })).toEqual({ removed: false, reason: 'not_found' });
  });
});

describe('the draft repository', () => {
  const draft = (id: string, updatedAt: string) => ({ id, userId: 'U1', channel: 'C1', spec: {}, createdAt: updatedAt, updatedAt });

  it('lists a user’s drafts newest first and drops the stale ones when a draft is added', async () => {
    await repos.drafts.insert(draft('d-old', '2026-01-01T09:00:00.000Z'));
    await repos.drafts.insert(draft('d-mid', '2026-01-02T09:00:00.000Z'));
    await repos.drafts.insert(draft('d-new', '2026-01-03T09:00:00.000Z'), { removeUpdatedBefore: '2026-01-02T00:00:00.000Z' });
    expect((await repos.drafts.list({ userId: 'U1', channel: 'C1' })).map((d) => d.id)).toEqual(['d-new', 'd-mid']);
    expect(await repos.drafts.remove('d-mid')).toBe(true);
    expect((await (await reopened()).drafts.list({ userId: 'U1' })).map((d) => d.id)).toEqual(['d-new']);
  });
});
