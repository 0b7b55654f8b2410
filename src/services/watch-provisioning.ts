import { threadReplies } from '../views/cluster-thread.js';
import { ENDPOINTS, includesPublic, TKEOPS_TAG_KEY } from './cluster-spec.js';
import { plannedAddons, StepKeys } from './cluster-steps.js';
import type { ProvisioningSteps } from './deploy.js';
import type { ClusterRecord, TencentFailure } from './domain/index.js';
import type { ThreadReply } from './threads.js';
import type { EndpointAccess, PendingRelease, Release, TkeGateway, TkeTarget } from './tke.js';
import { during, retriedNextTick, type CheckOutcome, type ClusterCheck } from './watcher.js';

export interface ProvisioningCheckDeps {
  tke: Pick<TkeGateway, 'describeClusterEndpointStatus' | 'describeClusterNodePools' | 'describeClusterReleases' | 'describeClusterPendingReleases'>;
  /** The Deploy steps that need a Running cluster. */
  provisioning: ProvisioningSteps;
}

/** How long the add-on packs may take, from their CreateClusterRelease, before the cluster fails with ReleaseTimeout. */
export const ADDON_DEADLINE_MS = 30 * 60_000;

type Progress = ClusterRecord['progress'];
/** Where each endpoint's steps are recorded. */
const ENDPOINT_PROGRESS = {
  private: { requested: 'privateEndpointRequestedAt', ready: 'privateEndpointReadyAt' },
  public: { requested: 'publicEndpointRequestedAt', ready: 'publicEndpointReadyAt' },
} as const satisfies Record<EndpointAccess, { requested: keyof Progress; ready: keyof Progress }>;

interface EndpointTick {
  record: ClusterRecord;
  target: TkeTarget;
  /** This tick's time, ISO. */
  at: string;
  /** Record changes of this tick, applied at its end. */
  changes: ((r: ClusterRecord) => void)[];
}

/**
 * One tick of the endpoint step. TKE builds one endpoint at a time (and Terraform waits for each):
 * the private endpoint first, the public one once the private one is Created, then, once the
 * public one is Created, its access CIDRs (ModifyClusterEndpointSP). Every call is recorded in the
 * progress, so it is made once, across restarts too; Tencent is asked only about the endpoint
 * being built. `ready` once every endpoint is Created and restricted.
 */
async function followEndpoints(deps: ProvisioningCheckDeps, tick: EndpointTick): Promise<{ ready: boolean } | { fail: TencentFailure }> {
  const { record, target, at, changes } = tick;
  const { progress, spec } = record;
  for (const access of ENDPOINTS[spec.endpointAccess]) {
    const keys = ENDPOINT_PROGRESS[access];
    if (progress[keys.ready]) continue;
    if (!progress[keys.requested]) {
      await during('CreateClusterEndpoint', () => deps.provisioning.requestEndpoint(record.id, access));
      return { ready: false };
    }
    const { status, error } = await during('DescribeClusterEndpointStatus', () =>
      deps.tke.describeClusterEndpointStatus(target, record.tkeClusterId as string, access),
    );
    if (status === 'CreateFailed') {
      return { fail: { code: 'CreateFailed', message: error || `Tencent could not create the ${access} cluster endpoint.`, action: 'CreateClusterEndpoint' } };
    }
    if (status !== 'Created') return { ready: false };
    changes.push((r) => (r.progress[keys.ready] = at));
  }
  if (includesPublic(spec.endpointAccess) && !progress.publicEndpointRestrictedAt) {
    await during('ModifyClusterEndpointSP', () => deps.provisioning.restrictPublicEndpoint(record.id));
  }
  return { ready: true };
}

/**
 * A cluster planned by a tkeops from before add-on packs were Helm releases (its plan names no chart
 * package): tkeops cannot install or follow those packs, and says so rather than wait for nothing.
 */
const outdatedPlan = (packs: string[]): TencentFailure => ({
  code: 'AddonPlanOutdated',
  message:
    `the add-on packs ${packs.join(', ')} were planned by an older tkeops, before they were installed as Helm releases; ` +
    'install them by hand (helm install) or delete the cluster and create it again',
  action: 'CreateClusterRelease',
});

type AddonsTick = { done: true } | { done: false; fail?: TencentFailure };

/**
 * One tick of the add-on step, once CreateClusterRelease was sent for every add-on pack. TKE lists
 * a release in one of two places: DescribeClusterReleases once Helm has recorded it (deployed, or
 * failed with Helm's description), DescribeClusterPendingReleases while it is being installed
 * (a release that fails there never reaches Helm: its Condition says why). The pending list is
 * read only while some pack is missing from the installed one. Packs not all deployed
 * ADDON_DEADLINE_MS after they were requested fail the cluster with ReleaseTimeout.
 */
async function followAddons(deps: ProvisioningCheckDeps, record: ClusterRecord, target: TkeTarget, now: Date): Promise<AddonsTick> {
  const clusterId = record.tkeClusterId as string;
  const addons = plannedAddons(record);
  const namespaces = new Map((record.plan?.addons ?? []).map((a) => [a.name, a.namespace]));
  const find = <R extends { name: string; namespace: string }>(list: readonly R[], name: string) =>
    list.find((r) => r.name === name && r.namespace === namespaces.get(name));

  const installed: Release[] = await during('DescribeClusterReleases', () => deps.tke.describeClusterReleases(target, clusterId));
  const failed = addons.map((name) => find(installed, name)).find((r) => r?.status === 'failed');
  if (failed) {
    return { done: false, fail: { code: 'ReleaseFailed', message: `${failed.name}: ${failed.description || 'the release did not install'}`, action: 'CreateClusterRelease' } };
  }
  const waiting = addons.filter((name) => find(installed, name)?.status !== 'deployed');
  if (waiting.length === 0) return { done: true };

  let pending: PendingRelease[] = [];
  if (waiting.some((name) => !find(installed, name))) {
    pending = await during('DescribeClusterPendingReleases', () => deps.tke.describeClusterPendingReleases(target, clusterId));
    const failedEarly = waiting.map((name) => (find(installed, name) ? undefined : find(pending, name))).find((r) => r?.status === 'failed');
    if (failedEarly) {
      return {
        done: false,
        fail: { code: 'ReleaseFailed', message: `${failedEarly.name}: ${failedEarly.condition || 'the release did not install'}`, action: 'CreateClusterRelease' },
      };
    }
  }
  // Anything else (pending-install, not listed yet) is still on its way, until the deadline.
  const requestedAt = Date.parse(record.progress.addonsRequestedAt ?? record.createdAt);
  if (now.getTime() - requestedAt < ADDON_DEADLINE_MS) return { done: false };
  const lastSeen = (name: string) => find(installed, name)?.status ?? find(pending, name)?.status ?? 'not listed by Tencent';
  return {
    done: false,
    fail: {
      code: 'ReleaseTimeout',
      message: `${waiting.map((name) => `${name} (${lastSeen(name)})`).join(', ')} not deployed ${ADDON_DEADLINE_MS / 60_000} minutes after the add-on packs were requested.`,
      action: 'CreateClusterRelease',
    },
  };
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
 * Follows a cluster from CreateCluster to Running. Once Tencent says Running, the endpoints (one
 * after the other, see followEndpoints) and the worker pools are requested side by side (neither
 * needs the other); add-ons wait for every pool, since their charts need nodes. Replies go out in
 * the order of the steps: a pool that is up before the endpoint is only reported after it. Tencent
 * is asked about endpoints, node pools and add-ons only while the cluster still waits for them.
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

      // Endpoints, and the worker pools beside them: an endpoint call TKE asks to retry later does
      // not hold the pools back.
      let endpointReady = progress.endpointReadyAt !== undefined;
      let endpointError: unknown;
      if (!endpointReady) {
        try {
          const endpoint = await followEndpoints(deps, { record, target, at, changes });
          if ('fail' in endpoint) return { ...outcome(), fail: endpoint.fail };
          if (endpoint.ready) {
            endpointReady = true;
            changes.push((r) => (r.progress.endpointReadyAt = at));
            replies.push({ key: StepKeys.endpoint, text: threadReplies.endpoint(spec.endpointAccess, spec.publicCidrs) });
          }
        } catch (error) {
          // Only an endpoint call to try again next tick lets the worker pools go on; any other error fails the cluster now.
          if (!retriedNextTick(error, record, now)) throw error;
          endpointError = error;
        }
      }
      const poolProgress = (name: string) => progress.pools.find((p) => p.name === name);
      if (spec.workerPools.some((pool) => !poolProgress(pool.name)?.nodePoolId)) {
        await during('CreateClusterNodePool', () => deps.provisioning.createWorkerPools(record.id));
      }
      if (endpointError !== undefined) throw endpointError;
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
        const outdated = (record.plan?.addons ?? []).filter((a) => a.package === '').map((a) => a.name);
        if (outdated.length > 0) return { ...outcome(), fail: outdatedPlan(outdated) };
        if (!progress.addonsRequestedAt) {
          // Pools that came up in this tick are recorded at its end; the add-ons follow next tick.
          if (readyNow.size === 0) await during('CreateClusterRelease', () => deps.provisioning.installAddons(record.id));
          return outcome();
        }
        const step = await followAddons(deps, record, target, now);
        if (!step.done) return step.fail ? { ...outcome(), fail: step.fail } : outcome();
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
