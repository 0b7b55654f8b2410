import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { openStore } from '../../src/services/store.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import { BOT_TOKEN, CHANNELS, TENCENT } from '../support/bot.js';
import { botProcessEnv, seederWithAccount } from '../support/bot-process-env.js';
import { spawnBot, type BotProcess } from '../support/bot-process.js';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../support/fake-slack.js';
import { leftRunning, runningInGroup } from '../support/processes.js';
import { seedClusters, specIn } from '../support/seed-clusters.js';

const CLUSTERS = 6;
/** Each thread reply takes this long to reach Slack, so replies are still queued when the signal comes. */
const POST_LATENCY_MS = 250;

let dir: string;
let slack: FakeSlack;
let tencent: TkeEmulator;
let bot: BotProcess | undefined;
let env: Record<string, string>;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-sigterm-'));
  slack = await startFakeSlack({ botToken: BOT_TOKEN });
  const clock = new ManualClock();
  tencent = await startTkeEmulator({ clock, accounts: [TENCENT] });
  env = await botProcessEnv(dir, slack, tencent);
  // The store a running bot would have: a cloud account and clusters just created in Tencent, each
  // with its provisioning thread; in Tencent their control planes are up, so the next tick has news.
  const { seeder, accountId } = await seederWithAccount(env);
  const specs = Array.from({ length: CLUSTERS }, (_, i) => specIn('ap-guangzhou', `prod-${i + 1}`, accountId));
  await seedClusters({ store: seeder.store, tke: seeder.tke }, { credential: TENCENT, specs, withThread: true, channel: CHANNELS.platform, createdAt: new Date() });
  await seeder.stop();
  clock.advance(60_000);
  slack.latency('chat.postMessage', POST_LATENCY_MS);
});
afterEach(async () => {
  bot?.kill();
  bot = undefined;
  await Promise.all([slack.close(), tencent.close()]);
  await rm(dir, { recursive: true, force: true });
});

const threadReplies = (calls: SlackCall[]) => calls.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts !== undefined);
/** Step replies the bot recorded as posted (beyond "created", which was posted before). */
async function claimedReplies(): Promise<number> {
  const store = await openStore(env.DATA_FILE as string);
  return store.read((data) => data.clusters.reduce((sum: number, c: ClusterRecord) => sum + c.posted.filter((key) => key !== 'created').length, 0));
}

describe('npm start, stopped by SIGTERM', () => {
  it('finishes the tick, sends every queued thread reply, exits 0 within 10 s and leaves no process behind', async () => {
    bot = await spawnBot('npm start', { ...env, WATCH_SCHEDULE: '* * * * * *' });
    const running = bot;
    // The first tick has found the control planes up and queued a reply per cluster; the first is on its way.
    await slack.waitFor((calls) => threadReplies(calls).length > 0, 10_000);
    const atSignal = threadReplies(slack.calls()).length;
    // What runs is the compiled bot: npm, then node dist/index.js (exec'd, no shell), no tsx or esbuild.
    const tree = await runningInGroup(running.pid);
    expect(tree.filter((p) => /\bnode (--\S+ )*dist\/index\.js$/.test(p))).toHaveLength(1);
    expect(tree.filter((p) => /tsx|esbuild|sh -c/.test(p))).toEqual([]);

    const signalled = performance.now();
    process.kill(running.pid, 'SIGTERM');
    const { code, signal } = await running.exited;
    const tookMs = performance.now() - signalled;

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(10_000);
    expect(await leftRunning(running.pid)).toEqual([]);
    // Every reply the bot recorded as posted reached Slack, most of them after the signal.
    const delivered = threadReplies(slack.calls()).length;
    expect(delivered).toBeGreaterThanOrEqual(CLUSTERS);
    expect(delivered).toBeGreaterThan(atSignal);
    expect(delivered).toBe(await claimedReplies());
    expect(running.lines().some((line) => line.includes('"signal":"SIGTERM"'))).toBe(true);
    expect(running.lines().some((line) => line.includes('"msg":"stopped"'))).toBe(true);
  });

  it('stops the same way on SIGINT to the bot itself (Ctrl-C), and stops listening', async () => {
    bot = await spawnBot('node', { ...env, WATCH_SCHEDULE: '* * * * * *' });
    const running = bot;
    await slack.waitFor((calls) => threadReplies(calls).length > 0, 10_000);
    process.kill(running.pid, 'SIGINT');
    const { code } = await running.exited;
    expect(code).toBe(0);
    expect(await leftRunning(running.pid)).toEqual([]);
    expect(threadReplies(slack.calls()).length).toBe(await claimedReplies());
    await expect(fetch(`${running.url}/readyz`)).rejects.toThrow();
  });
});
