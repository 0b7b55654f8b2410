import type { ModalView } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds, BlockIds } from '../../src/views/ids.js';
import { CHANNELS, DEFAULT_POLICY_YAML, ON_CALL_GROUP, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import { aCluster, aSpec } from '../support/clusters.js';
import type { SlackCall } from '../support/fake-slack.js';
import { messageBlockAction, viewSubmission } from '../support/payloads.js';

/** On-call only through the user group (not listed by name in the policy). */
const PAGER = 'U0PAGER01';
const MINUTE = 60_000;
const TICK_MS = 15_000;
/** A private channel of project platform that tkeops was not invited to (only with `privateChannel: true`). */
const PRIVATE = 'C0PRIVATE';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const bot = () => t as TestBot;
const record = (id: string) => bot().bot.store.read((data) => data.clusters.find((c) => c.id === id)) as ClusterRecord;
const deleteCalls = () => bot().tencent.requestsFor('DeleteCluster');
const posts = () => bot().slack.calls('chat.postMessage');
const text = (call: SlackCall | undefined) => String(call?.body.text ?? '');
const hasForceButton = (call: SlackCall) => JSON.stringify(call.body.blocks ?? []).includes(ActionIds.clusterForceDelete);
const forceOffers = () => posts().filter(hasForceButton);
const lastRootUpdate = () => text(bot().slack.calls('chat.update').at(-1));

async function tick(): Promise<void> {
  await bot().bot.watcher.tick(bot().clock.now());
  await bot().bot.services.threads.idle();
}

/** Moves the clock in watch-schedule steps up to `at`, ticking at each step, as the cron would. */
async function tickUntil(at: number): Promise<void> {
  while (bot().clock.now().getTime() + TICK_MS <= at) {
    bot().clock.advance(TICK_MS);
    await tick();
  }
  bot().clock.set(at);
  await tick();
}

interface ClusterOptions {
  forceAfterMinutes?: number;
  /** Project platform also has PRIVATE, a private channel tkeops is not in. */
  privateChannel?: boolean;
  /** On-call user groups before ON_CALL_GROUP (which holds PAGER); these have nobody. */
  moreOnCallGroups?: string[];
  /** Project platform lists its members (USERS.member only) instead of `members: everyone`. */
  listedMembers?: boolean;
}

async function startBot(options: Parameters<typeof startTestBot>[0], { privateChannel = false, moreOnCallGroups = [], listedMembers = false }: ClusterOptions): Promise<TestBot> {
  let policyYaml = DEFAULT_POLICY_YAML.replace(`userGroups: [${ON_CALL_GROUP}]`, `userGroups: [${[...moreOnCallGroups, ON_CALL_GROUP].join(', ')}]`);
  // The first `members: everyone` is project platform's.
  if (listedMembers) policyYaml = policyYaml.replace('members: everyone', `members: [${USERS.member}]`);
  if (privateChannel) policyYaml = policyYaml.replace(`channels: [${CHANNELS.platform}]`, `channels: [${CHANNELS.platform}, ${PRIVATE}]`);
  const started = await startTestBot({ ...options, policyYaml });
  if (privateChannel) started.slack.addChannel({ id: PRIVATE, name: 'platform-private', private: true, botIsMember: false });
  for (const group of moreOnCallGroups) started.slack.setUserGroup(group, []);
  return started;
}

/**
 * prod-1 just deployed: a project cloud account validated against the emulator, Deploy of a
 * completed wizard draft (CreateCluster answered) and its provisioning thread; nothing more yet.
 */
async function deployedCluster(options: ClusterOptions = {}): Promise<ClusterRecord> {
  t = await startBot({ env: { FORCE_DELETE_AFTER_MINUTES: String(options.forceAfterMinutes ?? 15) } }, options);
  t.slack.setUserGroup(ON_CALL_GROUP, [PAGER]);
  const { services } = t.bot;
  const added = await services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(`account not added: ${JSON.stringify(added.errors)}`);
  const draft = await services.drafts.create({ userId: USERS.member, channel: CHANNELS.platform, project: 'platform' });
  const spec = aSpec({ name: 'prod-1', accountId: added.account.id });
  const { cluster } = await services.deploy.deploy({ draftId: draft.id, spec, user: USERS.member });
  await services.threads.announce(cluster.id);
  return cluster;
}

/**
 * A running cluster made the real way: a project cloud account validated against the emulator,
 * Deploy of a completed wizard draft, its provisioning thread, and the watcher ticking on the
 * ManualClock until Tencent (the emulator) has it Running with nodes, disks and a load balancer.
 */
async function runningCluster(options: ClusterOptions & { stuck?: boolean } = {}): Promise<ClusterRecord> {
  const cluster = await deployedCluster(options);
  for (let i = 0; i < 40 && record(cluster.id).status !== 'Running'; i++) {
    bot().clock.advance(TICK_MS);
    await tick();
  }
  const running = record(cluster.id);
  if (running.status !== 'Running') throw new Error(`prod-1 is ${running.status}, not Running`);
  if (options.stuck) bot().tencent.stickDeleting(running.tkeClusterId as string);
  bot().tencent.clearRequests();
  return running;
}

/** `/tke delete prod-1`, returning the modal the bot opened. */
async function openDeleteModal(
  user: string = USERS.projectAdmin,
  where: { channel?: string; responseUrl?: string } = {},
): Promise<{ view: ModalView; viewId: string }> {
  const before = bot().slack.calls('views.open').length;
  const reply = await bot().send.command('delete prod-1', { user, channel: where.channel ?? CHANNELS.platform, ...(where.responseUrl ? { responseUrl: where.responseUrl } : {}) });
  expect(reply.text).toBe('');
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
  const opened = calls.filter((c) => c.method === 'views.open').at(-1);
  return { view: opened?.body.view as ModalView, viewId: `V0DELETE${before}` };
}

const confirmDelete = (typed: string | null, modal: { view: ModalView; viewId: string }, user: string = USERS.projectAdmin) =>
  bot().send.viewSubmission(viewSubmission({ user, view: modal.view, viewId: modal.viewId, input: { [ActionIds.deleteConfirmName]: typed } }));

/** Deletes prod-1 as the project admin and waits for the thread to say so. */
async function deleteIt(): Promise<number> {
  const requestedAt = bot().clock.now().getTime();
  const answer = await confirmDelete('prod-1', await openDeleteModal());
  expect(answer.text).toBe('');
  await bot().slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && text(c).includes('approved the deletion')));
  await bot().bot.services.threads.idle();
  return requestedAt;
}

/** `/tke status prod-1`: the overview the bot posts to the response URL after its ack. */
async function statusAnswer(user: string, channel: string = CHANNELS.platform): Promise<Record<string, unknown>> {
  const before = bot().slack.calls('response_url').length;
  const reply = await bot().send.command('status prod-1', { user, channel });
  expect(reply.text).toBe('');
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
  return calls.filter((c) => c.method === 'response_url').at(-1)?.body ?? {};
}

/** What the bot posted to the response_url at `path` (`/response/…`): a private answer to a click or a command. */
async function privateAnswer(path: string): Promise<SlackCall | undefined> {
  const answered = (c: SlackCall) => c.method === 'response_url' && c.body.response_url === path;
  return (await bot().slack.waitFor((all) => all.some(answered))).find(answered);
}

/** A click on the thread's Force Delete Cluster button. */
function clickForceDelete(user: string) {
  const offer = forceOffers().at(-1);
  if (!offer) throw new Error('no Force Delete Cluster button in the thread');
  return bot().send.blockActions(
    messageBlockAction({
      user,
      channel: CHANNELS.platform,
      message: offer.body,
      messageTs: '1700000099.000100',
      actionId: ActionIds.clusterForceDelete,
      responseUrl: `${bot().slack.url}/response/force`,
    }),
  );
}

/** A project admin clicks Delete cluster on the ephemeral overview `/tke status` showed. */
const clickOverviewDelete = (overview: Parameters<typeof messageBlockAction>[0]['message'], channel: string = CHANNELS.platform) =>
  bot().send.blockActions(
    messageBlockAction({
      user: USERS.projectAdmin,
      channel,
      message: overview,
      messageTs: '1700000098.000100',
      actionId: ActionIds.clusterDelete,
      responseUrl: `${bot().slack.url}/response/overview`,
      ephemeral: true,
    }),
  );


/** Force deletes prod-1 as `user` from the thread's button (the offer must be there), and waits for the thread to say so. */
async function forceDeleteAs(user: string): Promise<void> {
  await clickForceDelete(user);
  const update = (await bot().slack.waitFor((all) => all.some((c) => c.method === 'views.update'))).find((c) => c.method === 'views.update') as SlackCall;
  const answer = await bot().send.viewSubmission(
    viewSubmission({ user, view: update.body.view as ModalView, viewId: String(update.body.view_id), input: { [ActionIds.forceDeleteConfirmName]: 'prod-1' } }),
  );
  expect(answer.text).toBe('');
  await bot().slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage' && text(c).includes('force deleted')));
  await bot().bot.services.threads.idle();
}

/** The root message as it reads once rebuilt from the record now (as any later edit would show it). */
async function rootRebuilt(clusterId: string): Promise<string> {
  bot().bot.services.threads.refreshRoot(clusterId);
  await bot().bot.services.threads.idle();
  return JSON.stringify(bot().slack.calls('chat.update').at(-1)?.body ?? {});
}

describe('deleting a cluster from Slack', () => {
  it.each([
    ['a different case', 'Prod-1'],
    ['a trailing space', 'prod-1 '],
    ['nothing', ''],
  ])('refuses the confirmation typed with %s, inline, without calling DeleteCluster', async (_what, typed) => {
    const cluster = await runningCluster();
    const modal = await openDeleteModal();

    const answer = await confirmDelete(typed, modal);

    expect(answer.json?.response_action).toBe('errors');
    expect((answer.json?.errors as Record<string, string>)[BlockIds.deleteConfirmName]).toContain('prod-1');
    expect(deleteCalls()).toHaveLength(0);
    expect(record(cluster.id).status).toBe('Running');
  });

  it('deletes on the exact name: Tencent gets DeleteCluster, the thread names the approver, the root message says Deleting', async () => {
    const cluster = await runningCluster();

    await deleteIt();

    const [request] = deleteCalls();
    expect(request?.params).toMatchObject({ ClusterId: cluster.tkeClusterId, InstanceDeleteMode: 'terminate', ResourceDeleteOptions: [{ ResourceType: 'CBS', DeleteMode: 'terminate' }] });
    const reply = posts().find((c) => text(c).includes('approved the deletion'));
    expect(reply?.body.thread_ts).toBe(cluster.thread?.ts);
    expect(text(reply)).toContain(`<@${USERS.projectAdmin}> approved the deletion of *prod-1*`);
    expect(text(reply)).toContain(`Tencent is deleting TKE cluster \`${cluster.tkeClusterId}\`: the VMs of its worker pool (2 desired) are terminated with their disks.`);
    const since = Math.floor(bot().clock.now().getTime() / 1000);
    expect(lastRootUpdate()).toContain(`prod-1: Deleting (Deleting since <!date^${since}^{date_short_pretty} {time}|`);
    expect(lastRootUpdate()).toContain(`· approved by <@${USERS.projectAdmin}>)`);
    expect(record(cluster.id).deletion).toEqual({ requestedBy: USERS.projectAdmin, requestedAt: bot().clock.now().toISOString() });
  });

  it('says no worker pools had been created when the cluster is deleted before Tencent created any', async () => {
    const cluster = await deployedCluster();
    expect(record(cluster.id)).toMatchObject({ status: 'Provisioning', progress: { pools: [] } });

    await deleteIt();

    expect(deleteCalls()).toHaveLength(1);
    const reply = posts().find((c) => text(c).includes('approved the deletion'));
    expect(text(reply)).toContain(`Tencent is deleting TKE cluster \`${cluster.tkeClusterId}\` (no worker pools had been created yet).`);
    expect(text(reply)).not.toContain('VM');
  });

  it('refuses a member the delete modal, saying who may delete', async () => {
    await runningCluster();

    const reply = await bot().send.command('delete prod-1', { user: USERS.member, channel: CHANNELS.platform });

    expect(reply.json?.response_type).toBe('ephemeral');
    expect(String(reply.json?.text)).toContain('Only the admins of project platform');
    expect(bot().slack.calls('views.open')).toHaveLength(0);
  });

  it("opens the same modal from the overview's Delete cluster button", async () => {
    const cluster = await runningCluster();
    const overview = await statusAnswer(USERS.projectAdmin);

    await clickOverviewDelete(overview);

    const calls = await bot().slack.waitFor((all) => all.some((c) => c.method === 'views.open'));
    const view = calls.find((c) => c.method === 'views.open')?.body.view as ModalView;
    expect(JSON.parse(view.private_metadata ?? '')).toMatchObject({ clusterId: cluster.id });
    expect(JSON.stringify(view.blocks)).toContain('Type the cluster name to confirm');
  });

  it('ends a normal deletion as Deleted, which leaves /tke list but keeps the record', async () => {
    const cluster = await runningCluster();
    const requestedAt = await deleteIt();

    await tickUntil(requestedAt + MINUTE);

    expect(record(cluster.id)).toMatchObject({ status: 'Deleted', deletion: { deletedAt: new Date(requestedAt + MINUTE).toISOString() } });
    expect(text(posts().at(-1))).toContain('Cluster *prod-1* deleted');
    expect(lastRootUpdate()).toContain('prod-1: Deleted (Deleted after 1m 00s');
    const list = await bot().send.command('list', { channel: CHANNELS.platform });
    expect(JSON.stringify(list.json)).not.toContain('prod-1');
    expect(bot().bot.store.read((data) => data.audit.map((e) => e.action))).toEqual(expect.arrayContaining(['cluster.delete', 'cluster.deleted']));
  });
});

describe('a deleted cluster, hours later', () => {
  it('keeps the time the deletion took in the overview and the root, and shows its pools and endpoint removed, not ready', async () => {
    const cluster = await runningCluster();
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + MINUTE);
    bot().clock.advance(3 * 60 * MINUTE);

    const overview = JSON.stringify(await statusAnswer(USERS.projectAdmin));
    const root = await rootRebuilt(cluster.id);

    expect(overview).toContain('*prod-1* — Deleted');
    expect(overview).toContain(`Deleted after 1m 00s · approved by <@${USERS.projectAdmin}>`);
    expect(root).toContain(`Deleted after 1m 00s · approved by <@${USERS.projectAdmin}>`);
    expect(overview).toContain(':wastebasket: *default*: removed with the cluster (min 1, max 3)');
    expect(overview).toContain('Public — removed with the cluster');
    for (const stale of ['nodes ready', '100%', 'in progress', 'elapsed', 'Delete cluster']) expect(overview).not.toContain(stale);
  });

  it('says the pools and endpoint were never created when it was deleted before Tencent created them', async () => {
    const cluster = await deployedCluster();
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + MINUTE);
    expect(record(cluster.id).status).toBe('Deleted');

    const overview = JSON.stringify(await statusAnswer(USERS.projectAdmin));

    expect(overview).toContain(':white_small_square: *default*: never created');
    expect(overview).toContain('Public — never created');
    expect(overview).toContain(':white_small_square: Control plane running — not done');
    expect(overview).not.toContain('pending');
  });

  it('keeps, for a forced one, who forced it and when, and lists what it left at Tencent in the overview and the root', async () => {
    const cluster = await runningCluster({ stuck: true });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 15 * MINUTE);
    const left = bot().tencent.resources(cluster.tkeClusterId as string);
    await forceDeleteAs(PAGER);
    bot().clock.advance(2 * 60 * MINUTE);

    const overview = JSON.stringify(await statusAnswer(PAGER));
    const root = await rootRebuilt(cluster.id);

    expect(record(cluster.id).deletion?.forceFound).toMatchObject({ leftovers: { instances: [{ instanceId: left.instances[0]?.instanceId }] } });
    expect(overview).toContain('*prod-1* — Deleted (forced)');
    expect(overview).toContain(`Force deleted by <@${PAGER}> after 15m 00s`);
    expect(overview).toContain(':wastebasket: *default*: removed with the cluster');
    expect(overview).toContain('Left at Tencent when it was force deleted');
    for (const id of [left.instances[0]?.instanceId, left.disks[0]?.diskId, left.loadBalancers[0]?.loadBalancerId]) expect(overview).toContain(id);
    expect(root).toContain(`Force deleted by <@${PAGER}> after 15m 00s`);
    expect(root).toContain(`Left at Tencent when it was force deleted, to clean up by hand: ${left.instances.length} instance`);
    for (const stale of ['nodes ready', '100%', 'Force Delete Cluster']) expect(overview).not.toContain(stale);
  });
});

describe('buttons once used', () => {
  it("replaces the overview whose Delete cluster button started the deletion, through its response URL, without that button", async () => {
    await runningCluster();
    const overview = await statusAnswer(USERS.projectAdmin);
    await clickOverviewDelete(overview);
    const opened = (await bot().slack.waitFor((all) => all.some((c) => c.method === 'views.open'))).find((c) => c.method === 'views.open') as SlackCall;

    const answer = await confirmDelete('prod-1', { view: opened.body.view as ModalView, viewId: 'V0DELETE0' });
    expect(answer.text).toBe('');

    const replaced = await privateAnswer('/response/overview');
    expect(replaced?.body).toMatchObject({ replace_original: true });
    const shown = JSON.stringify(replaced?.body.blocks);
    expect(shown).toContain('*prod-1* — Deleting');
    expect(shown).toContain(`Deletion approved by <@${USERS.projectAdmin}>`);
    expect(shown).not.toContain(ActionIds.clusterDelete);
  });

  it("answers the old overview's Delete cluster button of a deleted cluster privately: what happened and where to look", async () => {
    const cluster = await runningCluster();
    const overview = await statusAnswer(USERS.projectAdmin);
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + MINUTE);
    expect(record(cluster.id).status).toBe('Deleted');

    await clickOverviewDelete(overview);

    const answer = await privateAnswer('/response/overview');
    expect(answer?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(text(answer)).toContain(`prod-1 was already deleted at <!date^${Math.floor((requestedAt + MINUTE) / 1000)}^`);
    expect(text(answer)).toContain(`(approved by <@${USERS.projectAdmin}>), so there is nothing left to do with this button. \`/tke status prod-1\` shows how it ended.`);
    expect(bot().slack.calls('views.open')).toHaveLength(1);
  });

  it('edits the Force Delete Cluster offer once used: who force deleted it and when, with no button', async () => {
    const cluster = await runningCluster({ stuck: true });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 15 * MINUTE);

    await forceDeleteAs(PAGER);

    const replaced = await privateAnswer('/response/force');
    expect(replaced?.body).toMatchObject({ replace_original: true });
    expect(text(replaced)).toContain(`Force deleted by <@${PAGER}> at <!date^${Math.floor(bot().clock.now().getTime() / 1000)}^{date_short_pretty} {time}|`);
    expect(JSON.stringify(replaced?.body.blocks)).not.toContain(ActionIds.clusterForceDelete);
    expect(record(cluster.id).status).toBe('DeletedForced');
  });

  it('answers a second click on the used Force Delete Cluster offer privately, naming who force deleted it and where the leftovers are', async () => {
    const cluster = await runningCluster({ stuck: true });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 15 * MINUTE);
    await forceDeleteAs(PAGER);
    const forcedAt = Math.floor(bot().clock.now().getTime() / 1000);
    bot().clock.advance(10 * MINUTE);
    const opened = bot().slack.calls('views.open').length;
    const deletes = deleteCalls().length;

    const answer = await clickForceDelete(USERS.onCall);

    expect(answer.status).toBe(200);
    const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url' && c.body.response_url === '/response/force').length >= 2);
    const polite = calls.filter((c) => c.method === 'response_url' && c.body.response_url === '/response/force').at(-1);
    expect(polite?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(text(polite)).toContain(`prod-1 was already force deleted by <@${PAGER}> at <!date^${forcedAt}^`);
    expect(text(polite)).toContain('`/tke status prod-1` lists what was left at Tencent to clean up.');
    expect(bot().slack.calls('views.open')).toHaveLength(opened);
    expect(deleteCalls()).toHaveLength(deletes);
    expect(record(cluster.id).status).toBe('DeletedForced');
  });
});

describe('deleting a cluster Tencent has not created yet', () => {
  /** prod-1 as Deploy leaves it before CreateCluster answers: Creating, no TKE cluster id. */
  async function stillCreating(options: ClusterOptions = {}): Promise<ClusterRecord> {
    t = await startBot({}, options);
    const cluster = aCluster({ spec: aSpec({ name: 'prod-1' }), project: 'platform', channel: CHANNELS.platform, status: 'Creating', tkeClusterId: undefined });
    await t.bot.store.update((data) => {
      data.clusters.push(cluster);
    });
    return cluster;
  }

  it('refuses /tke delete before the modal opens, saying it is still being created', async () => {
    const cluster = await stillCreating();

    const reply = await bot().send.command('delete prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });

    expect(reply.json).toMatchObject({ response_type: 'ephemeral', text: 'prod-1 is still being created at Tencent; try again in a minute.' });
    expect(bot().slack.calls('views.open')).toHaveLength(0);
    expect(record(cluster.id).status).toBe('Creating');
  });

  it("refuses the overview's Delete cluster button before the modal opens", async () => {
    await stillCreating();
    const overview = await statusAnswer(USERS.projectAdmin);

    await clickOverviewDelete(overview);

    const refusal = await privateAnswer('/response/overview');
    expect(refusal?.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'prod-1 is still being created at Tencent; try again in a minute.',
    });
    expect(bot().slack.calls('chat.postEphemeral')).toEqual([]);
    expect(bot().slack.calls('views.open')).toHaveLength(0);
  });

  it("refuses the overview's Delete cluster button in a private channel tkeops is not in, through the click's response URL", async () => {
    await stillCreating({ privateChannel: true });
    const overview = await statusAnswer(USERS.projectAdmin, PRIVATE);

    await clickOverviewDelete(overview, PRIVATE);

    expect(text(await privateAnswer('/response/overview'))).toBe('prod-1 is still being created at Tencent; try again in a minute.');
    expect(bot().slack.calls('chat.postEphemeral')).toEqual([]);
    expect(bot().logs.some((l) => l.includes('An unhandled error occurred'))).toBe(false);
  });
});

describe('a deletion stuck in Deleting', () => {
  it('shows no button at 14:59, only the time left in the overview; at 15:00 posts one button however many ticks follow', async () => {
    await runningCluster({ stuck: true });
    const requestedAt = await deleteIt();

    await tickUntil(requestedAt + 14 * MINUTE + 59_000);
    expect(forceOffers()).toHaveLength(0);
    const overview = await statusAnswer(USERS.onCall);
    expect(JSON.stringify(overview)).toContain('Force delete available in 1s.');
    expect(JSON.stringify(overview)).not.toContain(ActionIds.clusterForceDelete);

    await tickUntil(requestedAt + 15 * MINUTE);
    await tickUntil(requestedAt + 20 * MINUTE);

    expect(forceOffers()).toHaveLength(1);
    expect(text(forceOffers()[0])).toContain(`<!subteam^${ON_CALL_GROUP}> <@${USERS.onCall}> *prod-1* has been stuck in Deleting for 15m 00s`);
  });

  it("refuses a member's click on Force Delete Cluster, privately through the click's response URL, saying who may", async () => {
    const cluster = await runningCluster({ stuck: true });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 15 * MINUTE);
    const opened = bot().slack.calls('views.open').length;

    const answer = await clickForceDelete(USERS.member);

    expect(answer.status).toBe(200);
    const refusal = await privateAnswer('/response/force');
    expect(refusal?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(text(refusal)).toContain('may force delete this cluster');
    expect(text(refusal)).toContain('on-call');
    expect(bot().slack.calls('views.open')).toHaveLength(opened);
    expect(record(cluster.id).status).toBe('Deleting');
  });

  it('refuses a click before the threshold (an old or crafted button), saying how long is left', async () => {
    await runningCluster({ stuck: true });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 15 * MINUTE);
    const offer = forceOffers()[0] as SlackCall;
    // The same button, clicked as if 3m 12s before the threshold.
    bot().clock.set(requestedAt + 11 * MINUTE + 48_000);
    const opened = bot().slack.calls('views.open').length;

    await bot().send.blockActions(
      messageBlockAction({ user: PAGER, channel: CHANNELS.platform, message: offer.body, messageTs: '1700000099.000100', actionId: ActionIds.clusterForceDelete, responseUrl: `${bot().slack.url}/response/x` }),
    );

    expect(text(await privateAnswer('/response/x'))).toContain('in 3m 12s');
    expect(bot().slack.calls('views.open')).toHaveLength(opened);
  });

  it('lets on-call (through the user group) see the leftover resources, then force delete: Deleted (forced)', async () => {
    const cluster = await runningCluster({ stuck: true });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 15 * MINUTE);
    const tkeClusterId = cluster.tkeClusterId as string;
    const left = bot().tencent.resources(tkeClusterId);

    await clickForceDelete(PAGER);
    const calls = await bot().slack.waitFor((all) => all.some((c) => c.method === 'views.update'));
    const opened = calls.filter((c) => c.method === 'views.open').at(-1);
    expect(JSON.stringify(opened?.body.view)).toContain('Looking up leftover resources');
    const update = calls.find((c) => c.method === 'views.update') as SlackCall;
    const modal = update.body.view as ModalView;
    const listed = JSON.stringify(modal.blocks);
    for (const id of [left.instances[0]?.instanceId, left.disks[0]?.diskId, left.loadBalancers[0]?.loadBalancerId]) expect(listed).toContain(id);
    expect(listed).toContain('clean them up');
    expect(deleteCalls()).toHaveLength(1);

    const wrong = await bot().send.viewSubmission(
      viewSubmission({ user: PAGER, view: modal, viewId: String(update.body.view_id), input: { [ActionIds.forceDeleteConfirmName]: 'Prod-1' } }),
    );
    expect(wrong.json?.response_action).toBe('errors');
    const answer = await bot().send.viewSubmission(
      viewSubmission({ user: PAGER, view: modal, viewId: String(update.body.view_id), input: { [ActionIds.forceDeleteConfirmName]: 'prod-1' } }),
    );
    expect(answer.text).toBe('');
    await bot().slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage' && text(c).includes('force deleted')));
    await bot().bot.services.threads.idle();

    expect(deleteCalls()).toHaveLength(2);
    expect(deleteCalls()[1]?.params).toMatchObject({
      InstanceDeleteMode: 'terminate',
      ResourceDeleteOptions: [
        { ResourceType: 'CBS', DeleteMode: 'terminate', SkipDeletionProtection: false },
        { ResourceType: 'CLB', DeleteMode: 'terminate', SkipDeletionProtection: false },
      ],
    });
    expect(bot().tencent.cluster(tkeClusterId)).toBeUndefined();
    expect(record(cluster.id)).toMatchObject({ status: 'DeletedForced', deletion: { forcedBy: PAGER, forcedAt: bot().clock.now().toISOString() } });
    const forced = posts().find((c) => text(c).includes('force deleted'));
    expect(forced?.body.thread_ts).toBe(cluster.thread?.ts);
    expect(JSON.stringify(forced?.body.blocks)).toContain(left.instances[0]?.instanceId);
    expect(lastRootUpdate()).toContain(`prod-1: Deleted (forced) (Force deleted by <@${PAGER}> after 15m 00s`);
    const actions = bot().bot.store.read((data) => data.audit.filter((e) => e.target === cluster.id).map((e) => e.action));
    expect(actions).toEqual(
      expect.arrayContaining(['cluster.delete', 'cluster.forceDelete.offered', 'cluster.forceDelete.reviewed', 'cluster.forceDelete.requested', 'cluster.forceDelete']),
    );
  });

  it('answers the force-delete confirmation at once when Slack rate-limits the on-call lookup, recognising on-call from the members last seen', async () => {
    const cluster = await runningCluster({ stuck: true });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 15 * MINUTE);
    await clickForceDelete(PAGER);
    const update = (await bot().slack.waitFor((all) => all.some((c) => c.method === 'views.update'))).find((c) => c.method === 'views.update') as SlackCall;
    // The user group members cached by the click are stale by now; Slack answers the next lookup with 429.
    bot().clock.advance(6 * MINUTE);
    bot().slack.fail('usergroups.users.list', { status: 429, retryAfterSeconds: 2 });

    const sentAt = Date.now();
    const answer = await bot().send.viewSubmission(
      viewSubmission({ user: PAGER, view: update.body.view as ModalView, viewId: String(update.body.view_id), input: { [ActionIds.forceDeleteConfirmName]: 'prod-1' } }),
    );
    const answerMs = Date.now() - sentAt;

    expect(answer).toMatchObject({ status: 200, text: '' });
    expect(answerMs).toBeLessThan(1_000);
    await bot().slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage' && text(c).includes('force deleted')));
    expect(record(cluster.id)).toMatchObject({ status: 'DeletedForced', deletion: { forcedBy: PAGER } });
    expect(bot().slack.calls('usergroups.users.list (HTTP 429)')).toHaveLength(1);
    expect(bot().logs.some((l) => l.includes('could not list the on-call user group; using its 1 members last seen'))).toBe(true);
  });

  it('asks three slow on-call user groups at once and answers the force-delete confirmation before Slack gives up', async () => {
    const cluster = await runningCluster({ stuck: true, moreOnCallGroups: ['S0NIGHTS', 'S0WEEKEND'] });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 15 * MINUTE);
    await clickForceDelete(PAGER);
    const update = (await bot().slack.waitFor((all) => all.some((c) => c.method === 'views.update'))).find((c) => c.method === 'views.update') as SlackCall;
    // The members cached by the click are stale by now, and each lookup takes Slack 0.6 s: 1.8 s one after another.
    bot().clock.advance(6 * MINUTE);
    bot().slack.latency('usergroups.users.list', 600);
    const lookupsBefore = bot().slack.calls('usergroups.users.list').length;

    const sentAt = Date.now();
    const answer = await bot().send.viewSubmission(
      viewSubmission({ user: PAGER, view: update.body.view as ModalView, viewId: String(update.body.view_id), input: { [ActionIds.forceDeleteConfirmName]: 'prod-1' } }),
    );
    const answerMs = Date.now() - sentAt;

    expect(answer).toMatchObject({ status: 200, text: '' });
    expect(answerMs).toBeLessThan(2_800);
    const lookups = bot().slack.calls('usergroups.users.list').slice(lookupsBefore);
    expect(lookups.map((c) => c.body.usergroup).sort()).toEqual(['S0NIGHTS', ON_CALL_GROUP, 'S0WEEKEND']);
    // Asked together: one after another, each would start 0.6 s after the previous.
    const starts = lookups.map((c) => c.at);
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(300);
    await bot().slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage' && text(c).includes('force deleted')));
    expect(record(cluster.id)).toMatchObject({ status: 'DeletedForced', deletion: { forcedBy: PAGER } });
  });

  it('offers force delete after FORCE_DELETE_AFTER_MINUTES when it is configured', async () => {
    await runningCluster({ stuck: true, forceAfterMinutes: 2 });
    const requestedAt = await deleteIt();

    await tickUntil(requestedAt + 2 * MINUTE - 1_000);
    expect(forceOffers()).toHaveLength(0);
    await tickUntil(requestedAt + 2 * MINUTE);

    expect(forceOffers()).toHaveLength(1);
  });

  it('keeps the original request time across a restart: the button comes 15 minutes after the request, not after the restart', async () => {
    await runningCluster({ stuck: true });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 10 * MINUTE);

    t = await bot().restart();
    await tickUntil(requestedAt + 14 * MINUTE + 59_000);
    expect(forceOffers()).toHaveLength(0);
    await tickUntil(requestedAt + 15 * MINUTE);

    expect(forceOffers()).toHaveLength(1);
    expect(text(forceOffers()[0])).toContain('stuck in Deleting for 15m 00s');
  });
});

describe('on-call paged for a stuck deletion in a project that lists its members', () => {
  /** The root message of prod-1's provisioning thread, as Slack shows it. */
  const rootMessage = () => posts().find((c) => c.body.thread_ts === undefined) as SlackCall;

  async function paged(): Promise<ClusterRecord> {
    const cluster = await runningCluster({ stuck: true, listedMembers: true });
    const requestedAt = await deleteIt();
    await tickUntil(requestedAt + 15 * MINUTE);
    expect(forceOffers()).toHaveLength(1);
    return cluster;
  }

  it('lets on-call (through the user group) see /tke status of the cluster, with the Force Delete Cluster button', async () => {
    await paged();

    const overview = JSON.stringify(await statusAnswer(PAGER));

    expect(overview).toContain('*prod-1* — Deleting');
    expect(overview).toContain(ActionIds.clusterForceDelete);
    expect(overview).not.toContain('may see this cluster');
  });

  it("lets on-call open the overview from the root message's Overview button", async () => {
    const cluster = await paged();

    await bot().send.blockActions(
      messageBlockAction({
        user: USERS.onCall,
        channel: CHANNELS.platform,
        message: rootMessage().body,
        messageTs: cluster.thread?.ts ?? '',
        actionId: ActionIds.clusterOverview,
        responseUrl: `${bot().slack.url}/response/root`,
      }),
    );

    const shown = JSON.stringify((await privateAnswer('/response/root'))?.body.blocks);
    expect(shown).toContain('*prod-1* — Deleting');
    expect(shown).toContain(ActionIds.clusterForceDelete);
  });

  it('still refuses someone who is neither a member nor on-call, naming on-call among those who may see it', async () => {
    await paged();

    const answer = String((await statusAnswer('U0STRANGER')).text);

    expect(answer).toContain('may see this cluster in project platform');
    expect(answer).toContain(`on-call (<!subteam^${ON_CALL_GROUP}> <@${USERS.onCall}>)`);
  });
});

describe('a deletion Tencent refuses, asked from a private channel tkeops was not invited to', () => {
  const REFUSED = 'Tencent refused to delete prod-1: *OperationDenied*';

  /** The confirmation, acknowledged; Tencent refuses DeleteCluster after the ack. */
  async function refusedConfirmation(options: { formOpenMs: number }): Promise<ClusterRecord> {
    const cluster = await runningCluster({ privateChannel: true });
    const modal = await openDeleteModal(USERS.projectAdmin, { channel: PRIVATE, responseUrl: `${bot().slack.url}/response/delete` });
    bot().tencent.failNext('DeleteCluster', { code: 'OperationDenied', message: 'Cluster has deletion protection enabled.' });
    bot().clock.advance(options.formOpenMs);

    const answer = await confirmDelete('prod-1', modal);

    expect(answer.text).toBe('');
    return cluster;
  }

  it("tells the user through the /tke delete command's response URL, kept in the modal", async () => {
    const cluster = await refusedConfirmation({ formOpenMs: 10 * MINUTE });

    expect(text(await privateAnswer('/response/delete'))).toContain(REFUSED);
    expect(bot().slack.calls('chat.postEphemeral')).toEqual([]);
    expect(deleteCalls()).toHaveLength(1);
    expect(record(cluster.id).status).toBe('Running');
  });

  it('tells the user in a direct message once that response URL is too old, since Slack refuses an ephemeral message there', async () => {
    const cluster = await refusedConfirmation({ formOpenMs: 26 * MINUTE });

    const direct = (c: SlackCall) => c.method === 'chat.postMessage' && c.body.channel === USERS.projectAdmin;
    const calls = await bot().slack.waitFor((all) => all.some(direct));
    expect(text(calls.find(direct))).toContain(REFUSED);
    expect(bot().slack.calls('chat.postEphemeral').map((c) => c.body)).toEqual([expect.objectContaining({ channel: PRIVATE, user: USERS.projectAdmin })]);
    expect(bot().slack.calls('response_url').filter((c) => c.body.response_url === '/response/delete')).toEqual([]);
    expect(record(cluster.id).status).toBe('Running');
    expect(bot().logs.some((l) => l.includes('An unhandled error occurred'))).toBe(false);
  });
});
