import type { ModalView } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds, BlockIds } from '../../src/views/ids.js';
import { CHANNELS, EXPIRING_PLATFORM_POLICY_YAML, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import { aSpec } from '../support/clusters.js';
import type { SlackCall } from '../support/fake-slack.js';
import { messageBlockAction, viewSubmission } from '../support/payloads.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK_MS = 15_000;

const POLICY = EXPIRING_PLATFORM_POLICY_YAML;

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const bot = () => t as TestBot;
const record = (id: string) => bot().bot.store.read((data) => data.clusters.find((c) => c.id === id)) as ClusterRecord;
const text = (call: SlackCall | undefined) => String(call?.body.text ?? '');
const posts = () => bot().slack.calls('chat.postMessage');
const reminders = () => posts().filter((c) => text(c).includes(':alarm_clock:') && text(c).includes('expires'));
const deleteCalls = () => bot().tencent.requestsFor('DeleteCluster');

async function tick(): Promise<void> {
  await bot().bot.watcher.tick(bot().clock.now());
  await bot().bot.services.threads.idle();
}

/** Sets the clock to `at` and ticks `times` times, TICK_MS apart. */
async function ticksFrom(at: number, times: number): Promise<void> {
  bot().clock.set(at);
  for (let i = 0; i < times; i += 1) {
    await tick();
    bot().clock.advance(TICK_MS);
  }
}

/** prod-1 deployed by the member with "Delete automatically after" 3 days, brought to Running. */
async function expiringCluster(options: { protectedFromDeletion?: boolean } = {}): Promise<ClusterRecord> {
  t = await startTestBot({ policyYaml: POLICY });
  const { services } = t.bot;
  const added = await services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(`account not added: ${JSON.stringify(added.errors)}`);
  const draft = await services.drafts.create({ userId: USERS.member, channel: CHANNELS.platform, project: 'platform' });
  const { cluster } = await services.deploy.deploy({ draftId: draft.id, spec: aSpec({ name: 'prod-1', accountId: added.account.id, expiry: '3d' }), user: USERS.member });
  await services.threads.announce(cluster.id);
  for (let i = 0; i < 40 && record(cluster.id).status !== 'Running'; i++) {
    t.clock.advance(TICK_MS);
    await tick();
  }
  if (record(cluster.id).status !== 'Running') throw new Error(`prod-1 is ${record(cluster.id).status}`);
  if (options.protectedFromDeletion) {
    await t.bot.store.update((data) => {
      const found = data.clusters.find((c) => c.id === cluster.id);
      if (found) found.deletionProtection = { on: true, by: USERS.projectAdmin, at: '2026-01-01T00:00:00.000Z' };
    });
  }
  t.tencent.clearRequests();
  return record(cluster.id);
}

const expiryOf = (cluster: ClusterRecord) => Date.parse(cluster.expiresAt as string);

const click = (actionId: string, user: string, message: SlackCall) =>
  bot().send.blockActions(
    messageBlockAction({ user, channel: CHANNELS.platform, message: message.body, messageTs: '1700000111.000100', actionId, responseUrl: `${bot().slack.url}/response/expiry` }),
  );

/** Clicks Extend on the last reminder and returns the modal the bot opened. */
async function openExtend(user: string): Promise<{ view: ModalView; viewId: string }> {
  const before = bot().slack.calls('views.open').length;
  await click(ActionIds.clusterExpiryExtend, user, reminders().at(-1) as SlackCall);
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
  return { view: calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView, viewId: `V0EXTEND${before}` };
}

const choiceSelect = (view: ModalView) => (view.blocks.find((b) => b.block_id === BlockIds.expiryChoice) as unknown as { element: { options: { value: string }[] } }).element;
const optionValues = (view: ModalView) => choiceSelect(view).options.map((o) => o.value);

describe('cluster expiry', () => {
  it('stores the expiry chosen in the wizard as an absolute time from Deploy, and the root message shows it', async () => {
    const cluster = await expiringCluster();
    expect(cluster.expirySetBy).toBe(USERS.member);
    expect(expiryOf(cluster) - Date.parse(cluster.createdAt)).toBe(3 * DAY);
    const root = bot().slack.calls('chat.update').at(-1);
    expect(JSON.stringify(root?.body.blocks)).toContain(`<!date^${Math.floor(expiryOf(cluster) / 1000)}^`);
  });

  it('reminds in the thread 24 h and 1 h before, each exactly once, mentioning the requester', async () => {
    const cluster = await expiringCluster();
    const expiry = expiryOf(cluster);
    await ticksFrom(expiry - DAY - 2 * MINUTE, 20);
    expect(reminders()).toHaveLength(1);
    await ticksFrom(expiry - 5 * HOUR, 10);
    expect(reminders()).toHaveLength(1);
    await ticksFrom(expiry - HOUR - 2 * MINUTE, 20);
    expect(reminders()).toHaveLength(2);
    for (const reminder of reminders()) {
      expect(text(reminder)).toContain(`<@${USERS.member}>`);
      expect(reminder.body.thread_ts).toBe(cluster.thread?.ts);
      expect(JSON.stringify(reminder.body.blocks)).toContain(ActionIds.clusterExpiryExtend);
    }
    expect(deleteCalls()).toHaveLength(0);
  });

  it('refuses to extend beyond the project maximum, and an extension within it moves the reminders', async () => {
    const cluster = await expiringCluster();
    const expiry = expiryOf(cluster);
    await ticksFrom(expiry - DAY + MINUTE, 3);
    expect(reminders()).toHaveLength(1);

    const modal = await openExtend(USERS.member);
    expect(optionValues(modal.view)).toEqual(['8h', '1d', '3d']);
    // A modal offering 7 days (say, opened before the policy lowered its maximum) is refused on submit.
    const stale = structuredClone(modal.view);
    (choiceSelect(stale).options as unknown[]).push({ text: { type: 'plain_text', text: '7 days' }, value: '7d' });
    const beyond = await bot().send.viewSubmission(viewSubmission({ user: USERS.member, view: stale, viewId: modal.viewId, input: { [ActionIds.expiryChoice]: '7d' } }));
    expect(beyond.json?.response_action).toBe('errors');
    expect(JSON.stringify(beyond.json?.errors)).toContain('beyond');
    expect(expiryOf(record(cluster.id))).toBe(expiry);

    const now = bot().clock.now().getTime();
    const within = await bot().send.viewSubmission(viewSubmission({ user: USERS.member, view: modal.view, viewId: modal.viewId, input: { [ActionIds.expiryChoice]: '3d' } }));
    expect(within.text).toBe('');
    const extended = expiryOf(record(cluster.id));
    expect(extended).toBe(now + 3 * DAY);
    await bot().bot.services.threads.idle();
    expect(posts().some((c) => text(c).includes('extended the expiry'))).toBe(true);

    // The old times pass without a reminder or a deletion; the new ones come.
    await ticksFrom(expiry - HOUR, 10);
    await ticksFrom(expiry + MINUTE, 10);
    expect(reminders()).toHaveLength(1);
    expect(deleteCalls()).toHaveLength(0);
    await ticksFrom(extended - DAY, 5);
    expect(reminders()).toHaveLength(2);
  });

  it('lets an admin keep the cluster (no expiry any more) and refuses Keep to anyone else', async () => {
    const cluster = await expiringCluster();
    const expiry = expiryOf(cluster);
    await ticksFrom(expiry - HOUR, 2);
    const reminder = reminders().at(-1) as SlackCall;

    await click(ActionIds.clusterExpiryKeep, USERS.member, reminder);
    const refused = await bot().slack.waitFor((all) => all.some((c) => c.method === 'response_url' && text(c).includes('Only')));
    expect(text(refused.filter((c) => c.method === 'response_url').at(-1))).toContain('keep this cluster');
    expect(record(cluster.id).expiresAt).toBe(cluster.expiresAt);

    await click(ActionIds.clusterExpiryKeep, USERS.projectAdmin, reminder);
    await bot().slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage' && text(c).includes('removed the expiry')));
    expect(record(cluster.id).expiresAt).toBeUndefined();
    await ticksFrom(expiry + MINUTE, 10);
    expect(deleteCalls()).toHaveLength(0);
    expect(record(cluster.id).status).toBe('Running');
  });

  it('deletes the cluster at expiry exactly once, saying it expired and who set the expiry', async () => {
    const cluster = await expiringCluster();
    const expiry = expiryOf(cluster);
    await ticksFrom(expiry - 2 * TICK_MS, 2);
    expect(deleteCalls()).toHaveLength(0);
    await ticksFrom(expiry, 20);
    expect(deleteCalls()).toHaveLength(1);
    expect(deleteCalls()[0]?.params).toMatchObject({ ClusterId: cluster.tkeClusterId, InstanceDeleteMode: 'terminate', ResourceDeleteOptions: [{ ResourceType: 'CBS', DeleteMode: 'terminate' }] });
    const expired = posts().filter((c) => text(c).includes('expired (expiry set by'));
    expect(expired).toHaveLength(1);
    expect(text(expired[0])).toContain(`<@${USERS.member}>`);
    expect(record(cluster.id).status).not.toBe('Running');
  });

  it('does not delete a cluster protected from deletion: the thread says so once and mentions the admins', async () => {
    const cluster = await expiringCluster({ protectedFromDeletion: true });
    await ticksFrom(expiryOf(cluster), 20);
    expect(deleteCalls()).toHaveLength(0);
    const told = posts().filter((c) => text(c).includes('protected from deletion'));
    expect(told).toHaveLength(1);
    expect(text(told[0])).toContain(`<@${USERS.projectAdmin}>`);
    expect(record(cluster.id).status).toBe('Running');
  });

  it('keeps the schedule across a restart between the reminder and the expiry', async () => {
    const cluster = await expiringCluster();
    const expiry = expiryOf(cluster);
    await ticksFrom(expiry - HOUR, 3);
    expect(reminders()).toHaveLength(1);
    t = await bot().restart();
    await ticksFrom(expiry - HOUR + MINUTE, 10);
    expect(reminders()).toHaveLength(1);
    await ticksFrom(expiry - TICK_MS, 1);
    expect(deleteCalls()).toHaveLength(0);
    await ticksFrom(expiry, 10);
    expect(deleteCalls()).toHaveLength(1);
  });
});
