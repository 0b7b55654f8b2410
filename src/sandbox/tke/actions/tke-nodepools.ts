import { z } from 'zod';
import type {
  CreateClusterNodePoolResponse,
  DescribeClusterNodePoolsResponse,
  NodePool,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import { invalidParameterValue } from '../errors.js';
import { TKE_CLUSTER_TAG, type ClusterRecord, type EmulatorState, type NodePoolRecord, type Scope } from '../state.js';
import { parseJsonParam } from '../validation.js';
import { defineAction, filterSchema, applyFilters, tagsOf } from './define.js';
import { containerRuntimeFor, isKnownOs, requireCluster, runtimeVersionParam, requireRunning, requireSubnetInVpc, tagsFromRequest } from './tke-clusters.js';

/** AutoScalingGroupPara: the AS CreateAutoScalingGroup fields TKE passes through (name and launch configuration are TKE's). */
const autoScalingGroupSchema = z
  .object({
    MaxSize: z.int().min(0).max(2000),
    MinSize: z.int().min(0).max(2000),
    DesiredCapacity: z.int().min(0).max(2000).optional(),
    VpcId: z.string(),
    SubnetIds: z.array(z.string()).min(1),
    RetryPolicy: z.string().optional(),
  })
  .refine((g) => g.MinSize <= g.MaxSize, { message: 'MinSize must not exceed MaxSize', path: ['MinSize'] })
  .refine((g) => g.DesiredCapacity === undefined || (g.DesiredCapacity >= g.MinSize && g.DesiredCapacity <= g.MaxSize), {
    message: 'DesiredCapacity must lie between MinSize and MaxSize',
    path: ['DesiredCapacity'],
  });

const DISK_TYPES = ['LOCAL_BASIC', 'LOCAL_SSD', 'CLOUD_BASIC', 'CLOUD_PREMIUM', 'CLOUD_SSD', 'CLOUD_BSSD', 'CLOUD_HSSD', 'CLOUD_TSSD'] as const;

/** LaunchConfigurePara: the AS CreateLaunchConfiguration fields TKE passes through. */
const launchConfigurationSchema = z.object({
  InstanceType: z.string().min(1),
  SystemDisk: z
    .object({ DiskType: z.enum(DISK_TYPES).optional(), DiskSize: z.int().min(20).max(2048).optional() })
    .optional(),
  LoginSettings: z
    .object({ Password: z.string().optional(), KeyIds: z.array(z.string()).optional(), KeepImageLogin: z.string().optional() })
    .optional(),
  InstanceChargeType: z.enum(['POSTPAID_BY_HOUR', 'SPOTPAID', 'PREPAID']).optional(),
  SecurityGroupIds: z.array(z.string()).optional(),
  InstanceTags: z.array(z.object({ Key: z.string().min(1), Value: z.string() })).optional(),
});

const labelSchema = z.object({ Name: z.string(), Value: z.string() });
const taintSchema = z.object({ Key: z.string().optional(), Value: z.string().optional(), Effect: z.string().optional() });

export const createClusterNodePool = defineAction({
  service: 'tke',
  action: 'CreateClusterNodePool',
  schema: z.object({
    ClusterId: z.string(),
    AutoScalingGroupPara: z.string(),
    LaunchConfigurePara: z.string(),
    // The model marks DesiredPodNumber, GPUArgs, PreStartUserScript and Taints required, but they
    // are documented as nullable output fields; TKE accepts an empty object.
    InstanceAdvancedSettings: z.object({
      DesiredPodNumber: z.int().optional(),
      PreStartUserScript: z.string().optional(),
      Taints: z.array(taintSchema).optional(),
      MountTarget: z.string().optional(),
      DockerGraphPath: z.string().optional(),
      UserScript: z.string().optional(),
      Unschedulable: z.int().optional(),
      Labels: z.array(labelSchema).optional(),
    }),
    EnableAutoscale: z.boolean(),
    Name: z.string().max(255).optional(),
    Labels: z.array(labelSchema).optional(),
    Taints: z.array(taintSchema).optional(),
    ContainerRuntime: z.string().optional(),
    RuntimeVersion: z.string().optional(),
    NodePoolOs: z.string().optional(),
    OsCustomizeType: z.string().optional(),
    Tags: z.array(z.object({ Key: z.string().optional(), Value: z.string().optional() })).optional(),
    DeletionProtection: z.boolean().optional(),
  }),
  handle: (context, req): CreateClusterNodePoolResponse => {
    const { state, scope } = context;
    const cluster = requireCluster(context, req.ClusterId);
    requireRunning(state, cluster);
    const group = parseJsonParam('AutoScalingGroupPara', req.AutoScalingGroupPara, autoScalingGroupSchema);
    const launch = parseJsonParam('LaunchConfigurePara', req.LaunchConfigurePara, launchConfigurationSchema);
    if (group.VpcId !== cluster.vpcId) {
      throw invalidParameterValue('AutoScalingGroupPara.VpcId', `the node pool must be in the cluster's VPC ${cluster.vpcId}`);
    }
    const subnets = group.SubnetIds.map((id, i) =>
      requireSubnetInVpc(state, scope, cluster.vpcId, id, `AutoScalingGroupPara.SubnetIds.${String(i)}`),
    );
    const region = state.regionData(scope);
    const type = region?.instanceTypes.find((t) => t.instanceType === launch.InstanceType);
    if (!type) throw invalidParameterValue('LaunchConfigurePara.InstanceType', `\`${launch.InstanceType}\` is not sold in ${scope.region}`);
    for (const subnet of subnets) {
      if (type.zones && !type.zones.includes(subnet.zone)) {
        throw invalidParameterValue('LaunchConfigurePara.InstanceType', `\`${launch.InstanceType}\` is not sold in zone ${subnet.zone}`);
      }
    }
    const keyIds = launch.LoginSettings?.KeyIds ?? [];
    keyIds.forEach((keyId, i) => {
      if (!region?.keyPairs.some((k) => k.keyId === keyId)) {
        throw invalidParameterValue(`LaunchConfigurePara.LoginSettings.KeyIds.${String(i)}`, `key pair \`${keyId}\` does not exist`);
      }
    });
    // A node pool's runtime follows the same rule as its cluster's (the cluster's when omitted).
    if (req.ContainerRuntime !== undefined) containerRuntimeFor(cluster.version, req.ContainerRuntime, 'ContainerRuntime');
    runtimeVersionParam('RuntimeVersion', req.RuntimeVersion);
    const os = req.NodePoolOs ?? cluster.os;
    if (!isKnownOs(os)) throw invalidParameterValue('NodePoolOs', `\`${os}\` is not a TKE public image or image id`);

    const nodePoolId = state.newId('np', { has: (id) => cluster.nodePools.some((p) => p.nodePoolId === id) });
    const pool: NodePoolRecord = {
      nodePoolId,
      name: req.Name ?? nodePoolId,
      createdAt: state.now(),
      minSize: group.MinSize,
      maxSize: group.MaxSize,
      desired: group.DesiredCapacity ?? group.MinSize,
      os,
      tags: tagsFromRequest(req.Tags),
      instanceTags: (launch.InstanceTags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
      instanceType: type.instanceType,
      diskType: launch.SystemDisk?.DiskType ?? 'CLOUD_PREMIUM',
      diskSizeGb: launch.SystemDisk?.DiskSize ?? 50,
      keyIds,
      vpcId: group.VpcId,
      subnetIds: group.SubnetIds,
      instanceIds: [],
    };
    for (let i = 0; i < pool.desired; i += 1) {
      const subnet = subnets[i % subnets.length];
      if (subnet) launchPoolNode(state, scope, cluster, pool, subnet, { cpu: type.cpu, memoryGb: type.memoryGb });
    }
    cluster.nodePools.push(pool);
    return { NodePoolId: nodePoolId };
  },
});

/** One CVM instance with its CBS system disk, tagged with the cluster id and the pool's instance tags. */
export function launchPoolNode(
  state: EmulatorState,
  scope: Scope,
  cluster: ClusterRecord,
  pool: NodePoolRecord,
  subnet: { subnetId: string; zone: string; cidr: string },
  size: { cpu: number; memoryGb: number },
): void {
  const tags = [{ key: TKE_CLUSTER_TAG, value: cluster.clusterId }, ...pool.instanceTags.filter((t) => t.key !== TKE_CLUSTER_TAG)];
  const instanceId = state.newId('ins', state.instances);
  const diskId = state.newId('disk', state.disks);
  const createdAt = state.now();
  state.instances.set(instanceId, {
    ...scope,
    instanceId,
    clusterId: cluster.clusterId,
    nodePoolId: pool.nodePoolId,
    name: `tke_${cluster.clusterId}_worker`,
    zone: subnet.zone,
    vpcId: pool.vpcId,
    subnetId: subnet.subnetId,
    instanceType: pool.instanceType,
    cpu: size.cpu,
    memoryGb: size.memoryGb,
    os: pool.os,
    keyIds: pool.keyIds,
    privateIp: state.nextIp(subnet.cidr),
    systemDiskId: diskId,
    tags,
    createdAt,
    version: cluster.version,
  });
  state.disks.set(diskId, {
    ...scope,
    diskId,
    clusterId: cluster.clusterId,
    name: `${instanceId}-system`,
    zone: subnet.zone,
    instanceId,
    sizeGb: pool.diskSizeGb,
    diskType: pool.diskType,
    usage: 'SYSTEM_DISK',
    tags,
    createdAt,
  });
  pool.instanceIds.push(instanceId);
}

function nodePoolView(state: EmulatorState, cluster: ClusterRecord, pool: NodePoolRecord): NodePool {
  const counts = { Joining: 0, Initializing: 0, Normal: 0, Total: 0 };
  for (const instanceId of pool.instanceIds) {
    const instance = state.instances.get(instanceId);
    if (!instance) continue;
    counts[state.nodePhase(instance.createdAt)] += 1;
    counts.Total += 1;
  }
  const lifeState = cluster.deletion || pool.deletingAt !== undefined ? 'deleting' : counts.Normal === counts.Total ? 'normal' : 'creating';
  return {
    NodePoolId: pool.nodePoolId,
    Name: pool.name,
    ClusterInstanceId: cluster.clusterId,
    LifeState: lifeState,
    LaunchConfigurationId: `asc-${pool.nodePoolId.slice(3)}`,
    AutoscalingGroupId: `asg-${pool.nodePoolId.slice(3)}`,
    Labels: [],
    Taints: [],
    NodeCountSummary: {
      ManuallyAdded: { Joining: 0, Initializing: 0, Normal: 0, Total: 0 },
      AutoscalingAdded: counts,
    },
    AutoscalingGroupStatus: 'enabled',
    MaxNodesNum: pool.maxSize,
    MinNodesNum: pool.minSize,
    DesiredNodesNum: pool.desired,
    NodePoolOs: pool.os,
    OsCustomizeType: 'GENERAL',
    Tags: tagsOf(pool.tags),
    DeletionProtection: false,
  };
}

export const describeClusterNodePools = defineAction({
  service: 'tke',
  action: 'DescribeClusterNodePools',
  schema: z.object({ ClusterId: z.string(), Filters: z.array(filterSchema).optional() }),
  handle: (context, req): DescribeClusterNodePoolsResponse => {
    const cluster = requireCluster(context, req.ClusterId);
    const live = cluster.nodePools.filter((p) => p.deletingAt === undefined || context.state.elapsedSince(p.deletingAt) < context.state.timings.nodeJoinMs);
    const pools = applyFilters(live, req.Filters, {
      NodePoolsName: (p, v) => p.name === v,
      NodePoolsId: (p, v) => p.nodePoolId === v,
    }, (p) => p.tags);
    return { TotalCount: pools.length, NodePoolSet: pools.map((p) => nodePoolView(context.state, cluster, p)) };
  },
});
