import type { ActionDefinition, ServiceName } from './define.js';
import {
  createCluster,
  createClusterEndpoint,
  deleteCluster,
  describeClusterEndpointStatus,
  describeClusters,
  describeClusterStatus,
  describeRegions,
  modifyClusterEndpointSP,
} from './tke-clusters.js';
import { describeClusterEndpoints, describeClusterKubeconfig, disableClusterDeletionProtection, enableClusterDeletionProtection } from './tke-access.js';
import { createClusterNodePool, describeClusterNodePools } from './tke-nodepools.js';
import { createClusterRelease, describeClusterPendingReleases, describeClusterReleases } from './tke-releases.js';
import {
  describeDisks,
  describeInstances,
  describeInstanceTypeConfigs,
  describeKeyPairs,
  describeLoadBalancers,
  describeSubnets,
  describeVpcs,
  describeZones,
} from './infra.js';
import { describeOSImages, getClusterLevelPrice, inquiryPriceRunInstances } from './prices.js';

import { deleteClusterNodePool, modifyClusterNodePool, modifyNodePoolDesiredCapacityAboutAsg } from './tke-nodepool-changes.js';
import { checkInstancesUpgradeAble, describeAvailableClusterVersion, getUpgradeInstanceProgress, updateClusterVersion, upgradeClusterInstances } from './tke-upgrade.js';
export type { ActionContext, ActionDefinition, ServiceName } from './define.js';

export const ACTIONS: readonly ActionDefinition[] = [
  describeRegions,
  createCluster,
  describeClusters,
  describeClusterStatus,
  createClusterEndpoint,
  describeClusterEndpointStatus,
  modifyClusterEndpointSP,
  createClusterNodePool,
  describeClusterNodePools,
  modifyClusterNodePool,
  modifyNodePoolDesiredCapacityAboutAsg,
  deleteClusterNodePool,
  createClusterRelease,
  describeClusterReleases,
  describeClusterPendingReleases,
  deleteCluster,
  describeKeyPairs,
  describeZones,
  describeInstanceTypeConfigs,
  describeInstances,
  describeVpcs,
  describeSubnets,
  describeDisks,
  describeLoadBalancers,
  describeOSImages,
  getClusterLevelPrice,
  inquiryPriceRunInstances,
  describeClusterEndpoints,
  describeClusterKubeconfig,
  enableClusterDeletionProtection,
  disableClusterDeletionProtection,
  describeAvailableClusterVersion,
  updateClusterVersion,
  checkInstancesUpgradeAble,
  upgradeClusterInstances,
  getUpgradeInstanceProgress,
];

const KNOWN_SERVICES = new Set<string>(['tke', 'cvm', 'vpc', 'cbs', 'clb']);

/**
 * Finds the action for X-TC-Action + X-TC-Version. All services share the emulator's endpoint,
 * so the credential-scope service only narrows the choice when it is a real service name (the
 * SDK puts "127" there when its endpoint is 127.0.0.1).
 */
export function findAction(action: string, version: string, scopeService: string): ActionDefinition | undefined {
  return ACTIONS.find(
    (a) =>
      a.action === action &&
      a.version === version &&
      (!KNOWN_SERVICES.has(scopeService) || a.service === (scopeService as ServiceName)),
  );
}
