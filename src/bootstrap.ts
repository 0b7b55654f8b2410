import type { Lifecycle } from './lifecycle/operation.js';
import { createApp, type TkeopsApp } from './app.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './services/clock.js';
import { createLogger, type Logger } from './services/logger.js';
import { loadPolicy } from './services/policy.js';
import { loadProfiles } from './services/profiles.js';
import type { DurableFiles } from './services/durable-file.js';
import { checkMasterKey } from './services/key-check.js';
import { createSecretBox, loadMasterKey, masterKeySource, parseMasterKey } from './services/secrets.js';
import { openStore, type Store } from './services/store.js';
import { answerStoreWriteFailures } from './slack/store-write-errors.js';
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
  /** How the store writes its files; tests inject a full disk here. */
  storeFiles?: DurableFiles;
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
  const store = config.databaseUrl !== undefined ? await openPostgres(config.databaseUrl, logger) : await openLowdb(config, clock, logger, overrides.storeFiles);
  let secrets;
  try {
    const keyOptions = { masterKey: config.masterKey, storeFile: config.dataFile };
    if (store.kind === 'postgres') {
      // TKEOPS_MASTER_KEY is required with DATABASE_URL (loadConfig): there is no key file.
      secrets = createSecretBox(await loadMasterKey({ ...keyOptions, logger, storeHasKey: true }));
      await checkMasterKey(store.keyCheck, secrets, masterKeySource(keyOptions));
    } else {
      const storeHasKey = store.read((data) => data.keyCheck !== undefined || data.accounts.length > 0);
      secrets = createSecretBox(await loadMasterKey({ ...keyOptions, logger, storeHasKey }));
      // A key that is not the store's stops the start here, saying so.
      await checkMasterKey(store, secrets, masterKeySource(keyOptions));
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  // One registry per bot: the gateway and the app report into it, GET /metrics reads it.
  const metrics = createPrometheusMetrics();
  const tke = createTkeGateway({
    logger,
    metrics,
    ...(config.tencentEndpoint ? { endpoint: config.tencentEndpoint } : {}),
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
  });
  const watchSchedule = overrides.scheduleWatcher === false ? {} : { watchSchedule: config.watchSchedule };
  const bot = createApp({
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
    watchClaimTtlMs: config.watchClaimTtlMs,
    ...watchSchedule,
  });
  // A request that fails on a store write before its ack is answered clearly, not with HTTP 500.
  answerStoreWriteFailures(bot.app);
  // Stopping the bot releases the store (its lock, or the database's connections), once the writes under way are done.
  const stop = bot.stop;
  return Object.assign(bot, {
    async stop(options?: Parameters<TkeopsApp['stop']>[0]) {
      try {
        await stop(options);
      } finally {
        await store.close();
      }
    },
  });
}

/** The PostgreSQL store of DATABASE_URL; its code (and `pg`) is loaded only then, so a bot on lowdb does not carry it. */
async function openPostgres(url: string, logger: Logger) {
  const { openPostgresStore } = await import('./services/repositories/postgres/database.js');
  return openPostgresStore(url, { logger });
}

/** The lowdb store of DATA_FILE, saying so when it was migrated from an older version. */
async function openLowdb(config: Config, clock: Clock, logger: Logger, files: DurableFiles | undefined): Promise<Store & { kind?: undefined }> {
  const store = await openStore(config.dataFile, { clock, logger, historyDays: config.historyDays, ...(files ? { files } : {}) });
  if (store.migrated) {
    const { from, to, backup, notes } = store.migrated;
    logger.warn({ file: store.file, from, to, backup, notes }, `store migrated from schema version ${from} to ${to}; the original is kept as ${backup}`);
  }
  return store;
}
