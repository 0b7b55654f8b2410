import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../src/sandbox/slack/index.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds, BlockIds, CallbackIds } from '../../src/views/ids.js';
import { CHANNELS, DEFAULT_POLICY_YAML, startTestBot, USERS, type TestBot } from '../support/bot.js';
import { addPlatformAccount, clusterNamed, deployThroughSlack, tickUntil } from '../support/cluster-flow.js';
import { messageBlockAction, viewSubmission } from '../support/payloads.js';
import { aPoolForm, aWizardForm, aWizardOptions } from '../support/wizard-forms.js';
import { wizardView } from '../../src/views/wizard/screen.js';

/**
 * Two-person approval of a create (policy `approval.create`): the real Bolt app over signed HTTP,
 * the real SDK against the emulator, a lowdb file and a ManualClock.
 */

const APPROVERS_GROUP = 'S0APPROVERS';
const APPROVER = 'U0APPROVER2';

/** The default test policy with an approval rule on project platform. */
const policyWith = (rule: string) => DEFAULT_POLICY_YAML.replace(/(admins: \[U0PADMIN1\]\n {4}members: everyone\n)/, `$1    approval:\n      create: ${rule}\n`);

let t: TestBot;
afterEach(async () => {
  await t.stop();
});

async function botWith(rule: string, env: Record<string, string> = {}) {
  t = await startTestBot({ policyYaml: policyWith(rule), env });
  const accountId = await addPlatformAccount(t);
  t.tencent.clearRequests();
  return accountId;
}

/** The root message as last posted or edited: the approval request. */
function rootMessage(cluster: ClusterRecord): { text?: unknown; blocks?: unknown } {
  const edits = t.slack.calls('chat.update').filter((c) => c.body.ts === cluster.thread?.ts);
  return (edits.at(-1) ?? t.slack.calls('chat.postMessage').find((c) => c.body.channel === CHANNELS.platform && !c.body.thread_ts))?.body ?? {};
}

const buttonsOf = (message: { blocks?: unknown }) =>
  ((message.blocks ?? []) as { type: string; elements?: { action_id?: string }[] }[]).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []).map((e) => e.action_id) : []));

const click = (user: string, cluster: ClusterRecord, actionId: string, message = rootMessage(cluster)) =>
  t.send.blockActions(
    messageBlockAction({ user, channel: CHANNELS.platform, message, messageTs: cluster.thread?.ts ?? '', actionId, responseUrl: `${t.slack.url}/response/${user}` }),
  );

const threadReplies = (cluster: ClusterRecord) => t.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === cluster.thread?.ts).map((c) => String(c.body.text));
const answeredTo = (user: string) => (c: SlackCall) => c.method === 'response_url' && c.body.response_url === `/response/${user}`;
const current = (cluster: ClusterRecord) => clusterNamed(t, cluster.spec.name) as ClusterRecord;

describe('two-person approval of a create', () => {
  it('Deploy under an "always" rule calls no TKE action and posts the request: spec, requester, Approve / Reject / break-glass', async () => {
    const accountId = await botWith('{ approvers: admins, when: always }');
    const cluster = await deployThroughSlack(t, accountId, 'needs-ok');

    expect(cluster.status).toBe('AwaitingApproval');
    expect(t.tencent.requestsFor('CreateCluster')).toEqual([]);
    const root = rootMessage(cluster);
    const text = JSON.stringify(root.blocks);
    expect(text).toContain('needs-ok');
    expect(text).toContain(`<@${USERS.member}>`);
    expect(text).toContain('Approval needed');
    expect(buttonsOf(root)).toEqual([ActionIds.approvalApprove, ActionIds.approvalReject, ActionIds.approvalBreakGlass]);

    // Nothing exists at Tencent to delete: /tke delete points at the request instead.
    const reply = await t.send.command('delete needs-ok', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    expect(reply.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('needs-ok is waiting for approval') });
    expect(t.tencent.requests).toEqual([]);
  });

  it("refuses the requester's own Approve privately, and creates nothing", async () => {
    const accountId = await botWith('{ approvers: admins, when: always }');
    const cluster = await deployThroughSlack(t, accountId, 'own-ok');

    await click(USERS.member, cluster, ActionIds.approvalApprove);
    const calls = await t.slack.waitFor((all) => all.some(answeredTo(USERS.member)));
    expect(String(calls.find(answeredTo(USERS.member))?.body.text)).toContain('someone else has to approve');
    expect(current(cluster).status).toBe('AwaitingApproval');
    expect(t.tencent.requestsFor('CreateCluster')).toEqual([]);
  });

  it('10 concurrent Approve clicks by two approvers create one cluster: one CreateCluster, one "approved" reply', async () => {
    const accountId = await botWith(`{ approvers: ${APPROVERS_GROUP}, when: always }`);
    t.slack.setUserGroup(APPROVERS_GROUP, [USERS.projectAdmin, APPROVER]);
    const cluster = await deployThroughSlack(t, accountId, 'race-ok');
    const message = rootMessage(cluster);

    await Promise.all(Array.from({ length: 10 }, (_, i) => click(i % 2 === 0 ? USERS.projectAdmin : APPROVER, cluster, ActionIds.approvalApprove, message)));
    await t.slack.waitFor(() => current(cluster).status === 'Provisioning');
    await t.bot.settled();
    await t.bot.services.threads.idle();

    expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(1);
    const approved = threadReplies(cluster).filter((r) => r.includes('Approved by'));
    expect(approved).toHaveLength(1);
    const by = current(cluster).approval?.decision;
    expect(by?.kind).toBe('approved');
    // The other nine clicks are told who approved it.
    const others = t.slack.calls('response_url');
    expect(others.length).toBe(9);
    for (const other of others) expect(String(other.body.text)).toContain('already approved');
    expect(buttonsOf(rootMessage(cluster))).not.toContain(ActionIds.approvalApprove);
    await tickUntil(t, () => current(cluster).status === 'Running');
  });

  it('Reject asks why, then closes the request: a reply naming who and why, the request without buttons, nothing created', async () => {
    const accountId = await botWith('{ approvers: admins, when: always }');
    const cluster = await deployThroughSlack(t, accountId, 'no-thanks');

    await click(USERS.projectAdmin, cluster, ActionIds.approvalReject);
    const isRejectModal = (c: SlackCall) => c.method === 'views.open' && (c.body.view as { callback_id?: string }).callback_id === CallbackIds.approvalReject;
    const modal = (await t.slack.waitFor((all) => all.some(isRejectModal))).find(isRejectModal)?.body.view as never;
    expect(modal).toBeDefined();

    const empty = await t.send.viewSubmission(viewSubmission({ user: USERS.projectAdmin, view: modal, viewId: 'V0REJECT', input: { [BlockIds.approvalRejectReason]: '' } }));
    expect(JSON.stringify(empty.json)).toContain('Say why');
    await t.send.viewSubmission(viewSubmission({ user: USERS.projectAdmin, view: modal, viewId: 'V0REJECT', input: { [BlockIds.approvalRejectReason]: 'too big for a test cluster' } }));
    await t.slack.waitFor(() => threadReplies(cluster).some((r) => r.includes('rejected by')));
    await t.bot.services.threads.idle();
    expect(current(cluster).status).toBe('Rejected');

    const reply = threadReplies(cluster).find((r) => r.includes('rejected by'));
    expect(reply).toContain(`<@${USERS.projectAdmin}>`);
    expect(reply).toContain('too big for a test cluster');
    expect(reply).toContain(`<@${USERS.member}>`);
    expect(buttonsOf(rootMessage(cluster))).toEqual([]);
    expect(JSON.stringify(rootMessage(cluster).blocks)).toContain('Rejected by');
    expect(t.tencent.requestsFor('CreateCluster')).toEqual([]);
  });

  it('an unanswered request is closed by the watcher after APPROVAL_TIMEOUT_HOURS: reply and request say so, no buttons left', async () => {
    const accountId = await botWith('{ approvers: admins, when: always }', { APPROVAL_TIMEOUT_HOURS: '2' });
    const cluster = await deployThroughSlack(t, accountId, 'forgotten');

    t.clock.advance(2 * 3_600_000 - 1_000);
    await t.bot.watcher.tick(t.clock.now());
    expect(current(cluster).status).toBe('AwaitingApproval');
    // The expiry is a stored time: a restart in between changes nothing.
    t = await t.restart();
    t.clock.advance(1_000);
    await t.bot.watcher.tick(t.clock.now());
    await t.bot.watcher.tick(t.clock.now());
    await t.bot.services.threads.idle();

    expect(current(cluster).status).toBe('Rejected');
    const replies = threadReplies(cluster).filter((r) => r.includes('nobody approved'));
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain(`<@${USERS.member}>`);
    expect(replies[0]).toContain('within 2h');
    expect(buttonsOf(rootMessage(cluster))).toEqual([]);
    expect(t.tencent.requestsFor('CreateCluster')).toEqual([]);
  });

  it('below the monthly threshold no approval is asked: Deploy calls CreateCluster at once', async () => {
    const accountId = await botWith('{ approvers: admins, whenMonthlyCostAbove: 100000000 }');
    const cluster = await deployPriced(accountId, 'cheap');
    expect(cluster.approval).toBeUndefined();
    expect(cluster.status).toBe('Provisioning');
    expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(1);
  });

  it('above the monthly threshold the request names the price and the threshold', async () => {
    const accountId = await botWith('{ approvers: admins, whenMonthlyCostAbove: 1 }');
    const cluster = await deployPriced(accountId, 'pricey');
    expect(cluster.status).toBe('AwaitingApproval');
    expect(cluster.approval?.reason.kind).toBe('costAbove');
    expect(JSON.stringify(rootMessage(cluster).blocks)).toContain('per 30 days, is above');
    expect(t.tencent.requestsFor('CreateCluster')).toEqual([]);
  });

  it('a tenant admin approves as break-glass: recorded so in the audit trail, the thread and the request', async () => {
    const accountId = await botWith(`{ approvers: ${APPROVERS_GROUP}, when: always }`);
    t.slack.setUserGroup(APPROVERS_GROUP, [APPROVER]);
    const cluster = await deployThroughSlack(t, accountId, 'urgent');

    // A project admin outside the approvers' group may neither approve nor break glass.
    await click(USERS.projectAdmin, cluster, ActionIds.approvalBreakGlass);
    const refused = await t.slack.waitFor((all) => all.some(answeredTo(USERS.projectAdmin)));
    expect(String(refused.find(answeredTo(USERS.projectAdmin))?.body.text)).toContain('Only tenant admins');

    await click(USERS.tenantAdmin, cluster, ActionIds.approvalBreakGlass);
    await t.slack.waitFor(() => current(cluster).status === 'Provisioning' && threadReplies(cluster).some((r) => r.includes('break-glass')));
    await t.bot.services.threads.idle();

    expect(threadReplies(cluster).find((r) => r.includes('break-glass'))).toContain(`<@${USERS.tenantAdmin}>`);
    expect(JSON.stringify(rootMessage(cluster).blocks)).toContain('as *break-glass*');
    const audit = t.bot.store.read((d) => d.audit.filter((e) => e.target === cluster.id).map((e) => e.action));
    expect(audit).toContain('cluster.approve.breakGlass');
    expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(1);
  });
});

/** `/tke create <name>` and Deploy, the review priced by the emulator first (as the pools step's Next does). */
async function deployPriced(accountId: string, name: string): Promise<ClusterRecord> {
  await t.send.command(`create ${name}`, { channel: CHANNELS.platform, user: USERS.member });
  await t.slack.waitFor(() => t.bot.store.read((d) => d.drafts.some((x) => x.viewId && !x.clusterId)));
  const opened = t.bot.store.read((d) => d.drafts.find((x) => x.viewId && !x.clusterId));
  const draft = await t.bot.services.drafts.update(opened?.id ?? '', (d) => {
    d.form = aWizardForm({ name, accountId, pools: [aPoolForm({ name: 'default' })] });
    d.options = aWizardOptions({ accountId });
  });
  if (!draft?.viewId) throw new Error('the wizard draft has no view');
  const priced = await t.bot.services.wizard.estimateCost(draft.id);
  if (!priced) throw new Error('the review was not priced');
  await t.send.viewSubmission(viewSubmission({ user: USERS.member, view: wizardView(priced), viewId: draft.viewId, input: {} }));
  await t.slack.waitFor(() => clusterNamed(t, name)?.thread !== undefined);
  await t.bot.settled();
  return clusterNamed(t, name) as ClusterRecord;
}
