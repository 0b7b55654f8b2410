import { threadReplies } from '../views/cluster-thread.js';
import { ENDPOINTS, TKEOPS_TAG_KEY } from './cluster-spec.js';
import { plannedAddons, StepKeys } from './cluster-steps.js';
import type { ProvisioningSteps } from './deploy.js';
import type { ClusterRecord } from './store-schema.js';
import type { ThreadReply } from './threads.js';
import type { TkeGateway } from './tke.js';
import { during, type CheckOutcome, type ClusterCheck } from './watcher.js';

export interface ProvisioningCheckDeps {
  tke: Pick<TkeGateway, 'describeClusterEndpointStatus' | 'describeClusterNodePools' | 'describeClusterReleases'>;
  /** The Deploy steps that need a Running cluster. */
  provisioning: ProvisioningSteps;
}

/** tkeops' code for a cluster Deploy recorded but whose CreateCluster never got its answer stored. */
export const CREATE_OUTCOME_UNKNOWN = 'tkeops.CreateClusterOutcomeUnknown';

/**
 * A cluster still Creating without a TKE cluster id well after Deploy (the app died between
 * recording it and storing CreateCluster's answer). The watcher looked for it at Tencent by the
 * tkeops tag every cluster Deploy creates carries: if Tencent has it, it is adopted and
 * provisioning goes on; if not, it fails with a clear code, so it can be deleted (without
 * calling Tencent) and its name used again.
 */
export function creationCheck(): ClusterCheck {
  return ({ record, tencent }): Promise<CheckOutcome | undefined> => {
    if (record.tkeClusterId) return Promise.resolve(undefined);
    if (!tencent) {
      const tag = `${TKEOPS_TAG_KEY}=${record.id}`;
      return Promise.resolve({
        fail: {
          code: CREATE_OUTCOME_UNKNOWN,
          message: `CreateCluster outcome unknown; no cluster with tag ${tag} exists in ${record.spec.region}. Delete ${record.spec.name} and deploy it again.`,
          action: 'CreateCluster',
        },
      });
    }
    const { clusterId } = tencent;
    return Promise.resolve({
      change: (r) => {
        r.tkeClusterId = clusterId;
        r.status = 'Provisioning';
      },
      replies: [{ key: StepKeys.created, text: threadReplies.created(clusterId, record.spec.region) }],
    });
  };
}

/**
 * Follows a cluster from CreateCluster to Running. Once Tencent says Running, the endpoint and the
 * worker pools are requested together (neither needs the other); add-ons wait for every pool,
 * since their charts need nodes. Replies go out in the order of the steps: a pool that is up
 * before the endpoint is only reported after it. Tencent is asked about endpoint, node pools and
 * add-ons only while the cluster still waits for them.
 */
export function provisioningCheck(deps: ProvisioningCheckDeps): ClusterCheck {
  return async ({ record, tencent, target, now }): Promise<CheckOutcome | undefined> => {
    const clusterId = record.tkeClusterId as string;
    if (!tencent) {
      return { fail: { code: 'ResourceNotFound.ClusterNotFound', message: `Tencent no longer has cluster ${clusterId}.`, action: 'DescribeClusters' } };
    }
    if (tencent.status === 'Abnormal') {
      return { fail: { code: 'Abnormal', message: `Tencent reports cluster ${clusterId} as Abnormal.`, action: 'DescribeClusters' } };
    }
    const at = now.toISOString();
    const replies: ThreadReply[] = [];
    const changes: ((r: ClusterRecord) => void)[] = [];
    const outcome = (): CheckOutcome =>
      changes.length + replies.length === 0 ? {} : { replies, change: (r) => changes.forEach((change) => change(r)) };
    const { progress, spec } = record;
    try {
      if (!record.posted.includes(StepKeys.created)) {
        replies.push({ key: StepKeys.created, text: threadReplies.created(clusterId, spec.region) });
      }
      if (tencent.status !== 'Running') return outcome();

      if (!progress.controlPlaneRunningAt) {
        changes.push((r) => (r.progress.controlPlaneRunningAt = at));
        replies.push({ key: StepKeys.controlPlane, text: threadReplies.controlPlane(now.getTime() - Date.parse(record.createdAt)) });
      }

      // Requests that only need a Running cluster.
      if (!progress.endpointRequestedAt) {
        await during('CreateClusterEndpoint', () => deps.provisioning.requestEndpoint(record.id));
      }
      const poolProgress = (name: string) => progress.pools.find((p) => p.name === name);
      if (spec.workerPools.some((pool) => !poolProgress(pool.name)?.nodePoolId)) {
        await during('CreateClusterNodePool', () => deps.provisioning.createWorkerPools(record.id));
      }

      // Endpoint.
      let endpointReady = progress.endpointReadyAt !== undefined;
      if (!endpointReady && progress.endpointRequestedAt) {
        const statuses = [];
        for (const access of ENDPOINTS[spec.endpointAccess]) {
          statuses.push(await during('DescribeClusterEndpointStatus', () => deps.tke.describeClusterEndpointStatus(target, clusterId, access)));
        }
        const failed = statuses.find((s) => s.status === 'CreateFailed');
        if (failed) {
          return { ...outcome(), fail: { code: 'CreateFailed', message: failed.error || 'Tencent could not create the cluster endpoint.', action: 'CreateClusterEndpoint' } };
        }
        if (statuses.every((s) => s.status === 'Created')) {
          endpointReady = true;
          changes.push((r) => (r.progress.endpointReadyAt = at));
          replies.push({ key: StepKeys.endpoint, text: threadReplies.endpoint(spec.endpointAccess, spec.publicCidrs) });
        }
      }
      if (!endpointReady) return outcome();

      // Worker pools.
      const waiting = spec.workerPools.filter((pool) => poolProgress(pool.name)?.nodePoolId && !poolProgress(pool.name)?.readyAt);
      const readyNow = new Set<string>();
      if (waiting.length > 0) {
        const pools = await during('DescribeClusterNodePools', () => deps.tke.describeClusterNodePools(target, clusterId));
        for (const pool of waiting) {
          const found = pools.find((p) => p.nodePoolId === poolProgress(pool.name)?.nodePoolId);
          if (!found || found.lifeState !== 'normal' || found.readyNodes < found.desired) continue;
          readyNow.add(pool.name);
          changes.push((r) => {
            const entry = r.progress.pools.find((p) => p.name === pool.name);
            if (entry) Object.assign(entry, { readyAt: at, readyNodes: found.readyNodes });
          });
          replies.push({ key: StepKeys.pool(pool.name), text: threadReplies.pool(pool.name, found.readyNodes, pool.desiredSize, pool.instanceType) });
        }
      }
      const poolsReady = spec.workerPools.every((pool) => poolProgress(pool.name)?.readyAt || readyNow.has(pool.name));
      if (!poolsReady) return outcome();

      // Add-on packs (Helm releases), once every pool has nodes to run them.
      const addons = plannedAddons(record);
      if (addons.length > 0 && !progress.addonsReadyAt) {
        if (!progress.addonsRequestedAt) {
          // Pools that came up in this tick are recorded at its end; the add-ons follow next tick.
          if (readyNow.size === 0) await during('CreateClusterRelease', () => deps.provisioning.installAddons(record.id));
          return outcome();
        }
        const releases = await during('DescribeClusterReleases', () => deps.tke.describeClusterReleases(target, clusterId));
        const namespaces = new Map((record.plan?.addons ?? []).map((a) => [a.name, a.namespace]));
        const releaseOf = (name: string) => releases.find((r) => r.name === name && r.namespace === namespaces.get(name));
        const failed = addons.map(releaseOf).find((r) => r?.status === 'failed');
        if (failed) {
          return {
            ...outcome(),
            fail: { code: 'ReleaseFailed', message: `${failed.name}: ${failed.description || 'the release did not install'}`, action: 'CreateClusterRelease' },
          };
        }
        // Anything else (pending-install, not listed yet) is still on its way.
        const done = addons.every((name) => releaseOf(name)?.status === 'deployed');
        if (!done) return outcome();
        changes.push((r) => (r.progress.addonsReadyAt = at));
        replies.push({ key: StepKeys.addons, text: threadReplies.addons(addons) });
      }

      // Everything is up.
      changes.push((r) => {
        r.progress.readyAt = at;
        r.status = 'Running';
      });
      replies.push({ key: StepKeys.ready, text: threadReplies.ready(spec.name, now.getTime() - Date.parse(record.createdAt)) });
      return outcome();
    } catch (error) {
      // What was seen before the error still counts (e.g. the control plane came up).
      return { ...outcome(), error };
    }
  };
}
