import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModalView } from '@slack/types';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import type { SlackMessage } from '../../src/sandbox/slack/state.js';
import { ActionIds } from '../../src/views/ids.js';
import { BOT_TOKEN, CHANNELS, SIGNING_SECRET, TENCENT, USERS } from '../support/bot.js';
import { botProcessEnv, seedReviewDraft, type ReviewDraft } from '../support/bot-process-env.js';
import { spawnBot, type BotProcess } from '../support/bot-process.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { viewSubmission } from '../support/payloads.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { createSlackSender, type SlackSender } from '../support/slack-requests.js';
import { until } from '../support/until.js';

/**
 * Two real bot processes (`node dist/index.js`) on one PostgreSQL database, sharing the fake Slack
 * and the Tencent emulator, whose clock the test moves. Both run the watcher every second with a
 * 3 s tick claim. The replica holding the tick is killed (`kill -9`, its whole process group) while
 * a cluster is half provisioned; the other takes the tick once the claim has expired and finishes
 * the cluster: Slack and Tencent see what one bot would have caused.
 */
const EVERY_SECOND = '* * * * * *';
const CLAIM_TTL_SECONDS = 3;
/** Bounds on waiting for what Slack or Tencent receives (real processes on a busy machine). */
const WAIT_MS = 30_000;

let dir: string;
let database: TestDatabase;
let slack: FakeSlack;
let clock: ManualClock;
let tencent: TkeEmulator;
let env: Record<string, string>;
let review: ReviewDraft;
const bots: BotProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-replica-kill-'));
  database = await createTestDatabase();
  slack = await startFakeSlack({ botToken: BOT_TOKEN });
  clock = new ManualClock();
  tencent = await startTkeEmulator({ clock, accounts: [TENCENT] });
  env = await botProcessEnv(dir, slack, tencent, {
    DATABASE_URL: database.url,
    WATCH_SCHEDULE: EVERY_SECOND,
    WATCH_CLAIM_TTL_SECONDS: String(CLAIM_TTL_SECONDS),
  });
  // The platform project's cloud account and a wizard draft at its review step, in the database both replicas share.
  review = await seedReviewDraft(env);
});
afterEach(async () => {
  for (const bot of bots.splice(0)) {
    bot.kill();
    await bot.exited;
  }
  await Promise.all([slack.close(), tencent.close()]);
  await rm(dir, { recursive: true, force: true });
  await database.drop();
});

const senderTo = (bot: BotProcess): SlackSender => createSlackSender({ botUrl: bot.url, signingSecret: SIGNING_SECRET, responseBaseUrl: slack.url });
/** The messages of the channel that are not thread replies. */
const channelRoots = () => slack.messages(CHANNELS.platform).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const repliesTo = (rootTs: string) => slack.messages(CHANNELS.platform).filter((m) => m.thread_ts === rootTs && m.ts !== rootTs);
const stepOf = (message: SlackMessage) => (message.metadata as { event_payload?: { step?: string } } | undefined)?.event_payload?.step;
const shown = (body: Record<string, unknown>) => `${String(body.text)} ${JSON.stringify(body.blocks ?? [])}`;
const requested = (action: string, count = 1) => () => (tencent.requestsFor(action).length >= count ? true : undefined);
/** Tencent calls that change something (everything but reads). */
const isMutating = (action: string) => !/^(Describe|Get|List|Query|Check|Inquir)/.test(action);

/** `/tke status prod-1` sent to `bot`: the overview it posts to the response URL. */
async function statusFrom(bot: BotProcess): Promise<string> {
  const before = slack.calls('response_url').length;
  const reply = await senderTo(bot).command('status prod-1', { user: USERS.member, channel: CHANNELS.platform });
  expect(reply.status).toBe(200);
  const calls = await slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before, WAIT_MS);
  return shown(calls.filter((c) => c.method === 'response_url').at(-1)?.body ?? {});
}

/** The replica whose ticket holds the watcher's tick claim (a ticket is `host:pid:random`). */
async function tickHolderPid(): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ ticket: string | null }>("SELECT ticket FROM tick_claims WHERE name = 'watcher'");
    const pid = rows[0]?.ticket?.split(':').at(-2);
    return pid === undefined ? undefined : Number(pid);
  } finally {
    await client.end();
  }
}

describe('two bot processes on one PostgreSQL, the replica holding the tick killed mid-provisioning', () => {
  it('kill -9 of the replica holding the tick mid-provisioning → the other finishes it, no Tencent call and no thread message twice; then it deletes the cluster, DeleteCluster once', async () => {
    const [a, b] = await Promise.all([spawnBot('node', env), spawnBot('node', env)]);
    bots.push(a, b);

    // Deploy reaches replica A: the root message, then CreateCluster.
    const deployed = await senderTo(a).viewSubmission(viewSubmission({ user: USERS.member, view: review.view, viewId: review.viewId, input: {} }));
    expect(deployed.status).toBe(200);
    await until(requested('CreateCluster'), 'CreateCluster', WAIT_MS);
    const root = await until(() => channelRoots()[0], 'the root message', WAIT_MS);
    const rootTs = root.ts;
    await until(() => (repliesTo(rootTs).some((m) => stepOf(m) === 'created') ? true : undefined), 'the "created" reply', WAIT_MS);
    // `/tke status` reaches replica B, which shows the cluster the other created.
    expect(await statusFrom(b)).toContain('prod-1');

    // Tencent's control plane is up: the watcher reports it and asks for the endpoint and the worker pool.
    clock.advance(tencent.timings.clusterCreateMs);
    await until(() => (repliesTo(rootTs).some((m) => stepOf(m) === 'control-plane') ? true : undefined), 'the "control plane running" reply', WAIT_MS);
    await until(requested('CreateClusterEndpoint'), 'CreateClusterEndpoint', WAIT_MS);
    await until(requested('CreateClusterNodePool'), 'CreateClusterNodePool', WAIT_MS);
    expect(await statusFrom(a)).toContain('prod-1');

    // The next tick is under way (its DescribeClusters unanswered) on the replica that claimed it: that one is killed.
    const described = tencent.requestsFor('DescribeClusters').length;
    const release = tencent.hold('DescribeClusters');
    await until(requested('DescribeClusters', described + 1), 'a tick under way', WAIT_MS);
    const holderPid = await tickHolderPid();
    const victim = bots.find((bot) => bot.pid === holderPid);
    const survivor = bots.find((bot) => bot !== victim);
    if (!victim || !survivor) throw new Error(`the tick is held by pid ${String(holderPid)}, not by replica ${String(a.pid)} nor ${String(b.pid)}`);
    victim.kill();
    await victim.exited;
    bots.splice(bots.indexOf(victim), 1);
    release();
    const stepsAtKill = repliesTo(rootTs).map(stepOf);
    expect(stepsAtKill).toContain('control-plane');
    expect(stepsAtKill).not.toContain('ready');

    // Once the dead replica's claim expires, the survivor ticks; Tencent's clock moves on until the cluster is ready.
    await until(
      () => {
        clock.advance(30_000);
        return repliesTo(rootTs).some((m) => stepOf(m) === 'ready') ? true : undefined;
      },
      'the "ready" reply from the surviving replica',
      WAIT_MS,
      250,
    );
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.ts === rootTs && shown(c.body).includes('Total time')), WAIT_MS);
    expect(await statusFrom(survivor)).toContain('Running');

    // Slack: one root message, each step's reply once, and no post beyond those.
    expect(channelRoots()).toHaveLength(1);
    const replies = repliesTo(rootTs);
    const steps = replies.map(stepOf);
    expect(steps).toEqual(expect.arrayContaining(['created', 'control-plane', 'endpoint', 'pool:default', 'addons', 'ready']));
    expect(new Set(steps).size).toBe(steps.length);
    const texts = replies.map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
    const posted = slack.calls('chat.postMessage');
    expect(posted.filter((c) => c.body.thread_ts === undefined)).toHaveLength(1);
    expect(posted.filter((c) => c.body.thread_ts === rootTs)).toHaveLength(replies.length);
    // Tencent: each call that changes something once (the same action with the same parameters never twice).
    const mutating = tencent.requests.filter((r) => isMutating(r.action)).map((r) => `${r.action} ${JSON.stringify(r.params)}`);
    expect(mutating.filter((call, i) => mutating.indexOf(call) !== i)).toEqual([]);
    for (const action of ['CreateCluster', 'CreateClusterEndpoint', 'CreateClusterNodePool', 'ModifyClusterEndpointSP', 'CreateClusterRelease']) {
      expect(tencent.requestsFor(action), action).toHaveLength(1);
    }

    // The survivor alone deletes it: `/tke delete`, then the typed name in its modal.
    const opened = slack.calls('views.open').length;
    await senderTo(survivor).command('delete prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    const modals = await slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > opened, WAIT_MS);
    const view = modals.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView;
    const confirmed = await senderTo(survivor).viewSubmission(
      viewSubmission({ user: USERS.projectAdmin, view, viewId: 'V0DELETE01', input: { [ActionIds.deleteConfirmName]: 'prod-1' } }),
    );
    expect(confirmed.status).toBe(200);
    await until(requested('DeleteCluster'), 'DeleteCluster', WAIT_MS);
    await until(
      () => {
        clock.advance(30_000);
        return repliesTo(rootTs).some((m) => m.text.includes('Cluster *prod-1* deleted')) ? true : undefined;
      },
      'the "deleted" reply',
      WAIT_MS,
      250,
    );
    expect(await statusFrom(survivor)).toContain('Deleted');
    expect(tencent.requestsFor('DeleteCluster')).toHaveLength(1);
    const finalSteps = repliesTo(rootTs).map(stepOf);
    expect(new Set(finalSteps).size).toBe(finalSteps.length);
    expect(channelRoots()).toHaveLength(1);
  }, 90_000);

  it('20 concurrent duplicate Deploys sent alternately to the two processes create one cluster: one CreateCluster, one root message', async () => {
    const [a, b] = await Promise.all([spawnBot('node', env), spawnBot('node', env)]);
    bots.push(a, b);
    const deploy = viewSubmission({ user: USERS.member, view: review.view, viewId: review.viewId, input: {} });

    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => senderTo(i % 2 === 0 ? a : b).viewSubmission(deploy)));
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 200));
    await until(requested('CreateCluster'), 'CreateCluster', WAIT_MS);
    const root = await until(() => channelRoots()[0], 'the root message', WAIT_MS);
    await until(() => (repliesTo(root.ts).some((m) => stepOf(m) === 'created') ? true : undefined), 'the "created" reply', WAIT_MS);

    // Both stop gracefully (SIGTERM): each finishes what its requests started before it exits, so nothing is left to come.
    for (const bot of bots.splice(0)) {
      process.kill(bot.pid, 'SIGTERM');
      expect((await bot.exited).code).toBe(0);
    }
    expect(tencent.requestsFor('CreateCluster')).toHaveLength(1);
    expect(channelRoots()).toHaveLength(1);
    expect(slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === undefined)).toHaveLength(1);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ count: string }>("SELECT count(*) FROM clusters WHERE data->'spec'->>'name' = 'prod-1'");
      expect(Number(rows[0]?.count)).toBe(1);
    } finally {
      await client.end();
    }
  }, 60_000);
});
