import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/services/logger.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const SLACK = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };

/** Runs `npm start` as a newcomer would, with only the given variables set (and no .env file unless given). */
function npmStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const { PATH, HOME } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: repo,
      env: { PATH: PATH ?? '', HOME: HOME ?? '', DOTENV_CONFIG_PATH: '/nonexistent/.env', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-start-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Each test spawns npm and tsx (about a second): they run side by side.
describe.concurrent('npm start', () => {
  it('exits 1 naming the missing Slack variables and where the README explains them', async ({ expect }) => {
    const { code, stderr } = await npmStart({});
    expect(code).toBe(1);
    expect(stderr).toContain('Missing SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
    expect(stderr).toContain('README.md, section "Create the Slack app"');
  });

  it('refuses a bad PORT by name', async ({ expect }) => {
    const { code, stderr } = await npmStart({ ...SLACK, PORT: 'abc' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^PORT: /m);
  });

  it('reads the .env file: a bad PORT there is refused by name', async ({ expect }) => {
    const envFile = path.join(dir, 'bad-port.env');
    await writeFile(envFile, 'SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=from-dotenv\nPORT=abc\n');
    // PORT is not in the environment (dotenv never overrides a variable that is set).
    const { code, stderr } = await npmStart({ DOTENV_CONFIG_PATH: envFile });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^PORT: /m);
    // The Slack variables came from the file too: none is reported missing.
    expect(stderr).not.toContain('Missing');
  });

  it.for<[string, string, string]>([
    ['not valid JSON', '{"version":1,"accounts":[', 'not valid JSON'],
    ['valid JSON that breaks the store schema', '{"version":2,"accounts":"none","clusters":[],"drafts":[],"audit":[]}', 'does not match the store schema at accounts'],
    ['of a schema version newer than this tkeops knows', '{"version":3,"accounts":[],"clusters":[],"drafts":[],"audit":[]}', 'it is schema version 3, written by a newer tkeops; this one reads versions up to 2'],
  ])('refuses a db.json that is %s, naming the file and why, and leaves it byte for byte', async ([name, content, why], { expect }) => {
    const dataFile = path.join(dir, `${name.replace(/\W+/g, '-')}.json`);
    await writeFile(dataFile, content);
    // PORT 0: should the start succeed after all, it collides with nothing (and the test times out).
    const { code, stderr } = await npmStart({ ...SLACK, DATA_FILE: dataFile, PORT: '0' });
    expect(code).toBe(1);
    expect(stderr).toContain(`Cannot use the store file ${dataFile}: ${why}`);
    expect(stderr).toContain('The file was left unchanged');
    expect(await readFile(dataFile, 'utf8')).toBe(content);
  });
});

describe('the Slack connection npm start builds', () => {
  /** What src/index.ts does, without start(): the configuration from these variables, then bootstrap. */
  const build = (env: Record<string, string>) =>
    bootstrap(
      loadConfig({
        ...SLACK,
        // Nothing may reach Slack: a call to this address is refused at once.
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
        DATA_FILE: path.join(dir, `receiver-${Object.keys(env).length}.json`),
        ...env,
      }),
      { logger: createLogger({ level: 'silent' }), scheduleWatcher: false },
    );
  const receiverOf = (app: object): unknown => Reflect.get(app, 'receiver');

  it('is Socket Mode with an xapp- app token, not yet connected', async () => {
    const { app } = await build({ SLACK_APP_TOKEN: 'xapp-1-A0TKEOPS-1-secret' });
    const receiver = receiverOf(app);
    expect(receiver).toBeInstanceOf(SocketModeReceiver);
    expect((receiver as SocketModeReceiver).client.websocket).toBeUndefined();
  });

  it('is the HTTP receiver without an app token', async () => {
    const { app } = await build({});
    expect(receiverOf(app)).toBeInstanceOf(HTTPReceiver);
  });
});
