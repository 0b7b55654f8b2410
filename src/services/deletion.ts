/**
 * Deletion and force delete of a cluster.
 *
 * Exactly once: `requestDeletion` decides inside one store update (status → Deleting, request
 * time stored) before anything is sent to Tencent, so two confirmations of the same cluster never
 * both call DeleteCluster; if Tencent refuses, the cluster gets its previous status back.
 * `forceDelete` claims the force delete the same way (forcedBy/forcedAt while still Deleting).
 * The watcher (watch-deletion.ts) follows the deletion until Tencent no longer has the cluster.
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
import type { ClusterRecord, ClusterStatus, TencentFailure } from './store-schema.js';
import type { Store } from './store.js';
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
  store: Store;
  tke: Pick<TkeGateway, 'deleteCluster' | 'describeInstances' | 'describeDisks' | 'describeLoadBalancers'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  threads: Pick<ProvisioningThreads, 'reply' | 'refreshRoot'>;
  clock: Clock;
  audit: Audit;
  logger: Logger;
  forceDeleteAfterMs: number;
}

const notFound = () => new DeletionError({ reason: 'not_found' });

/** A decision taken inside store.update: plain data, since the store hands back a copy. */
type Claim = { ok: true; record: ClusterRecord; previous: ClusterStatus } | { ok: false; refusal: DeletionRefusal };

export function createDeletionService(deps: DeletionDeps): DeletionService {
  const { store, tke, clock, audit, logger, threads } = deps;
  const thresholdMs = deps.forceDeleteAfterMs;
  const read = (clusterId: string) => store.read((data) => data.clusters.find((c) => c.id === clusterId));

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

    async requestDeletion(clusterId, user) {
      const now = clock.now();
      const at = now.toISOString();
      const claim = await store.update((data): Claim => {
        const record = data.clusters.find((c) => c.id === clusterId);
        if (!record) return { ok: false, refusal: { reason: 'not_found' } };
        const blocked = deletionBlocked(record, now, thresholdMs);
        if (blocked) return { ok: false, refusal: blocked };
        const previous = record.status;
        transition(record, record.tkeClusterId ? 'Deleting' : 'Deleted');
        record.deletion = { requestedBy: user, requestedAt: at, ...(record.tkeClusterId ? {} : { deletedAt: at }) };
        record.transientErrors = 0;
        // A new request gets its own thread steps (an earlier one may have been refused by Tencent).
        record.posted = record.posted.filter((key) => !key.startsWith(DELETION_STEP_PREFIX));
        return { ok: true, record, previous };
      });
      if (!claim.ok) throw new DeletionError(claim.refusal);
      const { record, previous } = claim;
      const tkeClusterId = record.tkeClusterId;

      if (tkeClusterId) {
        try {
          await tke.deleteCluster(targetOf(record), tkeClusterId, { terminateInstances: true, terminateDisks: true });
        } catch (error) {
          const gone = error instanceof TencentError && isClusterNotFound(error.code);
          if (!gone) {
            // The cluster keeps the status it had; nothing was deleted.
            await store.update((data) => {
              const current = data.clusters.find((c) => c.id === clusterId);
              if (current?.status === 'Deleting' && current.deletion?.requestedAt === at) {
                transition(current, previous);
                delete current.deletion;
              }
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
        name: record.spec.name,
        createdPools: createdWorkerPools(record),
        ...(tkeClusterId ? { tkeClusterId } : {}),
      });
      threads.refreshRoot(clusterId);
      return read(clusterId) ?? record;
    },

    async reviewForceDelete(clusterId, user) {
      const record = read(clusterId);
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
      const claim = await store.update((data): Claim => {
        const record = data.clusters.find((c) => c.id === clusterId);
        const refusal = forceRefusal(record, now);
        if (refusal || !record?.deletion) return { ok: false, refusal: refusal?.refusal ?? { reason: 'not_found' } };
        record.deletion.forcedBy = user;
        record.deletion.forcedAt = at;
        return { ok: true, record, previous: record.status };
      });
      if (!claim.ok) throw new DeletionError(claim.refusal);
      const { record } = claim;
      const tkeClusterId = record.tkeClusterId as string;
      const name = record.spec.name;
      await audit.record(user, 'cluster.forceDelete.requested', clusterId, { name, tkeClusterId });

      const release = () =>
        store.update((data) => {
          const current = data.clusters.find((c) => c.id === clusterId);
          if (current?.deletion?.forcedAt === at && current.status === 'Deleting') {
            delete current.deletion.forcedAt;
            delete current.deletion.forcedBy;
          }
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
      const cluster = await store.update((data) => {
        const current = data.clusters.find((c) => c.id === clusterId);
        if (!current) return undefined;
        // The watcher may have seen Tencent drop the cluster meanwhile; Deleted then stays, with who forced it.
        if (current.status === 'Deleting') transition(current, 'DeletedForced');
        current.deletion = { ...(current.deletion ?? { requestedBy: user, requestedAt: at }), forcedBy: user, forcedAt: at };
        current.transientErrors = 0;
        return current;
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
