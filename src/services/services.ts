import type { Lifecycle } from '../lifecycle/operation.js';
import type { AccountService } from './accounts.js';
import type { ApprovalService } from './approval.js';
import type { ChangeApprovalService } from './change-approval.js';
import type { Clock } from './clock.js';
import type { CostService } from './cost.js';
import type { DeletionService } from './deletion.js';
import type { ClusterAccessService } from './cluster-access.js';
import type { DeployService } from './deploy.js';
import type { ExpiryService } from './expiry.js';
import type { HomeTabs } from './home.js';
import type { Drafts } from './drafts.js';
import type { ClusterLookup } from './cluster-lookup.js';
import type { Logger } from './logger.js';
import type { Policy } from './policy-types.js';
import type { UpgradeService } from './upgrade.js';
import type { PoolChangeService } from './pool-changes.js';
import type { RetryService } from './retry.js';
import type { ProfileCatalog } from './profiles.js';
import type { ProvisioningThreads } from './threads.js';
import type { WizardChoices } from './wizard-choices.js';
import type { WizardService } from './wizard.js';

/**
 * Everything handlers may use; built once by createApp from its dependencies. Only what some
 * handler needs is here: the Tencent gateway, the secret box, the audit trail and the provisioning
 * steps reach handlers only through the services built on them (accounts, deploy, deletion...).
 */
export interface Services {
  clock: Clock;
  logger: Logger;
  policy: Policy;
  accounts: AccountService;
  profiles: ProfileCatalog;
  /** Cluster wizard drafts (the `/tke create` modal's state). */
  drafts: Drafts;
  /** Choices the wizard loads from Tencent (regions, key pairs, VPCs, subnets, instance types). */
  wizardChoices: WizardChoices;
  /** The `/tke create` wizard: drafts, each step's rules, resuming a closed wizard, the hand-off to Deploy. */
  wizard: WizardService;
  /** Deploy a finished wizard draft (CreateCluster, exactly once). */
  deploy: DeployService;
  /** Provisioning threads: announce(clusterId) right after Deploy, reply(), refreshRoot(). */
  threads: ProvisioningThreads;
  /** The cluster lifecycle: the overview's step list and percentage are read from it. */
  lifecycle: Lifecycle;
  /** Clusters by name within a channel's project, for /tke status, /tke list and the overview. */
  clusterLookup: ClusterLookup;
  /** Deletion (typed-name confirmation) and force delete of a cluster stuck in Deleting. */
  deletion: DeletionService;
  /** What a spec costs, priced by Tencent (the wizard's review, the overview). */
  cost: CostService;
  /** Cluster expiry: the wizard's choice, Extend and Keep from the reminders, the deletion at expiry. */
  expiry: ExpiryService;
  /** Two-person approval of creates: approve (or as break-glass), reject, and the watcher's expiry. */
  approvals: ApprovalService;
  changeApprovals: ChangeApprovalService;
  /** Kubeconfig, API server addresses, deletion protection. */
  access: ClusterAccessService;
  /** Day-two worker pool changes (scale), run by the watcher. */
  poolChanges: PoolChangeService;
  /** The App Home tabs: `app_home_opened` shows a person theirs, kept current from then on. */
  homeTabs: HomeTabs;
  /** "Retry the failed step" of a Failed cluster's provisioning. */
  retry: RetryService;
  /** Day-two Kubernetes upgrades (control plane, then worker nodes), run by the watcher. */
  upgrades: UpgradeService;
}
