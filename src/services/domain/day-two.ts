import type { WorkerPoolSpec } from './cluster.js';

/**
 * A day-two operation on a Running cluster: at most one at a time, kept on the cluster record
 * (`change`) until the watcher has run its step table (src/lifecycle/day-two.ts) to the end.
 */

import type { ApprovalReason, Approvers } from './cluster.js';

export const DAY_TWO_KINDS = ['scalePool', 'removePool', 'addPool', 'upgrade'] as const;
export type DayTwoKind = (typeof DAY_TWO_KINDS)[number];

/** Scale one worker pool: its new range and desired count, and what it had before. */
export interface ScalePoolParams {
  pool: string;
  nodePoolId: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  before: { minSize: number; desiredSize: number; maxSize: number };
}

/** Remove one worker pool (never the last). */
export interface RemovePoolParams {
  pool: string;
  nodePoolId: string;
}

/** Add one worker pool (CreateClusterNodePool, built as Deploy builds it): the pool, and Tencent's id for it once known. */
export interface AddPoolParams {
  pool: WorkerPoolSpec;
  nodePoolId?: string | undefined;
}

/**
 * How worker nodes are upgraded (UpgradeClusterInstances UpgradeType): `major` in place, rolling;
 * `reset` reinstalls each node's system disk. TKE's third type, `hot`, upgrades patch versions only,
 * and an upgrade here is always a minor version, so it is not offered.
 */
export const UPGRADE_TYPES = ['major', 'reset'] as const;
export type UpgradeType = (typeof UPGRADE_TYPES)[number];
/** UpgradeClusterInstances Concurrent: 1..15 nodes at a time. */
export const MAX_UNAVAILABLE_LIMIT = 15;

/** A node and its Kubernetes version, as Tencent reported it. */
export interface NodeVersion {
  instanceId: string;
  version: string;
}

/** Upgrade Kubernetes: the control plane to `to`, then the worker nodes in batches of `maxUnavailable`. */
export interface UpgradeParams {
  from: string;
  to: string;
  upgradeType: UpgradeType;
  /** Nodes upgraded (so unavailable) at a time: UpgradeClusterInstances Concurrent. */
  maxUnavailable: number;
  /** The nodes CheckInstancesUpgradeAble listed once the control plane was at `to` (recorded once). */
  nodes?: NodeVersion[] | undefined;
}

/** A Tencent call of an operation: written before it is sent and after Tencent answered, so a restart never sends it twice. */
export interface DayTwoCall {
  sentAt: string;
  answeredAt?: string | undefined;
}

interface DayTwoBase {
  /** Unique per operation: its thread replies are keyed by it. */
  id: string;
  startedBy: string;
  startedAt: string;
  /** Done times of its steps, by step key. */
  steps: Record<string, string>;
  /** Its Tencent calls, by action name. */
  calls: Record<string, DayTwoCall>;
  /** The project's approval rule applied (src/services/change-approval.ts): the watcher runs it only once approved. */
  approval?: ChangeApproval | undefined;
}

/** A day-two change (a pool growth, an upgrade) waiting for (or approved by) a second person; a rejected or expired one is removed. */
export interface ChangeApproval {
  approvers: Approvers;
  reason: ApprovalReason;
  /** The estimated price per 30 days before and after the change (undefined: Tencent gave no full price). */
  /** A pool growth's estimated price per 30 days before and after it (undefined: Tencent gave no full price). */
  cost?: { before?: number | undefined; after?: number | undefined; currency: string } | undefined;
  requestedAt: string;
  /** When the watcher closes it unanswered (APPROVAL_TIMEOUT_HOURS after the request). */
  expiresAt?: string | undefined;
  approved?: { by: string; at: string; breakGlass: boolean } | undefined;
}

/** Whether the change still waits for its approval (the watcher does not run it). */
export const awaitsApproval = (change: { approval?: ChangeApproval | undefined }): boolean => change.approval !== undefined && change.approval.approved === undefined;

export type DayTwoChange = DayTwoBase &
  ({ kind: 'scalePool'; params: ScalePoolParams } | { kind: 'removePool'; params: RemovePoolParams } | { kind: 'addPool'; params: AddPoolParams } | { kind: 'upgrade'; params: UpgradeParams });

/** The cluster's Kubernetes versions as the last upgrade found them: the control plane's and each node's. */
export interface KubernetesVersions {
  controlPlane: string;
  nodes: NodeVersion[];
}

/** Why a day-two operation cannot start now, as data (views tell it). */
export type DayTwoRefusal =
  /** Another operation runs on the cluster. */
  | { kind: 'changeInProgress'; running: DayTwoKind; startedBy: string; startedAt: string; ageMs: number; awaitingApproval?: { pool: string } | undefined }
  /** Only a Running cluster takes day-two operations. */
  | { kind: 'notRunning'; status: string }
  | { kind: 'noSuchPool'; pool: string; pools: readonly string[] }
  /** A cluster keeps at least one worker pool. */
  | { kind: 'lastPool'; pool: string }
  /** A pool of that name is there already (added meanwhile). */
  | { kind: 'poolExists'; pool: string }
  /** Tencent offers no newer Kubernetes version for the cluster (DescribeAvailableClusterVersion). */
  | { kind: 'noUpgrade'; version: string }
  /** The version picked is not one Tencent offers now. */
  | { kind: 'versionNotOffered'; version: string; offered: readonly string[] };

const minorOf = (version: string | undefined): number => Number(/^v?1\.(\d+)/.exec(version ?? '')?.[1] ?? 'NaN');

/** Whether two Kubernetes versions are the same minor (1.32.2 and 1.32.0 are; TKE upgrades minor to minor). */
export const sameMinorVersion = (a: string | undefined, b: string | undefined): boolean => minorOf(a) === minorOf(b) && !Number.isNaN(minorOf(a));
