import { z } from 'zod';
import type {
  DescribeClusterEndpointsResponse,
  DescribeClusterKubeconfigResponse,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import type { ClusterRecord, EmulatorState, EndpointKind } from '../state.js';
import { defineAction } from './define.js';
import { requireCluster, requireRunning } from './tke-clusters.js';

/** The API server's domain TKE gives every cluster (ClusterDomain). */
const clusterDomain = (cluster: ClusterRecord) => `${cluster.clusterId}.ccs.tencent-cloud.com`;

/** The address of an endpoint that is Created: its load balancer's VIP. */
function endpointAddress(state: EmulatorState, cluster: ClusterRecord, kind: EndpointKind): string | undefined {
  const endpoint = cluster.endpoints[kind];
  if (!endpoint || state.endpointStatus(endpoint) !== 'Created') return undefined;
  return state.loadBalancers.get(endpoint.loadBalancerId)?.vip;
}

/** A stand-in for the kubeconfig TKE hands out: one cluster, one user with a client certificate. */
function kubeconfig(cluster: ClusterRecord, server: string): string {
  const fake = (what: string) => Buffer.from(`emulator ${what} for ${cluster.clusterId}`).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${fake('ca')}`,
    `    server: https://${server}`,
    `  name: ${cluster.clusterId}`,
    'contexts:',
    '- context:',
    `    cluster: ${cluster.clusterId}`,
    `    user: ${cluster.clusterId}-admin`,
    `  name: ${cluster.clusterId}-context-default`,
    `current-context: ${cluster.clusterId}-context-default`,
    'users:',
    `- name: ${cluster.clusterId}-admin`,
    '  user:',
    `    client-certificate-data: ${fake('client certificate')}`,
    `    client-key-data: ${fake('client key')}`,
    '',
  ].join('\n');
}

export const describeClusterEndpoints = defineAction({
  service: 'tke',
  action: 'DescribeClusterEndpoints',
  schema: z.object({ ClusterId: z.string() }),
  handle: (context, req): DescribeClusterEndpointsResponse => {
    const cluster = requireCluster(context, req.ClusterId);
    const external = endpointAddress(context.state, cluster, 'public');
    const intranet = endpointAddress(context.state, cluster, 'private');
    return {
      CertificationAuthority: '',
      ClusterExternalEndpoint: external ?? '',
      ClusterIntranetEndpoint: intranet ?? '',
      ClusterDomain: clusterDomain(cluster),
      ClusterExternalACL: cluster.endpoints.public?.securityPolicies ?? [],
      ClusterExternalDomain: '',
      ClusterIntranetDomain: '',
      SecurityGroup: cluster.endpoints.public?.securityGroup ?? '',
      ClusterIntranetSubnetId: cluster.endpoints.private?.subnetId ?? '',
    };
  },
});

/**
 * As the SDK's model says of DescribeClusterKubeconfigResponse.Kubeconfig: IsExtranet false gives
 * the private endpoint's kubeconfig, true the public one's; without that endpoint the server is
 * the cluster's default domain, which is not reachable. TKE does not refuse it, so neither does
 * the emulator: tkeops asks for a public kubeconfig only when the cluster has a public endpoint.
 */
export const describeClusterKubeconfig = defineAction({
  service: 'tke',
  action: 'DescribeClusterKubeconfig',
  schema: z.object({ ClusterId: z.string(), IsExtranet: z.boolean().optional() }),
  handle: (context, req): DescribeClusterKubeconfigResponse => {
    const cluster = requireCluster(context, req.ClusterId);
    requireRunning(context.state, cluster);
    const server = endpointAddress(context.state, cluster, req.IsExtranet ? 'public' : 'private') ?? clusterDomain(cluster);
    return { Kubeconfig: kubeconfig(cluster, server) };
  },
});

const protection = (action: 'EnableClusterDeletionProtection' | 'DisableClusterDeletionProtection', on: boolean) =>
  defineAction({
    service: 'tke',
    action,
    schema: z.object({ ClusterId: z.string() }),
    handle: (context, req) => {
      const cluster = requireCluster(context, req.ClusterId);
      cluster.deletionProtection = on;
      return {};
    },
  });

export const enableClusterDeletionProtection = protection('EnableClusterDeletionProtection', true);
export const disableClusterDeletionProtection = protection('DisableClusterDeletionProtection', false);
