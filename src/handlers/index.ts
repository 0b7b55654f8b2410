import type { App } from '@slack/bolt';
import type { Services } from '../services/services.js';
import * as tkeCommand from './tke-command.js';

/** The one place every Slack listener is registered. */
export function registerHandlers(app: App, _services: Services): void {
  tkeCommand.register(app, {});
}
