import { mkdir, rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../src/ops/readiness.js';
import { longestGapMs, tickStaleAfterMs } from '../../src/ops/readiness.js';
import { CHANNELS, startTestBot, type TestBot } from '../support/bot.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const get = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
};
const readyz = async (bot: TestBot) => {
  const { status, text } = await get(`${bot.botUrl}/readyz`);
  return { status, report: JSON.parse(text) as ReadinessReport };
};
/** /readyz once the auth.test made at start has been answered. */
async function settledReadyz(bot: TestBot) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const answer = await readyz(bot);
    if (!/not answered yet/.test(JSON.stringify(answer.report.checks.slack)) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
/** The watch schedule's default: every 15 s, stale after 3 intervals but never under 60 s. */
const STALE_AFTER_MS = 60_000;

describe('GET /healthz', () => {
  it('answers 200 while the process runs, without asking anything else', async () => {
    t = await startTestBot();
    t.slack.latency('auth.test', 10_000);
    expect(await get(`${t.botUrl}/healthz`)).toEqual({ status: 200, text: 'ok\n' });
  });
});

describe('GET /readyz', () => {
  it('is 200 once the store is open, auth.test passed, a tick is recent and the outbox moves', async () => {
    t = await startTestBot();
    const { status, report } = await settledReadyz(t);
    expect(report).toEqual({ ready: true, checks: { store: { ok: true }, slack: { ok: true }, watcher: { ok: true }, outbox: { ok: true } } });
    expect(status).toBe(200);
    expect(t.slack.calls('auth.test')).not.toHaveLength(0);
  });

  it('turns 503 when the store file cannot be read, and back when it can', async () => {
    t = await startTestBot();
    await t.bot.store.update(() => undefined);
    expect((await settledReadyz(t)).status).toBe(200);
    // The file is replaced by a folder: lowdb can neither read nor write it.
    await rm(t.dataFile);
    await mkdir(t.dataFile);
    const broken = await readyz(t);
    expect(broken.status).toBe(503);
    expect(broken.report.checks.store).toEqual({ ok: false, problem: 'the store file cannot be opened (EISDIR)' });
    await rm(t.dataFile, { recursive: true });
    await t.bot.store.update(() => undefined);
    expect((await readyz(t)).status).toBe(200);
  });

  it('turns 503 when the watcher has not ticked for three intervals, and back at the next tick', async () => {
    t = await startTestBot();
    await t.bot.watcher.tick(t.clock.now());
    t.clock.advance(STALE_AFTER_MS);
    expect((await settledReadyz(t)).status).toBe(200);
    t.clock.advance(1_000);
    const stale = await readyz(t);
    expect(stale.status).toBe(503);
    expect(stale.report.checks.watcher).toEqual({ ok: false, problem: 'no watcher tick for 61 s (limit 60 s)' });
    await t.bot.watcher.tick(t.clock.now());
    expect((await readyz(t)).status).toBe(200);
  });

  it('turns 503 when a thread message has waited more than 5 minutes (Slack keeps answering 429)', async () => {
    t = await startTestBot();
    expect((await settledReadyz(t)).status).toBe(200);
    t.slack.fail('chat.postMessage', { status: 429, retryAfterSeconds: 3600, times: 1 });
    t.bot.services.threads.deliver({ channel: CHANNELS.platform, ts: '1700000000.000100' }, [{ key: 'note', event: { kind: 'stepDone', label: 'held back by Slack' } }], 'c-held-back');
    await t.slack.waitFor((calls) => calls.some((c) => c.method.startsWith('chat.postMessage')));
    await t.bot.watcher.tick(t.clock.advance(4 * 60_000));
    expect((await readyz(t)).status).toBe(200);
    await t.bot.watcher.tick(t.clock.advance(61_000));
    const stuck = await readyz(t);
    expect(stuck.status).toBe(503);
    expect(stuck.report.checks.outbox).toEqual({ ok: false, problem: 'a thread message has waited 301 s to be sent (limit 300 s)' });
    await t.stopBot({ drain: false });
  });

  it('turns 503 when Slack refuses the bot token at start, naming Slack’s error', async () => {
    t = await startTestBot();
    t.slack.fail('auth.test', { error: 'invalid_auth', times: 5 });
    t = await t.restart();
    const { status, report } = await settledReadyz(t);
    expect(status).toBe(503);
    expect(report.checks.slack).toEqual({ ok: false, problem: 'auth.test failed: invalid_auth' });
    expect(t.logs.some((line) => line.includes('Slack auth.test failed'))).toBe(true);
  });
});

describe('the watcher staleness limit', () => {
  it('is three of the schedule’s longest gaps, at least a minute', () => {
    expect(longestGapMs('*/15 * * * * *')).toBe(15_000);
    expect(longestGapMs('0 */5 * * * *')).toBe(300_000);
    expect(tickStaleAfterMs('*/15 * * * * *')).toBe(60_000);
    expect(tickStaleAfterMs('*/30 * * * * *')).toBe(90_000);
    expect(tickStaleAfterMs('0 */5 * * * *')).toBe(900_000);
  });
});
