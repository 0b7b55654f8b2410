import { deletionReplies, forceDeleteOfferMessage } from '../views/deletion-thread.js';
import { leftoversOf } from './deletion.js';
import { DELETION_PROGRESS_EVERY_MS, DeletionSteps, forceDeleteAvailableAt, FORCE_CLAIM_STALE_MS } from './deletion-rules.js';
import type { Logger } from './logger.js';
import type { AuditEntry, ClusterRecord } from './domain/index.js';
import type { LeftoverResources, TkeGateway } from './tke.js';
import type { CheckOutcome, ClusterCheck } from './watcher.js';

export interface DeletionCheckDeps {
  tke: Pick<TkeGateway, 'describeInstances' | 'describeDisks' | 'describeLoadBalancers'>;
  forceDeleteAfterMs: number;
  /** Who the force-delete offer mentions (policy.onCallMention()). */
  onCallMention: () => string;
  logger: Logger;
}

/** The watcher is the actor of what it records. */
const WATCHER = 'tkeops';

/**
 * Follows a cluster from DeleteCluster until Tencent no longer has it.
 * - Tencent no longer returns it: status Deleted, a final reply, the root message updated.
 * - Still Deleting, before the force-delete threshold: one progress reply per milestone (every
 *   5 minutes since the request, with the instances, disks and load balancers left), never one
 *   per tick; a normal deletion is over before the first.
 * - Still Deleting at the threshold (counted from the stored request time, so a restart does
 *   not reset it): the Force Delete Cluster button, once: its step key, claimed in `posted` when
 *   it is queued, is the record that it was offered. A cluster without a thread gets it once its
 *   thread exists.
 * Tencent errors while counting leftovers only leave the counts out of the progress reply.
 */
export function deletionCheck(deps: DeletionCheckDeps): ClusterCheck {
  return async ({ record, tencent, target, now }): Promise<CheckOutcome | undefined> => {
    const deletion = record.deletion;
    const tkeClusterId = record.tkeClusterId;
    if (!deletion || !tkeClusterId) return undefined;
    const at = now.toISOString();
    const audit = (action: string, detail: AuditEntry['detail'] = {}): AuditEntry => ({ at, actor: WATCHER, action, target: record.id, detail });
    const sinceRequest = now.getTime() - Date.parse(deletion.requestedAt);

    if (!tencent) {
      // A force delete under way finishes the record itself (as Deleted (forced)).
      const forcing = deletion.forcedAt !== undefined && now.getTime() - Date.parse(deletion.forcedAt) < FORCE_CLAIM_STALE_MS;
      if (forcing) return undefined;
      return {
        change: (r: ClusterRecord) => {
          r.status = 'Deleted';
          if (r.deletion) r.deletion.deletedAt = at;
        },
        replies: [{ key: DeletionSteps.deleted, text: deletionReplies.deleted({ name: record.spec.name, tkeClusterId, elapsedMs: sinceRequest }) }],
        audit: [audit('cluster.deleted', { name: record.spec.name, tkeClusterId, afterMs: sinceRequest })],
      };
    }
    const availableAt = forceDeleteAvailableAt(record, deps.forceDeleteAfterMs) as Date;
    const pastThreshold = now.getTime() >= availableAt.getTime();
    // Until Tencent has taken the DeleteCluster in (the request may still be on its way), nothing to
    // tell; a cluster Tencent still has in any state once the threshold has passed is stuck all the same.
    if (tencent.status !== 'Deleting' && !pastThreshold) return undefined;

    if (pastThreshold) {
      if (!record.thread || record.posted.includes(DeletionSteps.forceOffer)) return undefined;
      return {
        replies: [
          {
            key: DeletionSteps.forceOffer,
            ...forceDeleteOfferMessage({
              clusterId: record.id,
              name: record.spec.name,
              stuckMs: sinceRequest,
              onCallMention: deps.onCallMention(),
              tencentStatus: tencent.status,
            }),
          },
        ],
        audit: [audit('cluster.forceDelete.offered', { name: record.spec.name, tkeClusterId, afterMs: sinceRequest })],
      };
    }

    const milestone = Math.floor(sinceRequest / DELETION_PROGRESS_EVERY_MS);
    if (milestone < 1 || record.posted.includes(DeletionSteps.progress(milestone))) return undefined;
    let leftovers: LeftoverResources | undefined;
    try {
      leftovers = await leftoversOf(deps.tke, target, { id: record.id, tkeClusterId });
    } catch (error) {
      deps.logger.warn({ clusterId: record.id, err: (error as Error).message }, 'watcher: could not count the resources left of a deleting cluster');
    }
    return {
      replies: [
        {
          key: DeletionSteps.progress(milestone),
          text: deletionReplies.progress({ elapsedMs: sinceRequest, forceInMs: availableAt.getTime() - now.getTime(), ...(leftovers ? { leftovers } : {}) }),
        },
      ],
    };
  };
}
