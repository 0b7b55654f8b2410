/**
 * Deletion and force delete of a cluster.
 *
 * Exactly once: `requestDeletion` decides inside one cluster repository update (status → Deleting, request
 * time stored) before anything is sent to Tencent, so two confirmations of the same cluster never
 * both call DeleteCluster; if Tencent refuses, the cluster gets its previous status back.
 * `forceDelete` claims the force delete the same way (forcedBy/forcedAt while still Deleting).
 * The watcher (watch-deletion.ts) follows the deletion until Tencent no longer has the cluster.
 */
import { forcedMessage, deletionReplies } from '../views/deletion-thread.js';
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
  leftoverTags,
  UNKNOWN_CLUSTER,
  type ForceDeleteAvailability,
  type LeftoverLookup,
  type LeftoverOwner,
} from './deletion-rules.js';
import { failureText } from '../views/cluster-format.js';
import type { Logger } from './logger.js';
import type { ClusterRecord, ClusterStatus, TencentFailure } from './domain/index.js';
import type { ClusterRepository } from './repositories/repositories.js';
import { failureOf } from './tencent-failure.js';
import type { ProvisioningThreads } from './threads.js';
import { TencentError, type LeftoverResources, type TkeGateway, type TkeTarget } from './tke.js';

export type DeletionErrorReason =
  | 'not_found'
  | 'already_deleting'
  | 'already_deleted'
  | 'still_creating'
  | 'not_deleting'
  | 'too_early'
  | 'forcing'
  | 'no_account'
  | 'tencent';

/** A deletion or force delete that did not happen; `message` is for the user. */
export class DeletionError extends Error {
  constructor(
    readonly reason: DeletionErrorReason,
    message: string,
    readonly failure?: TencentFailure,
  ) {
    super(message);
    this.name = 'DeletionError';
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
  requestDeletion(clusterId: string, user: string): Promise<ClusterRecord>;
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

/** Every resource Tencent still has for a cluster, found by either of its tags, each listed once. */
export async function leftoversOf(
  tke: Pick<TkeGateway, 'describeInstances' | 'describeDisks' | 'describeLoadBalancers'>,
  target: TkeTarget,
  owner: LeftoverOwner,
): Promise<LeftoverResources> {
  const found = await Promise.all(
    leftoverTags(owner).map(async (filter) => {
      const [instances, disks, loadBalancers] = await Promise.all([
        tke.describeInstances(target, filter),
        tke.describeDisks(target, filter),
        tke.describeLoadBalancers(target, filter),
      ]);
      return { instances, disks, loadBalancers };
    }),
  );
  const unique = <T>(lists: T[][], idOf: (item: T) => string): T[] => [...new Map(lists.flat().map((item) => [idOf(item), item])).values()];
  return {
    instances: unique(found.map((f) => f.instances), (i) => i.instanceId),
    disks: unique(found.map((f) => f.disks), (d) => d.diskId),
    loadBalancers: unique(found.map((f) => f.loadBalancers), (lb) => lb.loadBalancerId),
  };
}

const notFound = () => new DeletionError('not_found', UNKNOWN_CLUSTER);

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

/** Why a change was refused, decided inside the repository's update (with the record as it was then). */
type Refusal = { reason: DeletionErrorReason; message: string };

export function createDeletionService(deps: DeletionDeps): DeletionService {
  const { clusters, tke, clock, audit, logger, threads } = deps;
  const thresholdMs = deps.forceDeleteAfterMs;

  function targetOf(record: ClusterRecord): TkeTarget {
    try {
      return { credential: deps.accounts.credentialFor(record.spec.accountId), region: record.spec.region };
    } catch {
      throw new DeletionError('no_account', `The cloud account of ${record.spec.name} no longer exists, so tkeops cannot ask Tencent.`);
    }
  }

  /** Why force delete cannot happen now, as a DeletionError; undefined when it can. */
  function forceRefusal(record: ClusterRecord | undefined, now: Date): DeletionError | undefined {
    if (!record) return notFound();
    const blocked = forceDeleteBlocked(record, now, thresholdMs);
    return blocked && new DeletionError(blocked.reason, blocked.message);
  }

  return {
    forceDeleteAvailability: (record, now = clock.now()) => forceDeleteAvailability(record, now, thresholdMs),
    deletionRefusal(record) {
      const blocked = deletionBlocked(record, clock.now(), thresholdMs);
      return blocked && new DeletionError(blocked.reason, blocked.message);
    },
    forceDeleteRefusal: (record) => forceRefusal(record, clock.now()),

    async requestDeletion(clusterId, user) {
      const now = clock.now();
      const at = now.toISOString();
      let refusal: Refusal | undefined;
      let previous: ClusterStatus | undefined;
      const record = await clusters.update(clusterId, (current) => {
        refusal = deletionBlocked(current, now, thresholdMs);
        if (refusal) return false;
        previous = current.status;
        current.status = current.tkeClusterId ? 'Deleting' : 'Deleted';
        current.deletion = { requestedBy: user, requestedAt: at, ...(current.tkeClusterId ? {} : { deletedAt: at }) };
        current.transientErrors = 0;
        // A new request gets its own thread steps (an earlier one may have been refused by Tencent).
        current.posted = current.posted.filter((key) => !key.startsWith(DELETION_STEP_PREFIX));
      });
      if (!record) throw new DeletionError('not_found', UNKNOWN_CLUSTER);
      if (refusal || previous === undefined) throw new DeletionError(refusal?.reason ?? 'not_found', refusal?.message ?? UNKNOWN_CLUSTER);
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
              current.status = before;
              delete current.deletion;
            });
            if (error instanceof DeletionError) throw error;
            const failure = failureOf(error, 'DeleteCluster');
            logger.warn({ clusterId, code: failure.code }, 'DeleteCluster refused');
            await audit.record(user, 'cluster.delete.failed', clusterId, { name: record.spec.name, tkeClusterId, code: failure.code });
            throw new DeletionError('tencent', `Tencent refused to delete ${record.spec.name}: ${failureText(failure)}`, failure);
          }
          // Tencent no longer has it: the watcher records it as Deleted on its next pass.
        }
      }
      logger.info({ clusterId, tkeClusterId, user }, 'cluster deletion requested');
      await audit.record(user, 'cluster.delete', clusterId, { name: record.spec.name, ...(tkeClusterId ? { tkeClusterId } : {}) });
      await threads.reply(
        clusterId,
        DeletionSteps.requested,
        deletionReplies.requested({ user, name: record.spec.name, createdPools: createdWorkerPools(record), ...(tkeClusterId ? { tkeClusterId } : {}) }),
      );
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
          throw new DeletionError('tencent', `Tencent refused to force delete ${name}: ${failureText(failure)}`, failure);
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
        if (current.status === 'Deleting') current.status = 'DeletedForced';
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
      await threads.reply(clusterId, DeletionSteps.forced, forcedMessage({ user, name, owner: { id: clusterId, tkeClusterId }, ...found }));
      threads.refreshRoot(clusterId);
      return { cluster: cluster ?? record, ...found };
    },
  };
}
