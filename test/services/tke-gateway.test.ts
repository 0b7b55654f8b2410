import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createLogger } from '../../src/services/logger.js';
import {
  TencentError,
  type CreateClusterInput,
  type CreateNodePoolInput,
  type CreateReleaseInput,
  type TkeGateway,
  type TkeTarget,
} from '../../src/services/tke.js';
import { createTkeGateway } from '../../src/services/tke-gateway.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import { mariadbRelease, mariadbReleaseRequest } from '../support/releases.js';

const CREDENTIAL = { secretId: 'AKIDgatewaytest01', secretKey: 'gateway-test-secret-key' };
const TARGET: TkeTarget = { credential: CREDENTIAL, region: 'ap-guangzhou' };
const VPC = 'vpc-gzdemo01';

let clock: ManualClock;
let emulator: TkeEmulator;
let gateway: TkeGateway;
let logs: string[];
let sleeps: number[];

function gatewayFor(endpoint: string): TkeGateway {
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  return createTkeGateway({
    endpoint,
    logger,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

beforeEach(async () => {
  clock = new ManualClock();
  logs = [];
  sleeps = [];
  emulator = await startTkeEmulator({ clock, accounts: [CREDENTIAL] });
  gateway = gatewayFor(emulator.url);
});
afterEach(async () => {
  await emulator.close();
});

const aCluster = (overrides: Partial<CreateClusterInput> = {}): CreateClusterInput => ({
  name: 'payments-prod',
  description: 'payments team',
  kubernetesVersion: '1.30.0',
  runtime: { containerRuntime: 'containerd' },
  os: 'ubuntu18.04.1x86_64',
  vpcId: VPC,
  network: { mode: 'GR', clusterCidr: '10.8.0.0/16', serviceCidr: '10.9.0.0/20' },
  tags: [{ key: 'team', value: 'payments' }],
  ...overrides,
});

const aNodePool = (clusterId: string, overrides: Partial<CreateNodePoolInput> = {}): CreateNodePoolInput => ({
  clusterId,
  name: 'workers',
  minSize: 1,
  maxSize: 4,
  desiredSize: 2,
  vpcId: VPC,
  subnetIds: ['subnet-gz03dft1', 'subnet-gz04dft1'],
  instanceType: 'S5.LARGE8',
  systemDiskGb: 60,
  keyIds: ['skey-demo0001'],
  os: 'ubuntu18.04.1x86_64',
  tags: [{ key: 'team', value: 'payments' }],
  ...overrides,
});

const MARIADB_VALUES = 'primary:\n  persistence:\n    size: 20Gi\n';
const aRelease = (clusterId: string, overrides: Partial<CreateReleaseInput> = {}): CreateReleaseInput => mariadbRelease(clusterId, MARIADB_VALUES, overrides);

async function runningCluster(): Promise<string> {
  const { clusterId } = await gateway.createCluster(TARGET, aCluster());
  clock.advance(emulator.timings.clusterCreateMs);
  return clusterId;
}

async function failureOf(promise: Promise<unknown>): Promise<TencentError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TencentError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const byTag = (clusterId: string) => ({ tagKey: 'tke-clusterId', tagValue: clusterId });

async function leftovers(clusterId: string) {
  const [instances, disks, loadBalancers] = await Promise.all([
    gateway.describeInstances(TARGET, byTag(clusterId)),
    gateway.describeDisks(TARGET, byTag(clusterId)),
    gateway.describeLoadBalancers(TARGET, byTag(clusterId)),
  ]);
  return { instances, disks, loadBalancers };
}

describe('credentials', () => {
  it('lists the regions for a valid account, with their names', async () => {
    const regions = await gateway.describeRegions(CREDENTIAL);

    expect(regions).toContainEqual({ region: 'ap-guangzhou', name: 'South China (Guangzhou)', available: true });
    expect(regions).toHaveLength(4);
  });

  it('fails with Tencent’s AuthFailure.SignatureFailure for a wrong Secret Key, without echoing the key', async () => {
    const error = await failureOf(gateway.describeRegions({ ...CREDENTIAL, secretKey: 'wrong-secret-key' }));

    expect(error.code).toBe('AuthFailure.SignatureFailure');
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).not.toContain('wrong-secret-key');
  });

  it('fails with AuthFailure.SecretIdNotFound for an unknown Secret ID', async () => {
    const error = await failureOf(gateway.describeRegions({ secretId: 'AKIDunknown', secretKey: 'x' }));

    expect(error.code).toBe('AuthFailure.SecretIdNotFound');
  });
});

describe('cluster creation', () => {
  it('shows a new cluster as Creating, then Running once the clock has moved', async () => {
    const { clusterId } = await gateway.createCluster(TARGET, aCluster());

    const creating = await gateway.describeClusters(TARGET, [clusterId]);
    clock.advance(emulator.timings.clusterCreateMs);
    const running = await gateway.describeClusters(TARGET, [clusterId]);

    expect(creating).toEqual([
      {
        clusterId,
        name: 'payments-prod',
        status: 'Creating',
        tags: [{ key: 'team', value: 'payments' }],
        network: { vpcId: VPC, clusterCidr: '10.8.0.0/16', serviceCidr: '10.9.0.0/20' },
        version: '1.30.0',
      },
    ]);
    expect(running[0]?.status).toBe('Running');
  });

  it('sends CreateCluster with the SDK’s field names', async () => {
    await gateway.createCluster(TARGET, aCluster());

    expect(emulator.requestsFor('CreateCluster')[0]?.params).toEqual({
      ClusterType: 'MANAGED_CLUSTER',
      ClusterCIDRSettings: { ClusterCIDR: '10.8.0.0/16', ServiceCIDR: '10.9.0.0/20' },
      ClusterBasicSettings: {
        ClusterOs: 'ubuntu18.04.1x86_64',
        ClusterVersion: '1.30.0',
        ClusterName: 'payments-prod',
        ClusterDescription: 'payments team',
        VpcId: VPC,
        TagSpecification: [{ ResourceType: 'cluster', Tags: [{ Key: 'team', Value: 'payments' }] }],
      },
      ClusterAdvancedSettings: { NetworkType: 'GR', ContainerRuntime: 'containerd' },
    });
  });

  it('asks for VPC-CNI with the ENI subnets when the network mode is VPC-CNI', async () => {
    await gateway.createCluster(TARGET, aCluster({ network: { mode: 'VPC-CNI', subnetIds: ['subnet-gz03dft1'] } }));

    expect(emulator.requestsFor('CreateCluster')[0]?.params).toMatchObject({
      ClusterCIDRSettings: { EniSubnetIds: ['subnet-gz03dft1'] },
      ClusterAdvancedSettings: { NetworkType: 'VPC-CNI' },
    });
  });

  it('sends the container runtime and its version when one is chosen, and TKE keeps them', async () => {
    const { clusterId } = await gateway.createCluster(TARGET, aCluster({ runtime: { containerRuntime: 'containerd', runtimeVersion: '1.6.9' } }));

    expect(emulator.requestsFor('CreateCluster')[0]?.params).toMatchObject({
      ClusterAdvancedSettings: { NetworkType: 'GR', ContainerRuntime: 'containerd', RuntimeVersion: '1.6.9' },
    });
    expect(emulator.cluster(clusterId)).toMatchObject({ containerRuntime: 'containerd', runtimeVersion: '1.6.9' });
  });

  it('is refused docker for Kubernetes 1.24 and later with InvalidParameter.Param, and creates nothing', async () => {
    const error = await failureOf(gateway.createCluster(TARGET, aCluster({ kubernetesVersion: '1.26.1', runtime: { containerRuntime: 'docker' } })));

    expect(error.code).toBe('InvalidParameter.Param');
    expect(error.message).toContain('docker is not supported for Kubernetes 1.26.1');
    expect(emulator.requestsFor('CreateCluster')[0]?.params).toMatchObject({ ClusterAdvancedSettings: { ContainerRuntime: 'docker' } });
    expect(await gateway.describeClusters(TARGET, [])).toEqual([]);
  });

  it('still gets docker for Kubernetes below 1.24', async () => {
    const { clusterId } = await gateway.createCluster(TARGET, aCluster({ kubernetesVersion: '1.22.5', runtime: { containerRuntime: 'docker' } }));

    expect(emulator.cluster(clusterId)?.containerRuntime).toBe('docker');
  });

  it('sends the cluster’s runtime with a node pool, and is refused docker there for 1.24 and later', async () => {
    const clusterId = await runningCluster();

    await gateway.createClusterNodePool(TARGET, aNodePool(clusterId, { runtime: { containerRuntime: 'containerd', runtimeVersion: '1.6.9' } }));
    const error = await failureOf(gateway.createClusterNodePool(TARGET, aNodePool(clusterId, { name: 'old', runtime: { containerRuntime: 'docker' } })));

    expect(emulator.requestsFor('CreateClusterNodePool')[0]?.params).toMatchObject({ ContainerRuntime: 'containerd', RuntimeVersion: '1.6.9' });
    expect(error.code).toBe('InvalidParameter.Param');
    expect(emulator.cluster(clusterId)?.nodePools.map((p) => p.name)).toEqual(['workers']);
  });

  it('reports each cluster’s status through DescribeClusterStatus', async () => {
    const clusterId = await runningCluster();

    expect(await gateway.describeClusterStatus(TARGET, [clusterId])).toEqual([{ clusterId, status: 'Running' }]);
  });

  it('opens a public endpoint restricted to the given CIDRs, backed by a load balancer tagged with the cluster', async () => {
    const clusterId = await runningCluster();

    await gateway.createClusterEndpoint(TARGET, { clusterId, access: 'public' });
    const creating = await gateway.describeClusterEndpointStatus(TARGET, clusterId, 'public');
    clock.advance(emulator.timings.endpointCreateMs);
    const created = await gateway.describeClusterEndpointStatus(TARGET, clusterId, 'public');
    await gateway.restrictClusterEndpoint(TARGET, clusterId, ['203.0.113.0/24']);

    expect([creating.status, created.status]).toEqual(['Creating', 'Created']);
    expect(emulator.requestsFor('CreateClusterEndpoint')[0]?.params).toEqual({ ClusterId: clusterId, IsExtranet: true });
    expect(emulator.cluster(clusterId)?.endpoints.public?.securityPolicies).toEqual(['203.0.113.0/24']);
    expect(await gateway.describeLoadBalancers(TARGET, byTag(clusterId))).toHaveLength(1);
  });

  it('creates a node pool whose instances and disks appear at once and become ready as the clock moves', async () => {
    const clusterId = await runningCluster();

    const { nodePoolId } = await gateway.createClusterNodePool(TARGET, aNodePool(clusterId));
    const joining = await gateway.describeClusterNodePools(TARGET, clusterId);
    const pending = await leftovers(clusterId);
    clock.advance(emulator.timings.nodeJoinMs);
    const ready = await gateway.describeClusterNodePools(TARGET, clusterId);

    expect(joining).toEqual([{ nodePoolId, name: 'workers', lifeState: 'creating', desired: 2, minNodes: 1, maxNodes: 4, readyNodes: 0, totalNodes: 2 }]);
    expect(pending.instances.map((i) => i.state)).toEqual(['PENDING', 'PENDING']);
    expect(pending.disks).toHaveLength(2);
    expect(ready[0]).toMatchObject({ lifeState: 'normal', readyNodes: 2 });
    expect((await gateway.describeInstances(TARGET, byTag(clusterId))).map((i) => i.state)).toEqual(['RUNNING', 'RUNNING']);
  });

  it('sends the node pool’s scaling group and launch configuration as JSON strings with the SDK’s field names', async () => {
    const clusterId = await runningCluster();

    await gateway.createClusterNodePool(TARGET, aNodePool(clusterId));

    const params = emulator.requestsFor('CreateClusterNodePool')[0]?.params as Record<string, unknown>;
    expect(params).toMatchObject({
      ClusterId: clusterId,
      Name: 'workers',
      InstanceAdvancedSettings: {},
      EnableAutoscale: true,
      NodePoolOs: 'ubuntu18.04.1x86_64',
      Tags: [{ Key: 'team', Value: 'payments' }],
    });
    expect(JSON.parse(params.AutoScalingGroupPara as string)).toEqual({
      MinSize: 1,
      MaxSize: 4,
      DesiredCapacity: 2,
      VpcId: VPC,
      SubnetIds: ['subnet-gz03dft1', 'subnet-gz04dft1'],
    });
    expect(JSON.parse(params.LaunchConfigurePara as string)).toEqual({
      InstanceType: 'S5.LARGE8',
      SystemDisk: { DiskType: 'CLOUD_PREMIUM', DiskSize: 60 },
      LoginSettings: { KeyIds: ['skey-demo0001'] },
      InstanceChargeType: 'POSTPAID_BY_HOUR',
      InstanceTags: [{ Key: 'team', Value: 'payments' }],
    });
  });

  it('tags the worker pool’s instances and their disks with the pool’s tags, beside TKE’s own tag', async () => {
    const clusterId = await runningCluster();

    await gateway.createClusterNodePool(TARGET, aNodePool(clusterId));

    const { instances, disks } = emulator.resources(clusterId);
    expect(instances.length).toBeGreaterThan(0);
    for (const resource of [...instances, ...disks]) {
      expect(resource.tags).toEqual([
        { key: 'tke-clusterId', value: clusterId },
        { key: 'team', value: 'payments' },
      ]);
    }
  });

  it('installs a Helm chart from its repository with CreateClusterRelease, the values as YAML', async () => {
    const clusterId = await runningCluster();

    await gateway.createClusterRelease(TARGET, aRelease(clusterId));

    expect(emulator.requestsFor('CreateClusterRelease')[0]?.params).toEqual(mariadbReleaseRequest(clusterId, MARIADB_VALUES));
  });

  it('reports a release as pending-install among the pending releases, then deployed among the installed ones', async () => {
    const clusterId = await runningCluster();

    await gateway.createClusterRelease(TARGET, aRelease(clusterId));
    const installing = await gateway.describeClusterPendingReleases(TARGET, clusterId);
    const installedEarly = await gateway.describeClusterReleases(TARGET, clusterId);
    clock.advance(emulator.timings.addonInstallMs);
    const deployed = await gateway.describeClusterReleases(TARGET, clusterId);

    expect(installing).toEqual([{ name: 'mariadb', namespace: 'default', status: 'pending-install', condition: '' }]);
    expect(installedEarly).toEqual([]);
    expect(deployed).toEqual([{ name: 'mariadb', namespace: 'default', status: 'deployed', description: 'Install complete' }]);
    expect(await gateway.describeClusterPendingReleases(TARGET, clusterId)).toEqual([]);
  });

  it('reports a release that failed before Helm recorded it as failed among the pending releases, with the Condition', async () => {
    const clusterId = await runningCluster();
    emulator.failNextAddon('chart mariadb-20.0.0.tgz: 404 Not Found');

    await gateway.createClusterRelease(TARGET, aRelease(clusterId));
    clock.advance(emulator.timings.addonInstallMs);

    expect(await gateway.describeClusterPendingReleases(TARGET, clusterId)).toEqual([
      { name: 'mariadb', namespace: 'default', status: 'failed', condition: 'chart mariadb-20.0.0.tgz: 404 Not Found' },
    ]);
    expect(await gateway.describeClusterReleases(TARGET, clusterId)).toEqual([]);
  });

  it('reports a release that failed after Helm recorded it with Helm’s description of why', async () => {
    const clusterId = await runningCluster();
    emulator.failNextAddon('pre-install hook failed', { stage: 'helm' });

    await gateway.createClusterRelease(TARGET, aRelease(clusterId));
    clock.advance(emulator.timings.addonInstallMs);

    expect(await gateway.describeClusterReleases(TARGET, clusterId)).toEqual([
      { name: 'mariadb', namespace: 'default', status: 'failed', description: 'pre-install hook failed' },
    ]);
  });

  it('pages DescribeClusterReleases 100 at a time when a cluster has more releases', async () => {
    const clusterId = await runningCluster();
    const names = Array.from({ length: 130 }, (_, i) => `app-${String(i).padStart(3, '0')}`);
    for (const name of names) await gateway.createClusterRelease(TARGET, aRelease(clusterId, { name }));
    clock.advance(emulator.timings.addonInstallMs);

    const releases = await gateway.describeClusterReleases(TARGET, clusterId);

    expect(releases.map((r) => r.name)).toEqual(names);
    expect(emulator.requestsFor('DescribeClusterReleases').map((r) => r.params)).toEqual([
      { ClusterId: clusterId, ClusterType: 'tke', Offset: 0, Limit: 100 },
      { ClusterId: clusterId, ClusterType: 'tke', Offset: 100, Limit: 100 },
    ]);
  });

  it('pages DescribeClusterPendingReleases 100 at a time when a cluster installs more releases', async () => {
    const clusterId = await runningCluster();
    const names = Array.from({ length: 130 }, (_, i) => `app-${String(i).padStart(3, '0')}`);
    for (const name of names) await gateway.createClusterRelease(TARGET, aRelease(clusterId, { name }));

    const releases = await gateway.describeClusterPendingReleases(TARGET, clusterId);

    expect(releases.map((r) => r.name)).toEqual(names);
    expect(emulator.requestsFor('DescribeClusterPendingReleases').map((r) => r.params)).toEqual([
      { ClusterId: clusterId, ClusterType: 'tke', Offset: 0, Limit: 100 },
      { ClusterId: clusterId, ClusterType: 'tke', Offset: 100, Limit: 100 },
    ]);
  });
});

describe('retries', () => {
  it('retries a throttled Describe call and succeeds, with a warning that carries no secret', async () => {
    emulator.throttle('DescribeZones', 1);

    const zones = await gateway.describeZones(TARGET);

    expect(zones.map((z) => z.zone)).toEqual(['ap-guangzhou-3', 'ap-guangzhou-4', 'ap-guangzhou-6']);
    expect(emulator.requestsFor('DescribeZones')).toHaveLength(2);
    expect(sleeps).toEqual([200]);
    expect(logs.join('\n')).toContain('RequestLimitExceeded');
    expect(logs.join('\n')).not.toContain(CREDENTIAL.secretKey);
  });

  it('backs off exponentially and gives up after four attempts of a failing Describe call', async () => {
    emulator.failNext('DescribeVpcs', { code: 'InternalError', message: 'try later', times: 10 });

    const error = await failureOf(gateway.describeVpcs(TARGET));

    expect(error.code).toBe('InternalError');
    expect(emulator.requestsFor('DescribeVpcs')).toHaveLength(4);
    expect(sleeps).toEqual([200, 400, 800]);
  });

  it('never retries a throttled CreateCluster and surfaces RequestLimitExceeded with its RequestId', async () => {
    emulator.throttle('CreateCluster', 1);

    const error = await failureOf(gateway.createCluster(TARGET, aCluster()));

    expect(emulator.requestsFor('CreateCluster')).toHaveLength(1);
    expect(error).toBeInstanceOf(TencentError);
    expect(error.code).toBe('RequestLimitExceeded');
    expect(error.requestId).toBe(emulator.requestsFor('CreateCluster')[0]?.requestId);
  });

  it('never retries a throttled CreateClusterRelease', async () => {
    const clusterId = await runningCluster();
    emulator.throttle('CreateClusterRelease', 1);

    const error = await failureOf(gateway.createClusterRelease(TARGET, aRelease(clusterId)));

    expect(error.code).toBe('RequestLimitExceeded');
    expect(emulator.requestsFor('CreateClusterRelease')).toHaveLength(1);
    expect(emulator.cluster(clusterId)?.releases).toEqual([]);
  });

  it('retries a throttled DescribeClusterReleases', async () => {
    const clusterId = await runningCluster();
    emulator.throttle('DescribeClusterReleases', 1);

    expect(await gateway.describeClusterReleases(TARGET, clusterId)).toEqual([]);
    expect(emulator.requestsFor('DescribeClusterReleases')).toHaveLength(2);
  });

  it('retries a throttled DescribeClusterPendingReleases', async () => {
    const clusterId = await runningCluster();
    emulator.throttle('DescribeClusterPendingReleases', 1);

    expect(await gateway.describeClusterPendingReleases(TARGET, clusterId)).toEqual([]);
    expect(emulator.requestsFor('DescribeClusterPendingReleases')).toHaveLength(2);
  });

  it('does not retry an error that is not transient', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `cls-${String(i).padStart(8, '0')}`);

    const error = await failureOf(gateway.describeClusters(TARGET, ids));

    expect(error.code).toBe('InvalidParameterValue');
    expect(emulator.requestsFor('DescribeClusters')).toHaveLength(1);
  });

  it('retries Tencent’s unexpected internal errors but not its final InternalError answers', async () => {
    emulator.failNext('DescribeKeyPairs', { code: 'InternalError.UnexpectedInternal', message: 'try again' });
    await gateway.describeKeyPairs(TARGET);
    expect(emulator.requestsFor('DescribeKeyPairs')).toHaveLength(2);

    emulator.clearRequests();
    emulator.failNext('DescribeKeyPairs', { code: 'InternalError.CamNoAuth', message: 'no permission for cvm:DescribeKeyPairs' });
    const error = await failureOf(gateway.describeKeyPairs(TARGET));
    expect(error).toMatchObject({ code: 'InternalError.CamNoAuth', transient: false });
    expect(emulator.requestsFor('DescribeKeyPairs')).toHaveLength(1);
  });

  it('turns an unreachable endpoint into a NetworkError after retrying', async () => {
    const closed = await startTkeEmulator({ clock, accounts: [CREDENTIAL] });
    await closed.close();

    const error = await failureOf(gatewayFor(closed.url).describeKeyPairs(TARGET));

    expect(error.code).toBe('NetworkError');
    expect(error.transient).toBe(true);
    expect(sleeps).toHaveLength(3);
  });
});

describe('cluster deletion', () => {
  async function clusterWithResources(): Promise<string> {
    const clusterId = await runningCluster();
    await gateway.createClusterEndpoint(TARGET, { clusterId, access: 'public' });
    await gateway.createClusterNodePool(TARGET, aNodePool(clusterId, { desiredSize: 3, maxSize: 3 }));
    clock.advance(emulator.timings.nodeJoinMs);
    return clusterId;
  }

  it('deletes a cluster with its instances, disks and load balancers', async () => {
    const clusterId = await clusterWithResources();

    await gateway.deleteCluster(TARGET, clusterId, { terminateInstances: true, terminateDisks: true });
    const deleting = await gateway.describeClusters(TARGET, [clusterId]);
    clock.advance(emulator.timings.clusterDeleteMs);

    expect(deleting[0]?.status).toBe('Deleting');
    expect(await gateway.describeClusters(TARGET, [clusterId])).toEqual([]);
    expect(await leftovers(clusterId)).toEqual({ instances: [], disks: [], loadBalancers: [] });
  });

  it('sends DeleteCluster with the instance and CBS delete modes', async () => {
    const clusterId = await runningCluster();

    await gateway.deleteCluster(TARGET, clusterId, { terminateInstances: true, terminateDisks: true });

    expect(emulator.requestsFor('DeleteCluster')[0]?.params).toEqual({
      ClusterId: clusterId,
      InstanceDeleteMode: 'terminate',
      ResourceDeleteOptions: [{ ResourceType: 'CBS', DeleteMode: 'terminate' }],
    });
  });

  it('asks Tencent not to skip protected disks and load balancers when a deletion includes them', async () => {
    const clusterId = await runningCluster();

    await gateway.deleteCluster(TARGET, clusterId, { terminateInstances: true, terminateDisks: true, includeProtected: true });

    expect(emulator.requestsFor('DeleteCluster')[0]?.params).toEqual({
      ClusterId: clusterId,
      InstanceDeleteMode: 'terminate',
      ResourceDeleteOptions: [
        { ResourceType: 'CBS', DeleteMode: 'terminate', SkipDeletionProtection: false },
        { ResourceType: 'CLB', DeleteMode: 'terminate', SkipDeletionProtection: false },
      ],
    });
  });

  it('leaves a stuck deletion Deleting after an hour, with resources still findable by the cluster tag', async () => {
    const clusterId = await clusterWithResources();
    emulator.stickDeleting('next');

    await gateway.deleteCluster(TARGET, clusterId, { terminateInstances: true, terminateDisks: true });
    clock.advance(60 * 60_000);

    expect((await gateway.describeClusters(TARGET, [clusterId]))[0]?.status).toBe('Deleting');
    const left = await leftovers(clusterId);
    expect([left.instances.length, left.disks.length, left.loadBalancers.length]).toEqual([1, 1, 1]);
  });
});

describe('placement data', () => {
  it('lists key pairs, VPCs, subnets and instance types of a region', async () => {
    const [keys, vpcs, subnets, types] = await Promise.all([
      gateway.describeKeyPairs(TARGET),
      gateway.describeVpcs(TARGET),
      gateway.describeSubnets(TARGET, VPC),
      gateway.describeInstanceTypeConfigs(TARGET, ['ap-guangzhou-3']),
    ]);

    expect(keys.map((k) => k.keyId)).toEqual(['skey-demo0001', 'skey-demo0002']);
    expect(vpcs.map((v) => v.vpcId)).toEqual([VPC, 'vpc-gzdemo02']);
    expect(subnets.every((s) => s.vpcId === VPC)).toBe(true);
    expect(types).toContainEqual({ instanceType: 'GN7.2XLARGE32', zone: 'ap-guangzhou-3', cpu: 8, memoryGb: 32, gpu: 1 });
    expect(emulator.requestsFor('DescribeVpcs')[0]?.params).toEqual({ Offset: '0', Limit: '100' });
  });

  it('asks for the instance types of several zones one zone per call, as CVM allows one value per filter', async () => {
    const types = await gateway.describeInstanceTypeConfigs(TARGET, ['ap-guangzhou-3', 'ap-guangzhou-4']);

    const filters = emulator.requestsFor('DescribeInstanceTypeConfigs').map((r) => (r.params as { Filters: unknown }).Filters);
    expect(filters).toEqual(
      expect.arrayContaining([[{ Name: 'zone', Values: ['ap-guangzhou-3'] }], [{ Name: 'zone', Values: ['ap-guangzhou-4'] }]]),
    );
    expect(filters).toHaveLength(2);
    expect(new Set(types.map((t) => t.zone))).toEqual(new Set(['ap-guangzhou-3', 'ap-guangzhou-4']));
  });
});
