import type { ApprovalReason, Approvers, ChangeApproval, DayTwoKind, EndpointAccessChoice, TencentFailure, WorkerPoolSpec } from '../services/domain/index.js';
import type { EndpointAccess, LeftoverResources } from '../services/tke.js';
import type { ApiServerAddresses } from '../services/domain/cluster.js';
import type { LeftoverOwner } from '../services/domain/rules.js';

export type { LeftoverOwner } from '../services/domain/rules.js';

/** What the lookup of a cluster's leftover resources gave: the resources, or why it failed. */
export type LeftoverLookup =
  | { leftovers: LeftoverResources; lookupFailure?: never }
  | { lookupFailure: TencentFailure; leftovers?: never };

/** Who is on call, as the policy lists them (Slack user group ids and user ids). */
export interface OnCall {
  userGroups: readonly string[];
  users: readonly string[];
}

/**
 * What happened to a cluster, as the lifecycle tells it: the services and the watcher produce
 * these, `src/views/` turns each into the thread reply's text (mentions, dates, escaping).
 */
export type ThreadEvent =
  | { kind: 'clusterCreated'; tkeClusterId: string; region: string }
  | { kind: 'controlPlaneRunning'; elapsedMs: number }
  /** `cidrs`: what the public endpoint is restricted to (empty: no public endpoint, or open to all). */
  | { kind: 'endpointReady'; access: EndpointAccessChoice; cidrs: readonly string[] }
  | { kind: 'poolReady'; pool: string; readyNodes: number; desired: number; instanceType: string }
  | { kind: 'addonsInstalled'; names: readonly string[] }
  /**
   * `clusterId`, `requestedBy`: for the reply's buttons and mention; `endpoints`: the ready ones (Get
   * kubeconfig); `apiServer`, `region`, `tkeClusterId`: the addresses and the console link.
   */
  | {
      kind: 'clusterReady';
      name: string;
      totalMs: number;
      clusterId?: string;
      requestedBy?: string;
      endpoints?: readonly EndpointAccess[];
      apiServer?: ApiServerAddresses | undefined;
      region?: string;
      tkeClusterId?: string;
    }
  /** A step without a reply of its own (a table row added without a view): its label, done. */
  | { kind: 'stepDone'; label: string }
  /** `clusterId`, `requestedBy`: for the reply's Delete button and mention; `retry`: the step "Retry the failed step" runs again. */
  | { kind: 'provisioningFailed'; failure: TencentFailure; clusterId?: string; requestedBy?: string; retry?: string }
  /** Someone asked to run the failed provisioning step again: the cluster is Provisioning again. */
  | { kind: 'stepRetried'; user: string; step: string; failure: TencentFailure }
  | { kind: 'transientErrors'; failure: TencentFailure; ticks: number }
  /** `createdPools`: the worker pools Tencent created (what the deletion terminates). */
  /** `expired`: the watcher deleted it at its expiry time; `user` set the expiry. */
  | { kind: 'deletionRequested'; user: string; name: string; tkeClusterId?: string; createdPools: readonly WorkerPoolSpec[]; expired?: boolean }
  | { kind: 'deletionProgress'; elapsedMs: number; forceInMs: number; leftovers?: LeftoverResources }
  /** `requestedBy`: who approved the deletion, mentioned in the final reply. */
  | { kind: 'deleted'; name: string; tkeClusterId: string; elapsedMs: number; requestedBy?: string }
  | { kind: 'forceDeleteOffered'; clusterId: string; name: string; stuckMs: number; onCall: OnCall; tencentStatus?: string }
  /** Expiry (src/lifecycle/expiry.ts): a reminder before it, with Extend and Keep buttons. */
  | { kind: 'expiryReminder'; clusterId: string; name: string; requester: string; expiresAt: string; setBy: string }
  | { kind: 'expiryExtended'; user: string; expiresAt: string }
  | { kind: 'expiryKept'; user: string }
  /** Expired, but protected from deletion: nothing deleted; the project's admins are told. */
  | { kind: 'expiryProtected'; name: string; expiresAt: string; setBy: string; admins: readonly string[] }
  /** The approval request (the root message) was decided: provisioning starts. */
  | { kind: 'approvalApproved'; user: string; breakGlass: boolean }
  | { kind: 'approvalRejected'; user: string; reason: string; requestedBy: string }
  /** Nobody decided within APPROVAL_TIMEOUT_HOURS; the watcher closed it. */
  | { kind: 'approvalExpired'; requestedBy: string; waitedMs: number }
  /** A day-two change awaits approval (src/services/change-approval.ts): the request, with its buttons. */
  | { kind: 'changeApprovalRequested'; clusterId: string; changeId: string; requestedBy: string; change: ChangeSummary; approval: ChangeApproval }
  | { kind: 'changeApproved'; user: string; breakGlass: boolean; change: ChangeSummary }
  /** Rejected (`by`, with the reason) or closed unanswered (`by` absent): the change is removed. */
  | { kind: 'changeRejected'; by?: string | undefined; reason?: string | undefined; waitedMs: number; requestedBy: string; change: ChangeSummary }
  /** A day-two pool scale was sent to Tencent (range and/or desired count). */
  | { kind: 'poolScaleRequested'; pool: string; before: PoolSizes; after: PoolSizes }
  /** Tencent reports the pool at its new size; `user` started it. */
  | { kind: 'poolScaled'; user: string; pool: string; readyNodes: number; minSize: number; maxSize: number; elapsedMs: number }
  | { kind: 'poolRemoveRequested'; pool: string }
  | { kind: 'poolRemoved'; user: string; pool: string; elapsedMs: number }
  /** A day-two pool addition was sent to Tencent (CreateClusterNodePool). */
  | { kind: 'poolAddRequested'; pool: string; instanceType: string; sizes: PoolSizes; zones: readonly string[] }
  /** Tencent reports the added pool with its nodes ready; `user` started it. */
  | { kind: 'poolAdded'; user: string; pool: string; readyNodes: number; elapsedMs: number }
  /** Kubernetes upgrade (src/lifecycle/day-two.ts): the control plane asked to upgrade, with the plan for the nodes. */
  | { kind: 'upgradeControlPlaneRequested'; from: string; to: string; upgradeType: string; maxUnavailable: number }
  | { kind: 'upgradeControlPlaneReady'; version: string }
  /** UpgradeClusterInstances sent for `nodes` nodes (0: none needed it), in `batches` batches. */
  | { kind: 'upgradeNodesRequested'; nodes: number; batches: number; version: string; upgradeType: string; maxUnavailable: number }
  | { kind: 'upgradeBatchDone'; batch: number; batches: number; instanceIds: readonly string[]; version: string }
  /** The project's `approval.upgrade` rule holds the upgrade: the request, with Approve / Reject. */
  | { kind: 'upgradeApprovalRequested'; clusterId: string; requestedBy: string; from: string; to: string; approvers: Approvers; reason: ApprovalReason }
  | { kind: 'upgradeApproved'; user: string; breakGlass: boolean; requestedBy: string }
  | { kind: 'upgradeRejected'; user: string; requestedBy: string }
  /** The control plane and every node at `version`; `user` started it. */
  | { kind: 'upgraded'; user: string; from: string; version: string; nodes: number; elapsedMs: number }
  /** A day-two operation Tencent refused: it is over, the cluster stays Running. */
  | { kind: 'dayTwoFailed'; user: string; operation: DayTwoKind; failure: TencentFailure }
  | ({ kind: 'forceDeleted'; user: string; name: string; owner: LeftoverOwner } & LeftoverLookup);

/** What a day-two change does, as its approval request tells it. */
export type ChangeSummary = { kind: 'scalePool'; pool: string; before: PoolSizes; after: PoolSizes } | { kind: 'upgrade'; from: string; to: string };

/** A worker pool's size range and desired node count. */
export interface PoolSizes {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

/** One reply of a cluster's thread: its step key (posted once, see ClusterRecord.posted) and what it tells. */
export interface ThreadReply {
  key: string;
  event: ThreadEvent;
}
