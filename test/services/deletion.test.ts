import { deletionRefusalText } from '../../src/views/deletion-refusals.js';
import { afterEach, describe, expect, it } from 'vitest';
import { confirmationProblem, forceDeleteAvailability } from '../../src/services/deletion-rules.js';
import { DeletionError, leftoversOf } from '../../src/services/deletion.js';
import { CREATE_OUTCOME_AFTER_MS } from '../../src/services/watcher.js';
import { aCluster } from '../support/clusters.js';
import { specIn } from '../support/seed-clusters.js';
import { DELETION_ACCOUNT, deletionWorld, MINUTE, type DeletionWorld } from '../support/deletion-world.js';

let w: DeletionWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});
const start = async (options: Parameters<typeof deletionWorld>[0] = {}) => (w = await deletionWorld(options));

async function refusal(run: () => Promise<unknown>): Promise<DeletionError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DeletionError) return error;
    throw error;
  }
  throw new Error('expected a DeletionError');
}

describe('the typed confirmation', () => {
  it('accepts only the exact cluster name', () => {
    expect(confirmationProblem('prod-1', 'prod-1')).toBeUndefined();
    expect(confirmationProblem('Prod-1', 'prod-1')).toMatch(/case/);
    expect(confirmationProblem('prod-1 ', 'prod-1')).toMatch(/spaces/);
    expect(confirmationProblem(' prod-1', 'prod-1')).toMatch(/spaces/);
    expect(confirmationProblem('', 'prod-1')).toMatch(/Type the cluster name, prod-1/);
    expect(confirmationProblem(null, 'prod-1')).toBeDefined();
    expect(confirmationProblem('prod-2', 'prod-1')).toMatch(/not this cluster's name/);
  });
});

describe('requesting a deletion', () => {
  it('asks Tencent to terminate the instances and the CBS disks, and stores who asked and when', async () => {
    const t = await start();
    const cluster = await t.runningCluster();
    t.tencent.clearRequests();

    const deleting = await t.deletion.requestDeletion(cluster.id, 'U0PADMIN1');

    const [request] = t.tencent.requestsFor('DeleteCluster');
    expect(request?.params).toMatchObject({
      ClusterId: cluster.tkeClusterId,
      InstanceDeleteMode: 'terminate',
      ResourceDeleteOptions: [{ ResourceType: 'CBS', DeleteMode: 'terminate' }],
    });
    expect(deleting.status).toBe('Deleting');
    expect(deleting.deletion).toEqual({ requestedBy: 'U0PADMIN1', requestedAt: t.clock.now().toISOString() });
    expect(t.audit().at(-1)).toMatchObject({ actor: 'U0PADMIN1', action: 'cluster.delete', target: cluster.id });
  });

  it('names who approved it in the thread and puts Deleting on the root message', async () => {
    const t = await start();
    const cluster = await t.runningCluster();

    await t.deletion.requestDeletion(cluster.id, 'U0PADMIN1');
    await t.idle();

    expect(t.replies().at(-1)).toContain('<@U0PADMIN1> approved the deletion of *prod-1*');
    const since = Math.floor(t.clock.now().getTime() / 1000);
    expect(t.chat.updates().at(-1)?.text).toContain(`prod-1: Deleting (Deleting since <!date^${since}^{date_short_pretty} {time}|`);
    expect(t.chat.updates().at(-1)?.text).toContain('· approved by <@U0PADMIN1>)');
  });

  it('calls DeleteCluster once when the same cluster is confirmed twice at once', async () => {
    const t = await start();
    const cluster = await t.runningCluster();
    t.tencent.clearRequests();

    const results = await Promise.allSettled([
      t.deletion.requestDeletion(cluster.id, 'U0PADMIN1'),
      t.deletion.requestDeletion(cluster.id, 'U0TENANT1'),
    ]);

    expect(t.tencent.requestsFor('DeleteCluster')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason).toMatchObject({ reason: 'already_deleting' });
  });

  it('marks a cluster Tencent never created as Deleted at once, without calling Tencent', async () => {
    const t = await start();
    const cluster = await t.runningCluster();
    // As Deploy leaves a cluster whose CreateCluster Tencent refused.
    await t.store.update((data) => {
      const failed = data.clusters.find((c) => c.id === cluster.id);
      if (failed) Object.assign(failed, { status: 'Failed', tkeClusterId: undefined });
    });
    t.tencent.clearRequests();

    const deleted = await t.deletion.requestDeletion(cluster.id, 'U0PADMIN1');

    expect(deleted.status).toBe('Deleted');
    expect(deleted.deletion?.deletedAt).toBe(t.clock.now().toISOString());
    expect(t.tencent.requests).toHaveLength(0);
  });

  it('deletes a cluster a crash left Creating, once the watcher found no trace of it at Tencent, without calling Tencent', async () => {
    const t = await start();
    const now = t.clock.now().toISOString();
    // Deploy recorded it, then the app died before CreateCluster's answer was stored.
    const crashed = aCluster({ id: 'c-crashed', spec: specIn('ap-guangzhou', 'prod-1', 'acct-1'), status: 'Creating', createdAt: now, progress: { pools: [], addons: [] } });
    delete crashed.tkeClusterId;
    await t.store.update((data) => void data.clusters.push(crashed));
    t.clock.advance(CREATE_OUTCOME_AFTER_MS);
    await t.tick();
    t.tencent.clearRequests();

    const deleted = await t.deletion.requestDeletion(crashed.id, 'U0PADMIN1');

    expect(deleted.status).toBe('Deleted');
    expect(t.tencent.requests).toHaveLength(0);
  });

  it('refuses a cluster that is already deleted', async () => {
    const t = await start();
    const cluster = await t.runningCluster();
    await t.deletion.requestDeletion(cluster.id, 'U0PADMIN1');
    t.clock.advance(MINUTE);
    await t.tick();
    t.tencent.clearRequests();

    const error = await refusal(() => t.deletion.requestDeletion(cluster.id, 'U0PADMIN1'));

    expect(error.reason).toBe('already_deleted');
    expect(t.tencent.requestsFor('DeleteCluster')).toHaveLength(0);
  });

  it("keeps the cluster's status and gives Tencent's code and message when DeleteCluster fails", async () => {
    const t = await start();
    const cluster = await t.runningCluster();
    t.tencent.failNext('DeleteCluster', { code: 'OperationDenied', message: 'Cluster has deletion protection enabled.' });

    const error = await refusal(() => t.deletion.requestDeletion(cluster.id, 'U0PADMIN1'));

    expect(error.reason).toBe('tencent');
    expect(deletionRefusalText(error.refusal)).toContain('*OperationDenied* during DeleteCluster: Cluster has deletion protection enabled.');
    const after = t.cluster(cluster.id);
    expect(after.status).toBe('Running');
    expect(after.deletion).toBeUndefined();
    expect(t.audit().at(-1)).toMatchObject({ action: 'cluster.delete.failed', detail: { code: 'OperationDenied' } });
  });
});

describe('leftover resources', () => {
  it("lists the CVM instances, CBS disks and CLB load balancers tagged with the cluster's TKE id", async () => {
    const t = await start();
    const cluster = await t.runningCluster();
    const expected = t.tencent.resources(cluster.tkeClusterId as string);

    const leftovers = await leftoversOf(t.tke, { credential: DELETION_ACCOUNT, region: cluster.spec.region }, { id: cluster.id, tkeClusterId: cluster.tkeClusterId as string });

    expect(leftovers.instances.map((i) => i.instanceId).sort()).toEqual(expected.instances.map((i) => i.instanceId).sort());
    expect(leftovers.disks.map((d) => d.diskId).sort()).toEqual(expected.disks.map((d) => d.diskId).sort());
    expect(leftovers.loadBalancers.map((lb) => lb.loadBalancerId)).toEqual(expected.loadBalancers.map((lb) => lb.loadBalancerId));
    expect(leftovers.instances).toHaveLength(2);
    expect(leftovers.loadBalancers).toHaveLength(1);
  });

  it("looks for TKE's tag and tkeops' own tag, and lists a resource carrying both once", async () => {
    const t = await start();
    const cluster = await t.runningCluster();
    t.tencent.clearRequests();

    const leftovers = await leftoversOf(t.tke, { credential: DELETION_ACCOUNT, region: cluster.spec.region }, { id: cluster.id, tkeClusterId: cluster.tkeClusterId as string });

    const filters = t.tencent.requestsFor('DescribeInstances').map((r) => (r.params as { Filters: unknown }).Filters);
    expect(filters).toEqual(
      expect.arrayContaining([[{ Name: 'tag:tke-clusterId', Values: [cluster.tkeClusterId] }], [{ Name: 'tag:tkeops-cluster', Values: [cluster.id] }]]),
    );
    const instances = t.tencent.resources(cluster.tkeClusterId as string).instances;
    expect(instances.every((i) => i.tags.some((tag) => tag.key === 'tkeops-cluster' && tag.value === cluster.id))).toBe(true);
    expect(leftovers.instances.map((i) => i.instanceId).sort()).toEqual(instances.map((i) => i.instanceId).sort());
  });
});

describe('force delete', () => {
  async function stuckCluster(t: DeletionWorld) {
    const cluster = await t.runningCluster();
    t.tencent.stickDeleting(cluster.tkeClusterId as string);
    await t.deletion.requestDeletion(cluster.id, 'U0PADMIN1');
    return cluster;
  }

  it('is refused before the threshold, saying how long is left', async () => {
    const t = await start();
    const cluster = await stuckCluster(t);
    t.clock.advance(14 * MINUTE + 59_000);
    t.tencent.clearRequests();

    const error = await refusal(() => t.deletion.forceDelete(cluster.id, 'U0ONCALL1'));

    expect(error.reason).toBe('too_early');
    expect(deletionRefusalText(error.refusal)).toContain('in 1s');
    expect(t.tencent.requestsFor('DeleteCluster')).toHaveLength(0);
  });

  it('counts the threshold from the stored request time', () => {
    const requestedAt = '2026-01-01T09:00:00.000Z';
    const record = { status: 'Deleting' as const, deletion: { requestedBy: 'U1', requestedAt } };
    expect(forceDeleteAvailability(record, new Date('2026-01-01T09:14:59.000Z'), 15 * MINUTE)).toMatchObject({ kind: 'wait', ms: 1000 });
    expect(forceDeleteAvailability(record, new Date('2026-01-01T09:15:00.000Z'), 15 * MINUTE)).toEqual({ kind: 'available' });
  });

  it('deletes once more with everything terminated, marks the cluster Deleted (forced) and posts what is left', async () => {
    const t = await start();
    const cluster = await stuckCluster(t);
    t.clock.advance(15 * MINUTE);
    t.tencent.clearRequests();

    const result = await t.deletion.forceDelete(cluster.id, 'U0ONCALL1');
    await t.idle();

    const [request] = t.tencent.requestsFor('DeleteCluster');
    expect(request?.params).toMatchObject({
      ClusterId: cluster.tkeClusterId,
      InstanceDeleteMode: 'terminate',
      ResourceDeleteOptions: [
        { ResourceType: 'CBS', DeleteMode: 'terminate', SkipDeletionProtection: false },
        { ResourceType: 'CLB', DeleteMode: 'terminate', SkipDeletionProtection: false },
      ],
    });
    expect(t.tencent.cluster(cluster.tkeClusterId as string)).toBeUndefined();
    const after = t.cluster(cluster.id);
    expect(after.status).toBe('DeletedForced');
    expect(after.deletion).toMatchObject({ forcedBy: 'U0ONCALL1', forcedAt: t.clock.now().toISOString() });
    const left = t.tencent.resources(cluster.tkeClusterId as string);
    expect(result.leftovers?.instances.map((i) => i.instanceId)).toEqual(left.instances.map((i) => i.instanceId));
    const reply = t.chat.posts().at(-1);
    expect(reply?.text).toContain('<@U0ONCALL1> force deleted *prod-1*');
    expect(JSON.stringify(reply?.blocks)).toContain(left.instances[0]?.instanceId as string);
    expect(JSON.stringify(reply?.blocks)).toContain(left.loadBalancers[0]?.loadBalancerId as string);
    expect(t.audit().map((e) => e.action)).toEqual(expect.arrayContaining(['cluster.forceDelete.requested', 'cluster.forceDelete']));
  });

  it('stops watching a force-deleted cluster', async () => {
    const t = await start();
    const cluster = await stuckCluster(t);
    t.clock.advance(15 * MINUTE);
    await t.deletion.forceDelete(cluster.id, 'U0ONCALL1');
    t.tencent.clearRequests();

    const report = await t.tick();

    expect(report.watched).toBe(0);
    expect(t.tencent.requestsFor('DescribeClusters')).toHaveLength(0);
  });

  it('sends one DeleteCluster when two people force delete at once', async () => {
    const t = await start();
    const cluster = await stuckCluster(t);
    t.clock.advance(15 * MINUTE);
    t.tencent.clearRequests();

    const results = await Promise.allSettled([t.deletion.forceDelete(cluster.id, 'U0ONCALL1'), t.deletion.forceDelete(cluster.id, 'U0TENANT1')]);

    expect(t.tencent.requestsFor('DeleteCluster')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('leaves the cluster Deleting, ready for another try, when Tencent refuses', async () => {
    const t = await start();
    const cluster = await stuckCluster(t);
    t.clock.advance(15 * MINUTE);
    t.tencent.failNext('DeleteCluster', { code: 'InternalError.UnexpectedInternal', message: 'try later' });

    const error = await refusal(() => t.deletion.forceDelete(cluster.id, 'U0ONCALL1'));

    const refused = t.tencent.requestsFor('DeleteCluster').at(-1);
    expect(deletionRefusalText(error.refusal)).toContain(`*InternalError.UnexpectedInternal* during DeleteCluster: try later (request id \`${refused?.requestId}\`)`);
    const after = t.cluster(cluster.id);
    expect(after.status).toBe('Deleting');
    expect(after.deletion?.forcedBy).toBeUndefined();
    expect(t.deletion.forceDeleteRefusal(after)).toBeUndefined();
    expect(t.audit().at(-1)).toMatchObject({ action: 'cluster.forceDelete.failed', actor: 'U0ONCALL1' });
  });
});
