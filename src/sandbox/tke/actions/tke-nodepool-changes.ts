import { z } from 'zod';
import type {
  DeleteClusterNodePoolResponse,
  ModifyClusterNodePoolResponse,
  ModifyNodePoolDesiredCapacityAboutAsgResponse,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import { ApiError } from '../errors.js';
import type { ActionContext } from './define.js';
import { defineAction } from './define.js';
import { type ClusterRecord, type NodePoolRecord } from '../state.js';
import { requireCluster, requireRunning } from './tke-clusters.js';
import { launchPoolNode } from './tke-nodepools.js';

/** The pool of a Running cluster, as TKE finds it by id. */
function requirePool(context: ActionContext, clusterId: string, nodePoolId: string): { cluster: ClusterRecord; pool: NodePoolRecord } {
  const cluster = requireCluster(context, clusterId);
  requireRunning(context.state, cluster);
  const pool = cluster.nodePools.find((p) => p.nodePoolId === nodePoolId && p.deletingAt === undefined);
  if (!pool) throw new ApiError('ResourceNotFound', `Node pool \`${nodePoolId}\` was not found in cluster \`${clusterId}\`.`);
  return { cluster, pool };
}

/** TKE refuses a change to a pool whose nodes are still coming up or going (its scaling activity runs). */
function requireIdle(context: ActionContext, pool: NodePoolRecord): void {
  const busy = pool.instanceIds.some((id) => {
    const instance = context.state.instances.get(id);
    return instance !== undefined && context.state.nodePhase(instance.createdAt) !== 'Normal';
  });
  if (busy) throw new ApiError('ResourceInUse', `Node pool \`${pool.nodePoolId}\` is scaling; try again when its nodes are ready.`);
}

/** Launches or terminates nodes until the pool has `desired` of them; new ones come up over the emulator's clock. */
function resize(context: ActionContext, cluster: ClusterRecord, pool: NodePoolRecord, desired: number): void {
  const { state, scope } = context;
  while (pool.instanceIds.length > desired) {
    const instanceId = pool.instanceIds.pop() as string;
    const instance = state.instances.get(instanceId);
    if (instance) state.disks.delete(instance.systemDiskId);
    state.instances.delete(instanceId);
  }
  const type = state.regionData(scope)?.instanceTypes.find((t) => t.instanceType === pool.instanceType);
  const vpc = state.regionData(scope)?.vpcs.find((v) => v.vpcId === pool.vpcId);
  const subnets = pool.subnetIds.flatMap((id) => vpc?.subnets.filter((s) => s.subnetId === id) ?? []);
  while (pool.instanceIds.length < desired && subnets.length > 0) {
    const subnet = subnets[pool.instanceIds.length % subnets.length];
    if (!subnet) break;
    launchPoolNode(state, scope, cluster, pool, subnet, { cpu: type?.cpu ?? 2, memoryGb: type?.memoryGb ?? 4 });
  }
  pool.desired = desired;
}

export const modifyClusterNodePool = defineAction({
  service: 'tke',
  action: 'ModifyClusterNodePool',
  schema: z.object({
    ClusterId: z.string(),
    NodePoolId: z.string(),
    Name: z.string().optional(),
    MaxNodesNum: z.int().min(0).max(2000).optional(),
    MinNodesNum: z.int().min(0).max(2000).optional(),
    EnableAutoscale: z.boolean().optional(),
  }),
  handle: (context, req): ModifyClusterNodePoolResponse => {
    const { pool } = requirePool(context, req.ClusterId, req.NodePoolId);
    requireIdle(context, pool);
    const min = req.MinNodesNum ?? pool.minSize;
    const max = req.MaxNodesNum ?? pool.maxSize;
    if (min > max) throw new ApiError('InvalidParameter.Param', `MinNodesNum ${min} is larger than MaxNodesNum ${max}.`);
    pool.minSize = min;
    pool.maxSize = max;
    if (req.Name !== undefined) pool.name = req.Name;
    return {};
  },
});

export const modifyNodePoolDesiredCapacityAboutAsg = defineAction({
  service: 'tke',
  action: 'ModifyNodePoolDesiredCapacityAboutAsg',
  schema: z.object({ ClusterId: z.string(), NodePoolId: z.string(), DesiredCapacity: z.int().min(0) }),
  handle: (context, req): ModifyNodePoolDesiredCapacityAboutAsgResponse => {
    const { cluster, pool } = requirePool(context, req.ClusterId, req.NodePoolId);
    requireIdle(context, pool);
    if (req.DesiredCapacity < pool.minSize || req.DesiredCapacity > pool.maxSize) {
      // TKE's code for a parameter its rules refuse (the request itself is well formed).
      throw new ApiError('InvalidParameter.Param', `DesiredCapacity ${req.DesiredCapacity} is outside the node pool's range ${pool.minSize}..${pool.maxSize}.`);
    }
    resize(context, cluster, pool, req.DesiredCapacity);
    return {};
  },
});

export const deleteClusterNodePool = defineAction({
  service: 'tke',
  action: 'DeleteClusterNodePool',
  schema: z.object({ ClusterId: z.string(), NodePoolIds: z.array(z.string()).min(1), KeepInstance: z.boolean() }),
  handle: (context, req): DeleteClusterNodePoolResponse => {
    const found = req.NodePoolIds.map((id) => requirePool(context, req.ClusterId, id));
    for (const { pool } of found) requireIdle(context, pool);
    for (const { cluster, pool } of found) {
      // KeepInstance false: the pool's instances (and their system disks) are terminated with it.
      if (!req.KeepInstance) resize(context, cluster, pool, 0);
      else pool.instanceIds = [];
      pool.deletingAt = context.state.now();
    }
    return {};
  },
});
