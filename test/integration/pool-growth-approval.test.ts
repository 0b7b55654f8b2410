import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { SlackCall } from '../../src/sandbox/slack/index.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds, BlockIds, CallbackIds } from '../../src/views/ids.js';
import { CHANNELS, DEFAULT_POLICY_YAML, startTestBot, USERS } from '../support/bot.js';
import { addPlatformAccount, deployThroughSlack, tickUntil } from '../support/cluster-flow.js';
import { messageBlockAction, viewSubmission } from '../support/payloads.js';
import { botPerTest } from '../support/running-cluster.js';

/**
 * Two-person approval of a pool growth (policy `approval.poolGrowth`): a scale that raises desired
 * or max nodes waits on the cluster for a second person; the real Bolt app over signed HTTP, the
 * real SDK against the emulator, a lowdb file and a ManualClock.
 */

const APPROVERS_GROUP = 'S0APPROVERS';
const APPROVER = 'U0APPROVER2';
const APPROVER_TWO = 'U0APPROVER3';

/** The default test policy with a pool growth rule on project platform. */
const policyWith = (rule: string) =>
  DEFAULT_POLICY_YAML.replace(/(admins: \[U0PADMIN1\]\n {4}members: everyone\n)/, `$1    approval:\n      poolGrowth: ${rule}\n`);

const { use, bot, prod } = botPerTest();
const text = (call: SlackCall) => String(call.body.text ?? '');
const threadPosts = () => bot().slack.calls('chat.postMessage').filter((c) => c.body.thread_ts !== undefined);
const repliesMatching = (pattern: RegExp) => threadPosts().map(text).filter((reply) => pattern.test(reply));
const tencentCalls = (action: string) => bot().tencent.requestsFor(action);
const SCALE_ACTIONS = ['ModifyClusterNodePool', 'ModifyNodePoolDesiredCapacityAboutAsg'];
const scaleCalls = () => SCALE_ACTIONS.flatMap(tencentCalls);
const desiredSent = () => tencentCalls('ModifyNodePoolDesiredCapacityAboutAsg').map((r) => (r.params as { DesiredCapacity?: number }).DesiredCapacity);

/** prod-1 of project platform under `rule`, deployed through Slack and Running with its 2 nodes (min 1, max 3). */
async function runningCluster(rule: string, env: Record<string, string> = {}): Promise<ClusterRecord> {
  use(await startTestBot({ policyYaml: policyWith(rule), env }));
  bot().slack.setUserGroup(APPROVERS_GROUP, [APPROVER, APPROVER_TWO]);
  const accountId = await addPlatformAccount(bot());
  await deployThroughSlack(bot(), accountId, 'prod-1');
  await tickUntil(bot(), () => prod().status === 'Running');
  bot().tencent.clearRequests();
  return prod();
}

/** `/tke scale prod-1` as the project's admin, then submit `sizes`: the submission's answer. */
async function scale(sizes: { min: string; desired: string; max: string }) {
  const before = bot().slack.calls('views.open').length;
  await bot().send.command('scale prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
  const view = calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView;
  return bot().send.viewSubmission(
    viewSubmission({
      user: USERS.projectAdmin,
      view,
      viewId: `V0SCALE${before}`,
      input: { [ActionIds.poolScaleMin]: sizes.min, [ActionIds.poolScaleDesired]: sizes.desired, [ActionIds.poolScaleMax]: sizes.max },
    }),
  );
}

const isRequest = (c: SlackCall) => c.method === 'chat.postMessage' && c.body.thread_ts !== undefined && text(c).includes('Approval needed');

/** Scales prod-1's pool from 2 to 4 nodes (max 3 → 5) and waits for the approval request in the thread. */
async function askGrowth(): Promise<{ text?: unknown; blocks?: unknown }> {
  expect((await scale({ min: '1', desired: '4', max: '5' })).status).toBe(200);
  const calls = await bot().slack.waitFor((all) => all.some(isRequest));
  return calls.find(isRequest)?.body ?? {};
}

const click = (user: string, message: { text?: unknown; blocks?: unknown }, actionId: string) =>
  bot().send.blockActions(
    messageBlockAction({ user, channel: CHANNELS.platform, message, messageTs: '1700000009.000100', actionId, responseUrl: `${bot().slack.url}/response/${user}` }),
  );
const answeredTo = (user: string) => (c: SlackCall) => c.method === 'response_url' && c.body.response_url === `/response/${user}`;

/** Ticks the watcher `n` times at the clock's time. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await bot().bot.watcher.tick(bot().clock.now());
}

describe('approval of a pool growth', () => {
  it('under an "always" rule the scale calls nothing at Tencent: the thread gets the request, the change blocks others, the watcher waits', async () => {
    await runningCluster(`{ approvers: ${APPROVERS_GROUP}, when: always }`);
    const request = await askGrowth();

    const shown = String(request.text);
    expect(shown).toContain(`<@${USERS.projectAdmin}> asks for a scale of worker pool *default* (min 1 · desired 2 · max 3 → min 1 · desired 4 · max 5)`);
    expect(shown).toMatch(/Estimated price per 30 days: [\d,.]+ CNY → [\d,.]+ CNY/);
    expect(shown).toContain(`<!subteam^${APPROVERS_GROUP}>`);
    expect(JSON.stringify(request.blocks)).toContain(ActionIds.changeApprovalReject);

    await ticks(3);
    expect(scaleCalls()).toEqual([]);
    expect(prod().spec.workerPools[0]).toMatchObject({ minSize: 1, desiredSize: 2, maxSize: 3 });

    // Another change waits too, told why.
    bot().clock.advance(4 * 60_000);
    const second = await bot().send.command('scale prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    expect(String(second.json?.text ?? second.text)).toContain(`Worker pool scaling of pool *default* awaits approval, asked by <@${USERS.projectAdmin}> 4 min ago`);
  });

  it("refuses the requester's own Approve privately; a tenant admin's break-glass approval runs the scale, recorded as such", async () => {
    await runningCluster(`{ approvers: ${APPROVERS_GROUP}, when: always }`);
    const request = await askGrowth();

    await click(USERS.projectAdmin, request, ActionIds.changeApprovalApprove);
    const calls = await bot().slack.waitFor((all) => all.some(answeredTo(USERS.projectAdmin)));
    expect(text(calls.find(answeredTo(USERS.projectAdmin)) as SlackCall)).toContain('someone else has to approve');
    await ticks(2);
    expect(scaleCalls()).toEqual([]);

    await click(USERS.tenantAdmin, request, ActionIds.changeApprovalBreakGlass);
    await bot().slack.waitFor(() => repliesMatching(/approved as \*break-glass\*/).length > 0);
    await tickUntil(bot(), () => prod().change === undefined);
    expect(desiredSent()).toEqual([4]);
    expect(repliesMatching(new RegExp(`approved as \\*break-glass\\* by <@${USERS.tenantAdmin}>`))).toHaveLength(1);
    const audit = bot().bot.store.read((data) => data.audit.map((e) => e.action));
    expect(audit).toContain('cluster.scalePool.approve.breakGlass');
  });

  it('10 concurrent Approve clicks by two approvers: one ModifyClusterNodePool, one "approved" reply, the pool scaled', async () => {
    await runningCluster(`{ approvers: ${APPROVERS_GROUP}, when: always }`);
    const request = await askGrowth();

    await Promise.all(Array.from({ length: 10 }, (_, i) => click(i % 2 === 0 ? APPROVER : APPROVER_TWO, request, ActionIds.changeApprovalApprove)));
    await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length === 9 && repliesMatching(/was approved by/).length > 0);
    await bot().bot.settled();
    await bot().bot.services.threads.idle();
    expect(repliesMatching(/was approved by/)).toHaveLength(1);
    for (const other of bot().slack.calls('response_url')) expect(text(other)).toContain('already approved by');

    await tickUntil(bot(), () => prod().change === undefined);
    expect(tencentCalls('ModifyClusterNodePool')).toHaveLength(1);
    expect(tencentCalls('ModifyNodePoolDesiredCapacityAboutAsg')).toHaveLength(1);
    expect(prod().spec.workerPools[0]).toMatchObject({ minSize: 1, desiredSize: 4, maxSize: 5 });
    expect(repliesMatching(/now has 4 ready nodes/)).toHaveLength(1);
  });

  it('Reject asks why, removes the change and says who and why; the pool stays as it was', async () => {
    await runningCluster(`{ approvers: ${APPROVERS_GROUP}, when: always }`);
    const request = await askGrowth();

    await click(APPROVER, request, ActionIds.changeApprovalReject);
    const isRejectModal = (c: SlackCall) => c.method === 'views.open' && (c.body.view as { callback_id?: string }).callback_id === CallbackIds.changeApprovalReject;
    const modal = (await bot().slack.waitFor((all) => all.some(isRejectModal))).find(isRejectModal)?.body.view as never;
    const empty = await bot().send.viewSubmission(viewSubmission({ user: APPROVER, view: modal, viewId: 'V0REJECT', input: { [BlockIds.approvalRejectReason]: '' } }));
    expect(JSON.stringify(empty.json)).toContain('Say why');
    await bot().send.viewSubmission(viewSubmission({ user: APPROVER, view: modal, viewId: 'V0REJECT', input: { [BlockIds.approvalRejectReason]: 'not this quarter' } }));
    await bot().slack.waitFor(() => repliesMatching(/was rejected by/).length > 0);

    const [reply] = repliesMatching(/was rejected by/);
    expect(reply).toContain(`<@${USERS.projectAdmin}>, the scale of worker pool *default*`);
    expect(reply).toContain(`rejected by <@${APPROVER}>: not this quarter`);
    expect(prod().change).toBeUndefined();
    await ticks(3);
    expect(scaleCalls()).toEqual([]);
    expect(prod().spec.workerPools[0]).toMatchObject({ minSize: 1, desiredSize: 2, maxSize: 3 });

    // A late Approve is told the request is closed; a new change may start.
    await click(APPROVER_TWO, request, ActionIds.changeApprovalApprove);
    const calls = await bot().slack.waitFor((all) => all.some(answeredTo(APPROVER_TWO)));
    expect(text(calls.find(answeredTo(APPROVER_TWO)) as SlackCall)).toContain('no longer awaits approval');
    expect((await scale({ min: '1', desired: '1', max: '3' })).json).toBeUndefined();
  });

  it('an unanswered request is closed by the watcher after APPROVAL_TIMEOUT_HOURS, across a restart, naming the requester; nothing changes', async () => {
    await runningCluster(`{ approvers: ${APPROVERS_GROUP}, when: always }`, { APPROVAL_TIMEOUT_HOURS: '2' });
    await askGrowth();
    // The request's time is stored: a restart changes nothing.
    use(await bot().restart());

    bot().clock.advance(2 * 3_600_000 - 1_000);
    await ticks(1);
    expect(prod().change).toBeDefined();
    bot().clock.advance(1_000);
    await ticks(2);
    await bot().slack.waitFor(() => repliesMatching(/nobody approved/).length > 0);

    expect(repliesMatching(new RegExp(`^:hourglass: <@${USERS.projectAdmin}>, nobody approved the scale of worker pool \\*default\\*.* within 2h 00m 00s`))).toHaveLength(1);
    expect(prod().change).toBeUndefined();
    expect(scaleCalls()).toEqual([]);
    expect(prod().spec.workerPools[0]).toMatchObject({ minSize: 1, desiredSize: 2, maxSize: 3 });
  });

  it('no approval below the cost threshold, nor for a scale down: Tencent is asked at once', async () => {
    // 2 nodes cost 648 CNY per 30 days with the control plane, 3 nodes 900, 4 nodes 1,152 (the emulator's prices).
    await runningCluster(`{ approvers: ${APPROVERS_GROUP}, whenMonthlyCostAbove: 1000 }`);
    expect((await scale({ min: '1', desired: '3', max: '3' })).json).toBeUndefined();
    // A growth under a cost rule is priced after the ack: the change is recorded once that is done.
    await bot().bot.settled();
    expect(prod().change?.approval).toBeUndefined();
    await tickUntil(bot(), () => repliesMatching(/now has 3 ready nodes/).length > 0);
    expect(desiredSent()).toEqual([3]);

    expect((await scale({ min: '1', desired: '1', max: '2' })).json).toBeUndefined();
    await tickUntil(bot(), () => repliesMatching(/now has 1 ready node /).length > 0);
    expect(desiredSent()).toEqual([3, 1]);
    expect(threadPosts().filter(isRequest)).toEqual([]);
  });

  it('above the cost threshold the growth asks, saying why', async () => {
    await runningCluster(`{ approvers: ${APPROVERS_GROUP}, whenMonthlyCostAbove: 1000 }`);
    const request = await askGrowth();
    expect(String(request.text)).toContain("Estimated price per 30 days: 648.00 CNY → 1,152.00 CNY. Why: the estimated price after it is above this project's 1,000.00 per 30 days");
    await ticks(2);
    expect(scaleCalls()).toEqual([]);
  });
});
