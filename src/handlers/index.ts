import type { App } from '@slack/bolt';
import type { Services } from '../services/services.js';
import * as account from './account.js';
import * as tkeCommand from './tke-command.js';

/** The one place every Slack listener is registered. */
export function registerHandlers(app: App, services: Services): void {
  tkeCommand.register(app, {
    account: account.accountSubcommand(services),
  });
  // The cluster wizard passes onAccountCreatedInWizard here; until then a no-op.
  account.register(app, services, { onAccountCreatedInWizard: async () => undefined });
}
