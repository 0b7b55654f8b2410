import { z } from 'zod';
import type {
  CheckInstancesUpgradeAbleResponse,
  DescribeAvailableClusterVersionResponse,
  GetUpgradeInstanceProgressResponse,
  UpdateClusterVersionResponse,
  UpgradeClusterInstancesResponse,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import { ApiError, invalidParameterValue, missingParameter } from '../errors.js';
import type { ClusterRecord, EmulatorState, InstanceRecord } from '../state.js';
import type { ActionContext } from './define.js';
import { defineAction, filterSchema, isoTime, limitSchema, offsetSchema, page } from './define.js';
import { requireCluster } from './tke-clusters.js';

/**
 * Kubernetes upgrades as TKE does them: the control plane first (UpdateClusterVersion, to the next
 * minor version TKE offers, never further), then the worker nodes (UpgradeClusterInstances), in
 * batches of `Concurrent` nodes. While either runs the cluster reports Upgrading / NodeUpgrading
 * and refuses another change (ResourceInUse here, ResourceUnavailable.ClusterState from the
 * actions that need a Running cluster).
 */

/** The Kubernetes versions the emulated TKE offers, oldest first (TKE's are even minors, latest patch each). */
export const KUBERNETES_VERSIONS = ['1.20.6', '1.22.5', '1.24.4', '1.26.1', '1.28.3', '1.30.0', '1.32.2'] as const;

const minorOf = (version: string): number => Number(/^1\.(\d+)/.exec(version)?.[1] ?? 'NaN');

/** The version a cluster at `version` may be upgraded to: the next minor TKE offers (none past the newest). */
export function nextVersion(version: string): string | undefined {
  const minor = minorOf(version);
  return KUBERNETES_VERSIONS.find((v) => minorOf(v) > minor);
}

const UPGRADE_TYPES = ['reset', 'hot', 'major'] as const;

function nodesOf(state: EmulatorState, cluster: ClusterRecord): InstanceRecord[] {
  const pools = new Set(cluster.nodePools.filter((p) => p.deletingAt === undefined).map((p) => p.nodePoolId));
  return [...state.instances.values()].filter((i) => i.clusterId === cluster.clusterId && pools.has(i.nodePoolId));
}

/** TKE takes one change at a time: no upgrade while the control plane or nodes upgrade, or while nodes come up. */
function requireNoOtherChange(context: ActionContext, cluster: ClusterRecord): void {
  const { state } = context;
  const status = state.clusterStatus(cluster);
  if (status === 'Upgrading' || status === 'NodeUpgrading') {
    throw new ApiError('ResourceInUse', `Cluster \`${cluster.clusterId}\` is ${status}; wait until that task is done.`);
  }
  if (status !== 'Running') throw new ApiError('ResourceUnavailable.ClusterState', `Cluster \`${cluster.clusterId}\` is ${status}; the operation needs a Running cluster.`);
  if (nodesOf(state, cluster).some((i) => state.nodePhase(i.createdAt) !== 'Normal')) {
    throw new ApiError('ResourceInUse', `Cluster \`${cluster.clusterId}\` has nodes still joining; try again when they are ready.`);
  }
}

export const describeAvailableClusterVersion = defineAction({
  service: 'tke',
  action: 'DescribeAvailableClusterVersion',
  schema: z.object({ ClusterId: z.string().optional(), ClusterIds: z.array(z.string()).max(100).optional() }),
  handle: (context, req): DescribeAvailableClusterVersionResponse => {
    if (req.ClusterId === undefined && req.ClusterIds === undefined) throw missingParameter('ClusterId');
    const offered = (clusterId: string) => {
      const cluster = requireCluster(context, clusterId);
      const next = cluster.controlPlaneUpgrade ? undefined : nextVersion(cluster.version);
      return next === undefined ? [] : [next];
    };
    if (req.ClusterId !== undefined) return { Versions: offered(req.ClusterId), Clusters: [{ ClusterId: req.ClusterId, Versions: offered(req.ClusterId) }] };
    const clusters = (req.ClusterIds ?? []).map((id) => ({ ClusterId: id, Versions: offered(id) }));
    return { Versions: [...new Set(clusters.flatMap((c) => c.Versions))], Clusters: clusters };
  },
});

export const updateClusterVersion = defineAction({
  service: 'tke',
  action: 'UpdateClusterVersion',
  schema: z.object({
    ClusterId: z.string(),
    DstVersion: z.string(),
    ExtraArgs: z.object({}).loose().optional(),
    MaxNotReadyPercent: z.number().min(0).optional(),
    SkipPreCheck: z.boolean().optional(),
  }),
  handle: (context, req): UpdateClusterVersionResponse => {
    const cluster = requireCluster(context, req.ClusterId);
    requireNoOtherChange(context, cluster);
    const next = nextVersion(cluster.version);
    if (req.DstVersion !== next) {
      throw new ApiError(
        'InvalidParameter.Param',
        `DstVersion ${req.DstVersion} is not offered for cluster \`${cluster.clusterId}\` at ${cluster.version}: TKE upgrades one minor version at a time (${next ?? 'none'}).`,
      );
    }
    cluster.controlPlaneUpgrade = { from: cluster.version, to: req.DstVersion, startedAt: context.state.now() };
    context.state.follow(cluster);
    return {};
  },
});

export const checkInstancesUpgradeAble = defineAction({
  service: 'tke',
  action: 'CheckInstancesUpgradeAble',
  schema: z.object({
    ClusterId: z.string(),
    InstanceIds: z.array(z.string()).optional(),
    UpgradeType: z.enum(UPGRADE_TYPES).optional(),
    Offset: offsetSchema,
    Limit: limitSchema,
    Filter: z.array(filterSchema).optional(),
  }),
  handle: (context, req): CheckInstancesUpgradeAbleResponse => {
    const { state } = context;
    const cluster = requireCluster(context, req.ClusterId);
    const wanted = req.InstanceIds && req.InstanceIds.length > 0 ? new Set(req.InstanceIds) : undefined;
    const behind = nodesOf(state, cluster).filter((i) => (!wanted || wanted.has(i.instanceId)) && minorOf(i.version) < minorOf(cluster.version));
    return {
      ClusterVersion: cluster.version,
      LatestVersion: cluster.version,
      UpgradeAbleInstances: page(behind, req.Offset, req.Limit).map((i) => ({ InstanceId: i.instanceId, Version: i.version, LatestVersion: cluster.version })),
      Total: behind.length,
    };
  },
});

export const upgradeClusterInstances = defineAction({
  service: 'tke',
  action: 'UpgradeClusterInstances',
  schema: z.object({
    ClusterId: z.string(),
    Operation: z.enum(['create', 'pause', 'resume', 'abort']),
    UpgradeType: z.enum(UPGRADE_TYPES).optional(),
    InstanceIds: z.array(z.string()).optional(),
    ResetParam: z.object({}).loose().optional(),
    SkipPreCheck: z.boolean().optional(),
    MaxNotReadyPercent: z.number().min(0).max(100).optional(),
    UpgradeRunTime: z.boolean().optional(),
    Concurrent: z.int().min(1).max(15).optional(),
  }),
  handle: (context, req): UpgradeClusterInstancesResponse => {
    const { state } = context;
    const cluster = requireCluster(context, req.ClusterId);
    if (req.Operation === 'abort') {
      if (cluster.nodeUpgrade && state.nodeUpgradeLifeState(cluster.nodeUpgrade) === 'process') cluster.nodeUpgrade.abortedAt = state.now();
      return {};
    }
    if (req.Operation !== 'create') throw new ApiError('UnsupportedOperation', `Operation ${req.Operation} is not supported by the emulator.`);
    if (req.UpgradeType === undefined) throw missingParameter('UpgradeType');
    if (!req.InstanceIds || req.InstanceIds.length === 0) throw missingParameter('InstanceIds');
    requireNoOtherChange(context, cluster);
    const nodes = new Map(nodesOf(state, cluster).map((i) => [i.instanceId, i]));
    req.InstanceIds.forEach((id, index) => {
      const node = nodes.get(id);
      if (!node) throw invalidParameterValue(`InstanceIds.${index}`, `\`${id}\` is not a node of cluster \`${cluster.clusterId}\``);
      if (minorOf(node.version) >= minorOf(cluster.version)) {
        throw new ApiError('InvalidParameter.Param', `Node \`${id}\` is already at ${node.version}, the control plane's version; nothing to upgrade.`);
      }
      if (req.UpgradeType === 'hot') {
        throw new ApiError('InvalidParameter.Param', `UpgradeType hot upgrades patch versions only; node \`${id}\` needs ${node.version} → ${cluster.version}: use major or reset.`);
      }
    });
    cluster.nodeUpgrade = { upgradeType: req.UpgradeType, concurrent: req.Concurrent ?? 1, instanceIds: [...req.InstanceIds], version: cluster.version, startedAt: state.now() };
    state.follow(cluster);
    return {};
  },
});

export const getUpgradeInstanceProgress = defineAction({
  service: 'tke',
  action: 'GetUpgradeInstanceProgress',
  schema: z.object({ ClusterId: z.string(), Limit: z.int().min(0).optional(), Offset: z.int().min(0).optional() }),
  handle: (context, req): GetUpgradeInstanceProgressResponse => {
    const { state } = context;
    const cluster = requireCluster(context, req.ClusterId);
    const task = cluster.nodeUpgrade;
    if (!task) return { Total: 0, Done: 0, LifeState: 'done', Instances: [] };
    const ms = state.timings.nodeUpgradeMs;
    const instances = task.instanceIds.map((id, index) => {
      const lifeState = state.nodeUpgradeState(task, id);
      const start = task.startedAt + Math.floor(index / task.concurrent) * ms;
      return {
        InstanceID: id,
        LifeState: lifeState,
        ...(lifeState === 'pending' ? {} : { StartAt: isoTime(start) }),
        ...(lifeState === 'done' ? { EndAt: isoTime(start + ms) } : {}),
        CheckResult: { CheckPass: true, Items: [], SinglePods: [] },
        Detail: [],
      };
    });
    return {
      Total: instances.length,
      Done: instances.filter((i) => i.LifeState === 'done').length,
      LifeState: state.nodeUpgradeLifeState(task),
      Instances: page(instances, req.Offset, req.Limit ?? instances.length),
      ClusterStatus: { PodTotal: 0, NotReadyPod: 0 },
    };
  },
});
