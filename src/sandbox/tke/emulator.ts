import { systemClock, type Clock } from '../../services/clock.js';
import { Faults, type InjectedFailure } from './faults.js';
import { handleApiRequest, type RawRequest, type RecordedRequest } from './api.js';
import { demoSeed, seedSchema, type EmulatorSeedInput } from './seed.js';
import {
  DEFAULT_TIMINGS,
  EmulatorState,
  type AddonFailStage,
  type ClusterRecord,
  type DiskRecord,
  type EmulatorTimings,
  type EndpointRecord,
  type InstanceRecord,
  type LoadBalancerRecord,
  type NodePoolRecord,
  type ReleaseList,
  type ReleaseRecord,
  type ReleaseStatus,
} from './state.js';

export interface EmulatorAccount {
  secretId: string;
  secretKey: string;
}

export interface TkeEmulatorOptions {
  /** Drives every lifecycle (Creating → Running, Deleting → gone). The emulator never reads Date.now. */
  clock: Clock;
  /**
   * Checks X-TC-Timestamp (±5 min, else AuthFailure.SignatureExpire) and stamps `receivedAt`.
   * Defaults to the system clock, because the SDK stamps requests with the real time while
   * tests move `clock` by hours.
   */
  wallClock?: Clock;
  accounts?: EmulatorAccount[];
  /** Region data; the demo seed when absent. */
  seed?: EmulatorSeedInput;
  timings?: Partial<EmulatorTimings>;
  /** Port on 127.0.0.1; 0 (any free port) by default. */
  port?: number;
  host?: string;
}

export interface EndpointSnapshot extends EndpointRecord {
  status: 'Creating' | 'Created' | 'CreateFailed';
}
export interface NodePoolSnapshot extends NodePoolRecord {
  readyNodes: number;
  totalNodes: number;
}
export interface ReleaseSnapshot extends ReleaseRecord {
  status: ReleaseStatus;
  /** Where TKE lists it: DescribeClusterPendingReleases (pending) or DescribeClusterReleases (installed). */
  list: ReleaseList;
}
export interface ClusterSnapshot extends Omit<ClusterRecord, 'endpoints' | 'nodePools' | 'releases'> {
  status: string;
  endpoints: { public?: EndpointSnapshot; private?: EndpointSnapshot };
  nodePools: NodePoolSnapshot[];
  /** Helm releases (CreateClusterRelease), oldest first. */
  releases: ReleaseSnapshot[];
}
export interface InstanceSnapshot extends InstanceRecord {
  state: string;
}
export interface ClusterResources {
  instances: InstanceSnapshot[];
  disks: DiskRecord[];
  loadBalancers: LoadBalancerRecord[];
}

/** The controls a test (or, over HTTP, another process) uses to drive the emulator. */
export interface TkeEmulatorControls {
  readonly clock: Clock;
  readonly timings: EmulatorTimings;
  registerAccount(account: EmulatorAccount): void;
  /** Replaces the region data of every account, or of one account. */
  seed(seed: EmulatorSeedInput, options?: { secretId?: string }): void;
  setTimings(timings: Partial<EmulatorTimings>): EmulatorTimings;
  /** The next `times` (default 1) calls of `action` ('*' = any) fail with this code and message. */
  failNext(action: string, failure: InjectedFailure): void;
  /** The next `times` (default 1) calls of `action` answer RequestLimitExceeded. */
  throttle(action: string, times?: number): void;
  /** Real wall-clock delay before answering `action` ('*' = every action); 0 removes it. */
  latency(action: string, ms: number): void;
  /** Calls of `action` are recorded and then wait, unanswered, until the returned function is called (tests of work in flight). */
  hold(action: string): () => void;
  /**
   * The deletion of this cluster (or of the next cluster deleted) gets stuck: it stays Deleting
   * forever and, once the delete duration has passed, keeps one instance (with its system disk)
   * and one load balancer. Deleting it again removes the record; those leftovers stay (orphans,
   * still tagged tke-clusterId) until `removeResources`.
   */
  stickDeleting(clusterId: string | 'next'): void;
  /** The cluster reports Abnormal (a broken control plane) until it is deleted. */
  markAbnormal(clusterId: string): void;
  /** The next endpoint created ends CreateFailed, with this ErrorMsg, once its create duration has passed. */
  failNextEndpoint(message: string): void;
  /**
   * The next Helm release created (CreateClusterRelease, how add-on packs are installed) ends
   * `failed` once its install duration (addonInstallMs) has passed. By default it fails before
   * Helm records it: it stays in DescribeClusterPendingReleases with Status failed and this
   * Condition, and never appears in DescribeClusterReleases. With `stage: 'helm'` it fails after:
   * DescribeClusterReleases lists it failed with this Description.
   */
  failNextAddon(reason: string, options?: { stage?: AddonFailStage }): void;
  /** Every API request received so far, oldest first. */
  readonly requests: RecordedRequest[];
  requestsFor(action: string): RecordedRequest[];
  clearRequests(): void;
  cluster(clusterId: string): ClusterSnapshot | undefined;
  clusters(): ClusterSnapshot[];
  /** Instances, disks and load balancers still present for a cluster (even after it is gone). */
  resources(clusterId: string): ClusterResources;
  removeResources(clusterId: string): void;
  /** Back to the start: the initial accounts, seed and timings; no clusters, faults or requests. */
  reset(): void;
}

export interface EmulatorCore extends TkeEmulatorControls {
  handle(request: RawRequest): Promise<object>;
}

export function createEmulatorCore(options: TkeEmulatorOptions): EmulatorCore {
  const initialSeed = options.seed === undefined ? demoSeed() : seedSchema.parse(options.seed);
  const initialTimings = (): EmulatorTimings => ({ ...DEFAULT_TIMINGS, ...options.timings });
  const state = new EmulatorState(options.clock, initialSeed, initialTimings());
  const faults = new Faults();
  const wallClock = options.wallClock ?? systemClock;
  let log: RecordedRequest[] = [];
  const registerInitialAccounts = () => {
    for (const account of options.accounts ?? []) state.accounts.set(account.secretId, account.secretKey);
  };
  registerInitialAccounts();

  const snapshot = (record: ClusterRecord): ClusterSnapshot => {
    const copy = structuredClone(record);
    const endpoint = (e: EndpointRecord | undefined): EndpointSnapshot | undefined =>
      e ? { ...e, status: state.endpointStatus(e) } : undefined;
    return {
      ...copy,
      status: state.clusterStatus(record),
      endpoints: { public: endpoint(copy.endpoints.public), private: endpoint(copy.endpoints.private) },
      nodePools: copy.nodePools.map((pool) => {
        const alive = pool.instanceIds.flatMap((id) => state.instances.get(id) ?? []);
        return {
          ...pool,
          totalNodes: alive.length,
          readyNodes: alive.filter((i) => state.nodePhase(i.createdAt) === 'Normal').length,
        };
      }),
      releases: copy.releases.map((r) => ({ ...r, status: state.releaseStatus(r), list: state.releaseList(r) })),
    };
  };

  return {
    clock: options.clock,
    get timings() {
      return { ...state.timings };
    },
    registerAccount: (account) => state.accounts.set(account.secretId, account.secretKey),
    seed: (seed, seedOptions) => state.setSeed(seedSchema.parse(seed), seedOptions?.secretId),
    setTimings: (timings) => {
      state.timings = { ...state.timings, ...timings };
      return { ...state.timings };
    },
    failNext: (action, failure) => faults.failNext(action, failure),
    throttle: (action, times = 1) => faults.throttle(action, times),
    latency: (action, ms) => faults.latency(action, ms),
    hold: (action) => faults.hold(action),
    stickDeleting: (clusterId) => {
      if (clusterId === 'next') {
        state.stickNextDeletion = true;
        return;
      }
      state.settle();
      const deletion = state.clusters.get(clusterId)?.deletion;
      if (deletion) deletion.stuck = true;
      else state.stickOnDelete.add(clusterId);
    },
    markAbnormal: (clusterId) => {
      state.abnormal.add(clusterId);
    },
    failNextEndpoint: (message) => {
      state.nextEndpointFailure = message;
    },
    failNextAddon: (reason, failOptions) => {
      state.nextReleaseFailure = { reason, stage: failOptions?.stage ?? 'pending' };
    },
    get requests() {
      return [...log];
    },
    requestsFor: (action) => log.filter((r) => r.action === action),
    clearRequests: () => {
      log = [];
    },
    cluster: (clusterId) => {
      state.settle();
      const record = state.clusters.get(clusterId);
      return record ? snapshot(record) : undefined;
    },
    clusters: () => {
      state.settle();
      return [...state.clusters.values()].map(snapshot);
    },
    resources: (clusterId) => {
      state.settle();
      const mine = <T extends { clusterId: string }>(records: Map<string, T>) =>
        [...records.values()].filter((r) => r.clusterId === clusterId).map((r) => structuredClone(r));
      return {
        instances: mine(state.instances).map((i) => ({ ...i, state: state.instanceState(i.createdAt) })),
        disks: mine(state.disks),
        loadBalancers: mine(state.loadBalancers),
      };
    },
    removeResources: (clusterId) => state.removeResources(clusterId),
    reset: () => {
      state.reset(initialSeed, initialTimings());
      registerInitialAccounts();
      faults.reset();
      log = [];
    },
    handle: (request) => handleApiRequest({ state, faults, wallClock, record: (entry) => log.push(entry) }, request),
  };
}
