import type { Lifecycle } from './lifecycle/operation.js';
import { createApp, type TkeopsApp } from './app.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './services/clock.js';
import { createLogger, type Logger } from './services/logger.js';
import { loadPolicy } from './services/policy.js';
import { loadProfiles } from './services/profiles.js';
import { createSecretBox, loadMasterKey, parseMasterKey } from './services/secrets.js';
import { openStore } from './services/store.js';
import { createTkeGateway } from './services/tke-gateway.js';
import { createPrometheusMetrics } from './ops/prometheus.js';
import { tickStaleAfterMs } from './ops/readiness.js';

export interface BootstrapOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Delay used between Tencent retries; tests make it instant. */
  sleep?: (ms: number) => Promise<void>;
  /** false: the watcher is not put on its cron schedule; the caller ticks it (tests, the benchmark). */
  scheduleWatcher?: boolean;
  /** Another cluster lifecycle table than the production one (tests of a new step or operation). */
  lifecycle?: Lifecycle;
}

/**
 * Turns a validated configuration into a ready (not yet started) bot: opens the store, loads
 * shipped data and builds the Tencent gateway. Production (src/index.ts), the tests and the
 * sandbox all start the bot through here, so they run the same code with different settings.
 */
export async function bootstrap(config: Config, overrides: BootstrapOverrides = {}): Promise<TkeopsApp> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const clock = overrides.clock ?? systemClock;
  // Refuse a bad policy, profile or master key before touching the store.
  const policy = await loadPolicy(config.policyFile);
  const profiles = await loadProfiles(config.profilesDir);
  if (config.masterKey !== undefined) parseMasterKey(config.masterKey);
  const store = await openStore(config.dataFile);
  if (store.migrated) {
    const { from, to, backup, notes } = store.migrated;
    logger.warn({ file: store.file, from, to, backup, notes }, `store migrated from schema version ${from} to ${to}; the original is kept as ${backup}`);
  }
  const secrets = createSecretBox(await loadMasterKey({ masterKey: config.masterKey, storeFile: config.dataFile, logger }));
  // One registry per bot: the gateway and the app report into it, GET /metrics reads it.
  const metrics = createPrometheusMetrics();
  const tke = createTkeGateway({
    logger,
    metrics,
    ...(config.tencentEndpoint ? { endpoint: config.tencentEndpoint } : {}),
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
  });
  const watchSchedule = overrides.scheduleWatcher === false ? {} : { watchSchedule: config.watchSchedule };
  return createApp({
    slack: config.slack,
    store,
    tke,
    clock,
    logger,
    policy,
    secrets,
    profiles,
    forceDeleteAfterMs: config.forceDeleteAfterMs,
    approvalTimeoutMs: config.approvalTimeoutMs,
    ...(overrides.lifecycle ? { lifecycle: overrides.lifecycle } : {}),
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    ...(config.metricsPort !== undefined ? { metricsPort: config.metricsPort } : {}),
    tickStaleAfterMs: tickStaleAfterMs(config.watchSchedule),
    ...watchSchedule,
  });
}
