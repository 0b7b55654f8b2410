import dotenv from 'dotenv';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { systemClock } from './services/clock.js';
import { createLogger } from './services/logger.js';
import { openStore, StoreLoadError } from './services/store.js';
import { createTkeGateway } from './services/tke-gateway.js';

/** `npm start`: read the configuration, open the store, start the bot. */
async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel });
  const store = await openStore(config.dataFile);
  const tke = createTkeGateway({ logger, ...(config.tencentEndpoint ? { endpoint: config.tencentEndpoint } : {}) });
  const bot = createApp({ slack: config.slack, store, tke, clock: systemClock, logger });
  const { port } = await bot.start(config.port, '0.0.0.0');
  logger.info(port === undefined ? 'tkeops is running in Socket Mode' : `tkeops is listening on port ${port} (POST /slack/events)`);

  const shutdown = () => {
    bot.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StoreLoadError) {
    console.error(`tkeops cannot start:\n${error.message}`);
  } else {
    console.error('tkeops stopped on an unexpected error:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
