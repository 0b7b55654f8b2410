import type { WorkerPoolSpec } from './cluster.js';

/**
 * A day-two operation on a Running cluster: at most one at a time, kept on the cluster record
 * (`change`) until the watcher has run its step table (src/lifecycle/day-two.ts) to the end.
 */

export const DAY_TWO_KINDS = ['scalePool', 'removePool', 'addPool'] as const;
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
}

export type DayTwoChange = DayTwoBase &
  ({ kind: 'scalePool'; params: ScalePoolParams } | { kind: 'removePool'; params: RemovePoolParams } | { kind: 'addPool'; params: AddPoolParams });

/** Why a day-two operation cannot start now, as data (views tell it). */
export type DayTwoRefusal =
  /** Another operation runs on the cluster. */
  | { kind: 'changeInProgress'; running: DayTwoKind; startedBy: string; startedAt: string; ageMs: number }
  /** Only a Running cluster takes day-two operations. */
  | { kind: 'notRunning'; status: string }
  | { kind: 'noSuchPool'; pool: string; pools: readonly string[] }
  /** A cluster keeps at least one worker pool. */
  | { kind: 'lastPool'; pool: string }
  /** A pool of that name is there already (added meanwhile). */
  | { kind: 'poolExists'; pool: string };
