import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import { BOT_TOKEN, CHANNELS, SIGNING_SECRET, TENCENT, USERS } from '../support/bot.js';
import { botProcessEnv, seedReviewDraft, type ReviewDraft } from '../support/bot-process-env.js';
import { spawnBot, type BotProcess } from '../support/bot-process.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { viewSubmission } from '../support/payloads.js';
import { createSlackSender } from '../support/slack-requests.js';

/**
 * A `kill -9` of the bot while Tencent has not answered CreateCluster (the emulator answers it
 * long after the kill): the channel already shows the cluster's root message, saying it is being
 * created, because Deploy posts it before calling CreateCluster.
 */
/** Longer than the test: CreateCluster is still unanswered when the bot is killed. */
const CREATE_CLUSTER_LATENCY_MS = 120_000;

let dir: string;
let slack: FakeSlack;
let tencent: TkeEmulator;
let bot: BotProcess | undefined;
let env: Record<string, string>;
let review: ReviewDraft;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-kill-create-'));
  slack = await startFakeSlack({ botToken: BOT_TOKEN });
  tencent = await startTkeEmulator({ clock: new ManualClock(), accounts: [TENCENT] });
  env = await botProcessEnv(dir, slack, tencent);
  // A cloud account and a wizard draft filled in up to its review step, as the wizard leaves them.
  review = await seedReviewDraft(env);
});
afterEach(async () => {
  bot?.kill();
  bot = undefined;
  await Promise.all([slack.close(), tencent.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('a kill -9 while CreateCluster is under way', () => {
  it('leaves the channel with the root message saying the cluster is being created', async () => {
    tencent.latency('CreateCluster', CREATE_CLUSTER_LATENCY_MS);
    const running = await spawnBot('node', env);
    bot = running;
    const send = createSlackSender({ botUrl: running.url, signingSecret: SIGNING_SECRET, responseBaseUrl: slack.url });

    const deployed = await send.viewSubmission(viewSubmission({ user: USERS.member, view: review.view, viewId: review.viewId, input: {} }));
    expect(deployed.status).toBe(200);
    // Deploy posted the root message, then sent CreateCluster, which Tencent has not answered.
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.thread_ts === undefined), 20_000);
    for (let i = 0; i < 2_000 && tencent.requestsFor('CreateCluster').length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(tencent.requestsFor('CreateCluster')).toHaveLength(1);
    running.kill();
    await running.exited;
    bot = undefined;

    const roots = slack.messages(CHANNELS.platform).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    expect(roots).toHaveLength(1);
    const shown = `${roots[0]?.text} ${JSON.stringify(roots[0]?.blocks)}`;
    expect(shown).toContain('prod-1');
    expect(shown).toContain('Creating the cluster at Tencent Cloud');
    expect(roots[0]?.metadata).toMatchObject({ event_type: 'tkeops_cluster', event_payload: { step: 'root' } });
  });
});
