import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds, BlockIds } from '../../src/views/ids.js';
import { CHANNELS, DEFAULT_POLICY_YAML, USERS } from '../support/bot.js';
import { tickUntil } from '../support/cluster-flow.js';
import type { SlackCall } from '../support/fake-slack.js';
import { messageBlockAction, viewSubmission } from '../support/payloads.js';
import { botPerTest, clickInOverview, runningProd, tencentParams, textOf, threadRepliesOf } from '../support/running-cluster.js';
import { aPoolForm } from '../support/wizard-forms.js';

const MINUTE = 60_000;

const { use, bot, prod } = botPerTest();
const text = textOf;
const threadReplies = () => threadRepliesOf(bot());
const repliesMatching = (pattern: RegExp) => threadReplies().filter((reply) => pattern.test(reply));
const params = (action: string) => tencentParams(bot(), action);
const UPGRADE_ACTIONS = ['UpdateClusterVersion', 'CheckInstancesUpgradeAble', 'UpgradeClusterInstances'] as const;

/** prod-1 of project platform (Kubernetes 1.30.0), deployed through Slack and followed until Running with its 3 nodes ready. */
async function runningCluster(policyYaml?: string): Promise<ClusterRecord> {
  use(await runningProd({ policyYaml, pools: [aPoolForm({ name: 'default', desiredSize: '3', maxSize: '3' })] }));
  return prod();
}

/** `/tke upgrade prod-1` as `user`: the modal the bot opened, or the ephemeral answer (the ack's, or later through the response_url). */
async function openUpgrade(user: string = USERS.projectAdmin): Promise<{ view?: ModalView; viewId: string; answer: string }> {
  const before = bot().slack.calls().filter((c) => c.method === 'views.open' || c.method === 'response_url').length;
  const reply = await bot().send.command('upgrade prod-1', { user, channel: CHANNELS.platform });
  const answer = String(reply.json?.text ?? reply.text ?? '');
  if (answer !== '') return { answer, viewId: '' };
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'views.open' || c.method === 'response_url').length > before);
  const last = calls.filter((c) => c.method === 'views.open' || c.method === 'response_url').at(-1);
  if (last?.method === 'response_url') return { answer: text(last), viewId: '' };
  return { view: last?.body.view as ModalView, viewId: `V0UPGRADE${before}`, answer };
}

function submitUpgrade(modal: { view?: ModalView; viewId: string }, choice: { version?: string; type?: string; maxUnavailable?: string } = {}, user: string = USERS.projectAdmin) {
  return bot().send.viewSubmission(
    viewSubmission({
      user,
      view: modal.view as ModalView,
      viewId: modal.viewId,
      input: {
        ...(choice.version ? { [ActionIds.upgradeVersion]: choice.version } : {}),
        ...(choice.type ? { [ActionIds.upgradeType]: choice.type } : {}),
        ...(choice.maxUnavailable ? { [ActionIds.upgradeMaxUnavailable]: choice.maxUnavailable } : {}),
      },
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
/** `n` watcher ticks, 15 s of the clock apart. */
async function watcherTicks(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    bot().clock.advance(15_000);
    await bot().bot.watcher.tick(bot().clock.now());
    await bot().bot.services.threads.idle();
  }
}
const nodeIds = () => (bot().tencent.requestsFor('UpgradeClusterInstances')[0]?.params as { InstanceIds?: string[] } | undefined)?.InstanceIds;

describe('/tke upgrade', () => {
  it('upgrades end to end: the modal lists what Tencent offers, the control plane then the nodes in batches, one reply each, the version everywhere', async () => {
    const cluster = await runningCluster();

    const modal = await openUpgrade();
    const shown = JSON.stringify(modal.view?.blocks);
    expect(shown).toContain('runs Kubernetes *1.30.0*');
    expect(shown).toContain('Kubernetes 1.32.2');
    expect(shown).toContain('Worker node upgrade');
    expect(shown).toContain('Max unavailable nodes');
    expect(shown).toContain('The control plane is upgraded first');
    expect(params('DescribeAvailableClusterVersion')).toEqual([{ ClusterId: cluster.tkeClusterId }]);

    expect((await submitUpgrade(modal, { version: '1.32.2', type: 'reset', maxUnavailable: '2' })).status).toBe(200);
    await tickUntil(bot(), () => prod().change === undefined);

    expect(params('UpdateClusterVersion')).toEqual([{ ClusterId: cluster.tkeClusterId, DstVersion: '1.32.2' }]);
    expect(params('CheckInstancesUpgradeAble')).toEqual([expect.objectContaining({ ClusterId: cluster.tkeClusterId, UpgradeType: 'reset' })]);
    expect(params('UpgradeClusterInstances')).toEqual([
      { ClusterId: cluster.tkeClusterId, Operation: 'create', UpgradeType: 'reset', InstanceIds: expect.any(Array), Concurrent: 2 },
    ]);
    expect(nodeIds()).toHaveLength(3);

    expect(repliesMatching(/Upgrading Kubernetes 1\.30\.0 → \*1\.32\.2\*: the control plane first/)).toHaveLength(1);
    expect(repliesMatching(/Control plane at Kubernetes \*1\.32\.2\*/)).toHaveLength(1);
    expect(repliesMatching(/Upgrading 3 worker nodes to 1\.32\.2 in 2 batches \(reset, 2 at a time\)/)).toHaveLength(1);
    expect(repliesMatching(/Batch 1\/2 at 1\.32\.2/)).toHaveLength(1);
    expect(repliesMatching(/Batch 2\/2 at 1\.32\.2/)).toHaveLength(1);
    const final = repliesMatching(/everywhere/);
    expect(final).toEqual([expect.stringMatching(/^:tada: <@U0PADMIN1> Kubernetes \*1\.32\.2\* everywhere: the control plane and 3 upgraded worker nodes/)]);

    expect(prod().status).toBe('Running');
    expect(bot().tencent.cluster(cluster.tkeClusterId as string)?.version).toBe('1.32.2');
    expect(await overviewText()).toContain('control plane 1.32.2 · worker nodes: 3 at 1.32.2');
    const audit = bot().bot.store.read((data) => data.audit.map((e) => e.action));
    expect(audit).toEqual(expect.arrayContaining(['cluster.upgrade', 'cluster.upgrade.done']));
  });

  it("offers Upgrade Kubernetes in the overview to the project's admin, not to a member, and the button opens the modal", async () => {
    await runningCluster();
    const shown = await overview();
    expect(JSON.stringify(shown)).toContain(ActionIds.clusterUpgrade);
    expect(await overviewText(USERS.member)).not.toContain(ActionIds.clusterUpgrade);

    expect(JSON.stringify(await clickInOverview(bot(), shown, ActionIds.clusterUpgrade))).toContain('runs Kubernetes *1.30.0*');
  });

  it("refuses a member by the policy, naming who may, and a max unavailable outside 1–15 inline", async () => {
    await runningCluster();
    const member = await openUpgrade(USERS.member);
    expect(member.answer).toContain("upgrade this cluster's Kubernetes version");
    expect(member.answer).toContain('<@U0PADMIN1>');
    expect(params('DescribeAvailableClusterVersion')).toEqual([]);

    const answer = await submitUpgrade(await openUpgrade(), { maxUnavailable: '20' });
    expect(answer.json).toEqual({ response_action: 'errors', errors: { [BlockIds.upgradeMaxUnavailable]: 'Max unavailable nodes must be a whole number from 1 to 15' } });
    expect(prod().change).toBeUndefined();
  });

  it('refuses a second operation while the upgrade runs, naming who started it and when', async () => {
    await runningCluster();
    await submitUpgrade(await openUpgrade());
    bot().clock.advance(4 * MINUTE);
    const inProgress = 'Kubernetes upgrade in progress, started by <@U0PADMIN1> 4 min ago. Try again when it is done.';
    expect((await openUpgrade(USERS.tenantAdmin)).answer).toBe(inProgress);
    const scale = await bot().send.command('scale prod-1', { user: USERS.tenantAdmin, channel: CHANNELS.platform });
    expect(String(scale.json?.text ?? scale.text)).toBe(inProgress);
    expect(await overviewText()).not.toContain(ActionIds.clusterUpgrade);
  });

  it('finishes an upgrade interrupted by a restart without repeating a Tencent call or a reply', async () => {
    await runningCluster();
    await submitUpgrade(await openUpgrade(), { maxUnavailable: '1' });
    await tickUntil(bot(), () => Object.keys(prod().change?.steps ?? {}).some((key) => key.endsWith('#1')));
    await bot().bot.settled();
    expect(params('UpgradeClusterInstances')).toHaveLength(1);

    use(await bot().restart());
    await tickUntil(bot(), () => prod().change === undefined);

    for (const action of UPGRADE_ACTIONS) expect(params(action)).toHaveLength(1);
    expect(params('UpgradeClusterInstances')[0]).toMatchObject({ Operation: 'create', UpgradeType: 'major', Concurrent: 1 });
    expect(repliesMatching(/Upgrading Kubernetes/)).toHaveLength(1);
    expect(repliesMatching(/Control plane at/)).toHaveLength(1);
    for (const batch of [1, 2, 3]) expect(repliesMatching(new RegExp(`Batch ${batch}/3 at`))).toHaveLength(1);
    expect(repliesMatching(/everywhere/)).toHaveLength(1);
  });

  it('posts DescribeAvailableClusterVersion’s refusal with its code and starts nothing', async () => {
    await runningCluster();
    bot().tencent.failNext('DescribeAvailableClusterVersion', { code: 'FailedOperation', message: 'version service unavailable' });
    const answer = (await openUpgrade()).answer;
    expect(answer).toContain('*FailedOperation* during DescribeAvailableClusterVersion: version service unavailable');
    expect(answer).toContain('request id');
    expect(prod().change).toBeUndefined();
  });

  it.each([
    { action: 'UpdateClusterVersion', code: 'ResourceInUse', versions: undefined },
    { action: 'CheckInstancesUpgradeAble', code: 'FailedOperation', versions: 'control plane 1.32.2' },
    { action: 'UpgradeClusterInstances', code: 'InvalidParameter.Param', versions: 'control plane 1.32.2 · worker nodes: 3 at 1.30.0' },
    { action: 'GetUpgradeInstanceProgress', code: 'ResourceNotFound', versions: 'control plane 1.32.2 · worker nodes: 3 at 1.30.0' },
  ])('posts $action’s refusal with its code and request id; the cluster stays Running at the versions it has', async ({ action, code, versions }) => {
    await runningCluster();
    bot().tencent.failNext(action, { code, message: `${action} refused` });
    await submitUpgrade(await openUpgrade());
    await tickUntil(bot(), () => prod().change === undefined);

    const failed = repliesMatching(/Kubernetes upgrade failed; the cluster is still Running/);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('<@U0PADMIN1>');
    expect(failed[0]).toContain(`*${code}* during ${action}: ${action} refused`);
    expect(failed[0]).toContain('request id');
    expect(repliesMatching(/everywhere/)).toEqual([]);
    expect(prod().status).toBe('Running');
    const shown = await overviewText();
    if (versions) expect(shown).toContain(versions);
    else expect(shown).not.toContain('control plane');
    expect(shown).toContain(ActionIds.clusterUpgrade);
  });
});

/** The default test policy with project platform's `approval.upgrade` rule. */
const upgradeRule = (rule: string) => DEFAULT_POLICY_YAML.replace(/(admins: \[U0PADMIN1\]\n {4}members: everyone\n)/, `$1    approval:\n      upgrade: ${rule}\n`);

describe('two-person approval of an upgrade (approval.upgrade)', () => {
  /** The request's thread reply, as Slack got it. */
  const request = () => bot().slack.calls('chat.postMessage').find((c) => /Approval needed/.test(text(c)));
  const click = async (user: string, actionId: string) => {
    await bot().slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage' && /Approval needed/.test(text(c))));
    const posted = request();
    return bot().send.blockActions(
      messageBlockAction({
        user,
        channel: CHANNELS.platform,
        message: posted?.body ?? {},
        messageTs: '1700000009.000100',
        actionId,
        responseUrl: `${bot().slack.url}/response/${user}`,
      }),
    );
  };
  const answeredTo = (user: string) => (c: SlackCall) => c.method === 'response_url' && c.body.response_url === `/response/${user}`;

  it('holds the upgrade until someone else approves it: the request in the thread, nothing at Tencent, then the whole upgrade', async () => {
    await runningCluster(upgradeRule('{ approvers: admins, when: always }'));
    await submitUpgrade(await openUpgrade());
    await watcherTicks(4);

    expect(request()?.body.text).toMatch(/Approval needed\* before <@U0PADMIN1>'s upgrade of Kubernetes 1\.30\.0 → \*1\.32\.2\* starts/);
    expect(JSON.stringify(request()?.body.blocks)).toContain(ActionIds.upgradeApprove);
    for (const action of UPGRADE_ACTIONS) expect(params(action)).toEqual([]);

    await click(USERS.projectAdmin, ActionIds.upgradeApprove);
    const own = await bot().slack.waitFor((all) => all.some(answeredTo(USERS.projectAdmin)));
    expect(text(own.filter(answeredTo(USERS.projectAdmin)).at(-1) as SlackCall)).toContain('someone else has to approve or reject it');
    expect((await openUpgrade(USERS.tenantAdmin)).answer).toMatch(/^Kubernetes upgrade in progress, started by <@U0PADMIN1>/);

    await click(USERS.tenantAdmin, ActionIds.upgradeApprove);
    await click(USERS.tenantAdmin, ActionIds.upgradeApprove);
    await bot().slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage' && /upgrade approved by/.test(text(c))));
    await tickUntil(bot(), () => prod().change === undefined);

    expect(repliesMatching(/upgrade approved by <@U0TENANT1>/)).toHaveLength(1);
    for (const action of UPGRADE_ACTIONS) expect(params(action)).toHaveLength(1);
    expect(repliesMatching(/everywhere/)).toHaveLength(1);
    const audit = bot().bot.store.read((data) => data.audit.map((e) => e.action));
    expect(audit).toEqual(expect.arrayContaining(['cluster.upgrade', 'cluster.upgrade.approve', 'cluster.upgrade.done']));
  });

  it('ends a rejected upgrade without calling Tencent, telling the requester', async () => {
    await runningCluster(upgradeRule('{ approvers: admins, when: always }'));
    await submitUpgrade(await openUpgrade());
    await click(USERS.tenantAdmin, ActionIds.upgradeReject);
    await bot().slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage' && /upgrade rejected/.test(text(c))));
    await watcherTicks(3);

    expect(prod().change).toBeUndefined();
    expect(repliesMatching(/^:no_entry_sign: <@U0PADMIN1>, upgrade rejected by <@U0TENANT1>/)).toHaveLength(1);
    for (const action of UPGRADE_ACTIONS) expect(params(action)).toEqual([]);
    expect((await openUpgrade()).view).toBeDefined();
  });

  it('closes an upgrade request nobody answered within APPROVAL_TIMEOUT_HOURS (24 h), telling the requester; nothing reaches Tencent', async () => {
    await runningCluster(upgradeRule('{ approvers: admins, when: always }'));
    await submitUpgrade(await openUpgrade());
    await bot().slack.waitFor(() => request() !== undefined);

    bot().clock.advance(24 * 3_600_000 - 1_000);
    await bot().bot.watcher.tick(bot().clock.now());
    expect(prod().change?.kind).toBe('upgrade');
    bot().clock.advance(1_000);
    await bot().bot.watcher.tick(bot().clock.now());
    await bot().slack.waitFor(() => repliesMatching(/nobody approved/).length > 0);

    expect(repliesMatching(/^:hourglass: <@U0PADMIN1>, nobody approved the upgrade of Kubernetes 1\.30\.0 → \*1\.32\.2\* within 24h 00m 00s/)).toHaveLength(1);
    expect(prod().change).toBeUndefined();
    for (const action of UPGRADE_ACTIONS) expect(params(action)).toEqual([]);
    // A late Approve is told the request is closed, and starts nothing.
    await click(USERS.tenantAdmin, ActionIds.upgradeApprove);
    await bot().slack.waitFor((all) => all.some((c) => /\*prod-1\* is not waiting for approval/.test(text(c))));
    await watcherTicks(2);
    for (const action of UPGRADE_ACTIONS) expect(params(action)).toEqual([]);
    const again = await openUpgrade();
    expect(again.answer).toBe('');
    expect(again.view).toBeDefined();
  });

  it('starts at once under a "never" rule', async () => {
    await runningCluster(upgradeRule('{ approvers: admins, when: never }'));
    await submitUpgrade(await openUpgrade());
    await tickUntil(bot(), () => prod().change === undefined);
    expect(request()).toBeUndefined();
    expect(params('UpdateClusterVersion')).toHaveLength(1);
  });
});
