import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootstrap } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/services/clock.js';
import { createLogger } from '../../src/services/logger.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import type { SlackMessage } from '../../src/sandbox/slack/state.js';
import { BOT_TOKEN, CHANNELS, DEFAULT_POLICY_YAML, SIGNING_SECRET, TENCENT, USERS } from '../support/bot.js';
import { spawnBot, type BotProcess } from '../support/bot-process.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../support/fake-slack.js';
import { seedClusters, specIn } from '../support/seed-clusters.js';

/**
 * A `kill -9` of the bot after Slack took a provisioning-thread message and before the bot heard
 * back (the fake Slack holds its answer until the process is dead), then a restart on the same
 * data file: the bot finds the message by its metadata instead of posting it again.
 */
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
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
  await writeFile(path.join(dir, 'policy.yaml'), DEFAULT_POLICY_YAML);
  env = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    TENCENT_API_ENDPOINT: tencent.url,
    DATA_FILE: path.join(dir, 'db.json'),
    POLICY_FILE: path.join(dir, 'policy.yaml'),
    TKEOPS_MASTER_KEY: MASTER_KEY,
    WATCH_SCHEDULE: EVERY_SECOND,
  };
  // A cluster Deploy created at Tencent, whose provisioning thread is not posted yet: the watcher posts it.
  const seeder = await bootstrap(loadConfig(env), { logger: createLogger({ level: 'silent' }), scheduleWatcher: false });
  const added = await seeder.services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(JSON.stringify(added.errors));
  await seedClusters({ store: seeder.store, tke: seeder.tke }, { credential: TENCENT, specs: [specIn('ap-guangzhou', 'prod-1', added.account.id)], channel: CHANNELS.platform, createdAt: new Date() });
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
