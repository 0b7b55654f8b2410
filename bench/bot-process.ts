/**
 * The bot as its own process, started as production starts it, so its memory is measured alone:
 * `node dist/index.js` (the compiled build, what `npm start` runs since 0.2.0) or, for the figure of
 * before, `node --import tsx src/index.ts` (what `npm start` ran until 0.1.0). Both get
 * `--expose-gc` and bench/gc-probe.mjs, which answers "gc" on stdin with its memory after GC.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROBE = path.join(ROOT, 'bench/gc-probe.mjs');
const START_TIMEOUT_MS = 30_000;

/** `npm start`'s node arguments (`exec node <args>`): the benchmark runs exactly what production runs. */
const startArgs = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  .replace(/^exec node /, '')
  .split(' ');

export const HOW = {
  compiled: { label: `node ${startArgs.join(' ')}`, args: startArgs },
  tsx: { label: 'tsx src/index.ts', args: ['--import', 'tsx', 'src/index.ts'] },
} as const;
export type How = keyof typeof HOW;

const probeAnswer = z.object({ gc: z.boolean(), rss: z.number(), heapUsed: z.number(), heapTotal: z.number(), external: z.number() });

export interface BotMemory {
  /** VmRSS from /proc after GC, in bytes (what the kernel counts, like process.memoryUsage().rss). */
  rssBytes: number;
  heapUsedBytes: number;
  afterGc: boolean;
  /** Mean watcher tick duration over the ticks it ran, from its own GET /metrics. */
  meanTickMs: number;
}

/**
 * Starts the bot with `env` (PORT=0), waits until its watcher has ticked `ticks` times (read from
 * its own GET /metrics), collects garbage in it, reads its memory, then stops it with SIGTERM.
 */
export async function measureBotProcess(how: How, env: Record<string, string>, ticks: number): Promise<BotMemory> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, ...HOW[how].args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', DOTENV_CONFIG_PATH: '/nonexistent/.env', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const probes: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.startsWith('gc-probe ')) probes.push(line.slice('gc-probe '.length));
    else process.stderr.write(`[${how}] ${line}\n`);
  });
  let port: number | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    port ??= Number(/"port":(\d+)/.exec(line)?.[1]) || undefined;
  });
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let meanTickMs = 0;
    const ticked = async () => {
      if (port === undefined) return 0;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const count = Number(/^tkeops_watcher_tick_duration_seconds_count (\d+)/m.exec(text)?.[1] ?? 0);
      const sum = Number(/^tkeops_watcher_tick_duration_seconds_sum (\S+)/m.exec(text)?.[1] ?? 0);
      meanTickMs = count > 0 ? (sum / count) * 1000 : 0;
      return count;
    };
    while ((await ticked()) < ticks) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the ${HOW[how].label} bot did not tick ${ticks} times in time`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.stdin.write('gc\n');
    while (probes.length === 0) {
      if (Date.now() > deadline) throw new Error('no answer from the gc probe');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const answer = probeAnswer.parse(JSON.parse(probes[0] as string));
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const vmRss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
    return { rssBytes: Number.isFinite(vmRss) ? vmRss : answer.rss, heapUsedBytes: answer.heapUsed, afterGc: answer.gc, meanTickMs };
  } finally {
    process.off('exit', killOnExit);
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exited;
      clearTimeout(timer);
    }
  }
}
