/**
 * The TKE gateway: every Tencent Cloud call tkeops makes, in tkeops' own terms.
 * The implementation (tke-gateway.ts) is built on tencentcloud-sdk-nodejs clients.
 */
import type { RuntimeChoice } from './domain/cluster.js';

export type { RuntimeChoice };

/** What is needed to sign a request to Tencent Cloud. */
export interface TencentCredential {
  secretId: string;
  secretKey: string;
}

/** Scope of one call: whose credentials, which region. */
export interface TkeTarget {
  credential: TencentCredential;
  region: string;
}

/** Tencent's codes for "something went wrong on our side, try again" (UnexceptedInternal is Tencent's own spelling). */
const TRANSIENT_CODES = new Set(['InternalError', 'InternalError.UnexpectedInternal', 'InternalError.UnexceptedInternal', 'NetworkError']);

/** The one error every failed Tencent call becomes. */
export class TencentError extends Error {
  readonly code: string;
  readonly requestId: string | undefined;
  constructor(code: string, message: string, requestId?: string) {
    super(`${code}: ${message}`);
    this.name = 'TencentError';
    this.code = code;
    this.requestId = requestId;
  }
  /** The bare Tencent message, without the code prefix. */
  get tencentMessage(): string {
    return this.message.slice(this.code.length + 2);
  }
  /**
   * Errors worth another try: throttling, Tencent's unexpected internal errors, the network. Other
   * `InternalError.*` codes are final answers (CamNoAuth, QuotaMaxNodLimit, InsufficientBalance, ...).
   */
  get transient(): boolean {
    return this.code.startsWith('RequestLimitExceeded') || TRANSIENT_CODES.has(this.code);
  }
}

export interface Region {
  region: string;
  name: string;
  available: boolean;
}
export interface Zone {
  zone: string;
  name: string;
  available: boolean;
}
export interface KeyPair {
  keyId: string;
  keyName: string;
}
export interface Vpc {
  vpcId: string;
  name: string;
  cidr: string;
}
export interface Subnet {
  subnetId: string;
  vpcId: string;
  name: string;
  zone: string;
  cidr: string;
}
export interface InstanceTypeConfig {
  instanceType: string;
  zone: string;
  cpu: number;
  memoryGb: number;
  /** GPUs per instance as CVM reports them (GPU, else GpuCount); undefined when CVM reports neither. */
  gpu?: number | undefined;
}
export interface Tag {
  key: string;
  value: string;
}

/** TKE's cluster states tkeops acts on; others are kept as they come. */
export type TkeClusterStatus = 'Creating' | 'Running' | 'Abnormal' | 'Deleting' | (string & {});

export interface TkeCluster {
  clusterId: string;
  name: string;
  status: TkeClusterStatus;
  tags: Tag[];
  /** ClusterNetworkSettings: its VPC and the CIDRs it takes there ('' when Tencent gives none). */
  network?: { vpcId: string; clusterCidr: string; serviceCidr: string };
  /** ClusterVersion: the control plane's Kubernetes version. */
  version?: string;
}

/** A worker node upgrade's progress (GetUpgradeInstanceProgress): the task's LifeState and each node's. */
export interface UpgradeProgress {
  /** pending, process, paused, pauing, done, timeout, aborted ('' when Tencent gives none). */
  lifeState: string;
  nodes: { instanceId: string; lifeState: string }[];
}

export interface CreateClusterInput {
  name: string;
  description: string;
  kubernetesVersion: string;
  /** Always sent: an omitted ContainerRuntime means docker to TKE, which Kubernetes 1.24+ cannot run. */
  runtime: RuntimeChoice;
  /** ClusterOs, e.g. ubuntu18.04.1x86_64 */
  os: string;
  vpcId: string;
  /** Container network: a pod CIDR for GlobalRouter, or VPC-CNI with the subnets it may use; either may set the service CIDR. */
  network: { mode: 'GR'; clusterCidr: string; serviceCidr?: string } | { mode: 'VPC-CNI'; subnetIds: string[]; serviceCidr?: string };
  tags: Tag[];
}

export type EndpointAccess = 'public' | 'private';
export type EndpointStatus = 'Creating' | 'Created' | 'CreateFailed' | 'NotFound' | (string & {});

export interface CreateEndpointInput {
  clusterId: string;
  access: EndpointAccess;
  /** Private endpoints live in a subnet of the cluster's VPC. */
  subnetId?: string;
}

export interface CreateNodePoolInput {
  clusterId: string;
  name: string;
  minSize: number;
  maxSize: number;
  desiredSize: number;
  vpcId: string;
  subnetIds: string[];
  instanceType: string;
  systemDiskGb: number;
  keyIds: string[];
  os: string;
  tags: Tag[];
  /** The cluster's runtime, sent with the pool (TKE's node pool level ContainerRuntime); absent for plans made before tkeops sent it. */
  runtime?: RuntimeChoice | undefined;
}

export interface NodePool {
  nodePoolId: string;
  name: string;
  /** TKE LifeState: creating, normal, updating, deleting, deleted */
  lifeState: string;
  desired: number;
  /** The pool's size range (MinNodesNum / MaxNodesNum), when Tencent reports it. */
  minNodes?: number;
  maxNodes?: number;
  /** Nodes that joined and are Normal. */
  readyNodes: number;
  totalNodes: number;
}

/** Helm's release statuses, as TKE reports them; others are kept as they come. */
export type ReleaseStatus =
  | 'pending-install'
  | 'deployed'
  | 'failed'
  | 'pending-upgrade'
  | 'pending-rollback'
  | 'superseded'
  | 'uninstalling'
  | 'uninstalled'
  | 'unknown'
  | (string & {});

/** A Helm release in a cluster (how an add-on pack is installed). */
export interface Release {
  name: string;
  namespace: string;
  status: ReleaseStatus;
  /** Helm's description: why a failed release failed. */
  description: string;
}

/**
 * A Helm release TKE is still installing (DescribeClusterPendingReleases): it is listed there, not
 * among the installed releases, until Helm has recorded it; one that fails this early never leaves
 * this list.
 */
export interface PendingRelease {
  name: string;
  namespace: string;
  /** pending-install while it installs; failed when it could not be installed. */
  status: ReleaseStatus;
  /** Tencent's detail of the status: why a failed release failed. */
  condition: string;
}

export interface CreateReleaseInput {
  clusterId: string;
  /** Release name: lowercase letters, digits and dashes, starting with a letter, at most 63 characters. */
  name: string;
  namespace: string;
  /** The chart package URL Tencent downloads (ends in .tgz; no redirect). */
  chart: string;
  chartVersion: string;
  /** The Helm repository URL. */
  repository: string;
  /** Helm values, YAML. */
  values: string;
}

export interface Instance {
  instanceId: string;
  name: string;
  state: string;
  tags: Tag[];
}
export interface Disk {
  diskId: string;
  name: string;
  state: string;
  tags: Tag[];
}
export interface LoadBalancer {
  loadBalancerId: string;
  name: string;
  tags: Tag[];
}

/** Cloud resources still present for a cluster (found by the tag TKE puts on them, with the cluster's id). */
export interface LeftoverResources {
  instances: Instance[];
  disks: Disk[];
  loadBalancers: LoadBalancer[];
}

export interface DeleteClusterOptions {
  /** Terminate the cluster's CVM instances (InstanceDeleteMode=terminate). */
  terminateInstances: boolean;
  /** Also terminate CBS disks (ResourceDeleteOptions CBS terminate). */
  terminateDisks: boolean;
  /**
   * Force delete: also the resources under deletion protection (a CLB with endpoints counts as one).
   * Sent as SkipDeletionProtection=false for CBS and CLB, which Tencent reads as "do not skip them".
   */
  includeProtected?: boolean;
}

/**
 * A pay-as-you-go price per hour, as Tencent quotes it. CVM's ItemPrice is in 元 and TKE's
 * GetClusterLevelPrice in 分 (the SDK models say so: cvm_models ItemPrice "单位：元",
 * tke_models GetClusterLevelPriceResponse.Cost "单位：分"); neither answer names a currency, so
 * the gateway converts 分 to 元 and calls the unit CNY.
 */
export interface HourlyPrice {
  /** After Tencent's discount (CVM UnitPriceDiscount, TKE Cost). */
  perHour: number;
  /** Before it (CVM UnitPrice, TKE TotalCost). */
  listPerHour: number;
  currency: string;
}

/** One instance of a worker pool, as Deploy's node pools launch it (InquiryPriceRunInstances). */
export interface InstancePriceInput {
  zone: string;
  instanceType: string;
  /** InquiryPriceRunInstances requires an image: the node OS's public image (describeOsImages). */
  imageId: string;
  systemDiskGb: number;
}

/** A node OS TKE offers (DescribeOSImages): the name NodePoolOs takes and its public image id. */
export interface OsImage {
  osName: string;
  alias: string;
  imageId: string;
}

/** Where a cluster's API server answers (DescribeClusterEndpoints); an address is absent until its endpoint is Created. */
export interface ClusterEndpoints {
  /** ClusterExternalEndpoint: the public endpoint's address. */
  external?: string | undefined;
  /** ClusterIntranetEndpoint: the private endpoint's address (in the VPC). */
  intranet?: string | undefined;
  /** ClusterDomain: the API server's domain name. */
  domain?: string | undefined;
}

export interface TkeGateway {
  // TKE
  describeClusterEndpoints(target: TkeTarget, clusterId: string): Promise<ClusterEndpoints>;
  /** The kubeconfig of the caller's sub-account (DescribeClusterKubeconfig): an admin credential, never logged or stored. */
  describeClusterKubeconfig(target: TkeTarget, clusterId: string, access: EndpointAccess): Promise<string>;
  /** EnableClusterDeletionProtection (on) or DisableClusterDeletionProtection. */
  setClusterDeletionProtection(target: TkeTarget, clusterId: string, on: boolean): Promise<void>;
  describeRegions(credential: TencentCredential): Promise<Region[]>;
  createCluster(target: TkeTarget, input: CreateClusterInput): Promise<{ clusterId: string }>;
  /** At most 100 ids per call; an empty list describes every cluster of the account in the region. */
  describeClusters(target: TkeTarget, clusterIds: string[]): Promise<TkeCluster[]>;
  describeClusterStatus(target: TkeTarget, clusterIds: string[]): Promise<{ clusterId: string; status: TkeClusterStatus }[]>;
  createClusterEndpoint(target: TkeTarget, input: CreateEndpointInput): Promise<void>;
  describeClusterEndpointStatus(target: TkeTarget, clusterId: string, access: EndpointAccess): Promise<{ status: EndpointStatus; error: string }>;
  /** Restricts the public endpoint to these CIDRs (ModifyClusterEndpointSP). */
  restrictClusterEndpoint(target: TkeTarget, clusterId: string, cidrs: string[]): Promise<void>;
  createClusterNodePool(target: TkeTarget, input: CreateNodePoolInput): Promise<{ nodePoolId: string }>;
  describeClusterNodePools(target: TkeTarget, clusterId: string): Promise<NodePool[]>;
  /** A pool's size range (ModifyClusterNodePool MinNodesNum / MaxNodesNum). */
  modifyNodePoolRange(target: TkeTarget, input: { clusterId: string; nodePoolId: string; minSize: number; maxSize: number }): Promise<void>;
  /** Deletes a node pool and terminates its instances (DeleteClusterNodePool, KeepInstance false). */
  deleteClusterNodePool(target: TkeTarget, input: { clusterId: string; nodePoolId: string }): Promise<void>;
  /** A pool's desired node count (ModifyNodePoolDesiredCapacityAboutAsg DesiredCapacity). */
  modifyNodePoolDesired(target: TkeTarget, input: { clusterId: string; nodePoolId: string; desiredSize: number }): Promise<void>;
  /** The Kubernetes versions the cluster may be upgraded to (DescribeAvailableClusterVersion). */
  describeAvailableClusterVersions(target: TkeTarget, clusterId: string): Promise<string[]>;
  /** Upgrades the control plane (UpdateClusterVersion DstVersion). */
  updateClusterVersion(target: TkeTarget, input: { clusterId: string; version: string }): Promise<void>;
  /** The nodes behind the control plane's version (CheckInstancesUpgradeAble, every page). */
  checkInstancesUpgradeAble(target: TkeTarget, input: { clusterId: string; upgradeType: string }): Promise<{ controlPlane: string; nodes: { instanceId: string; version: string }[] }>;
  /** Starts upgrading these nodes (UpgradeClusterInstances Operation create), `concurrent` at a time. */
  upgradeClusterInstances(target: TkeTarget, input: { clusterId: string; upgradeType: string; instanceIds: string[]; concurrent: number }): Promise<void>;
  getUpgradeInstanceProgress(target: TkeTarget, clusterId: string): Promise<UpgradeProgress>;
  /** Installs a Helm chart from a chart repository (CreateClusterRelease, ChartFrom other). */
  createClusterRelease(target: TkeTarget, input: CreateReleaseInput): Promise<void>;
  /** Every Helm release of the cluster Helm has recorded (installed or failed), all namespaces. */
  describeClusterReleases(target: TkeTarget, clusterId: string): Promise<Release[]>;
  /** The releases TKE is still installing, or failed to install before Helm recorded them. */
  describeClusterPendingReleases(target: TkeTarget, clusterId: string): Promise<PendingRelease[]>;
  deleteCluster(target: TkeTarget, clusterId: string, options: DeleteClusterOptions): Promise<void>;
  /** The node OS images TKE offers, with their image ids. */
  describeOsImages(target: TkeTarget): Promise<OsImage[]>;
  /** The managed control plane's price for a cluster level (GetClusterLevelPrice), per hour. */
  clusterLevelPrice(target: TkeTarget, level: string): Promise<HourlyPrice>;
  // CVM
  /** One pay-as-you-go instance with its system disk (and no public bandwidth, as node pools launch them), per hour. */
  instancePrice(target: TkeTarget, input: InstancePriceInput): Promise<HourlyPrice>;
  describeKeyPairs(target: TkeTarget): Promise<KeyPair[]>;
  describeZones(target: TkeTarget): Promise<Zone[]>;
  describeInstanceTypeConfigs(target: TkeTarget, zones: string[]): Promise<InstanceTypeConfig[]>;
  describeInstances(target: TkeTarget, filter: { tagKey: string; tagValue: string }): Promise<Instance[]>;
  // VPC
  describeVpcs(target: TkeTarget): Promise<Vpc[]>;
  describeSubnets(target: TkeTarget, vpcId: string): Promise<Subnet[]>;
  // CBS, CLB (force delete lists what is left)
  describeDisks(target: TkeTarget, filter: { tagKey: string; tagValue: string }): Promise<Disk[]>;
  describeLoadBalancers(target: TkeTarget, filter: { tagKey: string; tagValue: string }): Promise<LoadBalancer[]>;
}
