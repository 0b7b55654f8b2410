import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import type { SlackMessage } from '../../src/sandbox/slack/state.js';
import { BOT_TOKEN, CHANNELS, TENCENT } from '../support/bot.js';
import { botProcessEnv, seederWithAccount } from '../support/bot-process-env.js';
import { spawnBot, type BotProcess } from '../support/bot-process.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../support/fake-slack.js';
import { seedClusters, specIn } from '../support/seed-clusters.js';

/**
 * A `kill -9` of the bot after Slack took a provisioning-thread message and before the bot heard
 * back (the fake Slack holds its answer until the process is dead), then a restart on the same
 * data file: the bot finds the message by its metadata instead of posting it again.
 */
/** The watcher ticks every second (node-cron in the real process); the emulator's steps take no time. */
const EVERY_SECOND = '* * * * * *';
const READY_TIMEOUT_MS = 60_000;

let dir: string;
let slack: FakeSlack;
let tencent: TkeEmulator;
let bot: BotProcess | undefined;
let env: Record<string, string>;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-kill-'));
  slack = await startFakeSlack({ botToken: BOT_TOKEN });
  tencent = await startTkeEmulator({
    clock: new ManualClock(),
    accounts: [TENCENT],
    timings: { clusterCreateMs: 0, endpointCreateMs: 0, nodeJoinMs: 0, addonInstallMs: 0 },
  });
  env = await botProcessEnv(dir, slack, tencent, { WATCH_SCHEDULE: EVERY_SECOND });
  // A cluster Deploy created at Tencent, whose provisioning thread is not posted yet: the watcher posts it.
  const { seeder, accountId } = await seederWithAccount(env);
  await seedClusters({ store: seeder.store, tke: seeder.tke }, { credential: TENCENT, specs: [specIn('ap-guangzhou', 'prod-1', accountId)], channel: CHANNELS.platform, createdAt: new Date() });
  await seeder.stop();
});
afterEach(async () => {
  bot?.kill();
  bot = undefined;
  await Promise.all([slack.close(), tencent.close()]);
  await rm(dir, { recursive: true, force: true });
});

const isReply = (body: Record<string, unknown>) => body.thread_ts !== undefined;
const rootPosts = (calls: SlackCall[]) => calls.filter((c) => c.method === 'chat.postMessage' && !isReply(c.body));
/** The messages of the channel that are not thread replies. */
const channelRoots = () => slack.messages(CHANNELS.platform).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const stepOf = (message: SlackMessage) => (message.metadata as { event_payload?: { step?: string } } | undefined)?.event_payload?.step;
const text = (body: Record<string, unknown>) => `${String(body.text)} ${JSON.stringify(body.blocks ?? [])}`;

/** Kills the whole bot (kill -9) and waits until it is gone; only then is the held answer sent. */
async function killBot(running: BotProcess): Promise<void> {
  running.kill();
  await running.exited;
  bot = undefined;
}

describe('a kill -9 right after Slack took a message, then a restart on the same data file', () => {
  it('A kill after Slack accepted a root message, then a restart: one root message in the channel, and it is the one kept current', async () => {
    const held = slack.holdAnswers('chat.postMessage', (body) => !isReply(body));
    const first = await spawnBot('node', env);
    bot = first;
    await slack.waitFor((calls) => rootPosts(calls).length === 1, READY_TIMEOUT_MS);
    await killBot(first);
    held.release();
    expect(channelRoots()).toHaveLength(1);

    bot = await spawnBot('node', env);
    const [root] = channelRoots();
    const rootTs = root?.ts as string;
    // Ready: the root message, edited in place, says so.
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.ts === rootTs && text(c.body).includes('Total time')), READY_TIMEOUT_MS);

    expect(rootPosts(slack.calls())).toHaveLength(1);
    expect(channelRoots()).toHaveLength(1);
    expect(stepOf(root as SlackMessage)).toBe('root');
    const edits = slack.calls('chat.update');
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((c) => c.body.ts === rootTs)).toBe(true);
    expect(String(root?.text)).toContain('prod-1');
    // The thread went on under that root: "created" is there once, and "ready" at the end.
    const replies = slack.messages(CHANNELS.platform).filter((m) => m.thread_ts === rootTs && m.ts !== rootTs);
    expect(replies.filter((m) => stepOf(m) === 'created')).toHaveLength(1);
    expect(replies.map(stepOf)).toContain('ready');
    expect(bot.lines().some((line) => line.includes('found the root message Slack took before a restart'))).toBe(true);
  });

  it('A kill after Slack accepted a thread reply, then a restart: the reply is in the thread once, and the thread goes on', async () => {
    const held = slack.holdAnswers('chat.postMessage', isReply);
    const first = await spawnBot('node', env);
    bot = first;
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && isReply(c.body)), READY_TIMEOUT_MS);
    const [reply] = slack.calls('chat.postMessage').filter((c) => isReply(c.body));
    const step = (reply?.body.metadata as { event_payload: { step: string } }).event_payload.step;
    await killBot(first);
    held.release();

    bot = await spawnBot('node', env);
    const [root] = channelRoots();
    const rootTs = root?.ts as string;
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.ts === rootTs && text(c.body).includes('Total time')), READY_TIMEOUT_MS);

    const replies = slack.messages(CHANNELS.platform).filter((m) => m.thread_ts === rootTs && m.ts !== rootTs);
    expect(replies.filter((m) => stepOf(m) === step)).toHaveLength(1);
    const steps = replies.map(stepOf);
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps).toContain('ready');
    expect(channelRoots()).toHaveLength(1);
    expect(bot.lines().some((line) => line.includes('found a thread reply Slack took before a restart'))).toBe(true);
  });
});
