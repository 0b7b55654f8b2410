import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_TOKEN, DEFAULT_POLICY_YAML, SIGNING_SECRET } from '../support/bot.js';
import { spawnBot, type BotProcess } from '../support/bot-process.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { rssOf } from '../support/processes.js';

const MIB = 1024 * 1024;
const BODY = Buffer.alloc(4 * MIB, 'x');

let dir: string;
let slack: FakeSlack;
let bot: BotProcess;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-flood-'));
  slack = await startFakeSlack({ botToken: BOT_TOKEN });
  await writeFile(path.join(dir, 'policy.yaml'), DEFAULT_POLICY_YAML);
  bot = await spawnBot('node', {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    DATA_FILE: path.join(dir, 'db.json'),
    POLICY_FILE: path.join(dir, 'policy.yaml'),
  });
});
afterAll(async () => {
  bot?.kill();
  await slack?.close();
  await rm(dir, { recursive: true, force: true });
});

/** An unsigned 4 MB POST to /slack/events, as an attacker would send it: the status, or how the connection ended. */
function unsignedPost(): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      `${bot.url}/slack/events`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(BODY.length) } },
      (res) => {
        res.resume();
        resolve(String(res.statusCode));
        req.destroy();
      },
    );
    req.on('error', (error) => resolve((error as NodeJS.ErrnoException).code ?? 'error'));
    req.end(BODY);
  });
}

describe('the compiled bot under a flood of large unsigned requests', () => {
  it('refuses 100 parallel 4 MB bodies without reading them: its RSS grows by less than 50 MB', async () => {
    // Warm up the refusal path, then take the resting RSS.
    await Promise.all(Array.from({ length: 10 }, unsignedPost));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = await rssOf(bot.pid);

    let peak = before;
    let flooding = true;
    const sampler = (async () => {
      while (flooding) {
        peak = Math.max(peak, await rssOf(bot.pid));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const outcomes = await Promise.all(Array.from({ length: 100 }, unsignedPost));
    flooding = false;
    await sampler;
    peak = Math.max(peak, await rssOf(bot.pid));

    // Each one is refused (413, the declared size is over the limit) or cut off while still sending; none reaches Bolt.
    expect(outcomes.filter((o) => !['413', 'EPIPE', 'ECONNRESET'].includes(o))).toEqual([]);
    expect(outcomes).toContain('413');
    expect((peak - before) / MIB).toBeLessThan(50);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });
});
