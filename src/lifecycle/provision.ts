import { ENDPOINTS, includesPublic, TKEOPS_TAG_KEY } from '../services/domain/rules.js';
import type { ClusterRecord, TencentFailure } from '../services/domain/index.js';
import type { EndpointAccess, PendingRelease, Release } from '../services/tke.js';
import type { Change, Operation, Step, StepContext, StepTick } from './operation.js';
import { transition } from './states.js';
import { during } from './tencent-calls.js';

/**
 * Provisioning: from CreateCluster to a Running cluster. Once Tencent says Running, the endpoints
 * (one after the other, see followEndpoints) and the worker pools are requested side by side
 * (neither needs the other); add-ons wait for every pool, since their charts need nodes. Replies
 * go out in the order of the steps: a pool that is up before the endpoint is only reported after
 * it. Tencent is asked about endpoints, node pools and add-ons only while the cluster waits for them.
 */

/** How long the add-on packs may take, from their CreateClusterRelease, before the cluster fails with ReleaseTimeout. */
export const ADDON_DEADLINE_MS = 30 * 60_000;

/** tkeops' code for a cluster Deploy recorded but whose CreateCluster never got its answer stored. */
export const CREATE_OUTCOME_UNKNOWN = 'tkeops.CreateClusterOutcomeUnknown';

/** The provisioning thread's step keys (the record's `posted` list), so each step is posted once. */
export const StepKeys = {
  created: 'created',
  controlPlane: 'control-plane',
  endpoint: 'endpoint',
  pool: (name: string) => `pool:${name}`,
  addons: 'addons',
  deletionProtection: 'deletion-protection',
  ready: 'ready',
} as const;

/** Add-on packs Deploy planned for the cluster (from its profile); without any, there is no add-on step. */
export function plannedAddons(record: ClusterRecord): string[] {
  return record.plan?.addons.map((addon) => addon.name) ?? [];
}

const since = (record: ClusterRecord, at: string | undefined) => Date.parse(at ?? record.createdAt) - Date.parse(record.createdAt);
const poolProgress = (record: ClusterRecord, name: string) => record.progress.pools.find((p) => p.name === name);
const done: StepTick = { done: [''] };

type Progress = ClusterRecord['progress'];
/** Where each endpoint's steps are recorded. */
const ENDPOINT_PROGRESS = {
  private: { requested: 'privateEndpointRequestedAt', ready: 'privateEndpointReadyAt' },
  public: { requested: 'publicEndpointRequestedAt', ready: 'publicEndpointReadyAt' },
} as const satisfies Record<EndpointAccess, { requested: keyof Progress; ready: keyof Progress }>;

/**
 * One tick of the endpoint step. TKE builds one endpoint at a time (and Terraform waits for each):
 * the private endpoint first, the public one once the private one is Created, then, once the
 * public one is Created, its access CIDRs (ModifyClusterEndpointSP). Every call is recorded in the
 * progress, so it is made once, across restarts too; Tencent is asked only about the endpoint
 * being built. Done once every endpoint is Created and restricted.
 */
async function followEndpoints({ record, target, now, deps }: StepContext): Promise<StepTick> {
  const { progress, spec } = record;
  const at = now.toISOString();
  const changes: Change[] = [];
  /** What this tick found, recorded only when it found something (a quiet tick writes nothing). */
  const found = (tick: StepTick = {}): StepTick => (changes.length > 0 ? { ...tick, change: (r) => changes.forEach((c) => c(r)) } : tick);
  for (const access of ENDPOINTS[spec.endpointAccess]) {
    const keys = ENDPOINT_PROGRESS[access];
    if (progress[keys.ready]) continue;
    if (!progress[keys.requested]) {
      await during('CreateClusterEndpoint', () => deps.provisioning.requestEndpoint(record.id, access));
      return found();
    }
    const { status, error } = await during('DescribeClusterEndpointStatus', () =>
      deps.tke.describeClusterEndpointStatus(target, record.tkeClusterId as string, access),
    );
    if (status === 'CreateFailed') {
      return { fail: { code: 'CreateFailed', message: error || `Tencent could not create the ${access} cluster endpoint.`, action: 'CreateClusterEndpoint' } };
    }
    if (status !== 'Created') return found();
    changes.push((r) => (r.progress[keys.ready] = at));
  }
  if (includesPublic(spec.endpointAccess) && !progress.publicEndpointRestrictedAt) {
    await during('ModifyClusterEndpointSP', () => deps.provisioning.restrictPublicEndpoint(record.id));
  }
  return found({ done: [''] });
}

/**
 * One tick of the add-on step, once CreateClusterRelease was sent for every add-on pack. TKE lists
 * a release in one of two places: DescribeClusterReleases once Helm has recorded it (deployed, or
 * failed with Helm's description), DescribeClusterPendingReleases while it is being installed
 * (a release that fails there never reaches Helm: its Condition says why). The pending list is
 * read only while some pack is missing from the installed one. Packs not all deployed
 * ADDON_DEADLINE_MS after they were requested fail the cluster with ReleaseTimeout.
 */
async function followAddons({ record, target, now, deps }: StepContext): Promise<StepTick | undefined> {
  const clusterId = record.tkeClusterId as string;
  const addons = plannedAddons(record);
  const namespaces = new Map((record.plan?.addons ?? []).map((a) => [a.name, a.namespace]));
  const find = <R extends { name: string; namespace: string }>(list: readonly R[], name: string) =>
    list.find((r) => r.name === name && r.namespace === namespaces.get(name));
  const failed = (name: string, reason: string): { fail: TencentFailure } => ({
    fail: { code: 'ReleaseFailed', message: `${name}: ${reason || 'the release did not install'}`, action: 'CreateClusterRelease' },
  });

  const installed: Release[] = await during('DescribeClusterReleases', () => deps.tke.describeClusterReleases(target, clusterId));
  const failedRelease = addons.map((name) => find(installed, name)).find((r) => r?.status === 'failed');
  if (failedRelease) return failed(failedRelease.name, failedRelease.description);
  const waiting = addons.filter((name) => find(installed, name)?.status !== 'deployed');
  if (waiting.length === 0) return done;

  let pending: PendingRelease[] = [];
  if (waiting.some((name) => !find(installed, name))) {
    pending = await during('DescribeClusterPendingReleases', () => deps.tke.describeClusterPendingReleases(target, clusterId));
    const failedEarly = waiting.map((name) => (find(installed, name) ? undefined : find(pending, name))).find((r) => r?.status === 'failed');
    if (failedEarly) return failed(failedEarly.name, failedEarly.condition);
  }
  // Anything else (pending-install, not listed yet) is still on its way, until the deadline.
  const requestedAt = Date.parse(record.progress.addonsRequestedAt ?? record.createdAt);
  if (now.getTime() - requestedAt < ADDON_DEADLINE_MS) return undefined;
  const lastSeen = (name: string) => find(installed, name)?.status ?? find(pending, name)?.status ?? 'not listed by Tencent';
  return {
    fail: {
      code: 'ReleaseTimeout',
      message: `${waiting.map((name) => `${name} (${lastSeen(name)})`).join(', ')} not deployed ${ADDON_DEADLINE_MS / 60_000} minutes after the add-on packs were requested.`,
      action: 'CreateClusterRelease',
    },
  };
}

/** The provisioning steps, in the order the overview lists them and the thread tells them. */
export const provisioningSteps: readonly Step[] = [
  {
    key: StepKeys.created,
    label: () => 'Cluster created',
    records: 'tkeClusterId (Deploy stores CreateCluster’s answer; the watcher adopts a cluster found by its tkeops tag)',
    doneAt: (r) => (r.tkeClusterId ? r.createdAt : undefined),
    record: () => undefined,
    /**
     * Waits for a cluster still Creating without a TKE cluster id well after Deploy (the app died
     * between recording it and storing CreateCluster's answer): the watcher looked for it at
     * Tencent by the tkeops tag every cluster Deploy creates carries. If Tencent has it, it is
     * adopted and provisioning goes on; if not, it fails with a clear code, so it can be deleted
     * (without calling Tencent) and its name used again.
     */
    advance: ({ record, tencent, now }) => {
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
        done: [''],
        change: (r) => {
          r.tkeClusterId = clusterId;
          transition(r, 'Provisioning', now.toISOString());
        },
      });
    },
    reply: (r) => ({ kind: 'clusterCreated', tkeClusterId: r.tkeClusterId as string, region: r.spec.region }),
  },
  {
    key: StepKeys.controlPlane,
    label: () => 'Control plane running',
    after: [StepKeys.created],
    afterRecorded: true,
    records: 'progress.controlPlaneRunningAt',
    doneAt: (r) => r.progress.controlPlaneRunningAt,
    record: (r, at) => (r.progress.controlPlaneRunningAt = at),
    advance: ({ tencent }) => Promise.resolve(tencent?.status === 'Running' ? done : undefined),
    reply: (r) => ({ kind: 'controlPlaneRunning', elapsedMs: since(r, r.progress.controlPlaneRunningAt) }),
  },
  {
    key: StepKeys.endpoint,
    label: () => 'Endpoint ready',
    after: [StepKeys.controlPlane],
    // An endpoint call TKE asks to retry later does not hold the worker pools back.
    othersGoOnWhileRetried: true,
    records: 'progress.endpointReadyAt (each endpoint’s call and Created in progress.private…/public…EndpointRequestedAt/ReadyAt, publicEndpointRestrictedAt)',
    doneAt: (r) => r.progress.endpointReadyAt,
    record: (r, at) => (r.progress.endpointReadyAt = at),
    advance: followEndpoints,
    reply: (r) => ({
      kind: 'endpointReady',
      access: r.spec.endpointAccess,
      cidrs: includesPublic(r.spec.endpointAccess) ? r.spec.publicCidrs : [],
    }),
  },
  {
    key: 'pools-requested',
    after: [StepKeys.controlPlane],
    // createWorkerPools creates only the pools without a node pool id, adopting by name one created before.
    retryable: { action: 'CreateClusterNodePool', label: 'Create the worker pools (CreateClusterNodePool)' },
    records: 'progress.pools[].requestedAt / nodePoolId (written by CreateClusterNodePool’s caller as each is made)',
    doneAt: (r) => (r.spec.workerPools.every((pool) => poolProgress(r, pool.name)?.nodePoolId) ? r.createdAt : undefined),
    record: () => undefined,
    advance: async ({ record, deps }) => {
      await during('CreateClusterNodePool', () => deps.provisioning.createWorkerPools(record.id));
      return undefined;
    },
  },
  {
    key: 'pool',
    items: (r) => r.spec.workerPools.map((pool) => pool.name),
    label: (_r, pool) => `Worker pool ${pool} ready`,
    after: [StepKeys.endpoint],
    records: 'progress.pools[].readyAt and readyNodes',
    doneAt: (r, pool) => poolProgress(r, pool)?.readyAt,
    record: (r, at, pool) => {
      const entry = poolProgress(r, pool);
      if (entry) entry.readyAt = at;
    },
    /** Waits for Tencent's node pool to be normal with its desired nodes ready (one DescribeClusterNodePools for all). */
    advance: async ({ record, target, deps }, pending) => {
      const waiting = pending.filter((name) => poolProgress(record, name)?.nodePoolId);
      if (waiting.length === 0) return undefined;
      const pools = await during('DescribeClusterNodePools', () => deps.tke.describeClusterNodePools(target, record.tkeClusterId as string));
      const ready: { name: string; readyNodes: number }[] = [];
      for (const name of waiting) {
        const found = pools.find((p) => p.nodePoolId === poolProgress(record, name)?.nodePoolId);
        if (found && found.lifeState === 'normal' && found.readyNodes >= found.desired) ready.push({ name, readyNodes: found.readyNodes });
      }
      if (ready.length === 0) return undefined;
      return {
        done: ready.map((p) => p.name),
        change: (r) => ready.forEach((p) => Object.assign(poolProgress(r, p.name) ?? {}, { readyNodes: p.readyNodes })),
      };
    },
    reply: (r, name) => {
      const pool = r.spec.workerPools.find((p) => p.name === name);
      const desired = pool?.desiredSize ?? 0;
      return { kind: 'poolReady', pool: name, readyNodes: poolProgress(r, name)?.readyNodes ?? desired, desired, instanceType: pool?.instanceType ?? '' };
    },
  },
  {
    key: 'addons-requested',
    plannedFor: (r) => plannedAddons(r).length > 0,
    // Pools that came up in this tick are recorded at its end; the add-ons follow next tick.
    after: ['pool'],
    afterRecorded: true,
    // installAddons creates only the releases not created yet, looking in TKE's two lists first.
    retryable: { action: 'CreateClusterRelease', label: 'Install the add-on packs (CreateClusterRelease)' },
    records: 'progress.addonsRequestedAt and progress.addons[] (written by CreateClusterRelease’s caller)',
    doneAt: (r) => r.progress.addonsRequestedAt,
    record: () => undefined,
    advance: async ({ record, deps }) => {
      await during('CreateClusterRelease', () => deps.provisioning.installAddons(record.id));
      return undefined;
    },
  },
  {
    key: StepKeys.addons,
    plannedFor: (r) => plannedAddons(r).length > 0,
    label: (r) => `Add-ons installed (${plannedAddons(r).join(', ')})`,
    after: ['addons-requested'],
    records: 'progress.addonsReadyAt',
    doneAt: (r) => r.progress.addonsReadyAt,
    record: (r, at) => (r.progress.addonsReadyAt = at),
    advance: followAddons,
    reply: (r) => ({ kind: 'addonsInstalled', names: plannedAddons(r) }),
  },
  {
    key: StepKeys.deletionProtection,
    plannedFor: (r) => r.plan?.deletionProtection === true,
    label: () => 'Deletion protection on',
    after: [StepKeys.controlPlane],
    afterRecorded: true,
    records: 'deletionProtection (on, by the requester, at)',
    doneAt: (r) => r.deletionProtection?.at,
    record: (r, at) => (r.deletionProtection = { on: true, by: r.requestedBy, at }),
    /** EnableClusterDeletionProtection, as the profile asks: Tencent takes it again harmlessly after a restart. */
    advance: async ({ record, target, deps }) => {
      await during('EnableClusterDeletionProtection', () => deps.tke.setClusterDeletionProtection(target, record.tkeClusterId as string, true));
      return done;
    },
  },
  {
    key: StepKeys.ready,
    label: () => 'Cluster ready',
    after: 'all',
    records: 'progress.readyAt; status Running',
    doneAt: (r) => r.progress.readyAt,
    record: (r, at) => {
      r.progress.readyAt = at;
      transition(r, 'Running', at);
    },
    /** Reads the API server's addresses for the ready reply; a failure there does not hold the cluster back. */
    advance: async ({ record, target, deps }) => {
      try {
        const apiServer = await deps.tke.describeClusterEndpoints(target, record.tkeClusterId as string);
        return { done: [''], change: (r) => (r.apiServer = apiServer) };
      } catch (error) {
        deps.logger.warn({ clusterId: record.id, code: (error as { code?: unknown }).code }, 'could not read the API server addresses');
        return done;
      }
    },
    reply: (r) => ({
      kind: 'clusterReady',
      name: r.spec.name,
      totalMs: since(r, r.progress.readyAt),
      clusterId: r.id,
      requestedBy: r.requestedBy,
      endpoints: ENDPOINTS[r.spec.endpointAccess].filter((access) => r.progress[ENDPOINT_PROGRESS[access].ready]),
      apiServer: r.apiServer,
      region: r.spec.region,
      ...(r.tkeClusterId ? { tkeClusterId: r.tkeClusterId } : {}),
    }),
  },
];

export const provisionOperation: Operation = {
  name: 'provision',
  watches: ['Creating', 'Provisioning'],
  failsOnError: true,
  guard: ({ record, tencent }) => {
    // Deploy stores the TKE id and Provisioning in one write: Creating with an id is Deploy's answer on its way.
    if (record.status === 'Creating' && record.tkeClusterId) return 'skip';
    if (!record.tkeClusterId) return undefined;
    if (!tencent) return { code: 'ResourceNotFound.ClusterNotFound', message: `Tencent no longer has cluster ${record.tkeClusterId}.`, action: 'DescribeClusters' };
    if (tencent.status === 'Abnormal') return { code: 'Abnormal', message: `Tencent reports cluster ${record.tkeClusterId} as Abnormal.`, action: 'DescribeClusters' };
    return undefined;
  },
  steps: provisioningSteps,
};

/** A copy of the provisioning operation with `step` placed before the step `beforeKey` (by default before "Cluster ready"). */
export function withStep(operation: Operation, step: Step, beforeKey: string = StepKeys.ready): Operation {
  const at = operation.steps.findIndex((s) => s.key === beforeKey);
  const steps = [...operation.steps];
  steps.splice(at < 0 ? steps.length : at, 0, step);
  return { ...operation, steps };
}
