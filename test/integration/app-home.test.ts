import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { HOME_PUBLISH_INTERVAL_MS } from '../../src/slack/home-publisher.js';
import { ActionIds, CallbackIds } from '../../src/views/ids.js';
import { CHANNELS, EXPIRING_PLATFORM_POLICY_YAML, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import { specIn } from '../support/seed-clusters.js';
import type { SlackCall } from '../support/fake-slack.js';
import { appHomeOpened, homeBlockAction } from '../support/payloads.js';
import { until } from '../support/until.js';

/**
 * The App Home tab: `app_home_opened` (a signed event_callback) publishes each person's tab to the
 * fake Slack (views.publish), and a change to a cluster on it republishes it, at most once per
 * person per 5 s of the ManualClock. The real Bolt app, the real SDK against the emulator, lowdb.
 */

const TICK_MS = 15_000;
/**
 * Project platform: every new cluster needs an admin's approval; clusters expire after 1 day unless
 * chosen otherwise; members may get a kubeconfig.
 */
const POLICY = EXPIRING_PLATFORM_POLICY_YAML.replace(
  'expiry: { max: 3d, default: 1d }',
  'expiry: { max: 3d, default: 1d }\n    approval:\n      create: { approvers: admins, when: always }',
).concat('kubeconfig: members\n');

let t: TestBot;
afterEach(async () => {
  await t.stop();
});

const record = (id: string) => t.bot.store.read((data) => data.clusters.find((c) => c.id === id)) as ClusterRecord;
const publishes = (user?: string) => t.slack.calls('views.publish').filter((c) => user === undefined || c.body.user_id === user);
const viewOf = (call: SlackCall | undefined) => (typeof call?.body.view === 'string' ? JSON.parse(call.body.view) : call?.body.view) as { type: string; blocks: Block[] };
interface Block {
  type: string;
  text?: { text: string };
  elements?: { action_id?: string; value?: string; text?: string | { text: string } }[];
  accessory?: { action_id?: string; value?: string };
}
const latestHome = (user: string) => viewOf(publishes(user).at(-1));

/** The tab's sections by header: each section's text and its buttons (action id and value). */
function sectionsOf(view: { blocks: Block[] }): Record<string, { text: string; buttons: string[] }> {
  const sections: Record<string, { text: string; buttons: string[] }> = {};
  let current = { text: '', buttons: [] as string[] };
  sections.top = current;
  for (const block of view.blocks) {
    if (block.type === 'header') {
      current = { text: '', buttons: [] };
      sections[block.text?.text ?? ''] = current;
      continue;
    }
    current.text += `${block.text?.text ?? ''}${(block.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''))).join(' ')}\n`;
    for (const element of [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])]) {
      if (element.action_id) current.buttons.push(`${element.action_id}=${element.value}`);
    }
  }
  return sections;
}

async function tick(): Promise<void> {
  t.clock.advance(TICK_MS);
  await t.bot.watcher.tick(t.clock.now());
  await t.bot.services.threads.idle();
}

async function openHome(user: string): Promise<void> {
  const before = publishes(user).length;
  const answer = await t.send.event(appHomeOpened(user));
  expect(answer.status).toBe(200);
  await until(() => (publishes(user).length > before ? true : undefined), `the Home tab of ${user}`);
}

/**
 * Two clusters of the member in #platform: run-1 (approved by the project admin, Running, expires in
 * a day) and wait-1 (awaiting approval). Nobody has opened Home yet.
 */
async function world(): Promise<{ running: ClusterRecord; waiting: ClusterRecord }> {
  t = await startTestBot({ policyYaml: POLICY });
  const { services } = t.bot;
  const added = await services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(`account not added: ${JSON.stringify(added.errors)}`);
  // Each in its own region: two clusters of one VPC would ask for the same service CIDR.
  const deploy = async (name: string, region: string) => {
    const draft = await services.drafts.create({ userId: USERS.member, channel: CHANNELS.platform, project: 'platform' });
    const { cluster } = await services.deploy.deploy({ draftId: draft.id, spec: specIn(region, name, added.account.id, { expiry: '1d' }), user: USERS.member });
    await services.threads.announce(cluster.id);
    return cluster;
  };
  const first = await deploy('run-1', 'ap-guangzhou');
  const approved = await services.approvals.approve(first.id, USERS.projectAdmin, { breakGlass: false });
  if (approved.kind !== 'approved') throw new Error(`run-1 not approved: ${approved.kind}`);
  for (let i = 0; i < 40 && record(first.id).status !== 'Running'; i++) await tick();
  if (record(first.id).status !== 'Running') throw new Error(`run-1 is ${record(first.id).status}`);
  const waiting = await deploy('wait-1', 'ap-shanghai');
  await t.bot.settled();
  return { running: record(first.id), waiting: record(waiting.id) };
}

describe('App Home', () => {
  it('shows each section for the right person: approvals to the approver, clusters to their requester, expiring ones to requester and admins', async () => {
    const { running, waiting } = await world();

    await openHome(USERS.member);
    const member = sectionsOf(latestHome(USERS.member));
    expect(latestHome(USERS.member).type).toBe('home');
    // My clusters: both, with their status, price, expiry, and Overview / Get kubeconfig for the Running one.
    expect(member['My clusters']?.text).toContain('run-1');
    expect(member['My clusters']?.text).toContain('Running');
    expect(member['My clusters']?.text).toContain('wait-1');
    expect(member['My clusters']?.text).toContain('Awaiting approval');
    expect(member['My clusters']?.text).toContain('Expires <!date^');
    expect(member['My clusters']?.buttons).toEqual(
      expect.arrayContaining([`${ActionIds.clusterOverview}=${running.id}`, `${ActionIds.clusterKubeconfig}:public=${running.id}:public`, `${ActionIds.clusterOverview}=${waiting.id}`]),
    );
    // The requester never approves their own request: nothing waits for them.
    expect(member['Waiting for your approval']?.text).toContain('Nothing waits for you');
    expect(member['Waiting for your approval']?.buttons).toEqual([]);
    expect(member['Expiring in the next 24 h']?.text).toContain('run-1');
    // Create cluster opens the wizard for the channel the member last used.
    expect(member.top?.buttons).toEqual([`${ActionIds.homeCreateCluster}=${CHANNELS.platform}`]);

    await openHome(USERS.projectAdmin);
    const admin = sectionsOf(latestHome(USERS.projectAdmin));
    expect(admin['Waiting for your approval']?.text).toContain('wait-1');
    expect(admin['Waiting for your approval']?.text).toContain(`<@${USERS.member}>`);
    expect(admin['Waiting for your approval']?.buttons).toEqual([
      `${ActionIds.approvalApprove}=${waiting.id}`,
      `${ActionIds.approvalReject}=${waiting.id}`,
      `${ActionIds.clusterOverview}=${waiting.id}`,
    ]);
    expect(admin['My clusters']?.text).toContain('You have no clusters');
    // The project's admin administers run-1: it is on their list of what expires soon.
    expect(admin['Expiring in the next 24 h']?.text).toContain('run-1');

    // The admin of another project sees none of it, and has no channel to create in yet.
    await openHome(USERS.dataAdmin);
    const other = sectionsOf(latestHome(USERS.dataAdmin));
    expect(other['Waiting for your approval']?.text).toContain('Nothing waits for you');
    expect(other['My clusters']?.text).toContain('You have no clusters');
    expect(other['Expiring in the next 24 h']?.text).toContain('Nothing of yours expires');
    expect(other.top?.buttons).toEqual([]);
    expect(JSON.stringify(latestHome(USERS.dataAdmin))).not.toContain('run-1');

    // The Messages tab is not Home: nothing is published for it.
    const before = publishes().length;
    await t.send.event(appHomeOpened(USERS.onCall, 'messages'));
    await t.bot.settled();
    expect(publishes()).toHaveLength(before);
  });

  it('is republished after a change, once per person per 5 s, the trailing publish carrying the latest state; only for people who opened it', async () => {
    const { waiting } = await world();
    await openHome(USERS.member);
    await openHome(USERS.projectAdmin);
    expect(publishes()).toHaveLength(2);

    // The admin approves wait-1 from their Home tab: the same Approve the request in the channel has.
    const click = homeBlockAction({ user: USERS.projectAdmin, view: latestHome(USERS.projectAdmin), actionId: ActionIds.approvalApprove, value: waiting.id });
    await t.send.blockActions(click);
    await until(() => (record(waiting.id).status !== 'AwaitingApproval' ? true : undefined), 'wait-1 approved');
    await t.bot.settled();
    expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(2);
    // A second change within the same 5 s (the clock has not moved): still held back.
    await t.bot.watcher.tick(t.clock.now());
    await t.bot.settled();
    expect(publishes()).toHaveLength(2);

    // 5 s later, one publish each, with the state as it is then.
    t.clock.advance(HOME_PUBLISH_INTERVAL_MS);
    t.bot.homeTabs.flushDue(t.clock.now());
    await until(() => (publishes().length === 4 ? true : undefined), 'the trailing publishes');
    await t.bot.settled();
    const member = sectionsOf(latestHome(USERS.member));
    expect(member['My clusters']?.text).not.toContain('Awaiting approval');
    expect(member['My clusters']?.text, JSON.stringify(record(waiting.id).failure)).toMatch(/wait-1.*Provisioning/);
    expect(sectionsOf(latestHome(USERS.projectAdmin))['Waiting for your approval']?.text).toContain('Nothing waits for you');

    // Nothing new: nothing published. Only people who opened Home get publishes.
    t.clock.advance(HOME_PUBLISH_INTERVAL_MS);
    t.bot.homeTabs.flushDue(t.clock.now());
    await t.bot.settled();
    expect(publishes()).toHaveLength(4);
    expect(new Set(publishes().map((c) => c.body.user_id))).toEqual(new Set([USERS.member, USERS.projectAdmin]));

    // A change after the window is published at once.
    await tick();
    for (let i = 0; i < 40 && record(waiting.id).status !== 'Running'; i++) await tick();
    await until(() => (/wait-1.*Running/.test(sectionsOf(latestHome(USERS.member))['My clusters']?.text ?? '') ? true : undefined), 'wait-1 Running on Home');
  });

  it("opens the wizard from Create cluster and answers the tab's Overview in the direct message", async () => {
    const { running } = await world();
    await openHome(USERS.member);

    await t.send.blockActions(homeBlockAction({ user: USERS.member, view: latestHome(USERS.member), actionId: ActionIds.homeCreateCluster }));
    const opened = await t.slack.waitFor((all) => all.some((c) => c.method === 'views.open'));
    const wizard = opened.find((c) => c.method === 'views.open')?.body.view as { callback_id?: string };
    expect(wizard.callback_id).toBe(CallbackIds.wizardBasics);
    const draft = await until(() => t.bot.store.read((data) => data.drafts.find((d) => d.userId === USERS.member && d.viewId)), 'the wizard draft');
    expect(draft.channel).toBe(CHANNELS.platform);

    await t.send.blockActions(homeBlockAction({ user: USERS.member, view: latestHome(USERS.member), actionId: ActionIds.clusterOverview, value: running.id }));
    const dm = (c: SlackCall) => c.method === 'chat.postMessage' && c.body.channel === USERS.member;
    const calls = await t.slack.waitFor((all) => all.some(dm));
    expect(JSON.stringify(calls.find(dm)?.body.blocks)).toContain('run-1');
    expect(t.slack.calls('chat.postEphemeral')).toEqual([]);

    // Get kubeconfig: the file in the member's direct message, as from the overview.
    await t.send.blockActions(homeBlockAction({ user: USERS.member, view: latestHome(USERS.member), actionId: `${ActionIds.clusterKubeconfig}:public`, value: `${running.id}:public` }));
    const uploaded = await t.slack.waitFor((all) => all.some((c) => c.method === 'files.completeUploadExternal'));
    expect(uploaded.some((c) => c.method === 'conversations.open' && c.body.users === USERS.member)).toBe(true);
    expect(t.slack.calls('chat.postEphemeral')).toEqual([]);
  });

  it('the overview of a cluster awaiting approval has no Delete button: it says who may approve', async () => {
    const { waiting } = await world();
    await t.send.command(`status ${waiting.spec.name}`, { user: USERS.projectAdmin, channel: CHANNELS.platform, responseUrl: `${t.slack.url}/response/overview` });
    const answered = (c: SlackCall) => c.method === 'response_url' && c.body.response_url === '/response/overview';
    const overview = (await t.slack.waitFor((all) => all.some(answered))).find(answered)?.body;
    const text = JSON.stringify(overview?.blocks);
    expect(text).toContain('Approval needed');
    expect(text).toContain("the project's admins or a tenant admin may approve");
    expect(text).not.toContain(ActionIds.clusterDelete);
  });
});
