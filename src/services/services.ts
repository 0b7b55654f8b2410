import type { AccountService } from './accounts.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import type { DeletionService } from './deletion.js';
import type { DeployService, ProvisioningSteps } from './deploy.js';
import type { Drafts } from './drafts.js';
import type { ClusterLookup } from './cluster-lookup.js';
import type { Logger } from './logger.js';
import type { Policy } from './policy-types.js';
import type { ProfileCatalog } from './profiles.js';
import type { SecretBox } from './secrets.js';
import type { Store } from './store.js';
import type { ProvisioningThreads } from './threads.js';
import type { TkeGateway } from './tke.js';
import type { WizardChoices } from './wizard-choices.js';

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
  profiles: ProfileCatalog;
  /** Cluster wizard drafts (the `/tke create` modal's state). */
  drafts: Drafts;
  /** Choices the wizard loads from Tencent (regions, key pairs, VPCs, subnets, instance types). */
  wizardChoices: WizardChoices;
  /** Deploy a finished wizard draft (CreateCluster, exactly once). */
  deploy: DeployService;
  /** The provisioning steps that need a Running cluster (endpoint, worker pools, add-ons); the watcher runs them. */
  provisioning: ProvisioningSteps;
  /** Provisioning threads: announce(clusterId) right after Deploy, reply(), refreshRoot(). */
  threads: ProvisioningThreads;
  /** Clusters by name within a channel's project, for /tke status, /tke list and the overview. */
  clusterLookup: ClusterLookup;
  /** Deletion (typed-name confirmation) and force delete of a cluster stuck in Deleting. */
  deletion: DeletionService;
}
