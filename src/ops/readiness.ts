import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { createTask } from 'node-cron';
import type { Clock } from '../services/clock.js';

/** One readiness check's answer: `ok`, or what is wrong (a short operator-facing text, no secret). */
export type CheckResult = { ok: true } | { ok: false; problem: string };

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** A message that waited this long in the outbox means Slack is not taking the bot's messages. */
export const OUTBOX_STUCK_AFTER_MS = 5 * 60_000;
/** Ticks may be missed (a slow tick, a pause); the watcher counts as stopped after this many intervals… */
export const STALE_TICK_INTERVALS = 3;
/** …and never before this long. */
export const MIN_STALE_TICK_MS = 60_000;

/** The longest gap between two runs of a node-cron schedule (six fields, seconds first), over its next runs. */
export function longestGapMs(schedule: string, runs = 20): number {
  const task = createTask(schedule, () => undefined);
  try {
    const next = task.getNextRuns(runs).map((d) => d.getTime());
    let longest = 0;
    for (let i = 1; i < next.length; i += 1) longest = Math.max(longest, (next[i] as number) - (next[i - 1] as number));
    return longest;
  } finally {
    void task.destroy();
  }
}

/** How long after its last tick the watcher counts as stopped, for a schedule. */
export function tickStaleAfterMs(schedule: string): number {
  return Math.max(STALE_TICK_INTERVALS * longestGapMs(schedule), MIN_STALE_TICK_MS);
}

/**
 * The store file can be opened for reading and writing and is a regular file. A store never
 * written yet has no file: then its folder must exist.
 */
export async function storeFileCheck(file: string): Promise<CheckResult> {
  try {
    const handle = await open(file, 'r+');
    try {
      if (!(await handle.stat()).isFile()) return { ok: false, problem: 'the store file is not a regular file' };
    } finally {
      await handle.close();
    }
    return { ok: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') {
      const folder = await stat(path.dirname(path.resolve(file))).catch(() => undefined);
      return folder?.isDirectory() ? { ok: true } : { ok: false, problem: 'the store folder is missing' };
    }
    return { ok: false, problem: `the store file cannot be opened (${code})` };
  }
}

export interface ReadinessDeps {
  clock: Clock;
  /** The lowdb store's file (storeFileCheck), unless `storeCheck` is given. */
  storeFile: string;
  /** How the store is checked instead (PostgreSQL: the database answers). */
  storeCheck?: () => Promise<CheckResult>;
  /** The auth.test made at start: undefined while under way, else ok or Slack's error code. */
  slackAuth(): CheckResult | undefined;
  /** When the last watcher tick ended (clock ms), or undefined before the first. */
  lastTickAt(): number | undefined;
  /** When the bot started (clock ms): the first tick is awaited from then. */
  startedAt(): number | undefined;
  tickStaleAfterMs: number;
  /** When the message that has waited longest in the outbox was queued (clock ms), or undefined when it is empty. */
  outboxOldestQueuedAt(): number | undefined;
  outboxStuckAfterMs?: number;
  /** True once the bot is stopping: it takes no new work. */
  stopping(): boolean;
}

/** What `GET /readyz` answers: every check, and ready only when all pass. */
export function createReadiness(deps: ReadinessDeps): () => Promise<ReadinessReport> {
  const stuckAfter = deps.outboxStuckAfterMs ?? OUTBOX_STUCK_AFTER_MS;
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

  const watcher = (now: number): CheckResult => {
    const since = deps.lastTickAt() ?? deps.startedAt();
    if (since === undefined) return { ok: false, problem: 'not started' };
    const quiet = now - since;
    if (quiet <= deps.tickStaleAfterMs) return { ok: true };
    return { ok: false, problem: `no watcher tick for ${seconds(quiet)} (limit ${seconds(deps.tickStaleAfterMs)})` };
  };
  const outbox = (now: number): CheckResult => {
    const oldest = deps.outboxOldestQueuedAt();
    if (oldest === undefined || now - oldest <= stuckAfter) return { ok: true };
    return { ok: false, problem: `a thread message has waited ${seconds(now - oldest)} to be sent (limit ${seconds(stuckAfter)})` };
  };

  return async () => {
    const now = deps.clock.now().getTime();
    const checks: Record<string, CheckResult> = {
      store: await (deps.storeCheck ? deps.storeCheck() : storeFileCheck(deps.storeFile)),
      slack: deps.slackAuth() ?? { ok: false, problem: 'auth.test not answered yet' },
      watcher: watcher(now),
      outbox: outbox(now),
    };
    if (deps.stopping()) checks.shutdown = { ok: false, problem: 'shutting down' };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
}
