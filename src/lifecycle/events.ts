import type { DayTwoKind, EndpointAccessChoice, TencentFailure, WorkerPoolSpec } from '../services/domain/index.js';
import type { LeftoverResources } from '../services/tke.js';
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
  | { kind: 'clusterReady'; name: string; totalMs: number }
  /** A step without a reply of its own (a table row added without a view): its label, done. */
  | { kind: 'stepDone'; label: string }
  | { kind: 'provisioningFailed'; failure: TencentFailure }
  | { kind: 'transientErrors'; failure: TencentFailure; ticks: number }
  /** `createdPools`: the worker pools Tencent created (what the deletion terminates). */
  | { kind: 'deletionRequested'; user: string; name: string; tkeClusterId?: string; createdPools: readonly WorkerPoolSpec[] }
  | { kind: 'deletionProgress'; elapsedMs: number; forceInMs: number; leftovers?: LeftoverResources }
  | { kind: 'deleted'; name: string; tkeClusterId: string; elapsedMs: number }
  | { kind: 'forceDeleteOffered'; clusterId: string; name: string; stuckMs: number; onCall: OnCall; tencentStatus?: string }
  /** A day-two pool scale was sent to Tencent (range and/or desired count). */
  | { kind: 'poolScaleRequested'; pool: string; before: PoolSizes; after: PoolSizes }
  /** Tencent reports the pool at its new size; `user` started it. */
  | { kind: 'poolScaled'; user: string; pool: string; readyNodes: number; minSize: number; maxSize: number; elapsedMs: number }
  | { kind: 'poolRemoveRequested'; pool: string }
  | { kind: 'poolRemoved'; user: string; pool: string; elapsedMs: number }
  /** A day-two operation Tencent refused: it is over, the cluster stays Running. */
  | { kind: 'dayTwoFailed'; user: string; operation: DayTwoKind; failure: TencentFailure }
  | ({ kind: 'forceDeleted'; user: string; name: string; owner: LeftoverOwner } & LeftoverLookup);

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
