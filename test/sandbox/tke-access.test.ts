import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tke } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/index.js';
import { ManualClock } from '../../src/services/clock.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';

const ACCOUNT = { secretId: 'AKIDaccesstest0001', secretKey: 'access-test-key-0001' };
const REGION = 'ap-guangzhou';
const VPC = 'vpc-gzdemo01';
const SUBNET = 'subnet-gz03dft1';

let clock: ManualClock;
let emulator: TkeEmulator;

beforeEach(async () => {
  clock = new ManualClock();
  emulator = await startTkeEmulator({ clock, accounts: [ACCOUNT] });
});
afterEach(async () => {
  await emulator.close();
});

const client = () => new tke.v20180525.Client({ credential: ACCOUNT, region: REGION, profile: { httpProfile: { protocol: 'http://', endpoint: new URL(emulator.url).host } } });

async function failureCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** A Running cluster with a Created private endpoint (and a public one when asked). */
async function runningCluster(options: { publicEndpoint?: boolean } = {}): Promise<string> {
  const res = await client().CreateCluster({
    ClusterType: 'MANAGED_CLUSTER',
    ClusterCIDRSettings: { ClusterCIDR: '10.8.0.0/16' },
    ClusterBasicSettings: { ClusterName: 'demo', ClusterOs: 'ubuntu18.04.1x86_64', ClusterVersion: '1.30.0', VpcId: VPC },
  });
  const clusterId = res.ClusterId ?? '';
  clock.advance(emulator.timings.clusterCreateMs);
  await client().CreateClusterEndpoint({ ClusterId: clusterId, SubnetId: SUBNET, IsExtranet: false });
  clock.advance(emulator.timings.endpointCreateMs);
  if (options.publicEndpoint) {
    await client().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: true });
    clock.advance(emulator.timings.endpointCreateMs);
  }
  return clusterId;
}

describe('cluster access in the emulator', () => {
  it('gives each Created endpoint’s address, and a kubeconfig whose server is the endpoint IsExtranet asks for', async () => {
    const clusterId = await runningCluster({ publicEndpoint: true });
    const endpoints = await client().DescribeClusterEndpoints({ ClusterId: clusterId });
    expect(endpoints.ClusterIntranetEndpoint).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(endpoints.ClusterIntranetEndpoint).not.toBe(endpoints.ClusterExternalEndpoint);
    expect(endpoints.ClusterExternalEndpoint).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(endpoints.ClusterDomain).toBe(`${clusterId}.ccs.tencent-cloud.com`);

    const intranet = await client().DescribeClusterKubeconfig({ ClusterId: clusterId });
    expect(intranet.Kubeconfig).toContain(`server: https://${endpoints.ClusterIntranetEndpoint}`);
    const external = await client().DescribeClusterKubeconfig({ ClusterId: clusterId, IsExtranet: true });
    expect(external.Kubeconfig).toContain(`server: https://${endpoints.ClusterExternalEndpoint}`);
  });

  it('gives a public kubeconfig of a cluster without a public endpoint the default domain, as the SDK model says TKE does', async () => {
    const clusterId = await runningCluster();
    const { ClusterExternalEndpoint } = await client().DescribeClusterEndpoints({ ClusterId: clusterId });
    expect(ClusterExternalEndpoint).toBe('');
    const external = await client().DescribeClusterKubeconfig({ ClusterId: clusterId, IsExtranet: true });
    expect(external.Kubeconfig).toContain(`server: https://${clusterId}.ccs.tencent-cloud.com`);
  });

  it('keeps deletion protection, shows it in DescribeClusters, and refuses DeleteCluster while it is on', async () => {
    const clusterId = await runningCluster();
    await client().EnableClusterDeletionProtection({ ClusterId: clusterId });
    const { Clusters } = await client().DescribeClusters({ ClusterIds: [clusterId] });
    expect(Clusters?.[0]?.DeletionProtection).toBe(true);

    expect(await failureCode(client().DeleteCluster({ ClusterId: clusterId, InstanceDeleteMode: 'terminate' }))).toBe('OperationDenied.ClusterInDeletionProtection');
    expect(emulator.cluster(clusterId)).toBeDefined();

    await client().DisableClusterDeletionProtection({ ClusterId: clusterId });
    await client().DeleteCluster({ ClusterId: clusterId, InstanceDeleteMode: 'terminate' });
    clock.advance(emulator.timings.clusterDeleteMs);
    expect(emulator.cluster(clusterId)).toBeUndefined();
  });

  it('answers an unknown cluster with InvalidParameter.ClusterNotFound', async () => {
    expect(await failureCode(client().DescribeClusterKubeconfig({ ClusterId: 'cls-nothere1' }))).toBe('InvalidParameter.ClusterNotFound');
    expect(await failureCode(client().EnableClusterDeletionProtection({ ClusterId: 'cls-nothere1' }))).toBe('InvalidParameter.ClusterNotFound');
  });
});
