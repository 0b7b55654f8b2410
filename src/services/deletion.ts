/**
 * Deletion and force delete of a cluster.
 *
 * Exactly once: `requestDeletion` decides inside one cluster repository update (status → Deleting, request
 * time stored) before anything is sent to Tencent, so two confirmations of the same cluster never
 * both call DeleteCluster; if Tencent refuses, the cluster gets its previous status back.
 * `forceDelete` claims the force delete the same way (forcedBy/forcedAt while still Deleting).
 * The watcher runs the deletion operation (src/lifecycle/deletion.ts) until Tencent no longer has the cluster.
 */
import { leftoversOf } from '../lifecycle/deletion.js';
import { transition } from '../lifecycle/states.js';
import type { AccountService } from './accounts.js';
import type { Audit } from './audit.js';
import type { Clock } from './clock.js';
import {
  createdWorkerPools,
  deletionBlocked,
  DELETION_STEP_PREFIX,
  DeletionSteps,
  forceDeleteAvailability,
  forceDeleteBlocked,
  isClusterNotFound,
  type DeletionRefusal,
  type ForceDeleteAvailability,
  type LeftoverLookup,
} from './deletion-rules.js';
import type { Logger } from './logger.js';
import type { ClusterRecord, ClusterStatus, TencentFailure } from './domain/index.js';
import type { ClusterRepository } from './repositories/repositories.js';
import { failureOf } from './tencent-failure.js';
import type { ProvisioningThreads } from './threads.js';
import { TencentError, type TkeGateway, type TkeTarget } from './tke.js';

export { leftoversOf } from '../lifecycle/deletion.js';

export type DeletionErrorReason = DeletionRefusal['reason'];

/** A deletion or force delete that did not happen; `refusal` says why (views/deletion-refusals.ts tells the user). */
export class DeletionError extends Error {
  constructor(readonly refusal: DeletionRefusal) {
    super(`deletion refused: ${refusal.reason}`);
    this.name = 'DeletionError';
  }

  get reason(): DeletionErrorReason {
    return this.refusal.reason;
  }

  get failure(): TencentFailure | undefined {
    return this.refusal.reason === 'tencent' ? this.refusal.failure : undefined;
  }
}

/** The cluster after the force delete, and what Tencent still had then. */
export type ForceDeleteResult = { cluster: ClusterRecord } & LeftoverLookup;

/** The cluster about to be force deleted, and what Tencent still has. */
export type ForceDeleteReview = { cluster: ClusterRecord & { tkeClusterId: string } } & LeftoverLookup;

export interface DeletionService {
  /**
   * DeleteCluster (instances and CBS disks terminated), status Deleting; a cluster Tencent never
   * created (no TKE id) goes straight to Deleted. Throws DeletionError.
   */
  requestDeletion(clusterId: string, user: string, options?: { expired?: boolean }): Promise<ClusterRecord>;
  /** Checks force delete is available, then lists what is left, for the confirmation modal (audited). Throws DeletionError. */
  reviewForceDelete(clusterId: string, user: string): Promise<ForceDeleteReview>;
  /** DeleteCluster once more with everything terminated; status DeletedForced; leftovers posted in the thread. Throws DeletionError. */
  forceDelete(clusterId: string, user: string): Promise<ForceDeleteResult>;
  forceDeleteAvailability(record: Pick<ClusterRecord, 'status' | 'deletion'>, now?: Date): ForceDeleteAvailability;
  /** Why this cluster cannot be deleted now (already Deleting: when force delete becomes available), or undefined when it can. */
  deletionRefusal(record: ClusterRecord): DeletionError | undefined;
  /** Why this cluster cannot be force deleted now (too early: how long is left), or undefined when it can. */
  forceDeleteRefusal(record: ClusterRecord): DeletionError | undefined;
}

export interface DeletionDeps {
  clusters: ClusterRepository;
  tke: Pick<TkeGateway, 'deleteCluster' | 'describeInstances' | 'describeDisks' | 'describeLoadBalancers'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  threads: Pick<ProvisioningThreads, 'reply' | 'refreshRoot'>;
  clock: Clock;
  audit: Audit;
  logger: Logger;
  forceDeleteAfterMs: number;
}

const notFound = () => new DeletionError({ reason: 'not_found' });

/** What the record keeps of a leftover lookup: each resource's id, name and state (not its tags). */
function kept(found: LeftoverLookup): NonNullable<ClusterRecord['deletion']>['forceFound'] {
  if (!found.leftovers) return { lookupFailure: found.lookupFailure };
  const { instances, disks, loadBalancers } = found.leftovers;
  return {
    leftovers: {
      instances: instances.map(({ instanceId, name, state }) => ({ instanceId, name, state })),
      disks: disks.map(({ diskId, name, state }) => ({ diskId, name, state })),
      loadBalancers: loadBalancers.map(({ loadBalancerId, name }) => ({ loadBalancerId, name })),
    },
  };
}

export function createDeletionService(deps: DeletionDeps): DeletionService {
  const { clusters, tke, clock, audit, logger, threads } = deps;
  const thresholdMs = deps.forceDeleteAfterMs;

  function targetOf(record: ClusterRecord): TkeTarget {
    try {
      return { credential: deps.accounts.credentialFor(record.spec.accountId), region: record.spec.region };
    } catch {
      throw new DeletionError({ reason: 'no_account', name: record.spec.name });
    }
  }

  /** Why force delete cannot happen now, as a DeletionError; undefined when it can. */
  function forceRefusal(record: ClusterRecord | undefined, now: Date): DeletionError | undefined {
    if (!record) return notFound();
    const blocked = forceDeleteBlocked(record, now, thresholdMs);
    return blocked && new DeletionError(blocked);
  }

  return {
    forceDeleteAvailability: (record, now = clock.now()) => forceDeleteAvailability(record, now, thresholdMs),
    deletionRefusal(record) {
      const blocked = deletionBlocked(record, clock.now(), thresholdMs);
      return blocked && new DeletionError(blocked);
    },
    forceDeleteRefusal: (record) => forceRefusal(record, clock.now()),

    async requestDeletion(clusterId, user, options = {}) {
      const now = clock.now();
      const at = now.toISOString();
      let refusal: DeletionRefusal | undefined;
      let previous: ClusterStatus | undefined;
      const record = await clusters.update(clusterId, (current) => {
        refusal = deletionBlocked(current, now, thresholdMs);
        if (refusal) return false;
        previous = current.status;
        transition(current, current.tkeClusterId ? 'Deleting' : 'Deleted', at);
        current.deletion = { requestedBy: user, requestedAt: at, ...(current.tkeClusterId ? {} : { deletedAt: at }) };
        current.transientErrors = 0;
        // A new request gets its own thread steps (an earlier one may have been refused by Tencent).
        current.posted = current.posted.filter((key) => !key.startsWith(DELETION_STEP_PREFIX));
      });
      if (!record) throw notFound();
      if (refusal || previous === undefined) throw new DeletionError(refusal ?? { reason: 'not_found' });
      const before = previous;
      const tkeClusterId = record.tkeClusterId;

      if (tkeClusterId) {
        try {
          await tke.deleteCluster(targetOf(record), tkeClusterId, { terminateInstances: true, terminateDisks: true });
        } catch (error) {
          const gone = error instanceof TencentError && isClusterNotFound(error.code);
          if (!gone) {
            // The cluster keeps the status it had; nothing was deleted.
            await clusters.update(clusterId, (current) => {
              if (current.status !== 'Deleting' || current.deletion?.requestedAt !== at) return false;
              transition(current, before, at);
              delete current.deletion;
            });
            if (error instanceof DeletionError) throw error;
            const failure = failureOf(error, 'DeleteCluster');
            logger.warn({ clusterId, code: failure.code }, 'DeleteCluster refused');
            await audit.record(user, 'cluster.delete.failed', clusterId, { name: record.spec.name, tkeClusterId, code: failure.code });
            throw new DeletionError({ reason: 'tencent', name: record.spec.name, failure, forced: false });
          }
          // Tencent no longer has it: the watcher records it as Deleted on its next pass.
        }
      }
      logger.info({ clusterId, tkeClusterId, user }, 'cluster deletion requested');
      await audit.record(user, 'cluster.delete', clusterId, { name: record.spec.name, ...(tkeClusterId ? { tkeClusterId } : {}) });
      await threads.reply(clusterId, DeletionSteps.requested, {
        kind: 'deletionRequested',
        user,
        ...(options.expired ? { expired: true } : {}),
        name: record.spec.name,
        createdPools: createdWorkerPools(record),
        ...(tkeClusterId ? { tkeClusterId } : {}),
      });
      threads.refreshRoot(clusterId);
      return (await clusters.get(clusterId)) ?? record;
    },

    async reviewForceDelete(clusterId, user) {
      const record = await clusters.get(clusterId);
      const refusal = forceRefusal(record, clock.now());
      if (refusal || !record?.tkeClusterId) throw refusal ?? notFound();
      const cluster = { ...record, tkeClusterId: record.tkeClusterId };
      try {
        const leftovers = await leftoversOf(tke, targetOf(record), cluster);
        await audit.record(user, 'cluster.forceDelete.reviewed', clusterId, {
          instances: leftovers.instances.length,
          disks: leftovers.disks.length,
          loadBalancers: leftovers.loadBalancers.length,
        });
        return { cluster, leftovers };
      } catch (error) {
        if (error instanceof DeletionError) throw error;
        const lookupFailure = failureOf(error);
        await audit.record(user, 'cluster.forceDelete.reviewed', clusterId, { lookupFailed: lookupFailure.code });
        return { cluster, lookupFailure };
      }
    },

    async forceDelete(clusterId, user) {
      const now = clock.now();
      const at = now.toISOString();
      let refusal: DeletionError | undefined;
      const record = await clusters.update(clusterId, (current) => {
        refusal = forceRefusal(current, now) ?? (current.deletion ? undefined : notFound());
        if (refusal || !current.deletion) return false;
        current.deletion.forcedBy = user;
        current.deletion.forcedAt = at;
      });
      if (!record) throw notFound();
      if (refusal) throw refusal;
      const tkeClusterId = record.tkeClusterId as string;
      const name = record.spec.name;
      await audit.record(user, 'cluster.forceDelete.requested', clusterId, { name, tkeClusterId });

      const release = () =>
        clusters.update(clusterId, (current) => {
          if (current.deletion?.forcedAt !== at || current.status !== 'Deleting') return false;
          delete current.deletion.forcedAt;
          delete current.deletion.forcedBy;
        });
      let target: TkeTarget;
      try {
        target = targetOf(record);
      } catch (error) {
        await release();
        throw error;
      }
      try {
        await tke.deleteCluster(target, tkeClusterId, { terminateInstances: true, terminateDisks: true, includeProtected: true });
      } catch (error) {
        // Tencent no longer having the cluster is what a force delete wants.
        if (!(error instanceof TencentError && isClusterNotFound(error.code))) {
          await release();
          const failure = failureOf(error, 'DeleteCluster');
          logger.warn({ clusterId, code: failure.code }, 'force DeleteCluster refused');
          await audit.record(user, 'cluster.forceDelete.failed', clusterId, { name, tkeClusterId, code: failure.code });
          throw new DeletionError({ reason: 'tencent', name, failure, forced: true });
        }
      }

      let found: LeftoverLookup;
      try {
        found = { leftovers: await leftoversOf(tke, target, { id: clusterId, tkeClusterId }) };
      } catch (error) {
        found = { lookupFailure: failureOf(error) };
      }
      const cluster = await clusters.update(clusterId, (current) => {
        // The watcher may have seen Tencent drop the cluster meanwhile; Deleted then stays, with who forced it.
        if (current.status === 'Deleting') transition(current, 'DeletedForced', at);
        current.deletion = { ...(current.deletion ?? { requestedBy: user, requestedAt: at }), forcedBy: user, forcedAt: at, forceFound: kept(found) };
        current.transientErrors = 0;
      });
      logger.info({ clusterId, tkeClusterId, user }, 'cluster force deleted');
      await audit.record(user, 'cluster.forceDelete', clusterId, {
        name,
        tkeClusterId,
        ...(found.leftovers
          ? { instances: found.leftovers.instances.length, disks: found.leftovers.disks.length, loadBalancers: found.leftovers.loadBalancers.length }
          : { lookupFailed: found.lookupFailure.code }),
      });
      await threads.reply(clusterId, DeletionSteps.forced, { kind: 'forceDeleted', user, name, owner: { id: clusterId, tkeClusterId }, ...found });
      threads.refreshRoot(clusterId);
      return { cluster: cluster ?? record, ...found };
    },
  };
}
