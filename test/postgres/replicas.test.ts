import type { ModalView } from '@slack/types';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/fake-slack.js';
import { CHANNELS, startTestBot, USERS, type TestBot } from '../support/bot.js';
import { addPlatformAccount, findCluster } from '../support/cluster-flow.js';
import { openByCommand } from '../support/running-cluster.js';
import { viewSubmission } from '../support/payloads.js';
import { until } from '../support/until.js';
import { aWizardForm, aWizardOptions } from '../support/wizard-forms.js';
import { ActionIds } from '../../src/views/ids.js';
import { wizardView } from '../../src/views/wizard/screen.js';

/**
 * Two bot processes on one PostgreSQL database (each its own Bolt app, HTTP port and tick claim),
 * sharing the ManualClock, the fake Slack and the Tencent emulator: what Slack and Tencent receive
 * is what one bot would have caused.
 */
let first: TestBot | undefined;
let second: TestBot | undefined;
afterEach(async () => {
  await second?.stop();
  await first?.stop();
  first = undefined;
  second = undefined;
});

const TICK_MS = 15_000;
const text = (call: SlackCall | undefined) => String(call?.body.text ?? '');

/** Two replicas on one database, with project platform's cloud account (added before the second starts). */
async function twoReplicas(): Promise<[TestBot, TestBot, string]> {
  first = await startTestBot({ store: 'postgres' });
  const accountId = await addPlatformAccount(first);
  second = await startTestBot({ replicaOf: first });
  return [first, second, accountId];
}

/** `/tke create <name>` sent to `opener`; the wizard's review step, ready to be submitted (Deploy) to any replica. */
async function reviewOf(opener: TestBot, accountId: string, name: string): Promise<Record<string, unknown>> {
  await opener.send.command(`create ${name}`, { channel: CHANNELS.platform, user: USERS.member });
  const opened = await until(async () => (await opener.bot.repositories.drafts.list({ userId: USERS.member })).find((d) => d.viewId && !d.clusterId), 'the wizard');
  const draft = await opener.bot.services.drafts.update(opened.id, (d) => {
    d.form = aWizardForm({ name, accountId });
    d.options = aWizardOptions({ accountId });
  });
  if (!draft?.viewId) throw new Error('the wizard draft has no view');
  const review = await opener.bot.services.wizard.screen(draft.id, USERS.member, 'review');
  if (review.kind !== 'screen') throw new Error('the wizard draft is gone');
  return viewSubmission({ user: USERS.member, view: wizardView(review.screen), viewId: draft.viewId, input: {} });
}

/** Waits until Tencent took the CreateCluster of `name` (its thread open, the cluster id stored). */
async function created(t: TestBot, name: string): Promise<void> {
  await until(async () => {
    const found = await findCluster(t, name);
    return found?.thread && found.tkeClusterId ? true : undefined;
  }, `the provisioning thread and Tencent cluster of ${name}`);
  await t.bot.settled();
}

/** The watcher's tick as both replicas' schedules run it, at the same moment; both settle their thread messages. */
async function tickBoth(a: TestBot, b: TestBot): Promise<void> {
  a.clock.advance(TICK_MS);
  await Promise.all([a.bot.runTick(a.clock.now()), b.bot.runTick(b.clock.now())]);
  await Promise.all([a.bot.services.threads.idle(), b.bot.services.threads.idle()]);
}

async function tickBothUntil(a: TestBot, b: TestBot, done: () => Promise<boolean>, maxTicks = 60): Promise<void> {
  for (let i = 0; i < maxTicks && !(await done()); i += 1) await tickBoth(a, b);
  if (!(await done())) throw new Error(`not done after ${maxTicks} ticks`);
}

/** chat.postMessage calls Slack answered 429 to this replica (its outbox waited for Retry-After). */
async function rateLimitedPosts(t: TestBot): Promise<string | undefined> {
  const body = (await t.bot.metrics.render()).body;
  return /^tkeops_outbox_retries_total\{(?=[^}]*method="chat\.postMessage")(?=[^}]*reason="rate_limited")[^}]*\} (\d+)$/m.exec(body)?.[1];
}

async function skippedTicks(t: TestBot): Promise<string | undefined> {
  const body = (await t.bot.metrics.render()).body;
  return /^tkeops_watcher_ticks_skipped_total (\d+)$/m.exec(body)?.[1];
}

describe('two replicas on one PostgreSQL', () => {
  it('run a tick due on both at once on one of them: Tencent gets one DescribeClusters, the other replica skips it and takes the next', async () => {
    const [a, b, accountId] = await twoReplicas();
    await a.send.viewSubmission(await reviewOf(a, accountId, 'prod-1'));
    await created(a, 'prod-1');
    a.clock.advance(TICK_MS);
    const before = a.tencent.requestsFor('DescribeClusters').length;

    // The first replica's tick is under way (its DescribeClusters sent, not yet answered) when the second's is due.
    const release = a.tencent.hold('DescribeClusters');
    const running = a.bot.runTick(a.clock.now());
    await until(() => (a.tencent.requestsFor('DescribeClusters').length > before ? true : undefined), 'the first replica\'s DescribeClusters');
    const skipped = await b.bot.runTick(b.clock.now());
    release();
    const ran = await running;

    expect(skipped).toBeUndefined();
    expect(ran?.watched).toBe(1);
    expect(a.tencent.requestsFor('DescribeClusters')).toHaveLength(before + 1);
    expect(await skippedTicks(b)).toBe('1');
    expect(await skippedTicks(a)).toBe('0');
    // The claim was released at the end of the tick: the second replica takes the next one.
    a.clock.advance(TICK_MS);
    expect((await b.bot.runTick(b.clock.now()))?.watched).toBe(1);
    expect(a.tencent.requestsFor('DescribeClusters')).toHaveLength(before + 2);
  });

  it('a replica that claimed the tick and died holds it until the claim expires (WATCH_CLAIM_TTL_SECONDS); then another replica takes the next tick', async () => {
    const [a, b, accountId] = await twoReplicas();
    await a.send.viewSubmission(await reviewOf(a, accountId, 'prod-1'));
    await created(a, 'prod-1');
    // A third replica claims the tick for 60 s (the default) and is killed: it never renews nor releases it.
    const claims = a.bot.database?.tickClaims;
    if (!claims) throw new Error('the bot is not on PostgreSQL');
    expect(await claims.claim('dead-replica', 60_000, a.clock.now())).toBe(true);
    const before = a.tencent.requestsFor('DescribeClusters').length;

    for (let i = 0; i < 3; i += 1) {
      a.clock.advance(TICK_MS);
      expect(await a.bot.runTick(a.clock.now())).toBeUndefined();
      expect(await b.bot.runTick(b.clock.now())).toBeUndefined();
    }
    expect(a.tencent.requestsFor('DescribeClusters')).toHaveLength(before);
    expect(await skippedTicks(b)).toBe('3');

    // 60 s after the dead replica's claim: it has expired, the next tick goes to a live replica.
    a.clock.advance(TICK_MS + 1);
    expect((await b.bot.runTick(b.clock.now()))?.watched).toBe(1);
    expect(a.tencent.requestsFor('DescribeClusters')).toHaveLength(before + 1);
  });

  it('run a whole create → delete with Slack requests alternating between them and both ticking: each Tencent call and each thread message once', async () => {
    const [a, b, accountId] = await twoReplicas();
    // /tke create reaches the first replica, Deploy the second.
    await b.send.viewSubmission(await reviewOf(a, accountId, 'prod-1'));
    const cluster = await until(async () => {
      const found = await findCluster(b, 'prod-1');
      return found?.thread ? found : undefined;
    }, 'the provisioning thread of prod-1');
    await tickBothUntil(a, b, async () => (await findCluster(a, 'prod-1'))?.status === 'Running');

    // /tke delete reaches the second replica, the typed-name confirmation the first.
    const opened = a.slack.calls('views.open').length;
    await b.send.command('delete prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    const calls = await a.slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > opened);
    const view = calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView;
    await a.send.viewSubmission(viewSubmission({ user: USERS.projectAdmin, view, viewId: 'V0DELETE1', input: { [ActionIds.deleteConfirmName]: 'prod-1' } }));
    await until(async () => ((await findCluster(b, 'prod-1'))?.status === 'Deleting' ? true : undefined), 'prod-1 Deleting');
    await tickBothUntil(a, b, async () => (await findCluster(b, 'prod-1'))?.status === 'Deleted');
    await Promise.all([a.bot.settled(), b.bot.settled()]);

    for (const action of ['CreateCluster', 'CreateClusterEndpoint', 'DeleteCluster']) expect(a.tencent.requestsFor(action), action).toHaveLength(1);
    const posted = a.slack.calls('chat.postMessage');
    expect(posted.filter((c) => c.body.thread_ts === undefined && c.body.channel === CHANNELS.platform)).toHaveLength(1);
    const threadTexts = posted.filter((c) => c.body.thread_ts === cluster.thread?.ts).map(text);
    expect(threadTexts.join('\n')).toContain('Cluster *prod-1* deleted');
    expect(new Set(threadTexts).size).toBe(threadTexts.length);
    expect(text(a.slack.calls('chat.update').at(-1))).toContain('prod-1: Deleted');
  });

  it('see a cloud account added or removed on the other replica without a restart', async () => {
    const a = (first = await startTestBot({ store: 'postgres' }));
    const b = (second = await startTestBot({ replicaOf: a }));
    const listed = async (t: TestBot) => JSON.stringify((await t.send.command('account list', { channel: CHANNELS.platform, user: USERS.member })).json?.blocks ?? []);
    expect(await listed(b)).not.toContain('acme-prod');

    await addPlatformAccount(a);
    await until(async () => ((await listed(b)).includes('*acme-prod*') ? true : undefined), 'the account in the other replica\'s list');

    // The connections listening for changes are lost (a database failover, a network cut): each replica listens again.
    const admin = new pg.Client({ connectionString: a.databaseUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ended: boolean }>("SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'");
      expect(rows.length).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
    const removed = await a.send.command('account remove acme-prod project', { channel: CHANNELS.platform, user: USERS.projectAdmin });
    expect(removed.status).toBe(200);
    await until(async () => (!(await listed(b)).includes('*acme-prod*') ? true : undefined), 'the account gone from the other replica\'s list');
  });

  it('a reply Slack rate-limits (429) on one replica is not resumed by the other while the first waits for Retry-After: it is in the thread once', async () => {
    const [a, b, accountId] = await twoReplicas();
    await a.send.viewSubmission(await reviewOf(a, accountId, 'prod-1'));
    await created(a, 'prod-1');
    const thread = (await findCluster(a, 'prod-1'))?.thread;

    // The first replica's tick finds the control plane running; Slack answers its reply 429 (Retry-After 2 s).
    a.slack.fail('chat.postMessage', { status: 429, retryAfterSeconds: 2 });
    a.clock.advance(a.tencent.timings.clusterCreateMs);
    await a.bot.runTick(a.clock.now());
    await until(async () => ((await rateLimitedPosts(a)) === '1' ? true : undefined), 'the 429 on the first replica\'s reply');
    // The second replica takes the next tick while that reply waits, recorded and not in the thread yet.
    a.clock.advance(TICK_MS);
    expect((await b.bot.runTick(b.clock.now()))?.watched).toBe(1);
    await Promise.all([a.bot.services.threads.idle(), b.bot.services.threads.idle()]);

    const replies = a.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === thread?.ts && text(c).includes('Control plane running'));
    expect(replies).toHaveLength(1);
    expect(a.slack.messages(CHANNELS.platform).filter((m) => m.thread_ts === thread?.ts && m.text.includes('Control plane running'))).toHaveLength(1);
  });

  it('act once on a scale and a delete confirmation each submitted to both replicas at once (a double click, a Slack retry)', async () => {
    const [a, b, accountId] = await twoReplicas();
    await a.send.viewSubmission(await reviewOf(a, accountId, 'prod-1'));
    await created(a, 'prod-1');
    await tickBothUntil(a, b, async () => (await findCluster(a, 'prod-1'))?.status === 'Running');

    const scale = await openByCommand(a, 'scale prod-1', USERS.projectAdmin, 'V0SCALE');
    const sizes = { [ActionIds.poolScaleMin]: '1', [ActionIds.poolScaleDesired]: '1', [ActionIds.poolScaleMax]: '2' };
    const scaled = viewSubmission({ user: USERS.projectAdmin, view: scale.view as ModalView, viewId: scale.viewId, input: sizes });
    expect((await Promise.all([a.send.viewSubmission(scaled), b.send.viewSubmission(scaled)])).map((r) => r.status)).toEqual([200, 200]);
    await tickBothUntil(a, b, async () => {
      const cluster = await findCluster(a, 'prod-1');
      return cluster?.change === undefined && cluster?.spec.workerPools[0]?.desiredSize === 1;
    });
    expect(a.tencent.requestsFor('ModifyClusterNodePool')).toHaveLength(1);
    expect(a.tencent.requestsFor('ModifyNodePoolDesiredCapacityAboutAsg')).toHaveLength(1);

    const opened = a.slack.calls('views.open').length;
    await b.send.command('delete prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    const calls = await a.slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > opened);
    const view = calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView;
    const confirmation = viewSubmission({ user: USERS.projectAdmin, view, viewId: 'V0DELETE1', input: { [ActionIds.deleteConfirmName]: 'prod-1' } });
    await Promise.all([a.send.viewSubmission(confirmation), b.send.viewSubmission(confirmation)]);
    await tickBothUntil(a, b, async () => (await findCluster(b, 'prod-1'))?.status === 'Deleted');
    await Promise.all([a.bot.settled(), b.bot.settled()]);

    expect(a.tencent.requestsFor('DeleteCluster')).toHaveLength(1);
    const thread = (await findCluster(a, 'prod-1'))?.thread?.ts;
    const replies = a.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === thread).map(text);
    expect(replies.filter((r) => r.includes('Scaling worker pool'))).toHaveLength(1);
    expect(replies.filter((r) => r.includes('Cluster *prod-1* deleted'))).toHaveLength(1);
    expect(new Set(replies).size).toBe(replies.length);
  });

  it('create one cluster from 20 concurrent duplicate Deploys sent to both replicas', async () => {
    const [a, b, accountId] = await twoReplicas();
    const deploy = await reviewOf(a, accountId, 'prod-1');

    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).send.viewSubmission(deploy)));
    await until(async () => (await findCluster(a, 'prod-1'))?.thread, 'the provisioning thread');
    await Promise.all([a.bot.settled(), b.bot.settled()]);

    expect((await a.bot.repositories.clusters.list()).filter((c) => c.spec.name === 'prod-1')).toHaveLength(1);
    expect(a.tencent.requestsFor('CreateCluster')).toHaveLength(1);
    expect(a.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === undefined && c.body.channel === CHANNELS.platform)).toHaveLength(1);
  });
});
