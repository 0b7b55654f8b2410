import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type {
  CreateClusterInput,
  CreateEndpointInput,
  CreateNodePoolInput,
  CreateReleaseInput,
  DeleteClusterOptions,
  Disk,
  HourlyPrice,
  Instance,
  InstanceTypeConfig,
  KeyPair,
  LoadBalancer,
  NodePool,
  PendingRelease,
  Region,
  Release,
  Subnet,
  Tag,
  TencentCredential,
  TkeCluster,
  TkeGateway,
  TkeTarget,
  Vpc,
  Zone,
} from './tke.js';
import type { CreateClusterRequest, InstanceAdvancedSettings } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import { createTencentClients, type TencentClientFactory } from './tke-clients.js';
import { createTencentCaller, DEFAULT_RETRY, type RetryPolicy } from './tke-call.js';
import { regionDisplayName } from './tke-regions.js';
import { TencentError } from './tke.js';

export interface TkeGatewayDeps {
  /** e.g. http://127.0.0.1:4577 (the emulator); undefined talks to the real Tencent Cloud. */
  endpoint?: string;
  logger: Logger;
  /** Describe* calls only; default 4 attempts, 200 ms doubling. */
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** SDK request timeout; default 30 s. */
  timeoutSeconds?: number;
  /** Builds the SDK clients; defaults to the real SDK pointed at `endpoint`. */
  clients?: TencentClientFactory;
  /** Counts and times every request by action and result code. */
  metrics?: Pick<Metrics, 'tencentRequest'>;
}

/** The CBS type of a worker node's system disk, as Deploy's node pools ask for it (and price inquiries price it). */
export const NODE_SYSTEM_DISK_TYPE = 'CLOUD_PREMIUM';
/** Node pools' instances are pay-as-you-go (LaunchConfigurePara.InstanceChargeType). */
export const NODE_CHARGE_TYPE = 'POSTPAID_BY_HOUR';
/** What 元 and 分 are: neither price answer names its currency (see HourlyPrice). */
export const PRICE_CURRENCY = 'CNY';

/** Region used for calls that are not regional (DescribeRegions). */
const HOME_REGION = 'ap-guangzhou';
/** The largest page Tencent's Describe calls accept. */
const PAGE = 100;

interface SdkTag {
  Key?: string;
  Value?: string;
}
const toTags = (tags: SdkTag[] | undefined): Tag[] => (tags ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' }));
const fromTags = (tags: Tag[]) => tags.map((t) => ({ Key: t.key, Value: t.value }));
const tagFilter = (filter: { tagKey: string; tagValue: string }) => [{ Name: `tag:${filter.tagKey}`, Values: [filter.tagValue] }];

/** Fetches every page of a Describe call that has Offset/Limit and TotalCount. */
async function allPages<T>(fetchPage: (offset: number, limit: number) => Promise<{ items: T[] | undefined; total: number | undefined }>): Promise<T[]> {
  const all: T[] = [];
  for (;;) {
    const { items = [], total } = await fetchPage(all.length, PAGE);
    all.push(...items);
    if (items.length === 0 || all.length >= (total ?? all.length)) return all;
  }
}

export function createTkeGateway(deps: TkeGatewayDeps): TkeGateway {
  const clients = deps.clients ?? createTencentClients({ endpoint: deps.endpoint, timeoutSeconds: deps.timeoutSeconds });
  const call = createTencentCaller({
    logger: deps.logger,
    retry: deps.retry ?? DEFAULT_RETRY,
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  const meta = (target: TkeTarget, action: string) => ({ action, region: target.region, secretKey: target.credential.secretKey });

  return {
    // ---- TKE ------------------------------------------------------------------------------

    async describeRegions(credential: TencentCredential): Promise<Region[]> {
      const target = { credential, region: HOME_REGION };
      const res = await call(meta(target, 'DescribeRegions'), () => clients.tke(target).DescribeRegions());
      return (res.RegionInstanceSet ?? []).map((r) => ({
        region: r.RegionName ?? '',
        name: regionDisplayName(r.RegionName ?? ''),
        available: r.Status === 'alluser',
      }));
    },

    async createCluster(target, input: CreateClusterInput) {
      const network = input.network;
      const request: CreateClusterRequest = {
        ClusterType: 'MANAGED_CLUSTER',
        ClusterCIDRSettings:
          network.mode === 'GR'
            ? { ClusterCIDR: network.clusterCidr, ServiceCIDR: network.serviceCidr }
            : { EniSubnetIds: network.subnetIds, ServiceCIDR: network.serviceCidr },
        ClusterBasicSettings: {
          ClusterOs: input.os,
          ClusterVersion: input.kubernetesVersion,
          ClusterName: input.name,
          ClusterDescription: input.description,
          VpcId: input.vpcId,
          TagSpecification: input.tags.length > 0 ? [{ ResourceType: 'cluster', Tags: fromTags(input.tags) }] : undefined,
        },
        ClusterAdvancedSettings: {
          NetworkType: network.mode,
          // The SDK's model: "默认为docker" (docker when omitted), which Kubernetes 1.24+ cannot run; always explicit.
          ContainerRuntime: input.runtime.containerRuntime,
          ...(input.runtime.runtimeVersion === undefined ? {} : { RuntimeVersion: input.runtime.runtimeVersion }),
        },
      };
      const res = await call(meta(target, 'CreateCluster'), () => clients.tke(target).CreateCluster(request));
      return { clusterId: res.ClusterId ?? '' };
    },

    async describeClusters(target, clusterIds): Promise<TkeCluster[]> {
      const client = () => clients.tke(target);
      const clusters = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'DescribeClusters'), () =>
          client().DescribeClusters({ ClusterIds: clusterIds.length > 0 ? clusterIds : undefined, Offset: offset, Limit: limit }),
        );
        return { items: res.Clusters, total: res.TotalCount };
      });
      return clusters.map((c) => ({
        clusterId: c.ClusterId ?? '',
        name: c.ClusterName ?? '',
        status: c.ClusterStatus ?? '',
        tags: (c.TagSpecification ?? []).flatMap((spec) => toTags(spec.Tags)),
        network: {
          vpcId: c.ClusterNetworkSettings?.VpcId ?? '',
          clusterCidr: c.ClusterNetworkSettings?.ClusterCIDR ?? '',
          serviceCidr: c.ClusterNetworkSettings?.ServiceCIDR ?? '',
        },
        ...(c.ClusterVersion === undefined ? {} : { version: c.ClusterVersion }),
      }));
    },

    async describeClusterStatus(target, clusterIds) {
      const res = await call(meta(target, 'DescribeClusterStatus'), () =>
        clients.tke(target).DescribeClusterStatus({ ClusterIds: clusterIds.length > 0 ? clusterIds : undefined }),
      );
      return (res.ClusterStatusSet ?? []).map((s) => ({ clusterId: s.ClusterId ?? '', status: s.ClusterState ?? '' }));
    },

    async createClusterEndpoint(target, input: CreateEndpointInput) {
      await call(meta(target, 'CreateClusterEndpoint'), () =>
        clients.tke(target).CreateClusterEndpoint({
          ClusterId: input.clusterId,
          IsExtranet: input.access === 'public',
          SubnetId: input.subnetId,
        }),
      );
    },

    async describeClusterEndpointStatus(target, clusterId, access) {
      const res = await call(meta(target, 'DescribeClusterEndpointStatus'), () =>
        clients.tke(target).DescribeClusterEndpointStatus({ ClusterId: clusterId, IsExtranet: access === 'public' }),
      );
      return { status: res.Status ?? 'NotFound', error: res.ErrorMsg ?? '' };
    },

    async describeClusterEndpoints(target, clusterId) {
      const res = await call(meta(target, 'DescribeClusterEndpoints'), () => clients.tke(target).DescribeClusterEndpoints({ ClusterId: clusterId }));
      const present = (value: string | undefined) => (value ? value : undefined);
      return { external: present(res.ClusterExternalEndpoint), intranet: present(res.ClusterIntranetEndpoint), domain: present(res.ClusterDomain) };
    },

    async describeClusterKubeconfig(target, clusterId, access) {
      const res = await call(meta(target, 'DescribeClusterKubeconfig'), () =>
        clients.tke(target).DescribeClusterKubeconfig({ ClusterId: clusterId, IsExtranet: access === 'public' }),
      );
      if (!res.Kubeconfig) throw new TencentError('tkeops.EmptyKubeconfig', 'Tencent answered DescribeClusterKubeconfig without a kubeconfig.', res.RequestId);
      return res.Kubeconfig;
    },

    async setClusterDeletionProtection(target, clusterId, on) {
      if (on) {
        await call(meta(target, 'EnableClusterDeletionProtection'), () => clients.tke(target).EnableClusterDeletionProtection({ ClusterId: clusterId }));
      } else {
        await call(meta(target, 'DisableClusterDeletionProtection'), () => clients.tke(target).DisableClusterDeletionProtection({ ClusterId: clusterId }));
      }
    },

    async restrictClusterEndpoint(target, clusterId, cidrs) {
      await call(meta(target, 'ModifyClusterEndpointSP'), () =>
        clients.tke(target).ModifyClusterEndpointSP({ ClusterId: clusterId, SecurityPolicies: cidrs }),
      );
    },

    async createClusterNodePool(target, input: CreateNodePoolInput) {
      const autoScalingGroup = {
        MinSize: input.minSize,
        MaxSize: input.maxSize,
        DesiredCapacity: input.desiredSize,
        VpcId: input.vpcId,
        SubnetIds: input.subnetIds,
      };
      const launchConfiguration = {
        InstanceType: input.instanceType,
        SystemDisk: { DiskType: NODE_SYSTEM_DISK_TYPE, DiskSize: input.systemDiskGb },
        LoginSettings: { KeyIds: input.keyIds },
        InstanceChargeType: NODE_CHARGE_TYPE,
        // The pool's Tags tag the node pool itself; the VMs get theirs from the launch configuration.
        ...(input.tags.length > 0 ? { InstanceTags: fromTags(input.tags) } : {}),
      };
      const res = await call(meta(target, 'CreateClusterNodePool'), () =>
        clients.tke(target).CreateClusterNodePool({
          ClusterId: input.clusterId,
          Name: input.name,
          AutoScalingGroupPara: JSON.stringify(autoScalingGroup),
          LaunchConfigurePara: JSON.stringify(launchConfiguration),
          // The model marks some fields required that TKE documents as nullable; none apply here.
          InstanceAdvancedSettings: {} as InstanceAdvancedSettings,
          EnableAutoscale: true,
          NodePoolOs: input.os,
          ...(input.runtime
            ? {
                ContainerRuntime: input.runtime.containerRuntime,
                ...(input.runtime.runtimeVersion === undefined ? {} : { RuntimeVersion: input.runtime.runtimeVersion }),
              }
            : {}),
          Tags: input.tags.length > 0 ? fromTags(input.tags) : undefined,
        }),
      );
      return { nodePoolId: res.NodePoolId ?? '' };
    },

    async describeClusterNodePools(target, clusterId): Promise<NodePool[]> {
      const res = await call(meta(target, 'DescribeClusterNodePools'), () =>
        clients.tke(target).DescribeClusterNodePools({ ClusterId: clusterId }),
      );
      return (res.NodePoolSet ?? []).map((p) => {
        const auto = p.NodeCountSummary?.AutoscalingAdded;
        const manual = p.NodeCountSummary?.ManuallyAdded;
        return {
          nodePoolId: p.NodePoolId ?? '',
          name: p.Name ?? '',
          lifeState: p.LifeState ?? '',
          desired: p.DesiredNodesNum ?? 0,
          ...(p.MinNodesNum === undefined ? {} : { minNodes: p.MinNodesNum }),
          ...(p.MaxNodesNum === undefined ? {} : { maxNodes: p.MaxNodesNum }),
          readyNodes: (auto?.Normal ?? 0) + (manual?.Normal ?? 0),
          totalNodes: (auto?.Total ?? 0) + (manual?.Total ?? 0),
        };
      });
    },

    async modifyNodePoolRange(target, input) {
      await call(meta(target, 'ModifyClusterNodePool'), () =>
        clients.tke(target).ModifyClusterNodePool({
          ClusterId: input.clusterId,
          NodePoolId: input.nodePoolId,
          MinNodesNum: input.minSize,
          MaxNodesNum: input.maxSize,
        }),
      );
    },

    async deleteClusterNodePool(target, input) {
      await call(meta(target, 'DeleteClusterNodePool'), () =>
        clients.tke(target).DeleteClusterNodePool({ ClusterId: input.clusterId, NodePoolIds: [input.nodePoolId], KeepInstance: false }),
      );
    },

    async modifyNodePoolDesired(target, input) {
      await call(meta(target, 'ModifyNodePoolDesiredCapacityAboutAsg'), () =>
        clients.tke(target).ModifyNodePoolDesiredCapacityAboutAsg({
          ClusterId: input.clusterId,
          NodePoolId: input.nodePoolId,
          DesiredCapacity: input.desiredSize,
        }),
      );
    },

    async describeAvailableClusterVersions(target, clusterId) {
      const res = await call(meta(target, 'DescribeAvailableClusterVersion'), () => clients.tke(target).DescribeAvailableClusterVersion({ ClusterId: clusterId }));
      return res.Versions ?? res.Clusters?.find((c) => c.ClusterId === clusterId)?.Versions ?? [];
    },

    async updateClusterVersion(target, input) {
      await call(meta(target, 'UpdateClusterVersion'), () => clients.tke(target).UpdateClusterVersion({ ClusterId: input.clusterId, DstVersion: input.version }));
    },

    async checkInstancesUpgradeAble(target, input) {
      let controlPlane = '';
      const nodes = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'CheckInstancesUpgradeAble'), () =>
          clients.tke(target).CheckInstancesUpgradeAble({ ClusterId: input.clusterId, UpgradeType: input.upgradeType, Offset: offset, Limit: limit }),
        );
        controlPlane = res.ClusterVersion ?? controlPlane;
        return { items: res.UpgradeAbleInstances, total: res.Total };
      });
      return { controlPlane, nodes: nodes.map((n) => ({ instanceId: n.InstanceId ?? '', version: n.Version ?? '' })) };
    },

    async upgradeClusterInstances(target, input) {
      await call(meta(target, 'UpgradeClusterInstances'), () =>
        clients.tke(target).UpgradeClusterInstances({
          ClusterId: input.clusterId,
          Operation: 'create',
          UpgradeType: input.upgradeType,
          InstanceIds: input.instanceIds,
          Concurrent: input.concurrent,
        }),
      );
    },

    async getUpgradeInstanceProgress(target, clusterId) {
      const res = await call(meta(target, 'GetUpgradeInstanceProgress'), () => clients.tke(target).GetUpgradeInstanceProgress({ ClusterId: clusterId }));
      return { lifeState: res.LifeState ?? '', nodes: (res.Instances ?? []).map((i) => ({ instanceId: i.InstanceID ?? '', lifeState: i.LifeState ?? '' })) };
    },

    async createClusterRelease(target, input: CreateReleaseInput) {
      await call(meta(target, 'CreateClusterRelease'), () =>
        clients.tke(target).CreateClusterRelease({
          ClusterId: input.clusterId,
          Name: input.name,
          Namespace: input.namespace,
          // From a third-party repository, Chart is the package URL, not the chart's name.
          ChartFrom: 'other',
          Chart: input.chart,
          ChartVersion: input.chartVersion,
          ChartRepoURL: input.repository,
          Values: { RawOriginal: input.values, ValuesType: 'yaml' },
          ClusterType: 'tke',
        }),
      );
    },

    async describeClusterReleases(target, clusterId): Promise<Release[]> {
      const releases = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'DescribeClusterReleases'), () =>
          clients.tke(target).DescribeClusterReleases({ ClusterId: clusterId, ClusterType: 'tke', Offset: offset, Limit: limit }),
        );
        return { items: res.ReleaseSet, total: res.Total };
      });
      return releases.map((r) => ({
        name: r.Name ?? '',
        namespace: r.Namespace ?? '',
        status: r.Status ?? '',
        description: r.Description ?? '',
      }));
    },

    async describeClusterPendingReleases(target, clusterId): Promise<PendingRelease[]> {
      const releases = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'DescribeClusterPendingReleases'), () =>
          clients.tke(target).DescribeClusterPendingReleases({ ClusterId: clusterId, ClusterType: 'tke', Offset: offset, Limit: limit }),
        );
        return { items: res.ReleaseSet, total: res.Total };
      });
      return releases.map((r) => ({
        name: r.Name ?? '',
        namespace: r.Namespace ?? '',
        status: r.Status ?? '',
        condition: r.Condition ?? '',
      }));
    },

    async deleteCluster(target, clusterId, options: DeleteClusterOptions) {
      const cbs = { ResourceType: 'CBS', DeleteMode: options.terminateDisks ? 'terminate' : 'retain' };
      const resourceOptions = options.includeProtected
        ? [
            { ...cbs, SkipDeletionProtection: false },
            { ResourceType: 'CLB', DeleteMode: 'terminate', SkipDeletionProtection: false },
          ]
        : options.terminateDisks
          ? [cbs]
          : undefined;
      await call(meta(target, 'DeleteCluster'), () =>
        clients.tke(target).DeleteCluster({
          ClusterId: clusterId,
          InstanceDeleteMode: options.terminateInstances ? 'terminate' : 'retain',
          ResourceDeleteOptions: resourceOptions,
        }),
      );
    },

    async describeOsImages(target) {
      const res = await call(meta(target, 'DescribeOSImages'), () => clients.tke(target).DescribeOSImages({}));
      return (res.OSImageSeriesSet ?? []).map((i) => ({ osName: i.OsName ?? '', alias: i.Alias ?? '', imageId: i.ImageId ?? '' }));
    },

    async clusterLevelPrice(target, level): Promise<HourlyPrice> {
      const res = await call(meta(target, 'GetClusterLevelPrice'), () => clients.tke(target).GetClusterLevelPrice({ ClusterLevel: level }));
      // Cost (after discount) and TotalCost (before) are in 分 (tke_models: "单位：分"); a managed
      // cluster is billed by the hour, which is the period GetClusterLevelPrice quotes.
      const cost = res.Cost ?? 0;
      return { perHour: cost / 100, listPerHour: (res.TotalCost ?? cost) / 100, currency: PRICE_CURRENCY };
    },

    // ---- CVM ------------------------------------------------------------------------------

    async instancePrice(target, input): Promise<HourlyPrice> {
      const res = await call(meta(target, 'InquiryPriceRunInstances'), () =>
        clients.cvm(target).InquiryPriceRunInstances({
          Placement: { Zone: input.zone },
          ImageId: input.imageId,
          InstanceChargeType: NODE_CHARGE_TYPE,
          InstanceType: input.instanceType,
          SystemDisk: { DiskType: NODE_SYSTEM_DISK_TYPE, DiskSize: input.systemDiskGb },
          InstanceCount: 1,
        }),
      );
      // Pay-as-you-go prices are UnitPrice / UnitPriceDiscount in 元 per ChargeUnit (cvm_models ItemPrice); node pools send no
      // InternetAccessible, so the bandwidth price is 0, but whatever Tencent quotes for it is added.
      const instance = res.Price?.InstancePrice;
      const bandwidth = res.Price?.BandwidthPrice;
      if (instance?.ChargeUnit !== undefined && instance.ChargeUnit !== 'HOUR') {
        throw new TencentError('tkeops.UnexpectedChargeUnit', `InquiryPriceRunInstances quoted per ${instance.ChargeUnit}, not per HOUR`);
      }
      const hourlyBandwidth = bandwidth?.ChargeUnit === undefined || bandwidth.ChargeUnit === 'HOUR';
      const perHour = (instance?.UnitPriceDiscount ?? 0) + (hourlyBandwidth ? (bandwidth?.UnitPriceDiscount ?? 0) : 0);
      const listPerHour = (instance?.UnitPrice ?? instance?.UnitPriceDiscount ?? 0) + (hourlyBandwidth ? (bandwidth?.UnitPrice ?? 0) : 0);
      return { perHour, listPerHour, currency: PRICE_CURRENCY };
    },

    async describeKeyPairs(target): Promise<KeyPair[]> {
      const keys = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'DescribeKeyPairs'), () => clients.cvm(target).DescribeKeyPairs({ Offset: offset, Limit: limit }));
        return { items: res.KeyPairSet, total: res.TotalCount };
      });
      return keys.map((k) => ({ keyId: k.KeyId ?? '', keyName: k.KeyName ?? '' }));
    },

    async describeZones(target): Promise<Zone[]> {
      const res = await call(meta(target, 'DescribeZones'), () => clients.cvm(target).DescribeZones());
      return (res.ZoneSet ?? []).map((z) => ({ zone: z.Zone ?? '', name: z.ZoneName ?? '', available: z.ZoneState === 'AVAILABLE' }));
    },

    async describeInstanceTypeConfigs(target, zones): Promise<InstanceTypeConfig[]> {
      // CVM takes one value per filter here, so one call per zone (all zones when none is given).
      const filters = zones.length > 0 ? zones.map((zone) => [{ Name: 'zone', Values: [zone] }]) : [undefined];
      const answers = await Promise.all(
        filters.map((Filters) => call(meta(target, 'DescribeInstanceTypeConfigs'), () => clients.cvm(target).DescribeInstanceTypeConfigs({ Filters }))),
      );
      return answers.flatMap((res) => res.InstanceTypeConfigSet ?? []).map((c) => ({
        instanceType: c.InstanceType ?? '',
        zone: c.Zone ?? '',
        cpu: c.CPU ?? 0,
        memoryGb: c.Memory ?? 0,
        gpu: c.GPU ?? c.GpuCount,
      }));
    },

    async describeInstances(target, filter): Promise<Instance[]> {
      const instances = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'DescribeInstances'), () =>
          clients.cvm(target).DescribeInstances({ Filters: tagFilter(filter), Offset: offset, Limit: limit }),
        );
        return { items: res.InstanceSet, total: res.TotalCount };
      });
      return instances.map((i) => ({
        instanceId: i.InstanceId ?? '',
        name: i.InstanceName ?? '',
        state: i.InstanceState ?? '',
        tags: toTags(i.Tags),
      }));
    },

    // ---- VPC ------------------------------------------------------------------------------

    async describeVpcs(target): Promise<Vpc[]> {
      const vpcs = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'DescribeVpcs'), () =>
          clients.vpc(target).DescribeVpcs({ Offset: String(offset), Limit: String(limit) }),
        );
        return { items: res.VpcSet, total: res.TotalCount };
      });
      return vpcs.map((v) => ({ vpcId: v.VpcId ?? '', name: v.VpcName ?? '', cidr: v.CidrBlock ?? '' }));
    },

    async describeSubnets(target, vpcId): Promise<Subnet[]> {
      const subnets = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'DescribeSubnets'), () =>
          clients.vpc(target).DescribeSubnets({
            Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
            Offset: String(offset),
            Limit: String(limit),
          }),
        );
        return { items: res.SubnetSet, total: res.TotalCount };
      });
      return subnets.map((s) => ({
        subnetId: s.SubnetId ?? '',
        vpcId: s.VpcId ?? '',
        name: s.SubnetName ?? '',
        zone: s.Zone ?? '',
        cidr: s.CidrBlock ?? '',
      }));
    },

    // ---- CBS, CLB -------------------------------------------------------------------------

    async describeDisks(target, filter): Promise<Disk[]> {
      const disks = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'DescribeDisks'), () =>
          clients.cbs(target).DescribeDisks({ Filters: tagFilter(filter), Offset: offset, Limit: limit }),
        );
        return { items: res.DiskSet, total: res.TotalCount };
      });
      return disks.map((d) => ({ diskId: d.DiskId ?? '', name: d.DiskName ?? '', state: d.DiskState ?? '', tags: toTags(d.Tags) }));
    },

    async describeLoadBalancers(target, filter): Promise<LoadBalancer[]> {
      const lbs = await allPages(async (offset, limit) => {
        const res = await call(meta(target, 'DescribeLoadBalancers'), () =>
          clients.clb(target).DescribeLoadBalancers({ Filters: tagFilter(filter), Offset: offset, Limit: limit }),
        );
        return { items: res.LoadBalancerSet, total: res.TotalCount };
      });
      return lbs.map((lb) => ({
        loadBalancerId: lb.LoadBalancerId ?? '',
        name: lb.LoadBalancerName ?? '',
        tags: (lb.Tags ?? []).map((t) => ({ key: t.TagKey, value: t.TagValue })),
      }));
    },
  };
}
