import dotenv from 'dotenv';
import { bootstrap } from './bootstrap.js';
import { loadConfig } from './config.js';

/** `npm start`: read the configuration, then start the bot. */
async function main(): Promise<void> {
  dotenv.config({ quiet: true, path: process.env.DOTENV_CONFIG_PATH ?? '.env' });
  const config = loadConfig(process.env);
  const bot = await bootstrap(config);
  const { port } = await bot.start(config.port, '0.0.0.0');
  bot.services.logger.info(
    port === undefined ? 'tkeops is running in Socket Mode' : `tkeops is listening on port ${port} (POST /slack/events)`,
  );
  // A failure in background work (a thread message, a watcher step) is logged, never fatal to the bot.
  process.on('unhandledRejection', (reason) => {
    bot.services.logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled background failure');
  });
  const shutdown = () => {
    bot.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  // Start-up errors (configuration, store, policy, profiles) are written for the operator: print them as they are.
  console.error(`tkeops cannot start:\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
