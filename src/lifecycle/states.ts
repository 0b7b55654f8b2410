import { isGone, type ClusterRecord, type ClusterStatus } from '../services/domain/index.js';

/**
 * The cluster's states and the moves between them: the only place a status changes is
 * `transition()`, which refuses a move this table does not list.
 *
 * - Creating → Provisioning once Tencent gave a cluster id (Deploy's answer, or adopted by tag).
 * - Provisioning → Running once every step of the provisioning operation is done.
 * - Creating / Provisioning → Failed when Tencent fails it (or never answered CreateCluster).
 * - Failed → Provisioning when someone retries the failed step (only a step the provisioning table
 *   marks retryable, see retryableStep in operation.ts).
 * - Any live state → Deleting when a deletion is approved (→ Deleted at once if Tencent never had it).
 * - Deleting → back to the state it had, when Tencent refuses the DeleteCluster.
 * - Deleting → Deleted (Tencent no longer has it) or DeletedForced (force delete).
 * - AwaitingApproval (an approval rule applied at Deploy) → Creating once approved, → Rejected when
 *   rejected or unanswered for APPROVAL_TIMEOUT_HOURS (the record's approval.decision says which).
 */
export const TRANSITIONS = {
  AwaitingApproval: ['Creating', 'Rejected'],
  Creating: ['Provisioning', 'Failed', 'Deleting', 'Deleted'],
  Provisioning: ['Running', 'Failed', 'Deleting'],
  Running: ['Deleting'],
  Failed: ['Deleting', 'Deleted', 'Provisioning'],
  Deleting: ['Deleted', 'DeletedForced', 'Creating', 'Provisioning', 'Running', 'Failed'],
  Deleted: [],
  DeletedForced: [],
  Rejected: [],
} as const satisfies Record<ClusterStatus, readonly ClusterStatus[]>;

export const STATES = Object.keys(TRANSITIONS) as ClusterStatus[];

/** A move the lifecycle table does not allow. */
export class TransitionRefused extends Error {
  constructor(
    readonly from: ClusterStatus,
    readonly to: ClusterStatus,
  ) {
    super(`a cluster cannot go from ${from} to ${to}`);
    this.name = 'TransitionRefused';
  }
}

export const canTransition = (from: ClusterStatus, to: ClusterStatus): boolean =>
  from === to || (TRANSITIONS[from] as readonly ClusterStatus[]).includes(to);

/**
 * Moves the record to `to` at `at` (ISO time; staying put is allowed); throws TransitionRefused for
 * a move the table does not list. A move to Failed records when it failed (`failedAt`, where the
 * elapsed time stops); a failed cluster put back after Tencent refused its deletion keeps the time
 * it first failed.
 */
export function transition(record: Pick<ClusterRecord, 'status' | 'failedAt'>, to: ClusterStatus, at: string): void {
  if (!canTransition(record.status, to)) throw new TransitionRefused(record.status, to);
  if (to === 'Failed' && (record.status === 'Creating' || record.status === 'Provisioning')) record.failedAt = at;
  record.status = to;
}

/**
 * When the cluster's provisioning or deletion ended (ISO time): ready, failed, deleted or force
 * deleted. The root message, the overview and the deletion summary all stop their clocks here;
 * undefined while something is under way (or for a record written before the time was kept).
 */
export function endedAt(record: Pick<ClusterRecord, 'status' | 'progress' | 'failedAt' | 'deletion'> & Partial<Pick<ClusterRecord, 'approval'>>): string | undefined {
  switch (record.status) {
    case 'Running':
      return record.progress.readyAt;
    case 'Failed':
      return record.failedAt;
    case 'Deleted':
      return record.deletion?.deletedAt;
    case 'DeletedForced':
      return record.deletion?.forcedAt;
    case 'Rejected':
      return record.approval?.decision?.at;
    default:
      return undefined;
  }
}

/** No longer at Tencent (Deleted, Deleted (forced)): out of /tke list, never watched again. */
export { isGone };
/** Statuses whose root message and overview tell the deletion rather than the provisioning. */
export const isDeletionStatus = (status: ClusterStatus): boolean => status === 'Deleting' || isGone(status);
