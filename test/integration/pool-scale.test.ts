import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds, BlockIds } from '../../src/views/ids.js';
import { CHANNELS, USERS } from '../support/bot.js';
import { tickUntil } from '../support/cluster-flow.js';
import { viewSubmission } from '../support/payloads.js';
import { botPerTest, clickInOverview, openByCommand, runningProd, tencentParams, threadRepliesOf } from '../support/running-cluster.js';

const MINUTE = 60_000;

const { use, bot, prod } = botPerTest();
const threadReplies = () => threadRepliesOf(bot());
const repliesMatching = (pattern: RegExp) => threadReplies().filter((reply) => pattern.test(reply));
const params = (action: string) => tencentParams(bot(), action);

/** prod-1 of project platform, deployed through Slack and followed until Running with its 2 nodes ready. */
async function runningCluster(): Promise<ClusterRecord> {
  use(await runningProd());
  return prod();
}

/** `/tke scale prod-1` as `user`: the modal the bot opened, or the ephemeral answer. */
const openScale = (user: string = USERS.projectAdmin) => openByCommand(bot(), 'scale prod-1', user, 'V0SCALE');

function submitScale(modal: { view?: ModalView; viewId: string }, sizes: { min: string; desired: string; max: string }, user: string = USERS.projectAdmin) {
  return bot().send.viewSubmission(
    viewSubmission({
      user,
      view: modal.view as ModalView,
      viewId: modal.viewId,
      input: { [ActionIds.poolScaleMin]: sizes.min, [ActionIds.poolScaleDesired]: sizes.desired, [ActionIds.poolScaleMax]: sizes.max },
    }),
  );
}

/** `/tke status prod-1` as `user`: the ephemeral overview Slack got through the response_url. */
async function overview(user: string = USERS.projectAdmin): Promise<Record<string, unknown>> {
  const before = bot().slack.calls('response_url').length;
  await bot().send.command('status prod-1', { user, channel: CHANNELS.platform });
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
  return calls.filter((c) => c.method === 'response_url').at(-1)?.body ?? {};
}
const overviewText = async (user?: string) => JSON.stringify(await overview(user));

describe('/tke scale', () => {
  it('scales a pool end to end: the modal shows the sizes and Tencent’s nodes, Tencent gets the chosen sizes, the thread and overview follow', async () => {
    const cluster = await runningCluster();
    const nodePoolId = cluster.progress.pools[0]?.nodePoolId;

    const modal = await openScale();
    const shown = JSON.stringify(modal.view?.blocks);
    expect(shown).toContain('now min 1 · desired 2 · max 3');
    expect(shown).toContain('Tencent reports *2* ready of 2 nodes');

    expect((await submitScale(modal, { min: '1', desired: '4', max: '5' })).status).toBe(200);
    await tickUntil(bot(), () => prod().change === undefined);

    expect(params('ModifyClusterNodePool')).toEqual([{ ClusterId: cluster.tkeClusterId, NodePoolId: nodePoolId, MinNodesNum: 1, MaxNodesNum: 5 }]);
    expect(params('ModifyNodePoolDesiredCapacityAboutAsg')).toEqual([{ ClusterId: cluster.tkeClusterId, NodePoolId: nodePoolId, DesiredCapacity: 4 }]);
    expect(repliesMatching(/Scaling worker pool \*default\*: min 1 · desired 2 · max 3 → min 1 · desired 4 · max 5/)).toHaveLength(1);
    expect(repliesMatching(/^:white_check_mark: <@U0PADMIN1> worker pool \*default\* now has 4 ready nodes \(min 1, max 5\)/)).toHaveLength(1);

    expect(prod().status).toBe('Running');
    expect(prod().spec.workerPools[0]).toMatchObject({ minSize: 1, desiredSize: 4, maxSize: 5 });
    expect(await overviewText()).toContain('4/4 nodes ready (min 1, max 5)');
    const audit = bot().bot.store.read((data) => data.audit.map((e) => e.action));
    expect(audit).toEqual(expect.arrayContaining(['cluster.scalePool', 'cluster.scalePool.done']));
  });

  it("offers Scale in the overview to the project's admin, not to a member, and the button opens the pool's modal", async () => {
    await runningCluster();
    const shown = await overview();
    expect(JSON.stringify(shown)).toContain(`${ActionIds.clusterScalePool}:default`);
    expect(await overviewText(USERS.member)).not.toContain(ActionIds.clusterScalePool);

    expect(JSON.stringify(await clickInOverview(bot(), shown, `${ActionIds.clusterScalePool}:default`))).toContain('now min 1 · desired 2 · max 3');
  });

  it('refuses sizes outside the wizard’s rules inline, and a member by the policy', async () => {
    await runningCluster();
    const modal = await openScale();
    const answer = await submitScale(modal, { min: '2', desired: '7', max: '5' });
    expect(answer.json).toEqual({ response_action: 'errors', errors: { [BlockIds.poolScaleDesired]: 'The desired size must be between the minimum (2) and the maximum (5)' } });
    expect(prod().change).toBeUndefined();

    const member = await openScale(USERS.member);
    expect(member.answer).toContain("change this cluster's worker pools");
    expect(member.answer).toContain('<@U0PADMIN1>');
  });

  it('refuses a second operation while one runs, naming who started it and when', async () => {
    await runningCluster();
    await submitScale(await openScale(), { min: '1', desired: '3', max: '3' });
    bot().clock.advance(4 * MINUTE);
    const second = await openScale(USERS.tenantAdmin);
    expect(second.answer).toBe('Worker pool scaling in progress, started by <@U0PADMIN1> 4 min ago. Try again when it is done.');
  });

  it('finishes a scale interrupted by a restart without repeating a Tencent call or a reply', async () => {
    await runningCluster();
    await submitScale(await openScale(), { min: '0', desired: '1', max: '3' });
    bot().clock.advance(15_000);
    await bot().bot.watcher.tick(bot().clock.now());
    await bot().bot.services.threads.idle();
    await bot().bot.settled();
    expect(params('ModifyNodePoolDesiredCapacityAboutAsg')).toHaveLength(1);
    expect(prod().change?.steps['scale-requested']).toBeDefined();

    use(await bot().restart());
    await tickUntil(bot(), () => prod().change === undefined);

    expect(params('ModifyClusterNodePool')).toHaveLength(1);
    expect(params('ModifyNodePoolDesiredCapacityAboutAsg')).toEqual([expect.objectContaining({ DesiredCapacity: 1 })]);
    expect(repliesMatching(/Scaling worker pool/)).toHaveLength(1);
    expect(repliesMatching(/now has 1 ready node /)).toHaveLength(1);
    expect(prod().spec.workerPools[0]).toMatchObject({ minSize: 0, desiredSize: 1, maxSize: 3 });
  });

  it('posts Tencent’s refusal with its code and leaves the cluster Running, ready for another change', async () => {
    await runningCluster();
    bot().tencent.failNext('ModifyNodePoolDesiredCapacityAboutAsg', { code: 'InvalidParameter.Param', message: 'DesiredCapacity out of range' });
    await submitScale(await openScale(), { min: '1', desired: '3', max: '3' });
    await tickUntil(bot(), () => prod().change === undefined);

    const failed = repliesMatching(/scaling failed/);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('<@U0PADMIN1>');
    expect(failed[0]).toContain('InvalidParameter.Param');
    expect(prod().status).toBe('Running');
    expect(prod().spec.workerPools[0]).toMatchObject({ desiredSize: 2 });
    expect((await openScale()).view).toBeDefined();
  });
});

describe('a pool change on a cluster that also expires', () => {
  it('follows both in the same ticks: the scale finishes and the 24 h reminder is posted once', async () => {
    const cluster = await runningCluster();
    const now = bot().clock.now().getTime();
    await bot().bot.store.update((data) => {
      const found = data.clusters.find((c) => c.id === cluster.id);
      if (!found) return;
      found.expiresAt = new Date(now + 23 * 60 * MINUTE).toISOString();
      found.expirySetAt = new Date(now - 2 * 60 * MINUTE).toISOString();
      found.expirySetBy = USERS.member;
    });

    const modal = await openScale();
    expect((await submitScale(modal, { min: '1', desired: '3', max: '3' })).status).toBe(200);
    await tickUntil(bot(), () => prod().change === undefined);
    await tickUntil(bot(), () => repliesMatching(/expires/).length > 0, 2);

    expect(params('ModifyNodePoolDesiredCapacityAboutAsg')).toEqual([{ ClusterId: cluster.tkeClusterId, NodePoolId: cluster.progress.pools[0]?.nodePoolId, DesiredCapacity: 3 }]);
    expect(prod().spec.workerPools[0]?.desiredSize).toBe(3);
    expect(repliesMatching(/\*prod-1\* expires/)).toHaveLength(1);
    expect(prod().status).toBe('Running');
  });
});
