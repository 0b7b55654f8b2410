/**
 * One process per store file: `<file>.lock` is created exclusively (`wx`) and holds who has the
 * store (pid, host, since). A second process finds it and refuses to start, naming the holder.
 *
 * A lock is stale, and taken over, when its holder cannot still be running:
 * - on this host, when its pid is not a live process (a crash or kill -9), or is this very process
 *   (a restarted container reuses pids; this process has not locked the file yet);
 * - on another host (a shared volume), when it has not been touched for STALE_AFTER_MS: the holder
 *   touches the lock file every HEARTBEAT_MS while it runs.
 * The lock is removed when the store is closed (the bot stops).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { z } from 'zod';

const HEARTBEAT_MS = 30_000;
export const STALE_AFTER_MS = 5 * 60_000;

const holderSchema = z.object({ pid: z.number().int(), host: z.string(), since: z.string(), token: z.string() });
export type LockHolder = z.infer<typeof holderSchema>;

/** Another process holds the store. */
export class StoreLockedError extends Error {
  constructor(
    readonly file: string,
    readonly lockFile: string,
    readonly holder: Omit<LockHolder, 'token'>,
  ) {
    super(
      `The store file ${file} is in use by another tkeops (pid ${holder.pid} on host ${holder.host}, since ${holder.since}). ` +
        `Only one process may use a store: stop that one first. If it is not running any more, remove ${lockFile}.`,
    );
    this.name = 'StoreLockedError';
  }
}

export interface StoreLock {
  readonly lockFile: string;
  release(): Promise<void>;
}

export const lockFileOf = (file: string) => `${file}.lock`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function currentHolder(lockFile: string): Promise<{ holder?: LockHolder; touchedAt: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)]);
    let parsed;
    try {
      parsed = holderSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    return { ...(parsed?.success ? { holder: parsed.data } : {}), touchedAt: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isStale(found: { holder?: LockHolder; touchedAt: number }, now: number): boolean {
  const { holder } = found;
  // Unreadable (a crash while it was being written): stale once old enough.
  if (!holder) return now - found.touchedAt > STALE_AFTER_MS;
  if (holder.host === hostname()) return holder.pid === process.pid || !alive(holder.pid);
  return now - found.touchedAt > STALE_AFTER_MS;
}

/** Takes the store's lock, or throws StoreLockedError naming the process that has it. */
export async function lockStore(file: string, now: () => Date = () => new Date()): Promise<StoreLock> {
  const lockFile = lockFileOf(file);
  const mine: LockHolder = { pid: process.pid, host: hostname(), since: now().toISOString(), token: randomUUID() };
  for (let attempt = 0; ; attempt += 1) {
    try {
      await writeFile(lockFile, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = await currentHolder(lockFile);
    if (!found) continue;
    if (attempt < 3 && isStale(found, now().getTime())) {
      await unlink(lockFile).catch(() => undefined);
      continue;
    }
    const { pid, host, since } = found.holder ?? { pid: 0, host: 'unknown', since: new Date(found.touchedAt).toISOString() };
    throw new StoreLockedError(file, lockFile, { pid, host, since });
  }
  const heartbeat = setInterval(() => {
    const at = new Date();
    utimes(lockFile, at, at).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    lockFile,
    async release() {
      clearInterval(heartbeat);
      // Only our own lock: a process that took it over (ours looked stale) keeps it.
      const found = await currentHolder(lockFile);
      if (found?.holder?.token === mine.token) await unlink(lockFile).catch(() => undefined);
    },
  };
}
