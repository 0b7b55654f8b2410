import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App } from '@slack/bolt';
import { registerHandlers } from './handlers/index.js';
import { boltLogger } from './services/bolt-logger.js';
import type { Clock } from './services/clock.js';
import type { Logger } from './services/logger.js';
import type { Services } from './services/services.js';
import type { Store } from './services/store.js';
import type { TkeGateway } from './services/tke.js';

export interface SlackSettings {
  botToken: string;
  signingSecret: string;
  /** With an app-level token (xapp-) the bot uses Socket Mode instead of HTTP. */
  appToken?: string;
  /** Base URL of the Slack Web API (a local fake Slack in tests and the sandbox). */
  apiUrl?: string;
}

export interface AppDeps {
  slack: SlackSettings;
  store: Store;
  tke: TkeGateway;
  clock: Clock;
  logger: Logger;
}

export interface TkeopsApp {
  app: App;
  services: Services;
  /** Starts receiving Slack requests; over HTTP it listens on 127.0.0.1:`port` (0 = any free port). */
  start(port: number, host?: string): Promise<{ port?: number }>;
  stop(): Promise<void>;
}

/** Builds the Bolt app and the services from injected dependencies; nothing is created at import time. */
export function createApp(deps: AppDeps): TkeopsApp {
  const socketMode = deps.slack.appToken !== undefined;
  const app = new App({
    token: deps.slack.botToken,
    signingSecret: deps.slack.signingSecret,
    ...(socketMode ? { socketMode: true, appToken: deps.slack.appToken } : {}),
    logger: boltLogger(deps.logger),
    ...(deps.slack.apiUrl ? { clientOptions: { slackApiUrl: deps.slack.apiUrl } } : {}),
  });
  const services: Services = { store: deps.store, tke: deps.tke, clock: deps.clock, logger: deps.logger };
  registerHandlers(app, services);

  return {
    app,
    services,
    async start(port, host = '127.0.0.1') {
      if (socketMode) {
        await app.start();
        return {};
      }
      const server = (await app.start({ port, host })) as Server;
      return { port: (server.address() as AddressInfo).port };
    },
    async stop() {
      await app.stop();
    },
  };
}
