import { z } from 'zod';
import type {
  CreateClusterResponse,
  DescribeClusterEndpointStatusResponse,
  DescribeClustersResponse,
  DescribeClusterStatusResponse,
  DescribeRegionsResponse,
  Cluster,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import { ApiError, clusterNotFound, invalidParameterValue, missingParameter } from '../errors.js';
import { isPrivate, overlaps, parseCidr, type Cidr } from '../cidr.js';
import { TKE_CLUSTER_TAG, type ClusterRecord, type EmulatorState, type EndpointKind, type ResourceTag, type Scope } from '../state.js';
import type { ActionContext } from './define.js';
import { applyFilters, defineAction, filterSchema, isoTime, limitSchema, offsetSchema, page, tagsOf } from './define.js';

/** Public images TKE accepts as ClusterOs / NodePoolOs (plus custom image ids img-xxxxxxxx). */
export const KNOWN_OS_IMAGES = [
  'centos7.6.0_x64',
  'centos7.6.0_x64 GPU',
  'centos7.8.0_x64',
  'centos8.2x86_64',
  'ubuntu18.04.1x86_64',
  'ubuntu18.04.1x86_64 GPU',
  'ubuntu20.04x86_64',
  'ubuntu22.04x86_64',
  'tlinux2.4x86_64',
  'tlinux3.1x86_64',
];
export const isKnownOs = (os: string): boolean => KNOWN_OS_IMAGES.includes(os) || /^img-[a-z0-9]{8}$/.test(os);

const tkeTagSchema = z.object({ Key: z.string().optional(), Value: z.string().optional() });
export const tagsFromRequest = (tags: z.output<typeof tkeTagSchema>[] | undefined): ResourceTag[] =>
  (tags ?? []).filter((t) => t.Key !== undefined && t.Key !== '').map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' }));

/** The cluster for this request, or the error TKE answers for an unknown id. */
export function requireCluster(context: ActionContext, clusterId: string): ClusterRecord {
  const cluster = context.state.findCluster(context.scope, clusterId);
  if (!cluster) throw clusterNotFound(clusterId);
  return cluster;
}

/** Endpoints, node pools and Helm releases need a Running cluster, as on TKE. */
export function requireRunning(state: EmulatorState, cluster: ClusterRecord): void {
  const status = state.clusterStatus(cluster);
  if (status !== 'Running') {
    throw new ApiError('ResourceUnavailable.ClusterState', `Cluster \`${cluster.clusterId}\` is ${status}; the operation needs a Running cluster.`);
  }
}

export function requireSubnetInVpc(state: EmulatorState, scope: Scope, vpcId: string, subnetId: string, field: string) {
  const vpc = state.regionData(scope)?.vpcs.find((v) => v.vpcId === vpcId);
  const subnet = vpc?.subnets.find((s) => s.subnetId === subnetId);
  if (!subnet) throw invalidParameterValue(field, `subnet \`${subnetId}\` does not exist in VPC \`${vpcId}\``);
  return subnet;
}

export const describeRegions = defineAction({
  service: 'tke',
  action: 'DescribeRegions',
  regional: false,
  schema: z.object({}),
  handle: ({ state, scope }): DescribeRegionsResponse => {
    const regions = state.regions(scope.secretId);
    return {
      TotalCount: regions.length,
      RegionInstanceSet: regions.map((r) => ({
        RegionName: r.region,
        RegionId: r.regionId,
        Status: r.status,
        FeatureGates: '',
        Alias: r.alias,
        Remark: '',
      })),
    };
  },
});

const createClusterSchema = z.object({
  ClusterType: z.enum(['MANAGED_CLUSTER', 'INDEPENDENT_CLUSTER']),
  ClusterCIDRSettings: z.object({
    ClusterCIDR: z.string().optional(),
    IgnoreClusterCIDRConflict: z.boolean().optional(),
    MaxNodePodNum: z.int().optional(),
    MaxClusterServiceNum: z.int().optional(),
    ServiceCIDR: z.string().optional(),
    EniSubnetIds: z.array(z.string()).optional(),
    ClaimExpiredSeconds: z.int().optional(),
  }),
  ClusterBasicSettings: z
    .object({
      ClusterOs: z.string().optional(),
      ClusterVersion: z.string().optional(),
      ClusterName: z.string().max(60).optional(),
      ClusterDescription: z.string().optional(),
      VpcId: z.string().optional(),
      ProjectId: z.int().optional(),
      TagSpecification: z
        .array(z.object({ ResourceType: z.literal('cluster').optional(), Tags: z.array(tkeTagSchema).optional() }))
        .optional(),
      ClusterLevel: z.string().optional(),
    })
    .optional(),
  ClusterAdvancedSettings: z
    .object({
      NetworkType: z.enum(['GR', 'VPC-CNI', 'CiliumOverlay']).optional(),
      ContainerRuntime: z.string().optional(),
      RuntimeVersion: z.string().optional(),
      DeletionProtection: z.boolean().optional(),
      IPVS: z.boolean().optional(),
    })
    .optional(),
});

function cidrParam(field: string, text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw invalidParameterValue(field, `\`${text}\` is not an IPv4 CIDR`);
  if (!isPrivate(cidr)) {
    throw new ApiError('InvalidParameter.InvalidPrivateNetworkCIDR', `\`${field}\` ${text} is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.`);
  }
  return cidr;
}

function checkContainerNetwork(state: EmulatorState, scope: Scope, vpc: { vpcId: string; cidr: string }, cidrs: { field: string; text: string }[]) {
  const vpcCidr = parseCidr(vpc.cidr);
  const others = state.clustersIn(scope).filter((c) => c.vpcId === vpc.vpcId);
  const parsed = cidrs.map((c) => ({ ...c, cidr: cidrParam(c.field, c.text) }));
  for (const { field, text, cidr } of parsed) {
    if (vpcCidr && overlaps(cidr, vpcCidr)) {
      throw new ApiError('InvalidParameter.CidrConflictWithVpcCidr', `\`${field}\` ${text} conflicts with the VPC CIDR ${vpc.cidr}.`);
    }
    for (const other of others) {
      for (const otherText of [other.clusterCidr, other.serviceCidr]) {
        const otherCidr = otherText ? parseCidr(otherText) : undefined;
        if (otherCidr && overlaps(cidr, otherCidr)) {
          throw new ApiError('InvalidParameter.CidrConflictWithOtherCluster', `\`${field}\` ${text} conflicts with cluster ${other.clusterId} (${otherText}).`);
        }
      }
    }
  }
  const [first, second] = parsed;
  if (first && second && overlaps(first.cidr, second.cidr)) {
    throw new ApiError('InvalidParameter.CidrConflictWithServiceCidr', `ClusterCIDR ${first.text} conflicts with ServiceCIDR ${second.text}.`);
  }
}

/**
 * The runtime a cluster or node pool of Kubernetes `version` gets.
 *
 * Where the rule comes from: the SDK's model of ClusterAdvancedSettings.ContainerRuntime
 * (tke_models.d.ts) says "包括"docker"和"containerd"两种类型，默认为"docker"": docker or containerd,
 * docker when omitted. Kubernetes removed dockershim in 1.24, so a 1.24+ cluster cannot run docker:
 * an explicit docker there is refused with InvalidParameter.Param (TKE's generic code for a
 * parameter it does not accept; the exact code Tencent answers is not in the SDK, this is the
 * emulator's choice). An omitted runtime follows the model's default (docker) below 1.24; for 1.24
 * and later the emulator assumes TKE picks containerd rather than fail. tkeops never relies on
 * either default: it always sends the runtime.
 */
export function containerRuntimeFor(version: string, runtime: string | undefined, field: string): 'containerd' | 'docker' {
  const minor = Number(/^1\.(\d+)/.exec(version)?.[1] ?? 'NaN');
  const dockerless = !(minor < 24);
  if (runtime === undefined) return dockerless ? 'containerd' : 'docker';
  if (runtime !== 'containerd' && runtime !== 'docker') {
    throw invalidParameterValue(field, `\`${runtime}\` is not a container runtime; TKE runs docker or containerd`);
  }
  if (runtime === 'docker' && dockerless) {
    throw new ApiError('InvalidParameter.Param', `\`${field}\` docker is not supported for Kubernetes ${version}: docker runs only Kubernetes below 1.24; use containerd.`);
  }
  return runtime;
}

/** A runtime version as TKE lists them (1.6.9, 19.3). */
export function runtimeVersionParam(field: string, version: string | undefined): string | undefined {
  if (version !== undefined && !/^\d+\.\d+(\.\d+)?$/.test(version)) throw invalidParameterValue(field, `\`${version}\` is not a runtime version such as 1.6.9`);
  return version;
}

export const createCluster = defineAction({
  service: 'tke',
  action: 'CreateCluster',
  schema: createClusterSchema,
  handle: ({ state, scope }, req): CreateClusterResponse => {
    if (req.ClusterType !== 'MANAGED_CLUSTER') {
      throw invalidParameterValue('ClusterType', 'the emulator creates MANAGED_CLUSTER clusters only');
    }
    const basic = req.ClusterBasicSettings ?? {};
    if (!basic.VpcId) throw missingParameter('ClusterBasicSettings.VpcId');
    const vpc = state.regionData(scope)?.vpcs.find((v) => v.vpcId === basic.VpcId);
    if (!vpc) throw new ApiError('InvalidParameter.VpcNotFound', `VPC \`${basic.VpcId}\` does not exist in ${scope.region}.`);
    const os = basic.ClusterOs ?? 'ubuntu18.04.1x86_64';
    if (!isKnownOs(os)) throw invalidParameterValue('ClusterBasicSettings.ClusterOs', `\`${os}\` is not a TKE public image or image id`);
    const version = basic.ClusterVersion ?? '1.30.0';
    if (!/^1\.\d{1,2}(\.\d{1,2})?$/.test(version)) {
      throw invalidParameterValue('ClusterBasicSettings.ClusterVersion', `\`${version}\` is not a Kubernetes version such as 1.30.0`);
    }
    const containerRuntime = containerRuntimeFor(version, req.ClusterAdvancedSettings?.ContainerRuntime, 'ClusterAdvancedSettings.ContainerRuntime');
    const runtimeVersion = runtimeVersionParam('ClusterAdvancedSettings.RuntimeVersion', req.ClusterAdvancedSettings?.RuntimeVersion);
    const networkType = req.ClusterAdvancedSettings?.NetworkType ?? 'GR';
    const cidrSettings = req.ClusterCIDRSettings;
    const cidrs: { field: string; text: string }[] = [];
    const eniSubnetIds = cidrSettings.EniSubnetIds ?? [];
    if (networkType === 'VPC-CNI') {
      if (eniSubnetIds.length === 0) throw missingParameter('ClusterCIDRSettings.EniSubnetIds');
      eniSubnetIds.forEach((id, i) => requireSubnetInVpc(state, scope, vpc.vpcId, id, `ClusterCIDRSettings.EniSubnetIds.${String(i)}`));
    } else {
      if (!cidrSettings.ClusterCIDR) throw missingParameter('ClusterCIDRSettings.ClusterCIDR');
      cidrs.push({ field: 'ClusterCIDRSettings.ClusterCIDR', text: cidrSettings.ClusterCIDR });
    }
    if (cidrSettings.ServiceCIDR) cidrs.push({ field: 'ClusterCIDRSettings.ServiceCIDR', text: cidrSettings.ServiceCIDR });
    checkContainerNetwork(state, scope, vpc, cidrs);

    const clusterId = state.newId('cls', state.clusters);
    state.clusters.set(clusterId, {
      ...scope,
      clusterId,
      name: basic.ClusterName ?? clusterId,
      description: basic.ClusterDescription ?? '',
      version,
      os,
      containerRuntime,
      ...(runtimeVersion === undefined ? {} : { runtimeVersion }),
      vpcId: vpc.vpcId,
      networkType,
      clusterCidr: cidrSettings.ClusterCIDR ?? '',
      serviceCidr: cidrSettings.ServiceCIDR ?? '',
      eniSubnetIds,
      tags: (basic.TagSpecification ?? []).flatMap((spec) => tagsFromRequest(spec.Tags)),
      createdAt: state.now(),
      endpoints: {},
      nodePools: [],
      releases: [],
    });
    return { ClusterId: clusterId };
  },
});

type NodeCounts = { normal: number; initializing: number };

/** Each cluster's normal and initializing nodes, in one pass over the instances (a Describe lists up to 100 clusters). */
function nodeCountsByCluster(state: EmulatorState): (cluster: ClusterRecord) => NodeCounts {
  const counts = new Map<string, NodeCounts>();
  for (const instance of state.instances.values()) {
    let of = counts.get(instance.clusterId);
    if (!of) counts.set(instance.clusterId, (of = { normal: 0, initializing: 0 }));
    if (state.nodePhase(instance.createdAt) === 'Normal') of.normal += 1;
    else of.initializing += 1;
  }
  return (cluster) => counts.get(cluster.clusterId) ?? { normal: 0, initializing: 0 };
}

function clusterView(state: EmulatorState, cluster: ClusterRecord, nodes: NodeCounts): Cluster {
  return {
    ClusterId: cluster.clusterId,
    ClusterName: cluster.name,
    ClusterDescription: cluster.description,
    ClusterVersion: cluster.version,
    ClusterOs: cluster.os,
    ClusterType: 'MANAGED_CLUSTER',
    ClusterNetworkSettings: {
      ClusterCIDR: cluster.clusterCidr,
      ServiceCIDR: cluster.serviceCidr,
      VpcId: cluster.vpcId,
      Cni: cluster.networkType === 'VPC-CNI',
      Subnets: cluster.eniSubnetIds,
      IgnoreClusterCIDRConflict: false,
      Ipvs: false,
      KubeProxyMode: 'iptables',
    },
    ClusterNodeNum: nodes.normal + nodes.initializing,
    ProjectId: 0,
    TagSpecification: cluster.tags.length > 0 ? [{ ResourceType: 'cluster', Tags: tagsOf(cluster.tags) }] : [],
    ClusterStatus: state.clusterStatus(cluster),
    Property: JSON.stringify({ NodeNameType: 'lan-ip', NetworkType: cluster.networkType }),
    ClusterMaterNodeNum: 0,
    ContainerRuntime: cluster.containerRuntime,
    ...(cluster.runtimeVersion === undefined ? {} : { RuntimeVersion: cluster.runtimeVersion }),
    CreatedTime: isoTime(cluster.createdAt),
    DeletionProtection: cluster.deletionProtection === true,
    EnableExternalNode: false,
    ClusterLevel: 'L5',
    AutoUpgradeClusterLevel: false,
  };
}

export const describeClusters = defineAction({
  service: 'tke',
  action: 'DescribeClusters',
  schema: z.object({
    ClusterIds: z.array(z.string()).max(100).optional(),
    Offset: offsetSchema,
    Limit: limitSchema,
    Filters: z.array(filterSchema).optional(),
    ClusterType: z.string().optional(),
  }),
  handle: ({ state, scope }, req): DescribeClustersResponse => {
    let clusters = state.clustersIn(scope);
    if (req.ClusterIds && req.ClusterIds.length > 0) {
      const ids = new Set(req.ClusterIds);
      clusters = clusters.filter((c) => ids.has(c.clusterId));
    }
    clusters = applyFilters(
      clusters,
      req.Filters,
      {
        ClusterName: (c, v) => c.name === v,
        ClusterType: (_c, v) => v === 'MANAGED_CLUSTER',
        ClusterStatus: (c, v) => state.clusterStatus(c) === v,
      },
      (c) => c.tags,
    );
    const nodesOf = nodeCountsByCluster(state);
    return {
      TotalCount: clusters.length,
      Clusters: page(clusters, req.Offset, req.Limit).map((c) => clusterView(state, c, nodesOf(c))),
    };
  },
});

export const describeClusterStatus = defineAction({
  service: 'tke',
  action: 'DescribeClusterStatus',
  schema: z.object({ ClusterIds: z.array(z.string()).max(100).optional() }),
  handle: ({ state, scope }, req): DescribeClusterStatusResponse => {
    const ids = req.ClusterIds && req.ClusterIds.length > 0 ? new Set(req.ClusterIds) : undefined;
    const clusters = state.clustersIn(scope).filter((c) => !ids || ids.has(c.clusterId));
    const nodesOf = nodeCountsByCluster(state);
    return {
      TotalCount: clusters.length,
      ClusterStatusSet: clusters.map((c) => {
        const nodes = nodesOf(c);
        return {
          ClusterId: c.clusterId,
          ClusterState: state.clusterStatus(c),
          ClusterInstanceState: nodes.initializing === 0 ? 'AllNormal' : 'PartialNormal',
          ClusterBMonitor: true,
          ClusterInitNodeNum: nodes.initializing,
          ClusterRunningNodeNum: nodes.normal,
          ClusterFailedNodeNum: 0,
          ClusterClosedNodeNum: 0,
          ClusterClosingNodeNum: 0,
          ClusterDeletionProtection: c.deletionProtection === true,
          ClusterAuditEnabled: false,
        };
      }),
    };
  },
});

const endpointKind = (isExtranet: boolean | undefined): EndpointKind => (isExtranet ? 'public' : 'private');

export const createClusterEndpoint = defineAction({
  service: 'tke',
  action: 'CreateClusterEndpoint',
  schema: z.object({
    ClusterId: z.string(),
    SubnetId: z.string().optional(),
    IsExtranet: z.boolean().optional(),
    Domain: z.string().optional(),
    SecurityGroup: z.string().optional(),
    ExtensiveParameters: z.string().optional(),
    ExistedLoadBalancerId: z.string().optional(),
  }),
  handle: (context, req) => {
    const { state, scope } = context;
    const cluster = requireCluster(context, req.ClusterId);
    requireRunning(state, cluster);
    const kind = endpointKind(req.IsExtranet);
    if (cluster.endpoints[kind]) {
      throw new ApiError('ResourceInUse', `Cluster \`${cluster.clusterId}\` already has a ${kind} endpoint.`);
    }
    // TKE builds one endpoint at a time: the other one must be done first (Terraform waits for it too).
    const otherKind: EndpointKind = kind === 'public' ? 'private' : 'public';
    const other = cluster.endpoints[otherKind];
    if (other && state.endpointStatus(other) === 'Creating') {
      throw new ApiError('ResourceInUse', `Cluster \`${cluster.clusterId}\` is still creating its ${otherKind} endpoint; create the ${kind} one once it is Created.`);
    }
    let subnetCidr: string | undefined;
    if (kind === 'private') {
      if (!req.SubnetId) throw missingParameter('SubnetId');
      subnetCidr = requireSubnetInVpc(state, scope, cluster.vpcId, req.SubnetId, 'SubnetId').cidr;
    }
    const now = state.now();
    const loadBalancerId = state.newId('lb', state.loadBalancers);
    state.loadBalancers.set(loadBalancerId, {
      ...scope,
      loadBalancerId,
      clusterId: cluster.clusterId,
      name: `${cluster.clusterId}-apiserver-${kind}`,
      type: kind === 'public' ? 'OPEN' : 'INTERNAL',
      vpcId: cluster.vpcId,
      subnetId: req.SubnetId,
      vip: kind === 'public' ? state.nextIp() : state.nextIp(subnetCidr),
      tags: [{ key: TKE_CLUSTER_TAG, value: cluster.clusterId }, ...cluster.tags],
      createdAt: now,
    });
    cluster.endpoints[kind] = {
      createdAt: now,
      subnetId: req.SubnetId,
      securityGroup: req.SecurityGroup,
      loadBalancerId,
      securityPolicies: [],
      ...state.takeEndpointFailure(),
    };
    return {};
  },
});

export const describeClusterEndpointStatus = defineAction({
  service: 'tke',
  action: 'DescribeClusterEndpointStatus',
  schema: z.object({ ClusterId: z.string(), IsExtranet: z.boolean().optional() }),
  handle: (context, req): DescribeClusterEndpointStatusResponse => {
    const cluster = requireCluster(context, req.ClusterId);
    const endpoint = cluster.endpoints[endpointKind(req.IsExtranet)];
    if (!endpoint) return { Status: 'NotFound', ErrorMsg: '' };
    const status = context.state.endpointStatus(endpoint);
    return { Status: status, ErrorMsg: status === 'CreateFailed' ? (endpoint.failure ?? '') : '' };
  },
});

const IP_OR_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/\d{1,2})?$/;

export const modifyClusterEndpointSP = defineAction({
  service: 'tke',
  action: 'ModifyClusterEndpointSP',
  schema: z.object({
    ClusterId: z.string(),
    SecurityPolicies: z.array(z.string()).optional(),
    SecurityGroup: z.string().optional(),
  }),
  handle: (context, req) => {
    const cluster = requireCluster(context, req.ClusterId);
    const endpoint = cluster.endpoints.public;
    if (!endpoint) throw new ApiError('ResourceNotFound', `Cluster \`${cluster.clusterId}\` has no public endpoint.`);
    const status = context.state.endpointStatus(endpoint);
    if (status !== 'Created') {
      throw new ApiError('ResourceUnavailable', `The public endpoint of cluster \`${cluster.clusterId}\` is ${status}; its security policy can be changed once it is Created.`);
    }
    const policies = req.SecurityPolicies ?? [];
    policies.forEach((policy, i) => {
      const cidr = policy.includes('/') ? parseCidr(policy) : parseCidr(`${policy}/32`);
      if (!IP_OR_CIDR.test(policy) || !cidr) {
        throw invalidParameterValue(`SecurityPolicies.${String(i)}`, `\`${policy}\` is not an IP address or CIDR`);
      }
    });
    endpoint.securityPolicies = policies;
    if (req.SecurityGroup !== undefined) endpoint.securityGroup = req.SecurityGroup;
    return {};
  },
});

/**
 * TKE's refusal to delete a cluster with deletion protection on. The code is not in the SDK's
 * models or client comments (they name no DeleteCluster error codes): tkeops' choice, the
 * `OperationDenied` family TKE uses for refused operations, documented in the README.
 */
export const CLUSTER_PROTECTED_CODE = 'OperationDenied.ClusterInDeletionProtection';

function refuseProtectedDeletion(cluster: ClusterRecord): void {
  if (cluster.deletionProtection) {
    throw new ApiError(CLUSTER_PROTECTED_CODE, `Cluster \`${cluster.clusterId}\` has deletion protection enabled; disable it (DisableClusterDeletionProtection) before deleting the cluster.`);
  }
}

export const deleteCluster = defineAction({
  service: 'tke',
  action: 'DeleteCluster',
  schema: z.object({
    ClusterId: z.string(),
    InstanceDeleteMode: z.enum(['terminate', 'retain']),
    ResourceDeleteOptions: z
      .array(
        z.object({
          ResourceType: z.enum(['CBS', 'CLB', 'CVM']),
          DeleteMode: z.enum(['terminate', 'retain']),
          SkipDeletionProtection: z.boolean().optional(),
        }),
      )
      .optional(),
  }),
  handle: (context, req) => {
    const { state } = context;
    const cluster = requireCluster(context, req.ClusterId);
    refuseProtectedDeletion(cluster);
    if (cluster.deletion) {
      // Deleting again: a stuck deletion is forced through (the record goes, whatever could not
      // be cleaned up stays behind as orphans); a deletion in progress simply carries on.
      if (cluster.deletion.stuck) state.forceDelete(cluster);
      return {};
    }
    const cbs = (req.ResourceDeleteOptions ?? []).find((o) => o.ResourceType === 'CBS');
    const stuck = state.stickNextDeletion || state.stickOnDelete.has(cluster.clusterId);
    state.stickNextDeletion = false;
    state.stickOnDelete.delete(cluster.clusterId);
    cluster.deletion = {
      requestedAt: state.now(),
      instanceMode: req.InstanceDeleteMode,
      terminateDisks: cbs?.DeleteMode === 'terminate',
      skipDeletionProtection: (req.ResourceDeleteOptions ?? []).some((o) => o.SkipDeletionProtection === true),
      stuck,
      settled: false,
    };
    state.follow(cluster);
    return {};
  },
});
