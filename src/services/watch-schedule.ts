import cron from 'node-cron';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

export interface WatchSchedule {
  /** Runs one tick now, unless one is already running (then it waits for that one). */
  runNow(): Promise<void>;
  /** Stops the schedule and waits for a tick in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `watcher.tick` on a node-cron schedule (six fields, seconds first; default every 15 s).
 * `noOverlap` makes node-cron skip a run while the previous tick is still going; the same guard
 * covers runNow(), so two ticks never run at once. With several replicas `watcher` is the claimed
 * tick (tick-claims.ts: claimingTicks), so one replica among them runs each.
 */
export function startWatcher(watcher: { tick(now: Date): Promise<unknown> }, schedule: string, deps: { clock: Clock; logger: Logger }): WatchSchedule {
  let running: Promise<void> | undefined;

  const tick = (): Promise<void> => {
    running ??= watcher
      .tick(deps.clock.now())
      .then(() => undefined)
      .catch((error: unknown) => deps.logger.error({ err: (error as Error).message }, 'watcher tick failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const task = cron.schedule(schedule, tick, {
    name: 'tkeops-watcher',
    noOverlap: true,
    logger: {
      info: (message) => deps.logger.info({ component: 'node-cron' }, message),
      warn: (message) => deps.logger.warn({ component: 'node-cron' }, message),
      error: (message) => deps.logger.error({ component: 'node-cron' }, String(message)),
      debug: (message) => deps.logger.debug({ component: 'node-cron' }, String(message)),
    },
  });
  deps.logger.info({ schedule }, 'watcher scheduled');

  return {
    runNow: tick,
    async stop() {
      await task.stop();
      await task.destroy();
      await running;
    },
  };
}
