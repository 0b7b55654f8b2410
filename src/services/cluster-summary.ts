import { defaultLifecycle } from '../lifecycle/index.js';
import { percentDone, stepList, type Lifecycle, type StepLine } from '../lifecycle/operation.js';
import { endedAt } from '../lifecycle/states.js';
import { includesPublic } from './domain/rules.js';
import { createdWorkerPools, deletionSummary, type DeletionSummary } from './deletion-rules.js';
import type { ClusterApproval, ClusterRecord, ClusterStatus, CostEstimate, EndpointAccessChoice, ForceFound, KubernetesVersions, TencentFailure, WorkerPoolSpec } from './domain/index.js';

/**
 * Turns a cluster record into what the cluster views show; pure, `now`, the account name and the
 * lifecycle (whose provisioning steps make the step list and the percentage) come in.
 */

/** What every cluster message starts from: who, what, where. */
export interface ClusterHeader {
  id: string;
  name: string;
  status: ClusterStatus;
  profile: string;
  region: string;
  accountName: string;
  requestedBy: string;
}

export interface ClusterRootInput extends ClusterHeader {
  percent: number;
  /** Time since Deploy, stopped where the cluster ended (Running: the total provisioning time; Failed, Deleted: when it did). */
  elapsedMs: number;
  /** When Deploy was asked (ISO time). */
  startedAt: string;
  failure?: TencentFailure;
  /** Set once a deletion was approved: the root then tells the deletion instead of the provisioning progress. */
  deletion?: DeletionSummary;
  /** What a force delete found still present at Tencent (the thread reply and the overview list it). */
  forceFound?: ForceFound;
  /** The price estimate the review showed at Deploy. */
  estimate?: CostEstimate;
  /** When the watcher deletes it (expiry), while it is not being deleted. */
  expiresAt?: string;
  /** The approval request (AwaitingApproval: the root message is the request, with its buttons) and its decision. */
  approval?: ClusterApproval;
}

export interface PoolOverview extends WorkerPoolSpec {
  /** Nodes Tencent reported ready, once the pool is up. */
  readyNodes?: number;
  ready: boolean;
  /** Tencent created the pool (it answered with a node pool id): a deletion removes it. */
  created: boolean;
}

export interface ClusterOverviewData extends ClusterHeader {
  tkeClusterId?: string;
  createdAt: string;
  steps: StepLine[];
  percent: number;
  /** Time since Deploy, stopped when the cluster ended (see endedAt). */
  elapsedMs: number;
  pools: PoolOverview[];
  /**
   * `cidrs`: what the public endpoint is restricted to; `public`: whether there is a public endpoint;
   * `created`: an endpoint was asked of Tencent, so a deletion removes it.
   */
  endpoint: { access: EndpointAccessChoice; public: boolean; cidrs: string[]; ready: boolean; created: boolean };
  /** When the watcher deletes it (expiry), while it is not being deleted. */
  expiresAt?: string;
  /** The provisioning thread's root message, once it exists. */
  thread?: { channel: string; ts: string };
  failure?: TencentFailure;
  /** Set once a deletion was approved: the overview then tells the deletion instead of the provisioning progress. */
  deletionSummary?: DeletionSummary;
  /** What a force delete found still present at Tencent. */
  forceFound?: ForceFound;
  /** The price of its pools: asked of Tencent when the overview was opened (`now`), or the one of Deploy. */
  estimate?: { estimate: CostEstimate; asOf: 'now' | 'deploy' };
  /** The approval request, while the cluster awaits it (the overview says who may approve, and has no Delete). */
  approval?: ClusterApproval;
  /** Kubernetes versions as the last upgrade left them (control plane, each node); absent before any upgrade. */
  kubernetes?: KubernetesVersions;
}

export interface ClusterListItem {
  name: string;
  status: ClusterStatus;
  region: string;
  profile: string;
  percent: number;
  thread?: { channel: string; ts: string };
}

/** Time since Deploy, stopped where the cluster ended (see endedAt): once Running, the total provisioning time. */
export function elapsedMs(record: ClusterRecord, now: Date): number {
  const end = endedAt(record);
  return (end ? Date.parse(end) : now.getTime()) - Date.parse(record.createdAt);
}

export function clusterHeader(record: ClusterRecord, accountName: string): ClusterHeader {
  return {
    id: record.id,
    name: record.spec.name,
    status: record.status,
    profile: record.spec.profile,
    region: record.spec.region,
    accountName,
    requestedBy: record.requestedBy,
  };
}

export function rootInput(record: ClusterRecord, now: Date, accountName: string, lifecycle: Lifecycle = defaultLifecycle): ClusterRootInput {
  const deletion = deletionSummary(record, now);
  const steps = stepList(lifecycle, record);
  return {
    ...clusterHeader(record, accountName),
    percent: percentDone(steps),
    elapsedMs: elapsedMs(record, now),
    startedAt: record.createdAt,
    ...(record.failure ? { failure: record.failure } : {}),
    ...(deletion ? { deletion } : {}),
    ...(record.deletion?.forceFound ? { forceFound: record.deletion.forceFound } : {}),
    ...(record.estimate ? { estimate: record.estimate } : {}),
    ...(record.expiresAt && !deletion ? { expiresAt: record.expiresAt } : {}),
    ...(record.approval ? { approval: record.approval } : {}),
  };
}

/** Whether any endpoint was asked of Tencent (the private one comes first; the public one alone for Public access). */
const endpointRequested = (progress: ClusterRecord['progress']): boolean =>
  Boolean(progress.privateEndpointRequestedAt ?? progress.publicEndpointRequestedAt ?? progress.endpointReadyAt);

export function overviewInput(record: ClusterRecord, now: Date, accountName: string, lifecycle: Lifecycle = defaultLifecycle): ClusterOverviewData {
  const steps = stepList(lifecycle, record);
  const deletion = deletionSummary(record, now);
  const created = new Set(createdWorkerPools(record).map((pool) => pool.name));
  return {
    ...clusterHeader(record, accountName),
    ...(record.tkeClusterId ? { tkeClusterId: record.tkeClusterId } : {}),
    createdAt: record.createdAt,
    steps,
    percent: percentDone(steps),
    elapsedMs: elapsedMs(record, now),
    pools: record.spec.workerPools.map((pool) => {
      const progress = record.progress.pools.find((p) => p.name === pool.name);
      return {
        ...pool,
        ready: progress?.readyAt !== undefined,
        created: created.has(pool.name),
        ...(progress?.readyNodes !== undefined ? { readyNodes: progress.readyNodes } : {}),
      };
    }),
    endpoint: {
      access: record.spec.endpointAccess,
      public: includesPublic(record.spec.endpointAccess),
      cidrs: record.spec.publicCidrs,
      ready: record.progress.endpointReadyAt !== undefined,
      created: endpointRequested(record.progress),
    },
    ...(record.expiresAt && !deletion ? { expiresAt: record.expiresAt } : {}),
    ...(record.thread ? { thread: record.thread } : {}),
    ...(record.failure ? { failure: record.failure } : {}),
    ...(deletion ? { deletionSummary: deletion } : {}),
    ...(record.deletion?.forceFound ? { forceFound: record.deletion.forceFound } : {}),
    ...(record.estimate ? { estimate: { estimate: record.estimate, asOf: 'deploy' as const } } : {}),
    ...(record.approval && record.status === 'AwaitingApproval' ? { approval: record.approval } : {}),
    ...(record.kubernetes && !deletion ? { kubernetes: record.kubernetes } : {}),
  };
}

export function listItem(record: ClusterRecord, lifecycle: Lifecycle = defaultLifecycle): ClusterListItem {
  return {
    name: record.spec.name,
    status: record.status,
    region: record.spec.region,
    profile: record.spec.profile,
    percent: percentDone(stepList(lifecycle, record)),
    ...(record.thread ? { thread: record.thread } : {}),
  };
}
