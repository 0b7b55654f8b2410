/**
 * The Tencent Cloud emulator in its own process (`src/sandbox/tke/main.ts --child --manual-clock`),
 * so the benchmark's memory figures are the bot's alone. Driven over POST /_emulator/<command>.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'src/sandbox/tke/main.ts');
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 3_000;

const readyLine = z.object({ url: z.url(), pid: z.int() });
const controlAnswer = z.looseObject({ ok: z.boolean(), error: z.string().optional() });

export interface EmulatorProcess {
  url: string;
  pid: number;
  /** POST /_emulator/<command>; throws on {ok: false}. */
  control(command: string, body?: object): Promise<Record<string, unknown>>;
  /** Resident set (VmRSS) and its peak (VmHWM) in bytes from /proc; undefined off Linux. */
  memory(): Promise<{ rssBytes: number; peakRssBytes: number } | undefined>;
  stop(): Promise<void>;
}

export async function spawnEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--child', '--manual-clock'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // Last resort if the bench exits without stop(); the child also stops when its stdin closes.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = once(child, 'exit');
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  let ready: z.output<typeof readyLine>;
  try {
    const lines = createInterface({ input: child.stdout });
    const firstLine = once(lines, 'line').then(([line]) => readyLine.parse(JSON.parse(String(line))));
    const failed = exited.then(([code, signal]) => {
      throw new Error(`the emulator exited before it was ready (code ${String(code)}, signal ${String(signal)})`);
    });
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error(`the emulator was not ready in ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS).unref();
    });
    // The losers of the race settle later (`failed` when the child stops): not unhandled.
    for (const p of [firstLine, failed]) p.catch(() => undefined);
    ready = await Promise.race([firstLine, failed, timeout]);
  } catch (error) {
    await stop();
    throw error;
  }

  const { url, pid } = ready;
  return {
    url,
    pid,
    async control(command, body = {}) {
      const response = await fetch(`${url}/_emulator/${command}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = controlAnswer.parse(await response.json());
      if (!answer.ok) throw new Error(`emulator ${command}: ${answer.error ?? `HTTP ${response.status}`}`);
      return answer;
    },
    async memory() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
      const kb = (field: string) => Number(status?.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
      const rssBytes = kb('VmRSS');
      const peakRssBytes = kb('VmHWM');
      return Number.isFinite(rssBytes) ? { rssBytes, peakRssBytes } : undefined;
    },
    stop,
  };
}
