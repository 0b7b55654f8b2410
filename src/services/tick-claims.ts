/**
 * Several replicas on one database: each watcher tick is run by one of them. Before a tick the
 * scheduler claims it (a row with the claimer's ticket and an expiry); a replica whose claim fails
 * skips that tick. The claim is renewed while the tick runs (every third of its time to live) and
 * released at its end, so a replica that dies loses its claim at expiry and another takes the next
 * tick. The watcher's own logic knows nothing of this: the claim is the scheduler's.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from './logger.js';

export interface TickClaims {
  /** Claims the watcher's tick for `replica` until `now + ttlMs`: true when it is this replica's (free, expired, or already its own). */
  claim(replica: string, ttlMs: number, now: Date): Promise<boolean>;
  /** Extends this replica's claim to `now + ttlMs`; false when the claim is no longer its own (it expired and another took it). */
  renew(replica: string, ttlMs: number, now: Date): Promise<boolean>;
  /** Gives the claim up, if it is still this replica's. */
  release(replica: string): Promise<void>;
}

/** One replica (lowdb: the data file's lock already makes it the only one): every claim is won. */
export const soleReplica: TickClaims = {
  claim: () => Promise.resolve(true),
  renew: () => Promise.resolve(true),
  release: () => Promise.resolve(),
};

/** This process among the replicas: host name, pid and a random part (a restarted pod reusing a pid is another replica). */
export const replicaId = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/** How long a tick claim lives unless renewed (WATCH_CLAIM_TTL_SECONDS). */
export const DEFAULT_CLAIM_TTL_MS = 60_000;

export interface ClaimedTickDeps {
  claims: TickClaims;
  replica: string;
  ttlMs: number;
  /** The claim's times (the injected clock: replicas' clocks must agree to well under the TTL, as NTP keeps them). */
  now: () => Date;
  logger: Pick<Logger, 'debug' | 'warn'>;
  /** A tick this replica skipped because another holds it. */
  onSkipped?: () => void;
}

/**
 * `tick` run only when this replica wins the claim: the claim is renewed every ttl/3 while the
 * tick runs and released after it. What the tick returned, or undefined when it was skipped (or
 * the claim could not be asked: the database does not answer, so nothing could be watched anyway).
 */
export function claimingTicks<T>(tick: (now?: Date) => Promise<T>, deps: ClaimedTickDeps): (now?: Date) => Promise<T | undefined> {
  return async (now) => {
    let won: boolean;
    try {
      won = await deps.claims.claim(deps.replica, deps.ttlMs, deps.now());
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, 'watcher: could not claim the tick; skipped');
      return undefined;
    }
    if (!won) {
      deps.logger.debug({ replica: deps.replica }, 'watcher: another replica holds the tick; skipped');
      deps.onSkipped?.();
      return undefined;
    }
    const renewing = setInterval(() => {
      deps.claims
        .renew(deps.replica, deps.ttlMs, deps.now())
        .then((kept) => {
          if (!kept) deps.logger.warn({ replica: deps.replica }, 'watcher: the tick claim expired while the tick ran; another replica may take the next one');
        })
        .catch((error: unknown) => deps.logger.warn({ err: (error as Error).message }, 'watcher: could not renew the tick claim'));
    }, Math.max(1, Math.floor(deps.ttlMs / 3)));
    renewing.unref();
    try {
      return await tick(now);
    } finally {
      clearInterval(renewing);
      await deps.claims.release(deps.replica).catch((error: unknown) => deps.logger.warn({ err: (error as Error).message }, 'watcher: could not release the tick claim; it expires by itself'));
    }
  };
}
