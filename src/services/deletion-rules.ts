import { formatDuration, timeLeft } from '../views/cluster-format.js';
import type { ClusterRecord, ClusterStatus, TencentFailure, WorkerPoolSpec } from './domain/index.js';
import { TKEOPS_TAG_KEY } from './cluster-spec.js';
import { endedAt } from './cluster-steps.js';
import type { LeftoverResources } from './tke.js';

/**
 * The rules of deletion and force delete, as pure functions over a cluster record: what the
 * typed confirmation must be, when force delete becomes available, the thread's step keys.
 */

/** TKE tags the resources it creates for a cluster (its load balancers among them) with this key and the cluster id. */
export const TKE_CLUSTER_TAG = 'tke-clusterId';

/** The cluster a leftover lookup is about: the tkeops record id and Tencent's cluster id. */
export interface LeftoverOwner {
  id: string;
  tkeClusterId: string;
}

/**
 * The tags that find a cluster's cloud resources: TKE's own, and the one tkeops puts on the
 * cluster and on its worker pools' instances (which is what finds a CVM TKE did not tag).
 */
export const leftoverTags = (owner: LeftoverOwner): { tagKey: string; tagValue: string }[] => [
  { tagKey: TKE_CLUSTER_TAG, tagValue: owner.tkeClusterId },
  { tagKey: TKEOPS_TAG_KEY, tagValue: owner.id },
];

export const DEFAULT_FORCE_DELETE_AFTER_MS = 15 * 60_000;

/** The answer to any deletion step about a cluster the store no longer has. */
export const UNKNOWN_CLUSTER = 'This cluster is no longer known to tkeops.';

/** What the lookup of a cluster's leftover resources gave: the resources, or why it failed. */
export type LeftoverLookup =
  | { leftovers: LeftoverResources; lookupFailure?: never }
  | { lookupFailure: TencentFailure; leftovers?: never };

/**
 * While Tencent keeps reporting Deleting, the thread gets one progress reply per milestone (every
 * 5 minutes since the request, with what is left), until force delete becomes available. A
 * normal deletion (a minute or two) therefore gets none; a stuck one gets a few, never one a tick.
 */
export const DELETION_PROGRESS_EVERY_MS = 5 * 60_000;

/** A force delete claimed this long ago that never finished (the bot died mid-way) may be claimed again. */
export const FORCE_CLAIM_STALE_MS = 5 * 60_000;

const GONE: readonly ClusterStatus[] = ['Deleted', 'DeletedForced'];
export const isGone = (status: ClusterStatus): boolean => GONE.includes(status);
/** Statuses whose root message and overview tell the deletion rather than the provisioning. */
export const isDeletionStatus = (status: ClusterStatus): boolean => status === 'Deleting' || isGone(status);

/** Step keys of deletion replies in the provisioning thread; a new deletion request clears them. */
export const DELETION_STEP_PREFIX = 'delete:';
export const DeletionSteps = {
  requested: `${DELETION_STEP_PREFIX}requested`,
  /** The n-th progress milestone (n × DELETION_PROGRESS_EVERY_MS after the request). */
  progress: (n: number) => `${DELETION_STEP_PREFIX}progress:${n}`,
  forceOffer: `${DELETION_STEP_PREFIX}force-offer`,
  deleted: `${DELETION_STEP_PREFIX}deleted`,
  forced: `${DELETION_STEP_PREFIX}forced`,
} as const;

/** Why a deletion cannot be asked for now, whoever asks. */
export interface DeletionBlocked {
  reason: 'already_deleting' | 'already_deleted' | 'still_creating';
  message: string;
}

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
    const force = availability.kind === 'wait' ? ` Force delete becomes available in ${timeLeft(availability.ms)} if it gets stuck.` : '';
    return {
      reason: 'already_deleting',
      message: `${name} is already being deleted (approved by <@${record.deletion?.requestedBy ?? 'someone'}>).${force}`,
    };
  }
  if (isGone(record.status)) return { reason: 'already_deleted', message: `${name} has already been deleted.` };
  if (!record.tkeClusterId && record.status === 'Creating') {
    return { reason: 'still_creating', message: `${name} is still being created at Tencent; try again in a minute.` };
  }
  return undefined;
}

/** The worker pools Tencent created for the cluster (it answered with a node pool id): what a deletion terminates. */
export function createdWorkerPools(record: Pick<ClusterRecord, 'spec' | 'progress'>): WorkerPoolSpec[] {
  const created = new Set(record.progress.pools.flatMap((pool) => (pool.nodePoolId ? [pool.name] : [])));
  return record.spec.workerPools.filter((pool) => created.has(pool.name));
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

/** When force delete becomes available: the stored request time plus the threshold (a restart does not reset it). */
export function forceDeleteAvailableAt(record: Pick<ClusterRecord, 'deletion'>, thresholdMs: number): Date | undefined {
  return record.deletion ? new Date(Date.parse(record.deletion.requestedAt) + thresholdMs) : undefined;
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
export interface ForceDeleteBlocked {
  reason: 'not_deleting' | 'too_early' | 'forcing' | 'already_deleted';
  message: string;
}

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
      return record.tkeClusterId ? undefined : { reason: 'not_deleting', message: `${name} has no TKE cluster to force delete.` };
    case 'wait':
      return {
        reason: 'too_early',
        message: `Force delete of ${name} becomes available ${formatDuration(thresholdMs)} after the delete request: in ${timeLeft(availability.ms)}.`,
      };
    case 'forcing':
      return { reason: 'forcing', message: `<@${availability.by}> is already force deleting ${name}.` };
    case 'not_deleting':
      return isGone(availability.status)
        ? { reason: 'already_deleted', message: `${name} has already been deleted.` }
        : {
            reason: 'not_deleting',
            message: `${name} is not being deleted (it is ${availability.status}); force delete is only for a deletion that is stuck.`,
          };
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
