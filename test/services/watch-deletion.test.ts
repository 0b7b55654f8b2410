import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/services/logger.js';
import type { LifecycleDeps } from '../../src/lifecycle/operation.js';
import type { TkeClusterStatus, TkeGateway } from '../../src/services/tke.js';
import { deletionOperation } from '../../src/lifecycle/deletion.js';
import { advanceOperation } from '../../src/lifecycle/runner.js';
import { threadMessage } from '../../src/views/cluster-thread.js';
import { ActionIds } from '../../src/views/ids.js';
import { aCluster } from '../support/clusters.js';
import { deletionWorld, DELETION_ACCOUNT, MINUTE, ON_CALL, ON_CALL_MENTION, type DeletionWorld } from '../support/deletion-world.js';

let w: DeletionWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function deleting(options: { stuck: boolean }) {
  w = await deletionWorld();
  const t = w;
  const cluster = await t.runningCluster();
  if (options.stuck) t.tencent.stickDeleting(cluster.tkeClusterId as string);
  await t.deletion.requestDeletion(cluster.id, 'U0PADMIN1');
  await t.idle();
  return { t, cluster };
}

/**
 * The deletion check alone (no watcher, no Tencent calls) on a cluster whose deletion was requested
 * at 09:00, with Tencent reporting it in `tencentStatus` at `now`.
 */
function checkDeletionAt(input: { tencentStatus: TkeClusterStatus; now: string }) {
  const deps = {
    tke: {} as TkeGateway,
    provisioning: {} as LifecycleDeps['provisioning'],
    forceDeleteAfterMs: 15 * MINUTE,
    onCall: () => ON_CALL,
    logger: createLogger({ level: 'silent' }),
  };
  const record = aCluster({
    status: 'Deleting',
    thread: { channel: 'C0PLATFORM', ts: '1700000000.000100' },
    deletion: { requestedBy: 'U0PADMIN1', requestedAt: '2026-01-01T09:00:00.000Z' },
  });
  return advanceOperation(deletionOperation, {
    record,
    tencent: { clusterId: 'cls-test0001', name: 'prod-1', status: input.tencentStatus, tags: [] },
    target: { credential: DELETION_ACCOUNT, region: 'ap-guangzhou' },
    now: new Date(input.now),
    deps,
  });
}

/** Thread posts that carry the Force Delete Cluster button. */
const offers = (t: DeletionWorld) => t.chat.posts().filter((p) => JSON.stringify(p.blocks ?? []).includes(ActionIds.clusterForceDelete));

describe('the watcher during a deletion', () => {
  it('marks the cluster Deleted once Tencent no longer has it, with a final reply and the root updated', async () => {
    const { t, cluster } = await deleting({ stuck: false });
    t.clock.advance(MINUTE);

    await t.tick();

    const after = t.cluster(cluster.id);
    expect(after.status).toBe('Deleted');
    expect(after.deletion?.deletedAt).toBe(t.clock.now().toISOString());
    expect(t.replies().at(-1)).toContain(`Cluster *prod-1* deleted: Tencent no longer has \`${cluster.tkeClusterId}\` (after 1m 00s)`);
    expect(t.chat.updates().at(-1)?.text).toContain('prod-1: Deleted (Deleted after 1m 00s · approved by <@U0PADMIN1>)');
    expect(t.audit().at(-1)).toMatchObject({ actor: 'tkeops', action: 'cluster.deleted', target: cluster.id });
  });

  it('stops watching a deleted cluster', async () => {
    const { t } = await deleting({ stuck: false });
    t.clock.advance(MINUTE);
    await t.tick();
    t.tencent.clearRequests();

    const report = await t.tick();

    expect(report.watched).toBe(0);
    expect(t.tencent.requests).toHaveLength(0);
  });

  it('keeps a deletion Deleting when Tencent refuses the status check, and tells the thread once it lasts', async () => {
    const { t, cluster } = await deleting({ stuck: true });
    t.tencent.failNext('DescribeClusters', { code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found', times: 4 });

    for (let i = 0; i < 4; i++) {
      t.clock.advance(10_000);
      await t.tick();
    }

    expect(t.cluster(cluster.id).status).toBe('Deleting');
    expect(t.replies().filter((text) => text.includes('AuthFailure.SecretIdNotFound'))).toHaveLength(1);
    expect(t.replies().join('\n')).not.toContain('Provisioning failed');
  });

  it('stays quiet on the ticks between milestones', async () => {
    const { t } = await deleting({ stuck: true });
    const before = t.chat.calls.length;

    for (let i = 0; i < 8; i++) {
      t.clock.advance(30_000);
      await t.tick();
    }

    expect(t.chat.calls.length).toBe(before);
  });

  it('posts one progress reply per five minutes of deleting, with what is left', async () => {
    const { t } = await deleting({ stuck: true });
    t.clock.advance(5 * MINUTE);

    await t.tick();
    await t.tick();
    t.clock.advance(30_000);
    await t.tick();

    const progress = t.replies().filter((text) => text.includes('Still deleting'));
    expect(progress).toEqual([
      ':hourglass_flowing_sand: Still deleting after 5m 00s: 1 instance, 1 disk and 1 load balancer left. Force delete becomes available in 10m 00s.',
    ]);
  });

  it('posts no Force Delete Cluster button before the threshold', async () => {
    const { t, cluster } = await deleting({ stuck: true });
    t.clock.advance(14 * MINUTE + 59_000);

    await t.tick();

    expect(offers(t)).toHaveLength(0);
    expect(t.cluster(cluster.id).posted).not.toContain('delete:force-offer');
  });

  it('posts the Force Delete Cluster button once at the threshold, mentioning on-call, however many ticks follow', async () => {
    const { t, cluster } = await deleting({ stuck: true });
    t.clock.advance(15 * MINUTE);

    await t.tick();
    for (let i = 0; i < 5; i++) {
      t.clock.advance(MINUTE);
      await t.tick();
    }

    const posted = offers(t);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.text).toContain(`${ON_CALL_MENTION} *prod-1* has been stuck in Deleting for 15m 00s`);
    expect(posted[0]?.thread_ts).toBe(cluster.thread?.ts);
    expect(t.cluster(cluster.id).posted.filter((key) => key === 'delete:force-offer')).toHaveLength(1);
    const offered = t.audit().filter((e) => e.action === 'cluster.forceDelete.offered');
    expect(offered.map((e) => e.at)).toEqual([new Date(t.clock.now().getTime() - 5 * MINUTE).toISOString()]);
  });

  it('leaves the cluster alone while Tencent still reports it as it was before the DeleteCluster, until the threshold', async () => {
    const outcome = await checkDeletionAt({ tencentStatus: 'Running', now: '2026-01-01T09:14:59.000Z' });

    expect(outcome).toEqual({});
  });

  it('offers force delete at the threshold even when Tencent never took the deletion in, saying what Tencent reports', async () => {
    const outcome = await checkDeletionAt({ tencentStatus: 'Abnormal', now: '2026-01-01T09:15:00.000Z' });

    expect(outcome?.replies?.[0]?.key).toBe('delete:force-offer');
    expect(threadMessage(outcome.replies?.[0]?.event ?? { kind: 'stepDone', label: 'none' }).text).toContain('*prod-1* is still *Abnormal* in Tencent 15m 00s after its deletion was asked');
  });

  it('counts the threshold from the stored request time, not from when the watcher first saw the cluster', async () => {
    const outcome = await checkDeletionAt({ tencentStatus: 'Deleting', now: '2026-01-01T09:15:00.000Z' });

    expect(outcome?.replies?.[0]?.key).toBe('delete:force-offer');
  });
});
