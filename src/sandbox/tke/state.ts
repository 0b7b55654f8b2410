import { randomBytes } from 'node:crypto';
import type { Clock } from '../../services/clock.js';
import type { EmulatorSeed, SeedRegion } from './seed.js';
import { addressIn, parseCidr, type Cidr } from './cidr.js';

/** How long each asynchronous step takes on the emulator clock. */
export interface EmulatorTimings {
  /** Cluster Creating → Running. */
  clusterCreateMs: number;
  /** Endpoint Creating → Created (and its CLB 0 → 1). */
  endpointCreateMs: number;
  /** Node pool nodes Joining → Initializing (half-way) → Normal; instances PENDING → RUNNING. */
  nodeJoinMs: number;
  /** Helm release (CreateClusterRelease) pending-install → deployed (or failed). */
  addonInstallMs: number;
  /** Deleting → gone (or, for a stuck deletion, the point where most resources are gone). */
  clusterDeleteMs: number;
  /** UpdateClusterVersion: the control plane reports Upgrading, then the new ClusterVersion. */
  controlPlaneUpgradeMs: number;
  /** UpgradeClusterInstances: each batch of `Concurrent` nodes takes this long. */
  nodeUpgradeMs: number;
}

export const DEFAULT_TIMINGS: EmulatorTimings = {
  clusterCreateMs: 60_000,
  endpointCreateMs: 30_000,
  nodeJoinMs: 60_000,
  addonInstallMs: 30_000,
  clusterDeleteMs: 60_000,
  controlPlaneUpgradeMs: 120_000,
  nodeUpgradeMs: 60_000,
};

export interface Scope {
  secretId: string;
  region: string;
}
export interface ResourceTag {
  key: string;
  value: string;
}
export type EndpointKind = 'public' | 'private';

export interface EndpointRecord {
  createdAt: number;
  subnetId?: string;
  securityGroup?: string;
  loadBalancerId: string;
  securityPolicies: string[];
  /** Set by `failNextEndpoint`: the endpoint ends CreateFailed with this ErrorMsg. */
  failure?: string;
}
export interface NodePoolRecord {
  nodePoolId: string;
  name: string;
  createdAt: number;
  minSize: number;
  maxSize: number;
  desired: number;
  os: string;
  tags: ResourceTag[];
  /** LaunchConfigurePara.InstanceTags: what the pool's CVM instances (and their disks) are tagged with. */
  instanceTags: ResourceTag[];
  instanceType: string;
  diskType: string;
  diskSizeGb: number;
  keyIds: string[];
  vpcId: string;
  subnetIds: string[];
  instanceIds: string[];
  /** DeleteClusterNodePool: the pool shows `deleting` for nodeJoinMs from then, and is gone after. */
  deletingAt?: number;
}
/** A Helm release CreateClusterRelease installed. */
export interface ReleaseRecord {
  releaseId: string;
  name: string;
  namespace: string;
  chartFrom: 'tke-market' | 'other';
  /** The chart's name (tke-market) or its package URL (other), as sent. */
  chart: string;
  /** The chart's name: Chart for tke-market, the package file's name without version for other. */
  chartName: string;
  chartVersion: string;
  repository: string;
  /** Values.RawOriginal and Values.ValuesType, as sent. */
  values: string;
  valuesType: string;
  createdAt: number;
  /** Set by `failNextAddon`: the release ends failed with this Condition (pending) or Description (helm). */
  failure?: string;
  /** Where a failing release fails: before Helm records it (the default), or after. */
  failStage?: AddonFailStage;
}
export type ReleaseStatus = 'pending-install' | 'deployed' | 'failed';
/**
 * Where a release fails. `pending`: while TKE is still installing it, so it stays in
 * DescribeClusterPendingReleases (Status failed, Condition the reason) and never reaches
 * DescribeClusterReleases. `helm`: after Helm recorded it, so DescribeClusterReleases lists it
 * failed with the reason as its Description.
 */
export type AddonFailStage = 'pending' | 'helm';
/** The two lists TKE shows releases in: DescribeClusterPendingReleases and DescribeClusterReleases. */
export type ReleaseList = 'pending' | 'installed';
export interface DeletionRecord {
  requestedAt: number;
  instanceMode: 'terminate' | 'retain';
  terminateDisks: boolean;
  skipDeletionProtection: boolean;
  stuck: boolean;
  /** A stuck deletion has already released what it could. */
  settled: boolean;
}
export interface ClusterRecord extends Scope {
  clusterId: string;
  name: string;
  description: string;
  version: string;
  os: string;
  /** ClusterAdvancedSettings.ContainerRuntime / RuntimeVersion (see containerRuntimeFor). */
  containerRuntime: 'containerd' | 'docker';
  runtimeVersion?: string;
  vpcId: string;
  networkType: string;
  clusterCidr: string;
  serviceCidr: string;
  eniSubnetIds: string[];
  tags: ResourceTag[];
  createdAt: number;
  endpoints: Partial<Record<EndpointKind, EndpointRecord>>;
  nodePools: NodePoolRecord[];
  releases: ReleaseRecord[];
  deletion?: DeletionRecord;
  /** EnableClusterDeletionProtection / DisableClusterDeletionProtection; DeleteCluster is refused while true. */
  deletionProtection?: boolean;
  /** UpdateClusterVersion under way: the control plane reports Upgrading until controlPlaneUpgradeMs passed. */
  controlPlaneUpgrade?: { from: string; to: string; startedAt: number };
  /** The last UpgradeClusterInstances task (kept once done, as GetUpgradeInstanceProgress shows it). */
  nodeUpgrade?: NodeUpgradeTask;
}
/** A worker node upgrade: `concurrent` nodes at a time, in the order of `instanceIds`, each batch nodeUpgradeMs. */
export interface NodeUpgradeTask {
  upgradeType: string;
  concurrent: number;
  instanceIds: string[];
  version: string;
  startedAt: number;
  /** UpgradeClusterInstances Operation abort: nodes not done by then stay where they are. */
  abortedAt?: number;
}
export type NodeUpgradeState = 'pending' | 'process' | 'done' | 'aborted';
export interface InstanceRecord extends Scope {
  instanceId: string;
  clusterId: string;
  nodePoolId: string;
  name: string;
  zone: string;
  vpcId: string;
  subnetId: string;
  instanceType: string;
  cpu: number;
  memoryGb: number;
  os: string;
  keyIds: string[];
  privateIp: string;
  systemDiskId: string;
  tags: ResourceTag[];
  createdAt: number;
  /** The node's kubelet version: the cluster's when it joined, the target once an upgrade of it is done. */
  version: string;
}
export interface DiskRecord extends Scope {
  diskId: string;
  clusterId: string;
  name: string;
  zone: string;
  instanceId?: string;
  sizeGb: number;
  diskType: string;
  usage: 'SYSTEM_DISK' | 'DATA_DISK';
  tags: ResourceTag[];
  createdAt: number;
}
export interface LoadBalancerRecord extends Scope {
  loadBalancerId: string;
  clusterId: string;
  name: string;
  type: 'OPEN' | 'INTERNAL';
  vpcId: string;
  subnetId?: string;
  vip: string;
  tags: ResourceTag[];
  createdAt: number;
}

export type NodePhase = 'Joining' | 'Initializing' | 'Normal';

/** The tag TKE puts on the resources it creates for a cluster (instances and load balancers here), valued with the cluster id. */
export const TKE_CLUSTER_TAG = 'tke-clusterId';

const PUBLIC_RANGE = parseCidr('43.138.0.0/16') as Cidr;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Everything the emulator remembers. Nothing moves on its own: every reader calls `settle()`,
 * which applies what the clock says has happened (deletions finishing); phases of creations are
 * derived from the clock when asked.
 */
export class EmulatorState {
  timings: EmulatorTimings;
  readonly accounts = new Map<string, string>();
  readonly clusters = new Map<string, ClusterRecord>();
  readonly instances = new Map<string, InstanceRecord>();
  readonly disks = new Map<string, DiskRecord>();
  readonly loadBalancers = new Map<string, LoadBalancerRecord>();
  /** Clusters whose deletion will get stuck, and whether the next deletion will. */
  readonly stickOnDelete = new Set<string>();
  stickNextDeletion = false;
  /** Clusters that report Abnormal (a broken control plane) until they are deleted. */
  readonly abnormal = new Set<string>();
  /** Why the next endpoint created, or the next Helm release created, fails once its duration passes. */
  nextEndpointFailure: string | undefined;
  nextReleaseFailure: { reason: string; stage: AddonFailStage } | undefined;
  private defaultSeed: EmulatorSeed;
  private readonly accountSeeds = new Map<string, EmulatorSeed>();
  private ipCounter = 0;

  constructor(
    private readonly clock: Clock,
    seed: EmulatorSeed,
    timings: EmulatorTimings,
  ) {
    this.defaultSeed = seed;
    this.timings = timings;
  }

  now(): number {
    return this.clock.now().getTime();
  }

  elapsedSince(at: number): number {
    return this.now() - at;
  }

  setSeed(seed: EmulatorSeed, secretId?: string): void {
    if (secretId === undefined) this.defaultSeed = seed;
    else this.accountSeeds.set(secretId, seed);
  }

  regions(secretId: string): SeedRegion[] {
    return (this.accountSeeds.get(secretId) ?? this.defaultSeed).regions;
  }

  regionData(scope: Scope): SeedRegion | undefined {
    return this.regions(scope.secretId).find((r) => r.region === scope.region);
  }

  /** Back to a fresh emulator: no accounts, no clusters or resources, this seed and these timings. */
  reset(seed: EmulatorSeed, timings: EmulatorTimings): void {
    this.accounts.clear();
    this.accountSeeds.clear();
    this.defaultSeed = seed;
    this.timings = timings;
    this.clusters.clear();
    this.instances.clear();
    this.disks.clear();
    this.loadBalancers.clear();
    this.stickOnDelete.clear();
    this.stickNextDeletion = false;
    this.abnormal.clear();
    this.nextEndpointFailure = undefined;
    this.nextReleaseFailure = undefined;
  }

  newId(prefix: string, taken: { has(id: string): boolean }): string {
    for (;;) {
      const bytes = randomBytes(8);
      const id = `${prefix}-${Array.from(bytes, (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('')}`;
      if (!taken.has(id)) return id;
    }
  }

  /** A fresh address inside `cidr` (private addresses) or in a public range. */
  nextIp(cidr?: string): string {
    this.ipCounter += 1;
    return addressIn(parseCidr(cidr ?? '') ?? PUBLIC_RANGE, this.ipCounter);
  }

  // ---- phases, derived from the clock -------------------------------------------------------

  clusterStatus(cluster: ClusterRecord): string {
    if (cluster.deletion) return 'Deleting';
    if (this.abnormal.has(cluster.clusterId)) return 'Abnormal';
    if (this.elapsedSince(cluster.createdAt) < this.timings.clusterCreateMs) return 'Creating';
    if (cluster.controlPlaneUpgrade) return 'Upgrading';
    if (cluster.nodeUpgrade && this.nodeUpgradeLifeState(cluster.nodeUpgrade) === 'process') return 'NodeUpgrading';
    return 'Running';
  }

  /** Where one node of an upgrade task is: its batch's turn comes nodeUpgradeMs after the one before. */
  nodeUpgradeState(task: NodeUpgradeTask, instanceId: string): NodeUpgradeState {
    const batch = Math.floor(task.instanceIds.indexOf(instanceId) / task.concurrent);
    const start = task.startedAt + batch * this.timings.nodeUpgradeMs;
    const end = start + this.timings.nodeUpgradeMs;
    if (task.abortedAt !== undefined && task.abortedAt < end) return 'aborted';
    const now = this.now();
    if (now >= end) return 'done';
    return now >= start ? 'process' : 'pending';
  }

  /** The task's LifeState (GetUpgradeInstanceProgress): process until every node is done, or aborted. */
  nodeUpgradeLifeState(task: NodeUpgradeTask): 'process' | 'done' | 'aborted' {
    const states = task.instanceIds.map((id) => this.nodeUpgradeState(task, id));
    if (states.every((s) => s === 'done')) return 'done';
    return task.abortedAt !== undefined ? 'aborted' : 'process';
  }

  endpointStatus(endpoint: EndpointRecord): 'Creating' | 'Created' | 'CreateFailed' {
    if (this.elapsedSince(endpoint.createdAt) < this.timings.endpointCreateMs) return 'Creating';
    return endpoint.failure === undefined ? 'Created' : 'CreateFailed';
  }

  nodePhase(createdAt: number): NodePhase {
    const elapsed = this.elapsedSince(createdAt);
    if (elapsed >= this.timings.nodeJoinMs) return 'Normal';
    return elapsed >= this.timings.nodeJoinMs / 2 ? 'Initializing' : 'Joining';
  }

  /** CVM InstanceState of a node: PENDING until it has joined, then RUNNING. */
  instanceState(createdAt: number): 'PENDING' | 'RUNNING' {
    return this.nodePhase(createdAt) === 'Normal' ? 'RUNNING' : 'PENDING';
  }

  releaseStatus(release: ReleaseRecord): ReleaseStatus {
    if (this.elapsedSince(release.createdAt) < this.timings.addonInstallMs) return 'pending-install';
    return release.failure === undefined ? 'deployed' : 'failed';
  }

  /**
   * The list a release is in: pending while it installs (and for good when it failed before Helm
   * recorded it), installed once Helm has it, deployed or failed.
   */
  releaseList(release: ReleaseRecord): ReleaseList {
    const status = this.releaseStatus(release);
    if (status === 'pending-install') return 'pending';
    return status === 'failed' && release.failStage !== 'helm' ? 'pending' : 'installed';
  }

  /** The failure `failNextEndpoint` / `failNextAddon` left for the next one created, taken once. */
  takeEndpointFailure(): { failure?: string } {
    const failure = this.nextEndpointFailure;
    this.nextEndpointFailure = undefined;
    return failure === undefined ? {} : { failure };
  }

  takeReleaseFailure(): { failure?: string; failStage?: AddonFailStage } {
    const next = this.nextReleaseFailure;
    this.nextReleaseFailure = undefined;
    return next === undefined ? {} : { failure: next.reason, failStage: next.stage };
  }

  // ---- lookups ------------------------------------------------------------------------------

  /** The cluster if it exists for this account and region (after settling due deletions). */
  findCluster(scope: Scope, clusterId: string): ClusterRecord | undefined {
    this.settle();
    const cluster = this.clusters.get(clusterId);
    return cluster && cluster.secretId === scope.secretId && cluster.region === scope.region ? cluster : undefined;
  }

  clustersIn(scope: Scope): ClusterRecord[] {
    this.settle();
    return [...this.clusters.values()].filter((c) => c.secretId === scope.secretId && c.region === scope.region);
  }

  inScope<T extends Scope>(records: Map<string, T>, scope: Scope): T[] {
    this.settle();
    return [...records.values()].filter((r) => r.secretId === scope.secretId && r.region === scope.region);
  }

  // ---- deletion -----------------------------------------------------------------------------

  /**
   * The clusters with an upgrade or a deletion under way: what settle() looks at. Every request
   * settles first, so looking at every cluster made each request cost as much as the emulator had
   * clusters (a tick of the 1,000-cluster bench spent most of its time there).
   */
  private readonly moving = new Set<ClusterRecord>();

  /** An action started an upgrade or a deletion of `cluster`: settle() follows it until it is over. */
  follow(cluster: ClusterRecord): void {
    this.moving.add(cluster);
  }

  /** Finishes deletions and upgrades whose time has come. */
  settle(): void {
    const now = this.now();
    for (const cluster of [...this.moving]) {
      this.settleUpgrades(cluster, now);
      const deletion = cluster.deletion;
      if (deletion && !deletion.settled && now >= deletion.requestedAt + this.timings.clusterDeleteMs) {
        this.releaseResources(cluster.clusterId, deletion, deletion.stuck);
        if (deletion.stuck) deletion.settled = true;
        else this.forget(cluster.clusterId);
      }
      const upgrading = cluster.controlPlaneUpgrade !== undefined || (cluster.nodeUpgrade !== undefined && this.nodeUpgradeLifeState(cluster.nodeUpgrade) === 'process');
      const deleting = cluster.deletion !== undefined && !cluster.deletion.settled && this.clusters.has(cluster.clusterId);
      if (!upgrading && !deleting) this.moving.delete(cluster);
    }
  }

  /** The control plane at its new version once its time passed; each upgraded node at the task's version. */
  private settleUpgrades(cluster: ClusterRecord, now: number): void {
    const upgrade = cluster.controlPlaneUpgrade;
    if (upgrade && now >= upgrade.startedAt + this.timings.controlPlaneUpgradeMs) {
      cluster.version = upgrade.to;
      cluster.controlPlaneUpgrade = undefined;
    }
    const task = cluster.nodeUpgrade;
    if (!task) return;
    for (const instanceId of task.instanceIds) {
      const instance = this.instances.get(instanceId);
      if (instance && this.nodeUpgradeState(task, instanceId) === 'done') instance.version = task.version;
    }
  }

  /**
   * Releases a cluster's resources as DeleteCluster asked: instances terminated or retained (a
   * system disk goes with its instance), data disks only with CBS terminate, load balancers
   * always. A stuck deletion keeps one instance (with its disk) and one load balancer.
   */
  private releaseResources(clusterId: string, deletion: DeletionRecord, keepOneOfEach: boolean): void {
    const instances = [...this.instances.values()].filter((i) => i.clusterId === clusterId);
    const disks = [...this.disks.values()].filter((d) => d.clusterId === clusterId);
    const loadBalancers = [...this.loadBalancers.values()].filter((lb) => lb.clusterId === clusterId);
    const kept = new Set<string>();
    if (keepOneOfEach) {
      const [instance] = instances;
      if (instance) kept.add(instance.instanceId).add(instance.systemDiskId);
      else if (disks[0]) kept.add(disks[0].diskId);
      if (loadBalancers[0]) kept.add(loadBalancers[0].loadBalancerId);
    }
    if (deletion.instanceMode === 'terminate') {
      for (const instance of instances) if (!kept.has(instance.instanceId)) this.instances.delete(instance.instanceId);
    }
    for (const disk of disks) {
      if (kept.has(disk.diskId)) continue;
      if (disk.instanceId !== undefined && this.instances.has(disk.instanceId)) continue;
      if (disk.usage === 'SYSTEM_DISK' || deletion.terminateDisks) this.disks.delete(disk.diskId);
    }
    for (const lb of loadBalancers) if (!kept.has(lb.loadBalancerId)) this.loadBalancers.delete(lb.loadBalancerId);
  }

  /** Forces a stuck deletion through: the record goes, one of each resource stays behind. */
  forceDelete(cluster: ClusterRecord): void {
    if (cluster.deletion && !cluster.deletion.settled) this.releaseResources(cluster.clusterId, cluster.deletion, true);
    this.forget(cluster.clusterId);
  }

  private forget(clusterId: string): void {
    this.clusters.delete(clusterId);
    this.abnormal.delete(clusterId);
  }

  /** Removes every instance, disk and load balancer recorded for a cluster (orphans included). */
  removeResources(clusterId: string): void {
    for (const [id, r] of this.instances) if (r.clusterId === clusterId) this.instances.delete(id);
    for (const [id, r] of this.disks) if (r.clusterId === clusterId) this.disks.delete(id);
    for (const [id, r] of this.loadBalancers) if (r.clusterId === clusterId) this.loadBalancers.delete(id);
  }
}
