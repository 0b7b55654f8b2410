/**
 * A day-two operation on a Running cluster: at most one at a time, kept on the cluster record
 * (`change`) until the watcher has run its step table (src/lifecycle/day-two.ts) to the end.
 */

import type { ApprovalReason, Approvers } from './cluster.js';

export const DAY_TWO_KINDS = ['scalePool', 'removePool'] as const;
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

/** A day-two change waiting for (or approved by) a second person; a rejected or expired one is removed. */
export interface ChangeApproval {
  approvers: Approvers;
  reason: ApprovalReason;
  /** The estimated price per 30 days before and after the change (undefined: Tencent gave no full price). */
  cost: { before?: number | undefined; after?: number | undefined; currency: string };
  requestedAt: string;
  /** When the watcher closes it unanswered (APPROVAL_TIMEOUT_HOURS after the request). */
  expiresAt: string;
  approved?: { by: string; at: string; breakGlass: boolean } | undefined;
}

/** Whether the change still waits for its approval (the watcher does not run it). */
export const awaitsApproval = (change: { approval?: ChangeApproval | undefined }): boolean => change.approval !== undefined && change.approval.approved === undefined;

export type DayTwoChange = DayTwoBase & ({ kind: 'scalePool'; params: ScalePoolParams } | { kind: 'removePool'; params: RemovePoolParams });

/** Why a day-two operation cannot start now, as data (views tell it). */
export type DayTwoRefusal =
  /** Another operation runs on the cluster. */
  | { kind: 'changeInProgress'; running: DayTwoKind; startedBy: string; startedAt: string; ageMs: number; awaitingApproval?: { pool: string } | undefined }
  /** Only a Running cluster takes day-two operations. */
  | { kind: 'notRunning'; status: string }
  | { kind: 'noSuchPool'; pool: string; pools: readonly string[] }
  /** A cluster keeps at least one worker pool. */
  | { kind: 'lastPool'; pool: string };
