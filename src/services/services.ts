import type { AccountService } from './accounts.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Policy } from './policy-types.js';
import type { SecretBox } from './secrets.js';
import type { Store } from './store.js';
import type { ProvisioningThreads } from './threads.js';
import type { TkeGateway } from './tke.js';

/**
 * Everything handlers may use; built once by createApp from its dependencies.
 * Each feature adds its service here (accounts, policy, profiles, clusters, drafts, threads, watcher...).
 */
export interface Services {
  store: Store;
  tke: TkeGateway;
  clock: Clock;
  logger: Logger;
  audit: Audit;
  policy: Policy;
  secrets: SecretBox;
  accounts: AccountService;
  /** Provisioning threads: announce(clusterId) right after Deploy, reply(), refreshRoot(). */
  threads: ProvisioningThreads;
}
