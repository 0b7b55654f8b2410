import cron from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/services/clock.js';
import { createLogger } from '../../src/services/logger.js';
import { startWatcher, type WatchSchedule } from '../../src/services/watch-schedule.js';
import type { TickReport, Watcher } from '../../src/services/watcher.js';
import { startTestBot, type TestBot } from '../support/bot.js';

/** Once a year: the schedule never fires while a test runs; ticks come from runNow() or execute(). */
const YEARLY = '0 0 0 1 1 *';
const logger = createLogger({ level: 'silent' });
const report: TickReport = { watched: 0, describeCalls: 0, changed: 0, replies: 0, failed: 0, durationMs: 0 };

/** A watcher whose ticks finish only when the test says so. */
function slowWatcher() {
  const finishers: (() => void)[] = [];
  let started = 0;
  const watcher: Watcher = {
    tick: () => {
      started += 1;
      return new Promise((resolve) => finishers.push(() => resolve(report)));
    },
  };
  return { watcher, started: () => started, finish: () => finishers.shift()?.() };
}

let schedule: WatchSchedule | undefined;
let bot: TestBot | undefined;
afterEach(async () => {
  await schedule?.stop();
  schedule = undefined;
  await bot?.stop();
  bot = undefined;
});

describe('the watch schedule', () => {
  it('never runs two ticks at once', async () => {
    const slow = slowWatcher();
    schedule = startWatcher(slow.watcher, YEARLY, { clock: new ManualClock(), logger });
    const first = schedule.runNow();
    const second = schedule.runNow();
    expect(slow.started()).toBe(1);
    slow.finish();
    await Promise.all([first, second]);
    expect(slow.started()).toBe(1);
  });

  it('waits for the tick in progress when stopped', async () => {
    const slow = slowWatcher();
    schedule = startWatcher(slow.watcher, YEARLY, { clock: new ManualClock(), logger });
    void schedule.runNow();
    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    slow.finish();
    await stopping;
    expect(stopped).toBe(true);
    schedule = undefined;
  });

  it('is refused at start-up when WATCH_SCHEDULE is not a cron expression', () => {
    const env = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', WATCH_SCHEDULE: 'every 15 seconds' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/WATCH_SCHEDULE/);
    expect(loadConfig({ ...env, WATCH_SCHEDULE: undefined }).watchSchedule).toBe('*/15 * * * * *');
  });

  it('is put on node-cron by start() and taken off by stop()', async () => {
    const ours = () => [...cron.getTasks().values()].filter((task) => task.name === 'tkeops-watcher');
    bot = await startTestBot({ scheduleWatcher: true, env: { WATCH_SCHEDULE: YEARLY } });
    const [task] = ours();
    expect(ours()).toHaveLength(1);
    expect(task?.getPattern()).toBe(YEARLY);

    await task?.execute(); // what node-cron runs on each beat
    expect(bot.logs.some((line) => line.includes('"msg":"watcher tick"'))).toBe(true);

    await bot.stopBot();
    expect(ours()).toHaveLength(0);
  });
});
