import dotenv from 'dotenv';
import { bootstrap } from './bootstrap.js';
import { loadConfig } from './config.js';

/** A container runtime sends SIGKILL 10 s after SIGTERM (Kubernetes: terminationGracePeriodSeconds): the bot is gone before. */
const STOP_TIMEOUT_MS = 8_500;
const EXIT_DEADLINE_MS = 9_500;

/** `npm start` (`node dist/index.js`): read the configuration, then start the bot. */
async function main(): Promise<void> {
  dotenv.config({ quiet: true, path: process.env.DOTENV_CONFIG_PATH ?? '.env' });
  const config = loadConfig(process.env);
  const bot = await bootstrap(config);
  const { logger } = bot.services;
  // A failure in background work (a thread message, a watcher step) is logged, never fatal to the bot.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled background failure');
  });
  let stopping = false;
  // SIGTERM (a container runtime, `kill`, npm passing it on) or SIGINT (Ctrl-C): stop taking requests,
  // finish the tick and the store writes, send the queued thread messages, exit 0. A second signal
  // (Ctrl-C reaches npm and the bot alike, and npm passes it on) changes nothing.
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    logger.info({ signal }, 'stopping: no new requests; finishing the work under way');
    setTimeout(() => {
      logger.error('stopping took too long; exiting now');
      process.exit(1);
    }, EXIT_DEADLINE_MS).unref();
    bot.stop({ timeoutMs: STOP_TIMEOUT_MS }).then(
      () => {
        logger.info({ ms: Math.round(performance.now() - started) }, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: (error as Error).message }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const { port, metricsPort } = await bot.start(config.port, '0.0.0.0');
  logger.info(
    { port, metricsPort },
    port === undefined
      ? `tkeops is running in Socket Mode (GET /healthz, /readyz, /metrics on port ${metricsPort})`
      : `tkeops is listening on port ${port} (POST /slack/events; GET /healthz, /readyz${metricsPort === undefined ? ', /metrics' : `; /metrics on port ${metricsPort}`})`,
  );
}

main().catch((error: unknown) => {
  // Start-up errors (configuration, store, policy, profiles) are written for the operator: print them as they are.
  console.error(`tkeops cannot start:\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
