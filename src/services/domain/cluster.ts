import type { CostEstimate } from './cost.js';
import type { ExpiryChoice } from './expiry.js';
import type { DayTwoChange, KubernetesVersions } from './day-two.js';

/**
 * The cluster as tkeops' services see it. The store's persisted shape (store-schema.ts) is mapped to
 * and from it by the ClusterRepository only; today the two are the same, and the repository's
 * mapping checks that at compile time.
 */

export interface Tag {
  key: string;
  value: string;
}

export const ENDPOINT_ACCESS_CHOICES = ['public', 'private', 'private-public'] as const;
export type EndpointAccessChoice = (typeof ENDPOINT_ACCESS_CHOICES)[number];

export interface WorkerPoolSpec {
  name: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  instanceType: string;
  zones: string[];
  diskGb: number;
}

/** Everything the wizard collects; what Deploy turns into TKE calls. */
export interface ClusterSpec {
  name: string;
  description: string;
  tags: Tag[];
  accountId: string;
  profile: string;
  packOverrides: Record<string, string>;
  region: string;
  keyPairId: string;
  vpcId: string;
  subnetId: string;
  endpointAccess: EndpointAccessChoice;
  publicCidrs: string[];
  parallelPoolUpdates: boolean;
  workerPools: WorkerPoolSpec[];
  /** "Delete automatically after" (absent: never); Deploy turns it into the cluster's `expiresAt`. */
  expiry?: ExpiryChoice | undefined;
}

export const CLUSTER_STATUSES = [
  'AwaitingApproval', // Deploy pressed; an approval rule applies: nothing sent to Tencent yet
  'Creating', // CreateCluster sent or about to be
  'Provisioning', // control plane, endpoint, worker pools, add-ons coming up
  'Running',
  'Failed',
  'Deleting',
  'Deleted',
  'DeletedForced',
  'Rejected', // the approval request was rejected or expired (approval.decision says which): never created
] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

/** Tencent's error (or tkeops' own code for one it inferred), as the thread and overview show it. */
export interface TencentFailure {
  code: string;
  message: string;
  requestId?: string | undefined;
  action?: string | undefined;
}

export interface PoolProgress {
  name: string;
  /** Set just before CreateClusterNodePool, so a restart can look the pool up instead of creating it twice. */
  requestedAt?: string | undefined;
  nodePoolId?: string | undefined;
  readyAt?: string | undefined;
  /** Nodes Tencent reported Normal when the pool became ready. */
  readyNodes?: number | undefined;
}

/** One add-on pack, installed as a Helm release named after it. */
export interface PlannedAddon {
  name: string;
  chart: string;
  version: string;
  /** The Helm repository (https). */
  repository: string;
  namespace: string;
  /** The chart package URL Tencent downloads. */
  package: string;
  values: string;
}

/** A container runtime as TKE takes it (ContainerRuntime, RuntimeVersion). */
export interface RuntimeChoice {
  containerRuntime: 'containerd' | 'docker';
  /** Omitted: the version TKE picks for that runtime. */
  runtimeVersion?: string | undefined;
}

/** What Deploy resolved from the cluster profile and the overrides; later steps use it, not the profile files. */
export interface DeployPlan {
  os: string;
  kubernetesVersion: string;
  /** The profile's container runtime; absent in plans made before tkeops sent it. */
  runtime?: RuntimeChoice | undefined;
  /** The profile asks for deletion protection: turned on once the cluster is Running. */
  deletionProtection?: boolean | undefined;
  addons: PlannedAddon[];
}

/** When each provisioning step was requested and done; a restart goes on from there. */
export interface ClusterProgress {
  controlPlaneRunningAt?: string | undefined;
  /** Endpoints come one after the other: private, public, then the public one's CIDRs. */
  privateEndpointRequestedAt?: string | undefined;
  privateEndpointReadyAt?: string | undefined;
  publicEndpointRequestedAt?: string | undefined;
  publicEndpointReadyAt?: string | undefined;
  publicEndpointRestrictedAt?: string | undefined;
  /** Every endpoint Created and the public one restricted: the "Endpoint ready" step. */
  endpointReadyAt?: string | undefined;
  pools: PoolProgress[];
  addonsRequestedAt?: string | undefined;
  /** One entry per add-on pack CreateClusterRelease was sent for (or whose release already existed). */
  addons: { name: string; requestedAt: string }[];
  addonsReadyAt?: string | undefined;
  readyAt?: string | undefined;
  /** Done times of lifecycle steps that have no field above, keyed by step key (see src/lifecycle: a step's default record). */
  steps?: Record<string, string> | undefined;
}

export interface ClusterDeletion {
  requestedBy: string;
  requestedAt: string;
  forcedBy?: string | undefined;
  forcedAt?: string | undefined;
  deletedAt?: string | undefined;
  /** What Tencent still had when the cluster was force deleted, or why tkeops could not list it. */
  forceFound?: ForceFound | undefined;
}

/** What a force delete kept of its leftover lookup: each resource's id, name and state (not its tags). */
export type ForceFound =
  | {
      leftovers: {
        instances: { instanceId: string; name: string; state: string }[];
        disks: { diskId: string; name: string; state: string }[];
        loadBalancers: { loadBalancerId: string; name: string }[];
      };
    }
  | { lookupFailure: TencentFailure };

export interface ThreadRef {
  channel: string;
  ts: string;
}

/** Where a cluster's API server answers, as DescribeClusterEndpoints said (not a secret). */
export interface ApiServerAddresses {
  external?: string | undefined;
  intranet?: string | undefined;
  domain?: string | undefined;
}

export interface Cluster {
  id: string;
  /** The wizard draft this cluster came from: the exactly-once key for Deploy. */
  draftId: string;
  spec: ClusterSpec;
  /** The channel's project when it was created (undefined: a channel of no project). */
  project?: string | undefined;
  channel: string;
  requestedBy: string;
  createdAt: string;
  status: ClusterStatus;
  tkeClusterId?: string | undefined;
  /** Root message of the provisioning thread. */
  thread?: ThreadRef | undefined;
  /** The root message was sent but Slack's answer never came: tkeops never posts another. */
  threadLostAt?: string | undefined;
  progress: ClusterProgress;
  /** Thread steps already posted (claimed), so a restart never posts one twice. */
  posted: string[];
  /** Consecutive ticks with a transient Tencent error. */
  transientErrors: number;
  failure?: TencentFailure | undefined;
  /** When the cluster failed: the end of its elapsed time, as the root message and the overview show it. */
  failedAt?: string | undefined;
  plan?: DeployPlan | undefined;
  deletion?: ClusterDeletion | undefined;
  /** The price estimate the wizard showed at Deploy (the root message shows it). */
  estimate?: CostEstimate | undefined;
  /** When the watcher deletes the cluster (ISO time; absent: never). Stored, so a restart keeps the schedule. */
  expiresAt?: string | undefined;
  /** Who set (or last extended) the expiry, and when: reminders count from then. */
  expirySetBy?: string | undefined;
  expirySetAt?: string | undefined;
  /** The project's approval rule applied at Deploy: the request and its decision. */
  approval?: ClusterApproval | undefined;
  /** The API server's addresses (DescribeClusterEndpoints) once the cluster was ready. */
  apiServer?: ApiServerAddresses | undefined;
  /** Deletion protection as tkeops last set it at Tencent; absent: never set (off). */
  deletionProtection?: { on: boolean; by: string; at: string } | undefined;
  /** The day-two operation under way (scale a pool, ...), until the watcher finished it. */
  change?: DayTwoChange | undefined;
  /** Kubernetes versions as an upgrade left them (absent: never upgraded, everything at the plan's version). */
  kubernetes?: KubernetesVersions | undefined;
}

/** Deleted, Deleted (forced) or Rejected: the cluster is over (or never was), its name free again, its record kept. */
export const isGone = (status: ClusterStatus): boolean => status === 'Deleted' || status === 'DeletedForced' || status === 'Rejected';

/** Who may approve a request: the project's admins and tenant admins, or a Slack user group's members. */
export type Approvers = { kind: 'admins' } | { kind: 'userGroup'; userGroup: string };

/** Why a create asked for approval: the project's rule says always, or the monthly price is above its threshold (or unknown). */
export type ApprovalReason =
  | { kind: 'always' }
  | { kind: 'costAbove'; threshold: number; monthly: number; currency: string }
  | { kind: 'priceUnavailable'; threshold: number };

export type ApprovalDecision =
  | { kind: 'approved'; by: string; at: string; breakGlass: boolean }
  | { kind: 'rejected'; by: string; at: string; reason: string }
  | { kind: 'expired'; at: string };

/** A create waiting for (or decided by) a second person (see src/services/approval.ts). */
export interface ClusterApproval {
  approvers: Approvers;
  reason: ApprovalReason;
  /** When Deploy was pressed; `createdAt` becomes the approval time once approved (provisioning starts then). */
  requestedAt: string;
  /** When the watcher closes it unanswered (APPROVAL_TIMEOUT_HOURS after the request). */
  expiresAt: string;
  decision?: ApprovalDecision | undefined;
}
