import type { App } from '@slack/bolt';
import type { Services } from '../services/services.js';
import * as access from './access.js';
import * as account from './account.js';
import * as approval from './approval.js';
import * as changeApproval from './change-approval.js';
import * as clusterStatus from './cluster-status.js';
import * as create from './create.js';
import * as deletion from './delete.js';
import * as expiry from './expiry.js';
import * as forceDelete from './force-delete.js';
import * as home from './home.js';
import * as pools from './pools.js';
import * as retry from './retry.js';
import { profileSubcommand } from './profile.js';
import * as protection from './protection.js';
import * as tkeCommand from './tke-command.js';
import * as upgrade from './upgrade.js';
import * as wizard from './wizard.js';

/** The one place every Slack listener is registered. */
export function registerHandlers(app: App, services: Services): void {
  const overview = {
    deletionSlot: retry.withRetryButton(services, upgrade.withUpgradeButton(services, pools.withPoolButtons(services, deletion.deletionSlot(services)))),
    accessSlot: access.accessSlot(services),
  };
  tkeCommand.register(app, {
    account: account.accountSubcommand(services),
    create: create.createSubcommand(services),
    status: clusterStatus.statusSubcommand(services, overview),
    list: clusterStatus.listSubcommand(services),
    delete: deletion.deleteSubcommand(services),
    profile: profileSubcommand(services),
    kubeconfig: access.kubeconfigSubcommand(services),
    protect: protection.protectionSubcommand(services, true),
    unprotect: protection.protectionSubcommand(services, false),
    scale: pools.scaleSubcommand(services),
    pool: pools.poolSubcommand(services),
    upgrade: upgrade.upgradeSubcommand(services),
  });
  access.register(app, services);
  protection.register(app, services);
  clusterStatus.register(app, services, overview);
  deletion.register(app, services);
  forceDelete.register(app, services);
  expiry.register(app, services);
  pools.register(app, services);
  retry.register(app, services);
  upgrade.register(app, services);
  wizard.register(app, services);
  create.register(app, services);
  approval.register(app, services);
  home.register(app, services);
  changeApproval.register(app, services);
  account.register(app, services, { onAccountCreatedInWizard: (args) => wizard.returnToWizardWithAccount(services, args) });
}
