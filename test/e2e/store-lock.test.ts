import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));

interface Bot {
  child: ChildProcess;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
}

/**
 * The bot as `npm start` runs it (src/index.ts through tsx), as the spawned process itself so that
 * signals reach it, on `dataFile` and any free port, its Slack Web API unreachable (nothing is asked
 * of Slack here).
 */
function startBot(dataFile: string): Bot {
  const { PATH, HOME } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: repo,
    env: {
      PATH: PATH ?? '',
      HOME: HOME ?? '',
      DOTENV_CONFIG_PATH: '/nonexistent/.env',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      PORT: '0',
      DATA_FILE: dataFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Resolves once the bot says it listens (or rejects when it exits first). */
async function listening(bot: Bot): Promise<void> {
  for (;;) {
    if (bot.stdout().includes('tkeops is listening on port')) return;
    if (bot.child.exitCode !== null) throw new Error(`the bot exited: ${bot.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `npm run rotate-key` (src/rotate-key.ts through tsx) on `dataFile`: its exit code and output. */
function rotateKey(dataFile: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { PATH, HOME } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/rotate-key.ts'], {
    cwd: repo,
    env: { PATH: PATH ?? '', HOME: HOME ?? '', DOTENV_CONFIG_PATH: '/nonexistent/.env', DATA_FILE: dataFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const exists = (file: string) => access(file).then(() => true, () => false);

let dir: string;
const running: Bot[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-lock-'));
});
afterEach(async () => {
  for (const bot of running.splice(0)) {
    if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGKILL');
    await bot.exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('one bot per store file', () => {
  it('a second bot on the same DATA_FILE refuses to start, naming the one that has it; once that one stops, a bot starts', async () => {
    const dataFile = path.join(dir, 'db.json');
    const first = startBot(dataFile);
    running.push(first);
    await listening(first);
    const { pid } = JSON.parse(await readFile(`${dataFile}.lock`, 'utf8')) as { pid: number };
    expect(pid).toBe(first.child.pid);

    const second = startBot(dataFile);
    running.push(second);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`The store file ${dataFile} is in use by another tkeops (pid ${pid} on host ${hostname()}, since `);
    expect(second.stderr()).toContain('Only one process may use a store: stop that one first');

    // The bot stops on SIGTERM, releasing the store.
    first.child.kill('SIGTERM');
    await first.exited;
    expect(await exists(`${dataFile}.lock`)).toBe(false);
    const third = startBot(dataFile);
    running.push(third);
    await listening(third);
  }, 60_000);

  it('a bot killed without stopping leaves its lock, and the next bot on this host takes it over (its pid is gone)', async () => {
    const dataFile = path.join(dir, 'db.json');
    const first = startBot(dataFile);
    running.push(first);
    await listening(first);
    const held = JSON.parse(await readFile(`${dataFile}.lock`, 'utf8')) as { pid: number };
    expect(held.pid).toBe(first.child.pid);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await exists(`${dataFile}.lock`)).toBe(true);

    const next = startBot(dataFile);
    running.push(next);
    await listening(next);
    expect((JSON.parse(await readFile(`${dataFile}.lock`, 'utf8')) as { pid: number }).pid).not.toBe(held.pid);
  }, 60_000);

  it('npm run rotate-key refuses while the bot runs (naming it), and rotates the key file once it stopped', async () => {
    const dataFile = path.join(dir, 'db.json');
    const first = startBot(dataFile);
    running.push(first);
    await listening(first);
    const key = await readFile(path.join(dir, 'master.key'), 'utf8');

    const refused = await rotateKey(dataFile);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`is in use by another tkeops (pid ${first.child.pid} on host ${hostname()}`);
    expect(await readFile(path.join(dir, 'master.key'), 'utf8')).toBe(key);

    first.child.kill('SIGTERM');
    await first.exited;
    const rotated = await rotateKey(dataFile);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(`The new key is in ${path.join(dir, 'master.key')}; the old one is kept as ${path.join(dir, 'master.key.old')}`);
    expect(await readFile(path.join(dir, 'master.key.old'), 'utf8')).toBe(key);
    const next = startBot(dataFile);
    running.push(next);
    await listening(next);
  }, 60_000);
});
