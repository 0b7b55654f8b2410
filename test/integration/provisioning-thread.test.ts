import { writeFile } from 'node:fs/promises';
import type { ModalView } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { wizardView } from '../../src/views/wizard/screen.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { CREATE_OUTCOME_AFTER_MS } from '../../src/services/watcher.js';
import { formatDuration } from '../../src/views/cluster-format.js';
import { ActionIds } from '../../src/views/ids.js';
import { startTestBot, TENCENT, USERS, CHANNELS, type TestBot } from '../support/bot.js';
import { aCluster } from '../support/clusters.js';
import type { SlackCall } from '../support/fake-slack.js';
import { viewSubmission } from '../support/payloads.js';
import { aPoolForm, aWizardForm, aWizardOptions } from '../support/wizard-forms.js';
import { seedClusters, specIn } from '../support/seed-clusters.js';
import { storeOnDisk } from '../support/store-files.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const TICK_MS = 15_000;

/** The test bot with a project cloud account, as an admin would have added it. */
async function botWithAccount(): Promise<{ t: TestBot; accountId: string }> {
  const bot = await startTestBot();
  const added = await bot.bot.services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(`account not added: ${JSON.stringify(added.errors)}`);
  return { t: bot, accountId: added.account.id };
}

/**
 * Deploys through the real wizard: a signed `/tke create`, then the signed Deploy submission of
 * the review step. The steps in between (covered by the wizard's own tests) are skipped by
 * storing the completed form in the draft, as they would have left it.
 */
async function deploy(bot: TestBot, accountId: string, options: { thread?: boolean } = {}): Promise<string> {
  const { store } = bot.bot;
  await bot.send.command('create prod-1', { channel: CHANNELS.platform, user: USERS.member });
  await bot.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
  const opened = await waitForDraft(bot);
  const draft = await bot.bot.services.drafts.update(opened.id, (d) => {
    d.form = aWizardForm({ name: 'prod-1', accountId, pools: [aPoolForm({ name: 'default' })] });
    d.options = aWizardOptions({ accountId });
  });
  if (!draft?.viewId) throw new Error('the wizard draft has no view');
  const review = await bot.bot.services.wizard.screen(draft.id, USERS.member, 'review');
  if (review.kind !== 'screen') throw new Error('the wizard draft is gone');
  const view = wizardView(review.screen);
  await bot.send.viewSubmission(viewSubmission({ user: USERS.member, view, viewId: draft.viewId, input: {} }));
  // The Deploy handler works after its ack: the root message, CreateCluster, then "Cluster created"
  // in its thread (or, when Slack refuses the root message, only that attempt); settled() waits for
  // the handler's work (CreateCluster included) and the thread messages.
  const opensThread = options.thread ?? true;
  await bot.slack.waitFor((calls: SlackCall[]) => calls.some((c) => c.method === 'chat.postMessage' && (!opensThread || c.body.thread_ts !== undefined)));
  await bot.bot.settled();
  const id = store.read((data) => data.clusters.find((c) => c.draftId === draft.id)?.id);
  if (!id) throw new Error('Deploy recorded no cluster');
  return id;
}

async function waitForDraft(bot: TestBot) {
  for (let i = 0; i < 100; i += 1) {
    const draft = bot.bot.store.read((data) => data.drafts.find((d) => d.userId === USERS.member && d.viewId));
    if (draft) return draft;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('/tke create opened no wizard');
}

function cluster(bot: TestBot, id: string): ClusterRecord | undefined {
  return bot.bot.store.read((data) => data.clusters.find((c) => c.id === id));
}

/**
 * Moves time in watch-schedule steps and ticks, as the cron would, until `done` (or `max` ticks).
 * Each tick's Slack messages (and root messages it posts in the background) are sent before the next.
 */
async function tickUntil(bot: TestBot, done: () => boolean, max = 60): Promise<number> {
  let ticks = 0;
  while (!done() && ticks < max) {
    bot.clock.advance(TICK_MS);
    await bot.bot.watcher.tick(bot.clock.now());
    await bot.bot.services.threads.idle();
    ticks += 1;
  }
  return ticks;
}

async function tickTimes(bot: TestBot, count: number): Promise<void> {
  let left = count;
  await tickUntil(bot, () => left-- <= 0);
}

const rootOf = (bot: TestBot) => bot.slack.calls('chat.postMessage').find((c) => c.body.thread_ts === undefined);
const threadReplies = (bot: TestBot, rootTs: string) => bot.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === rootTs);
const text = (call: SlackCall | undefined) => String(call?.body.text ?? '');
const blocksText = (call: SlackCall | undefined) => JSON.stringify(call?.body.blocks ?? []);

const STEP_OPENINGS = [':sparkles: Cluster created', ':gear: Control plane running', ':link: Endpoint ready', ':white_check_mark: Worker pool *default* ready', ':package: Add-ons installed', ':tada: Cluster *prod-1* is ready'];
const stepOf = (reply: string) => STEP_OPENINGS.findIndex((opening) => reply.startsWith(opening));

describe('the provisioning thread', () => {
  it("receives each step exactly once and in order, and its root message ends as Running with the total time", async () => {
    const setup = await botWithAccount();
    t = setup.t;
    const id = await deploy(t, setup.accountId);

    await tickUntil(t, () => cluster(t as TestBot, id)?.status === 'Running');
    await tickTimes(t, 3); // nothing more to say

    const root = rootOf(t);
    expect(root?.body.channel).toBe(CHANNELS.platform);
    expect(blocksText(root)).toContain('prod-1');
    for (const shown of ['acme-prod', 'ubuntu-mariadb', 'ap-guangzhou', `<@${USERS.member}>`, 'Overview']) expect(blocksText(root)).toContain(shown);
    const rootTs = rootTsOf(t, id);
    const replies = threadReplies(t, rootTs).map(text);
    expect(replies.map(stepOf)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(replies[3]).toContain('2/2 nodes');
    expect(replies[5]).toContain('Total time 2m 45s');

    const updates = t.slack.calls('chat.update');
    expect(updates.every((u) => u.body.ts === rootTs && u.body.channel === CHANNELS.platform)).toBe(true);
    const last = updates.at(-1);
    expect(blocksText(last)).toContain('Running');
    expect(blocksText(last)).toContain('Total time 2m 45s');
    expect(blocksText(last)).toContain('100%');
    expect(t.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === undefined)).toHaveLength(1);
  });

  it('costs 3 DescribeClusters calls per tick for 250 clusters in one account and region', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    const { store, tke } = t.bot;
    await seedClusters({ store, tke }, {
      credential: TENCENT,
      specs: Array.from({ length: 250 }, (_, i) => specIn('ap-guangzhou', `many-${i}`, setup.accountId)),
      withThread: true,
    });
    t.tencent.clearRequests();
    const slackCalls = t.slack.calls().length;

    await tickTimes(t, 2);

    expect(t.tencent.requestsFor('DescribeClusters')).toHaveLength(6);
    expect(t.tencent.requests).toHaveLength(6);
    expect(t.slack.calls()).toHaveLength(slackCalls);
  });

  it('finishes provisioning after the app is stopped and a new one starts on the same db.json, posting no step twice', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    const id = await deploy(t, setup.accountId);
    await tickUntil(t, () => cluster(t as TestBot, id)?.progress.endpointReadyAt !== undefined);
    const before = cluster(t, id)?.posted;
    expect(before).toEqual(['created', 'control-plane', 'endpoint']);

    await t.stopBot();
    t.clock.advance(5 * 60_000); // while nobody watched, the worker pool came up
    t = await t.restart();
    await tickUntil(t, () => cluster(t as TestBot, id)?.status === 'Running');
    await tickTimes(t, 2);

    const rootTs = rootTsOf(t, id);
    const replies = threadReplies(t, rootTs).map(text);
    expect(replies.map(stepOf)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(t.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === undefined)).toHaveLength(1);
  });

  it('applies the public access CIDRs once the endpoint is Created, and a new app on the same db.json never applies them again', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    const id = await deploy(t, setup.accountId);
    await tickUntil(t, () => cluster(t as TestBot, id)?.progress.publicEndpointRequestedAt !== undefined);
    expect(t.tencent.requestsFor('ModifyClusterEndpointSP')).toHaveLength(0); // the endpoint is still Creating

    await t.stopBot();
    t.clock.advance(60_000); // the endpoint is Created while nobody watches
    t = await t.restart();
    await tickUntil(t, () => cluster(t as TestBot, id)?.progress.publicEndpointRestrictedAt !== undefined);
    await t.stopBot();
    // As if the app had died right after the CIDR step recorded itself, before its tick recorded the endpoint ready.
    const db = await storeOnDisk(t.dataFile);
    const interrupted = db.clusters.find((c) => c.id === id);
    delete interrupted?.progress.endpointReadyAt;
    delete interrupted?.progress.publicEndpointReadyAt;
    await writeFile(t.dataFile, JSON.stringify(db));
    t = await t.restart();
    await tickUntil(t, () => cluster(t as TestBot, id)?.status === 'Running');

    const tkeClusterId = cluster(t, id)?.tkeClusterId;
    expect(t.tencent.requestsFor('ModifyClusterEndpointSP').map((r) => [r.params, r.errorCode])).toEqual([
      [{ ClusterId: tkeClusterId, SecurityPolicies: ['203.0.113.0/24'] }, undefined],
    ]);
    expect(threadReplies(t, rootTsOf(t, id)).map(text).map(stepOf)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('loses at most the replies still queued when the app is killed mid-provisioning; a restart posts the remaining steps, none twice', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    const id = await deploy(t, setup.accountId);
    await tickUntil(t, () => cluster(t as TestBot, id)?.progress.controlPlaneRunningAt !== undefined); // endpoint and pool requested
    const rootTs = rootTsOf(t, id);
    t.clock.advance(5 * 60_000);
    await t.bot.watcher.tick(t.clock.now()); // endpoint and pool ready: both claimed, their replies and a root edit queued
    const claimedAtKill = cluster(t, id)?.posted;

    await t.stopBot({ drain: false }); // killed: only the call already in flight reaches Slack
    t = await t.restart();
    await tickUntil(t, () => cluster(t as TestBot, id)?.status === 'Running');
    await tickTimes(t, 2);

    expect(claimedAtKill).toEqual(['created', 'control-plane', 'endpoint', 'pool:default']);
    const steps = threadReplies(t, rootTs).map(text).map(stepOf);
    // The pool reply was claimed with its step and still queued at the kill: lost, never repeated.
    expect(steps).toEqual([0, 1, 2, 4, 5]);
    expect(cluster(t, id)?.posted).toEqual(['created', 'control-plane', 'endpoint', 'pool:default', 'addons', 'ready']);
    expect(blocksText(t.slack.calls('chat.update').at(-1))).toContain('Running');
    expect(t.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === undefined)).toHaveLength(1);
  });

  it('provisions a cluster whose root message Slack refuses (bot not in the channel), then opens its thread with every step', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    t.slack.fail('chat.postMessage', { error: 'not_in_channel', times: 5 });
    const id = await deploy(t, setup.accountId, { thread: false });

    const ticks = await tickUntil(t, () => cluster(t as TestBot, id)?.thread !== undefined);

    expect(cluster(t, id)?.status).toBe('Running');
    expect(t.tencent.requestsFor('CreateClusterNodePool')).toHaveLength(1);
    // Deploy's try and four of the watcher's were refused; the watcher waited longer after each.
    const roots = t.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === undefined);
    expect(roots).toHaveLength(6);
    expect(ticks).toBeGreaterThan(20);
    expect(text(roots.at(-1))).toContain('prod-1: Running');
    expect(threadReplies(t, rootTsOf(t, id)).map(text).map(stepOf)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps following every cluster while Slack answers 503, each tick finishing without waiting for it', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    const { store, tke } = t.bot;
    const [announced] = await seedClusters({ store, tke }, { credential: TENCENT, specs: [specIn('ap-guangzhou', 'announced', setup.accountId)], withThread: true });
    const [unannounced] = await seedClusters({ store, tke }, { credential: TENCENT, specs: [specIn('ap-guangzhou', 'unannounced', setup.accountId)] });
    t.slack.fail('chat.postMessage', { status: 503, times: 1_000 });
    t.slack.fail('chat.update', { status: 503, times: 1_000 });

    const tickMs: number[] = [];
    const outcome = await Promise.race([
      (async () => {
        for (let i = 0; i < 4; i += 1) {
          t?.clock.advance(TICK_MS);
          const started = performance.now();
          await t?.bot.watcher.tick(t.clock.now());
          tickMs.push(performance.now() - started);
        }
        return 'four ticks done';
      })(),
      new Promise((resolve) => setTimeout(() => resolve('still ticking after 3 s'), 3_000)),
    ]);

    expect(outcome).toBe('four ticks done');
    // The outbox's first retry alone waits 1 s: no tick waited for one.
    expect(Math.max(...tickMs)).toBeLessThan(1_000);
    expect(cluster(t, announced?.id ?? '')?.progress.controlPlaneRunningAt).toBeDefined();
    expect(cluster(t, unannounced?.id ?? '')?.progress.controlPlaneRunningAt).toBeDefined();
    expect(t.slack.calls().some((c) => c.method === 'chat.postMessage (HTTP 503)')).toBe(true);
    await t.stopBot({ drain: false });
  });

  it('fails a cluster a crash left Creating once Tencent has none with its tag, says so in its thread, and /tke delete removes it', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    const now = t.clock.now().toISOString();
    // Deploy recorded it, then the app died before CreateCluster's answer was stored.
    const crashed = aCluster({
      id: 'c-crashed',
      spec: specIn('ap-guangzhou', 'prod-1', setup.accountId),
      project: 'platform',
      channel: CHANNELS.platform,
      status: 'Creating',
      createdAt: now,
      progress: { pools: [], addons: [] },
    });
    delete crashed.tkeClusterId;
    await t.bot.store.update((data) => void data.clusters.push(crashed));
    t = await t.restart();

    const ticks = await tickUntil(t, () => cluster(t as TestBot, crashed.id)?.thread !== undefined, 20);

    expect(ticks * TICK_MS).toBeGreaterThanOrEqual(CREATE_OUTCOME_AFTER_MS);
    expect(cluster(t, crashed.id)?.status).toBe('Failed');
    const told = threadReplies(t, rootTsOf(t, crashed.id)).map(text);
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('tkeops.CreateClusterOutcomeUnknown');
    expect(told[0]).toContain('no cluster with tag tkeops-cluster=c-crashed exists');

    t.tencent.clearRequests();
    await t.send.command('delete prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    const opened = (await t.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'))).filter((c) => c.method === 'views.open').at(-1);
    await t.send.viewSubmission(
      viewSubmission({ user: USERS.projectAdmin, view: opened?.body.view as ModalView, viewId: 'V0DELETE0', input: { [ActionIds.deleteConfirmName]: 'prod-1' } }),
    );
    await t.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && text(c).includes('approved the deletion')));

    expect(cluster(t, crashed.id)?.status).toBe('Deleted');
    expect(t.tencent.requestsFor('DeleteCluster')).toHaveLength(0);
  });

  it("shows a CreateClusterNodePool failure in the thread with Tencent's code and marks the cluster Failed", async () => {
    const setup = await botWithAccount();
    t = setup.t;
    t.tencent.failNext('CreateClusterNodePool', { code: 'ResourceInsufficient.SpecifiedInstanceType', message: 'S5.MEDIUM4 is sold out in ap-guangzhou-3.' });
    const id = await deploy(t, setup.accountId);

    await tickUntil(t, () => cluster(t as TestBot, id)?.status === 'Failed');

    const stored = cluster(t, id);
    const rootTs = rootTsOf(t, id);
    const failure = threadReplies(t, rootTs).map(text).at(-1) ?? '';
    expect(failure).toContain('ResourceInsufficient.SpecifiedInstanceType');
    expect(failure).toContain('S5.MEDIUM4 is sold out in ap-guangzhou-3.');
    expect(failure).toContain(stored?.failure?.requestId ?? 'a request id');
    expect(t.tencent.requestsFor('CreateClusterNodePool')[0]?.requestId).toBe(stored?.failure?.requestId);
    expect(blocksText(t.slack.calls('chat.update').at(-1))).toContain('Failed');

    const slackCalls = t.slack.calls().length;
    await tickTimes(t, 3);
    expect(t.slack.calls()).toHaveLength(slackCalls);
  });

  it('keeps one failure time on the root message and the overview, however late the overview is asked, with the pools never created', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    t.tencent.failNext('CreateClusterNodePool', { code: 'ResourceInsufficient.SpecifiedInstanceType', message: 'S5.MEDIUM4 is sold out in ap-guangzhou-3.' });
    const id = await deploy(t, setup.accountId);
    await tickUntil(t, () => cluster(t as TestBot, id)?.status === 'Failed');
    const stored = cluster(t, id) as ClusterRecord;
    const took = formatDuration(Date.parse(stored.failedAt ?? '') - Date.parse(stored.createdAt));
    expect(stored.failedAt).toBe(t.clock.now().toISOString());
    expect(blocksText(t.slack.calls('chat.update').at(-1))).toContain(`Failed after ${took}`);

    t.clock.advance(45 * 60_000);
    await t.send.command('status prod-1', { channel: CHANNELS.platform, user: USERS.member });
    const overview = JSON.stringify((await t.slack.waitFor((calls) => calls.some((c) => c.method === 'response_url'))).find((c) => c.method === 'response_url')?.body);

    expect(overview).toContain(`Failed after ${took}`);
    expect(overview).toContain(':white_small_square: *default*: never created');
    expect(overview).toMatch(/Public — (never created|not ready when the cluster failed)/);
    for (const stale of ['nodes ready', 'in progress', 'not ready yet', 'elapsed']) expect(overview).not.toContain(stale);
  });

  it('posts nothing for a throttled Describe unless the throttling persists', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    const id = await deploy(t, setup.accountId);
    await t.bot.services.threads.idle();
    const slackCalls = t.slack.calls().length;

    // The gateway tries a Describe 4 times; 4 throttled answers make one tick fail.
    for (let i = 0; i < 3; i += 1) {
      t.tencent.throttle('DescribeClusters', 4);
      await tickTimes(t, 1);
    }
    expect(t.slack.calls()).toHaveLength(slackCalls);
    expect(cluster(t, id)?.transientErrors).toBe(3);

    t.tencent.throttle('DescribeClusters', 4);
    await tickTimes(t, 1);
    const rootTs = rootTsOf(t, id);
    const warning = threadReplies(t, rootTs).map(text).at(-1) ?? '';
    expect(warning).toContain('RequestLimitExceeded');
    expect(cluster(t, id)?.status).toBe('Provisioning');
  });

  it('holds the queue for Retry-After on a Slack 429 and loses no update', async () => {
    const setup = await botWithAccount();
    t = setup.t;
    const id = await deploy(t, setup.accountId);
    await t.bot.services.threads.idle();
    t.slack.fail('chat.update', { status: 429, retryAfterSeconds: 1 });

    t.clock.advance(60_000);
    await t.bot.watcher.tick(t.clock.now()); // control plane: a reply, then a root update that gets the 429
    t.clock.advance(30_000);
    await t.bot.watcher.tick(t.clock.now()); // endpoint ready while the queue waits
    await t.bot.services.threads.idle();

    const calls = t.slack.calls().filter((c) => c.method.startsWith('chat.'));
    const limited = calls.findIndex((c) => c.method === 'chat.update (HTTP 429)');
    expect(limited).toBeGreaterThanOrEqual(0);
    const retried = calls[limited + 1];
    expect(retried?.method).toBe('chat.update');
    expect((retried?.at ?? 0) - (calls[limited]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    // The retry carries the latest state, and every reply still arrived, once.
    expect(cluster(t, id)?.posted).toEqual(['created', 'control-plane', 'endpoint']);
    expect(blocksText(t.slack.calls('chat.update').at(-1))).toContain('50%');
    const rootTs = rootTsOf(t, id);
    expect(threadReplies(t, rootTs).map(text).map(stepOf)).toEqual([0, 1, 2]);
  });
});

/** The ts Slack gave the cluster's root message, as the bot stored it. */
function rootTsOf(bot: TestBot, id: string): string {
  return cluster(bot, id)?.thread?.ts ?? 'no thread';
}
