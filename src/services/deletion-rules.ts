import { FORCE_CLAIM_STALE_MS, forceDeleteAvailableAt } from '../lifecycle/deletion.js';
import { endedAt, isDeletionStatus, isGone } from '../lifecycle/states.js';
import type { ClusterRecord, ClusterStatus, TencentFailure } from './domain/index.js';

export type { LeftoverLookup, LeftoverOwner } from '../lifecycle/events.js';
export {
  createdWorkerPools,
  DELETION_PROGRESS_EVERY_MS,
  DELETION_STEP_PREFIX,
  DeletionSteps,
  FORCE_CLAIM_STALE_MS,
  forceDeleteAvailableAt,
  leftoverTags,
  TKE_CLUSTER_TAG,
} from '../lifecycle/deletion.js';
export { isDeletionStatus, isGone } from '../lifecycle/states.js';

/**
 * The rules of deletion and force delete, as pure functions over a cluster record: what the
 * typed confirmation must be, when force delete becomes available, the thread's step keys.
 */

export const DEFAULT_FORCE_DELETE_AFTER_MS = 15 * 60_000;

/** The answer to any deletion step about a cluster the store no longer has. */
export const UNKNOWN_CLUSTER = 'This cluster is no longer known to tkeops.';

/**
 * Why a deletion or a force delete did not happen, as data; `src/views/deletion-refusals.ts`
 * writes it for the user.
 */
export type DeletionRefusal =
  | { reason: 'not_found' }
  | { reason: 'already_deleting'; name: string; requestedBy?: string; forceInMs?: number }
  | { reason: 'already_deleted'; name: string }
  | { reason: 'still_creating'; name: string }
  /** Waiting for approval: nothing at Tencent to delete; rejecting the request closes it. */
  | { reason: 'awaiting_approval'; name: string }
  /** Not Deleting (its status), or Deleting without a TKE cluster to force delete (no status). */
  | { reason: 'not_deleting'; name: string; status?: ClusterStatus }
  | { reason: 'too_early'; name: string; thresholdMs: number; waitMs: number }
  | { reason: 'forcing'; name: string; by: string }
  | { reason: 'no_account'; name: string }
  | { reason: 'tencent'; name: string; failure: TencentFailure; forced: boolean };

/** Why a deletion cannot be asked for now, whoever asks. */
export type DeletionBlocked = Extract<DeletionRefusal, { reason: 'already_deleting' | 'already_deleted' | 'still_creating' | 'awaiting_approval' }>;

/**
 * Whether the cluster's state lets a deletion start: not while it is already Deleting (the message
 * then says when force delete becomes available) or gone, nor while CreateCluster has not yet
 * answered (there is no TKE cluster id to delete, and one may be about to exist). Undefined when it
 * may be deleted.
 */
export function deletionBlocked(
  record: Pick<ClusterRecord, 'status' | 'tkeClusterId' | 'deletion' | 'spec'>,
  now: Date,
  thresholdMs: number,
): DeletionBlocked | undefined {
  const name = record.spec.name;
  if (record.status === 'Deleting') {
    const availability = forceDeleteAvailability(record, now, thresholdMs);
    return {
      reason: 'already_deleting',
      name,
      ...(record.deletion ? { requestedBy: record.deletion.requestedBy } : {}),
      ...(availability.kind === 'wait' ? { forceInMs: availability.ms } : {}),
    };
  }
  if (isGone(record.status)) return { reason: 'already_deleted', name };
  if (!record.tkeClusterId && record.status === 'Creating') return { reason: 'still_creating', name };
  if (record.status === 'AwaitingApproval') return { reason: 'awaiting_approval', name };
  return undefined;
}

/**
 * Why the typed confirmation does not match, or undefined when it equals the cluster name exactly.
 * Case and whitespace matter; the message says which one is off.
 */
export function confirmationProblem(typed: string | null | undefined, name: string): string | undefined {
  const text = typed ?? '';
  if (text === name) return undefined;
  if (text.trim() === '') return `Type the cluster name, ${name}, to confirm.`;
  if (text.trim() === name) return `Remove the spaces around the name: type ${name} exactly.`;
  if (text.trim().toLowerCase() === name.toLowerCase()) return `The case does not match: type ${name} exactly.`;
  return `That is not this cluster's name: type ${name} exactly.`;
}

export type ForceDeleteAvailability =
  | { kind: 'available' }
  | { kind: 'wait'; ms: number; availableAt: Date }
  /** Another force delete of this cluster is under way. */
  | { kind: 'forcing'; by: string }
  | { kind: 'not_deleting'; status: ClusterStatus };

export function forceDeleteAvailability(
  record: Pick<ClusterRecord, 'status' | 'deletion'>,
  now: Date,
  thresholdMs: number,
): ForceDeleteAvailability {
  const availableAt = forceDeleteAvailableAt(record, thresholdMs);
  if (record.status !== 'Deleting' || !record.deletion || !availableAt) return { kind: 'not_deleting', status: record.status };
  const ms = availableAt.getTime() - now.getTime();
  if (ms > 0) return { kind: 'wait', ms, availableAt };
  const { forcedAt, forcedBy } = record.deletion;
  if (forcedAt && forcedBy && now.getTime() - Date.parse(forcedAt) < FORCE_CLAIM_STALE_MS) return { kind: 'forcing', by: forcedBy };
  return { kind: 'available' };
}

/** Why force delete cannot happen now, whoever asks. */
export type ForceDeleteBlocked = Extract<DeletionRefusal, { reason: 'not_deleting' | 'too_early' | 'forcing' | 'already_deleted' }>;

/**
 * Whether the cluster's state lets a force delete start: only for a deletion requested at least
 * the threshold ago (too early: how long is left), not claimed by another force delete, with a TKE
 * cluster to delete. Undefined when it may be force deleted.
 */
export function forceDeleteBlocked(
  record: Pick<ClusterRecord, 'status' | 'tkeClusterId' | 'deletion' | 'spec'>,
  now: Date,
  thresholdMs: number,
): ForceDeleteBlocked | undefined {
  const name = record.spec.name;
  const availability = forceDeleteAvailability(record, now, thresholdMs);
  switch (availability.kind) {
    case 'available':
      return record.tkeClusterId ? undefined : { reason: 'not_deleting', name };
    case 'wait':
      return { reason: 'too_early', name, thresholdMs, waitMs: availability.ms };
    case 'forcing':
      return { reason: 'forcing', name, by: availability.by };
    case 'not_deleting':
      return isGone(availability.status) ? { reason: 'already_deleted', name } : { reason: 'not_deleting', name, status: availability.status };
  }
}

/** What the root message and the overview say about a deletion. */
export interface DeletionSummary {
  requestedBy: string;
  /** When the deletion was approved (ISO time). */
  requestedAt: string;
  /** Since the request; for a finished deletion, how long it took. */
  elapsedMs: number;
  forcedBy?: string;
}

export function deletionSummary(record: ClusterRecord, now: Date): DeletionSummary | undefined {
  const deletion = record.deletion;
  if (!deletion || !isDeletionStatus(record.status)) return undefined;
  const end = endedAt(record);
  return {
    requestedBy: deletion.requestedBy,
    requestedAt: deletion.requestedAt,
    elapsedMs: (end ? Date.parse(end) : now.getTime()) - Date.parse(deletion.requestedAt),
    ...(record.status === 'DeletedForced' && deletion.forcedBy ? { forcedBy: deletion.forcedBy } : {}),
  };
}

/** Tencent answers one of these when the cluster is already gone; for a delete that is success. */
export const isClusterNotFound = (code: string): boolean => code.endsWith('ClusterNotFound');
