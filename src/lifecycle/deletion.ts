import { leftoverTags } from '../services/domain/rules.js';
import type { AuditEntry, ClusterRecord, WorkerPoolSpec } from '../services/domain/index.js';
import type { LeftoverResources, TkeGateway, TkeTarget } from '../services/tke.js';
import type { LeftoverOwner } from './events.js';
import type { Operation, StepContext } from './operation.js';
import { transition } from './states.js';

/**
 * Deletion and force delete. DeletionService asks Tencent (DeleteCluster) and records the request
 * (status Deleting, via transition()); the watcher then runs the deletion operation's steps until
 * Tencent no longer has the cluster. A force delete is done by the service alone.
 */


/**
 * While Tencent keeps reporting Deleting, the thread gets one progress reply per milestone (every
 * 5 minutes since the request, with what is left), until force delete becomes available. A
 * normal deletion (a minute or two) therefore gets none; a stuck one gets a few, never one a tick.
 */
export const DELETION_PROGRESS_EVERY_MS = 5 * 60_000;

/** A force delete claimed this long ago that never finished (the bot died mid-way) may be claimed again. */
export const FORCE_CLAIM_STALE_MS = 5 * 60_000;

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

export { leftoverTags, TKE_CLUSTER_TAG } from '../services/domain/rules.js';

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

/** When force delete becomes available: the stored request time plus the threshold (a restart does not reset it). */
export function forceDeleteAvailableAt(record: Pick<ClusterRecord, 'deletion'>, thresholdMs: number): Date | undefined {
  return record.deletion ? new Date(Date.parse(record.deletion.requestedAt) + thresholdMs) : undefined;
}

/** The worker pools Tencent created for the cluster (it answered with a node pool id): what a deletion terminates. */
export function createdWorkerPools(record: Pick<ClusterRecord, 'spec' | 'progress'>): WorkerPoolSpec[] {
  const created = new Set(record.progress.pools.flatMap((pool) => (pool.nodePoolId ? [pool.name] : [])));
  return record.spec.workerPools.filter((pool) => created.has(pool.name));
}

/** The watcher is the actor of what it records. */
const WATCHER = 'tkeops';

const sinceRequest = ({ record, now }: StepContext) => now.getTime() - Date.parse(record.deletion?.requestedAt ?? record.createdAt);
const auditOf = ({ record, now }: StepContext, action: string, detail: AuditEntry['detail']): AuditEntry => ({
  at: now.toISOString(),
  actor: WATCHER,
  action,
  target: record.id,
  detail,
});
const pastThreshold = (context: StepContext) =>
  context.now.getTime() >= (forceDeleteAvailableAt(context.record, context.deps.forceDeleteAfterMs) as Date).getTime();

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
export const deletionOperation: Operation = {
  name: 'delete',
  watches: ['Deleting'],
  failsOnError: false,
  guard: ({ record }) => (record.deletion && record.tkeClusterId ? undefined : 'skip'),
  steps: [
    {
      key: DeletionSteps.requested,
      label: () => 'Deletion approved',
      records: 'deletion.requestedAt, requestedBy; status Deleting (DeletionService, before DeleteCluster)',
      doneAt: (r) => r.deletion?.requestedAt,
      reply: (r) => ({
        kind: 'deletionRequested',
        user: r.deletion?.requestedBy ?? '',
        name: r.spec.name,
        createdPools: createdWorkerPools(r),
        ...(r.tkeClusterId ? { tkeClusterId: r.tkeClusterId } : {}),
      }),
    },
    {
      key: DeletionSteps.deleted,
      label: () => 'Deleted at Tencent',
      records: 'deletion.deletedAt; status Deleted',
      doneAt: (r) => r.deletion?.deletedAt,
      record: (r, at) => {
        transition(r, 'Deleted', at);
        if (r.deletion) r.deletion.deletedAt = at;
      },
      /** Waits for Tencent to no longer have the cluster; a force delete under way finishes the record itself (as Deleted (forced)). */
      advance: (context) => {
        const { record, tencent, now } = context;
        const forcedAt = record.deletion?.forcedAt;
        const forcing = forcedAt !== undefined && now.getTime() - Date.parse(forcedAt) < FORCE_CLAIM_STALE_MS;
        if (tencent || forcing) return Promise.resolve(undefined);
        const afterMs = sinceRequest(context);
        return Promise.resolve({
          done: [''],
          audit: [auditOf(context, 'cluster.deleted', { name: record.spec.name, tkeClusterId: record.tkeClusterId as string, afterMs })],
        });
      },
      reply: (r) => ({
        kind: 'deleted',
        name: r.spec.name,
        tkeClusterId: r.tkeClusterId as string,
        elapsedMs: Date.parse(r.deletion?.deletedAt ?? r.createdAt) - Date.parse(r.deletion?.requestedAt ?? r.createdAt),
        ...(r.deletion ? { requestedBy: r.deletion.requestedBy } : {}),
      }),
    },
    {
      key: DeletionSteps.forceOffer,
      records: 'its key in `posted` (claimed when the offer is queued)',
      doneAt: (r) => (r.posted.includes(DeletionSteps.forceOffer) ? r.deletion?.requestedAt : undefined),
      record: () => undefined,
      /** Waits for the threshold while Tencent still has the cluster (in any state), and a thread to post the button in. */
      advance: (context) => {
        const { record, tencent, deps } = context;
        if (!tencent || !pastThreshold(context) || !record.thread) return Promise.resolve(undefined);
        const stuckMs = sinceRequest(context);
        return Promise.resolve({
          replies: [
            {
              key: DeletionSteps.forceOffer,
              event: { kind: 'forceDeleteOffered', clusterId: record.id, name: record.spec.name, stuckMs, onCall: deps.onCall(), tencentStatus: tencent.status },
            },
          ],
          audit: [auditOf(context, 'cluster.forceDelete.offered', { name: record.spec.name, tkeClusterId: record.tkeClusterId as string, afterMs: stuckMs })],
        });
      },
    },
    {
      key: 'delete:progress',
      records: 'its milestone keys in `posted`',
      doneAt: () => undefined,
      record: () => undefined,
      /**
       * Until Tencent has taken the DeleteCluster in (the request may still be on its way), nothing
       * to tell; then one reply per milestone, with the resources left.
       */
      advance: async (context) => {
        const { record, tencent, target, now, deps } = context;
        if (tencent?.status !== 'Deleting' || pastThreshold(context)) return undefined;
        const elapsedMs = sinceRequest(context);
        const milestone = Math.floor(elapsedMs / DELETION_PROGRESS_EVERY_MS);
        if (milestone < 1 || record.posted.includes(DeletionSteps.progress(milestone))) return undefined;
        let leftovers: LeftoverResources | undefined;
        try {
          leftovers = await leftoversOf(deps.tke, target, { id: record.id, tkeClusterId: record.tkeClusterId as string });
        } catch (error) {
          deps.logger.warn({ clusterId: record.id, err: (error as Error).message }, 'watcher: could not count the resources left of a deleting cluster');
        }
        const forceInMs = (forceDeleteAvailableAt(record, deps.forceDeleteAfterMs) as Date).getTime() - now.getTime();
        return {
          replies: [{ key: DeletionSteps.progress(milestone), event: { kind: 'deletionProgress', elapsedMs, forceInMs, ...(leftovers ? { leftovers } : {}) } }],
        };
      },
    },
  ],
};

/** Force delete: done by DeletionService alone (on-call's button); listed so the lifecycle reads whole. */
export const forceDeleteOperation: Operation = {
  name: 'forceDelete',
  watches: [],
  failsOnError: false,
  steps: [
    {
      key: DeletionSteps.forced,
      label: () => 'Force deleted',
      records: 'deletion.forcedBy, forcedAt; status DeletedForced (DeletionService, after DeleteCluster with everything terminated)',
      doneAt: (r) => (r.status === 'DeletedForced' ? r.deletion?.forcedAt : undefined),
    },
  ],
};
