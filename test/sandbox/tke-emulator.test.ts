import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tke } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/index.js';
import { cvm } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cvm/index.js';
import type {
  CreateClusterNodePoolRequest,
  CreateClusterReleaseRequest,
  DescribeClusterPendingReleasesRequest,
  DescribeClusterReleasesRequest,
  InstanceAdvancedSettings,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import { ManualClock } from '../../src/services/clock.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';
import { mariadbReleaseRequest } from '../support/releases.js';

const ACCOUNT = { secretId: 'AKIDemulatortest01', secretKey: 'emulator-test-key-01' };
const OTHER_ACCOUNT = { secretId: 'AKIDemulatortest02', secretKey: 'emulator-test-key-02' };
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

/** A raw SDK client, configured the way the gateway does it, pointed at the emulator. */
function profile(url: string) {
  const { host } = new URL(url);
  return { httpProfile: { protocol: 'http://', endpoint: host } };
}
const tkeClient = (credential = ACCOUNT, region = REGION) =>
  new tke.v20180525.Client({ credential, region, profile: profile(emulator.url) });
const cvmClient = (credential = ACCOUNT, region = REGION) =>
  new cvm.v20170312.Client({ credential, region, profile: profile(emulator.url) });

/** The Tencent error a call failed with (code, message, requestId), or undefined when it succeeded. */
async function failureOf(promise: Promise<unknown>): Promise<{ code: string; message: string; requestId: string } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    const e = error as { code?: string; message: string; requestId?: string };
    return { code: e.code ?? '', message: e.message, requestId: e.requestId ?? '' };
  }
}

async function control(command: string, body: object = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emulator.url}/_emulator/${command}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function createCluster(client = tkeClient(), cidr = '10.8.0.0/16'): Promise<string> {
  const res = await client.CreateCluster({
    ClusterType: 'MANAGED_CLUSTER',
    ClusterCIDRSettings: { ClusterCIDR: cidr },
    ClusterBasicSettings: { ClusterName: 'demo', ClusterOs: 'ubuntu18.04.1x86_64', ClusterVersion: '1.30.0', VpcId: VPC },
  });
  return res.ClusterId ?? '';
}

async function runningCluster(): Promise<string> {
  const clusterId = await createCluster();
  clock.advance(emulator.timings.clusterCreateMs);
  return clusterId;
}

/** The mariadb chart from Bitnami's repository, as the gateway installs an add-on pack. */
const releaseRequest = (clusterId: string, overrides: Partial<CreateClusterReleaseRequest> = {}): CreateClusterReleaseRequest =>
  mariadbReleaseRequest(clusterId, 'primary:\n  persistence:\n    size: 20Gi\n', overrides);

function nodePoolRequest(clusterId: string, group: object, launch: object = {}): CreateClusterNodePoolRequest {
  return {
    ClusterId: clusterId,
    AutoScalingGroupPara: JSON.stringify({ MinSize: 1, MaxSize: 3, DesiredCapacity: 2, VpcId: VPC, SubnetIds: [SUBNET], ...group }),
    LaunchConfigurePara: JSON.stringify({
      InstanceType: 'S5.MEDIUM4',
      SystemDisk: { DiskType: 'CLOUD_PREMIUM', DiskSize: 50 },
      LoginSettings: { KeyIds: ['skey-demo0001'] },
      ...launch,
    }),
    InstanceAdvancedSettings: {} as InstanceAdvancedSettings,
    EnableAutoscale: true,
  };
}

describe('signature verification', () => {
  it('answers DescribeRegions to a client signing with the right Secret Key', async () => {
    const res = await tkeClient().DescribeRegions();

    expect(res.RegionInstanceSet?.map((r) => r.RegionName)).toEqual(['ap-guangzhou', 'ap-shanghai', 'ap-singapore', 'ap-tokyo']);
    expect(res.RequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a signature made with the wrong Secret Key with AuthFailure.SignatureFailure', async () => {
    const failure = await failureOf(tkeClient({ ...ACCOUNT, secretKey: 'not-the-key' }).DescribeRegions());

    expect(failure?.code).toBe('AuthFailure.SignatureFailure');
    expect(failure?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an unknown SecretId with AuthFailure.SecretIdNotFound', async () => {
    const failure = await failureOf(tkeClient({ secretId: 'AKIDnobody', secretKey: 'x' }).DescribeRegions());

    expect(failure?.code).toBe('AuthFailure.SecretIdNotFound');
  });

  it('refuses a request stamped more than 5 minutes away from its wall clock with AuthFailure.SignatureExpire', async () => {
    const skewed = await startTkeEmulator({ clock, accounts: [ACCOUNT], wallClock: { now: () => new Date(Date.now() + 6 * 60_000) } });
    try {
      const client = new tke.v20180525.Client({ credential: ACCOUNT, region: REGION, profile: profile(skewed.url) });

      expect((await failureOf(client.DescribeRegions()))?.code).toBe('AuthFailure.SignatureExpire');
    } finally {
      await skewed.close();
    }
  });

  it('keeps accepting the SDK after its own clock has moved by hours', async () => {
    clock.advance(3 * 60 * 60_000);

    await expect(tkeClient().DescribeRegions()).resolves.toBeDefined();
  });
});

describe('requests', () => {
  it('answers an action it does not know with InvalidAction', async () => {
    const failure = await failureOf(tkeClient().request('DescribeEverything', {}));

    expect(failure?.code).toBe('InvalidAction');
  });

  it('answers a request without a required field with MissingParameter naming it', async () => {
    const clusterId = await createCluster();

    const failure = await failureOf(tkeClient().request('DeleteCluster', { ClusterId: clusterId }));

    expect(failure).toMatchObject({ code: 'MissingParameter', message: expect.stringContaining('`InstanceDeleteMode`') });
  });

  it('refuses DescribeInstanceTypeConfigs with more than one value in a filter, as CVM does', async () => {
    const failure = await failureOf(cvmClient().DescribeInstanceTypeConfigs({ Filters: [{ Name: 'zone', Values: ['ap-guangzhou-3', 'ap-guangzhou-4'] }] }));

    expect(failure).toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('Filters.0.Values') });
  });

  it('answers a field of the wrong type with InvalidParameter naming it', async () => {
    const failure = await failureOf(tkeClient().request('DescribeClusters', { Limit: '10' }));

    expect(failure).toMatchObject({ code: 'InvalidParameter', message: expect.stringContaining('`Limit`') });
  });

  it('refuses DescribeClusters with more than 100 ids or a Limit above 100 with InvalidParameterValue', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `cls-${String(i).padStart(8, '0')}`);

    const tooManyIds = await failureOf(tkeClient().DescribeClusters({ ClusterIds: ids }));
    const tooLarge = await failureOf(tkeClient().DescribeClusters({ Limit: 101 }));

    expect(tooManyIds).toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('`ClusterIds`') });
    expect(tooLarge).toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('`Limit`') });
  });

  it('answers a regional call without a known region with UnsupportedRegion', async () => {
    const failure = await failureOf(cvmClient(ACCOUNT, 'mars-north-1').DescribeZones());

    expect(failure?.code).toBe('UnsupportedRegion');
  });

  it('records each request with its action, version, region, SecretId, params and both clocks', async () => {
    const before = Date.now();
    await cvmClient().DescribeZones();

    const [request] = emulator.requestsFor('DescribeZones');
    expect(request).toMatchObject({
      action: 'DescribeZones',
      version: '2017-03-12',
      service: '127',
      region: REGION,
      secretId: ACCOUNT.secretId,
      params: {},
      emulatorTime: clock.now().getTime(),
    });
    expect(request?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(JSON.stringify(emulator.requests)).not.toContain(ACCOUNT.secretKey);
  });
});

describe('faults', () => {
  it('fails the next call of an action with the injected error, then answers normally', async () => {
    emulator.failNext('DescribeZones', { code: 'InternalError', message: 'boom' });

    const first = await failureOf(cvmClient().DescribeZones());
    const second = await failureOf(cvmClient().DescribeZones());

    expect(first).toMatchObject({ code: 'InternalError', message: 'boom' });
    expect(second).toBeUndefined();
  });

  it('answers the next N calls of an action with the injected code, then runs it', async () => {
    const clusterId = await runningCluster();
    emulator.failNext('CreateClusterEndpoint', { code: 'ResourceUnavailable.ClusterState', message: 'cluster is updating', times: 2 });

    const codes = [];
    for (let i = 0; i < 3; i += 1) codes.push((await failureOf(tkeClient().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: true })))?.code);

    expect(codes).toEqual(['ResourceUnavailable.ClusterState', 'ResourceUnavailable.ClusterState', undefined]);
    expect(emulator.cluster(clusterId)?.endpoints.public?.status).toBe('Creating');
  });

  it('throttles an action for the given number of calls with RequestLimitExceeded', async () => {
    emulator.throttle('DescribeZones', 2);

    const codes = [];
    for (let i = 0; i < 3; i += 1) codes.push((await failureOf(cvmClient().DescribeZones()))?.code);

    expect(codes).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', undefined]);
  });

  it('delays answers by the configured wall-clock latency', async () => {
    emulator.latency('DescribeZones', 150);

    const started = Date.now();
    await cvmClient().DescribeZones();

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('cluster lifecycle', () => {
  it('keeps each account’s clusters to itself', async () => {
    emulator.registerAccount(OTHER_ACCOUNT);
    const clusterId = await createCluster();

    const mine = await tkeClient().DescribeClusters({});
    const theirs = await tkeClient(OTHER_ACCOUNT).DescribeClusters({});

    expect(mine.Clusters?.map((c) => c.ClusterId)).toEqual([clusterId]);
    expect(theirs.TotalCount).toBe(0);
  });

  it('refuses a container CIDR that overlaps the VPC', async () => {
    const failure = await failureOf(createCluster(tkeClient(), '172.16.0.0/20'));

    expect(failure?.code).toBe('InvalidParameter.CidrConflictWithVpcCidr');
  });

  it('refuses a node pool until the cluster is Running', async () => {
    const clusterId = await createCluster();

    const failure = await failureOf(tkeClient().CreateClusterNodePool(nodePoolRequest(clusterId, {})));

    expect(failure?.code).toBe('ResourceUnavailable.ClusterState');
  });

  it('refuses a node pool whose desired size is outside min and max, naming the field inside AutoScalingGroupPara', async () => {
    const clusterId = await createCluster();
    clock.advance(emulator.timings.clusterCreateMs);

    const failure = await failureOf(tkeClient().CreateClusterNodePool(nodePoolRequest(clusterId, { MinSize: 1, MaxSize: 2, DesiredCapacity: 5 })));

    expect(failure).toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('`AutoScalingGroupPara.DesiredCapacity`') });
  });

  it('refuses a GPU instance type in a zone that does not sell it', async () => {
    const clusterId = await createCluster();
    clock.advance(emulator.timings.clusterCreateMs);

    const failure = await failureOf(
      tkeClient().CreateClusterNodePool(nodePoolRequest(clusterId, { SubnetIds: ['subnet-gz04dft1'] }, { InstanceType: 'GN7.2XLARGE32' })),
    );

    expect(failure).toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('ap-guangzhou-4') });
  });

  it('keeps retained instances when a cluster is deleted with InstanceDeleteMode retain', async () => {
    const clusterId = await createCluster();
    clock.advance(emulator.timings.clusterCreateMs);
    await tkeClient().CreateClusterNodePool(nodePoolRequest(clusterId, {}));

    await tkeClient().DeleteCluster({ ClusterId: clusterId, InstanceDeleteMode: 'retain' });
    clock.advance(emulator.timings.clusterDeleteMs);

    expect(emulator.cluster(clusterId)).toBeUndefined();
    expect(emulator.resources(clusterId).instances).toHaveLength(2);
  });

  it('removes a stuck cluster’s record on a second DeleteCluster and leaves its leftovers as orphans', async () => {
    const clusterId = await createCluster();
    clock.advance(emulator.timings.clusterCreateMs);
    await tkeClient().CreateClusterNodePool(nodePoolRequest(clusterId, { DesiredCapacity: 3 }));
    await tkeClient().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: true });
    emulator.stickDeleting(clusterId);
    const terminate = { ClusterId: clusterId, InstanceDeleteMode: 'terminate' };
    await tkeClient().DeleteCluster({ ...terminate, ResourceDeleteOptions: [{ ResourceType: 'CBS', DeleteMode: 'terminate' }] });
    clock.advance(60 * 60_000);

    await tkeClient().DeleteCluster({
      ...terminate,
      ResourceDeleteOptions: [{ ResourceType: 'CBS', DeleteMode: 'terminate', SkipDeletionProtection: true }],
    });

    const left = emulator.resources(clusterId);
    expect(emulator.cluster(clusterId)).toBeUndefined();
    expect([left.instances.length, left.disks.length, left.loadBalancers.length]).toEqual([1, 1, 1]);
  });
});

describe('failures a cluster can end in', () => {
  it('reports a cluster marked abnormal as Abnormal until it is deleted', async () => {
    const clusterId = await createCluster();
    clock.advance(emulator.timings.clusterCreateMs);
    emulator.markAbnormal(clusterId);

    const { Clusters } = await tkeClient().DescribeClusters({ ClusterIds: [clusterId] });
    expect(Clusters?.[0]?.ClusterStatus).toBe('Abnormal');

    await tkeClient().DeleteCluster({ ClusterId: clusterId, InstanceDeleteMode: 'terminate' });
    expect(emulator.cluster(clusterId)?.status).toBe('Deleting');
  });

  it('ends the next endpoint CreateFailed with its ErrorMsg once its create time has passed, and only that one', async () => {
    const clusterId = await createCluster();
    clock.advance(emulator.timings.clusterCreateMs);
    emulator.failNextEndpoint('CLB quota exceeded in ap-guangzhou');
    await tkeClient().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: true });

    const status = (IsExtranet: boolean) => tkeClient().DescribeClusterEndpointStatus({ ClusterId: clusterId, IsExtranet });
    expect(await status(true)).toMatchObject({ Status: 'Creating', ErrorMsg: '' });
    clock.advance(emulator.timings.endpointCreateMs);
    expect(await status(true)).toMatchObject({ Status: 'CreateFailed', ErrorMsg: 'CLB quota exceeded in ap-guangzhou' });
    await tkeClient().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: false, SubnetId: SUBNET });
    clock.advance(emulator.timings.endpointCreateMs);
    expect(await status(false)).toMatchObject({ Status: 'Created', ErrorMsg: '' });
  });

  const metricsServer = { Name: 'metrics-server', Chart: 'https://charts.bitnami.com/bitnami/metrics-server-7.2.8.tgz', ChartVersion: '7.2.8' };
  const pendingOf = async (clusterId: string) =>
    (await tkeClient().DescribeClusterPendingReleases({ ClusterId: clusterId })).ReleaseSet?.map((r) => [r.Name, r.Status, r.Condition]);
  const installedOf = async (clusterId: string) =>
    (await tkeClient().DescribeClusterReleases({ ClusterId: clusterId })).ReleaseSet?.map((r) => [r.Name, r.Status, r.Description]);

  it('ends the next Helm release failed before Helm records it: pending, with its Condition, never installed, and only that one', async () => {
    const clusterId = await runningCluster();
    emulator.failNextAddon('mariadb-20.0.0.tgz: 404 Not Found');
    await tkeClient().CreateClusterRelease(releaseRequest(clusterId));
    await tkeClient().CreateClusterRelease(releaseRequest(clusterId, metricsServer));

    expect(await pendingOf(clusterId)).toEqual([
      ['mariadb', 'pending-install', ''],
      ['metrics-server', 'pending-install', ''],
    ]);
    expect(await installedOf(clusterId)).toEqual([]);
    clock.advance(emulator.timings.addonInstallMs);
    expect(await pendingOf(clusterId)).toEqual([['mariadb', 'failed', 'mariadb-20.0.0.tgz: 404 Not Found']]);
    expect(await installedOf(clusterId)).toEqual([['metrics-server', 'deployed', 'Install complete']]);
  });

  it('ends the next Helm release failed after Helm recorded it: installed, failed with its Description', async () => {
    const clusterId = await runningCluster();
    emulator.failNextAddon('pre-install hook failed: job mariadb-init timed out', { stage: 'helm' });
    await tkeClient().CreateClusterRelease(releaseRequest(clusterId));
    await tkeClient().CreateClusterRelease(releaseRequest(clusterId, metricsServer));

    clock.advance(emulator.timings.addonInstallMs);

    expect(await pendingOf(clusterId)).toEqual([]);
    expect(await installedOf(clusterId)).toEqual([
      ['mariadb', 'failed', 'pre-install hook failed: job mariadb-init timed out'],
      ['metrics-server', 'deployed', 'Install complete'],
    ]);
  });
});

describe('endpoints', () => {
  it('refuses CreateClusterEndpoint with ResourceInUse while the cluster’s other endpoint is still Creating', async () => {
    const clusterId = await runningCluster();
    await tkeClient().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: false, SubnetId: SUBNET });

    const early = await failureOf(tkeClient().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: true }));
    clock.advance(emulator.timings.endpointCreateMs);
    const later = await failureOf(tkeClient().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: true }));

    expect(early).toMatchObject({ code: 'ResourceInUse', message: expect.stringContaining('private endpoint') });
    expect(later).toBeUndefined();
    expect(emulator.cluster(clusterId)?.endpoints.public?.status).toBe('Creating');
  });

  it('refuses ModifyClusterEndpointSP with ResourceUnavailable until the public endpoint is Created', async () => {
    const clusterId = await runningCluster();
    await tkeClient().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: true });
    const restrict = () => failureOf(tkeClient().ModifyClusterEndpointSP({ ClusterId: clusterId, SecurityPolicies: ['203.0.113.0/24'] }));

    const early = await restrict();
    clock.advance(emulator.timings.endpointCreateMs);
    const later = await restrict();

    expect(early).toMatchObject({ code: 'ResourceUnavailable', message: expect.stringContaining('Creating') });
    expect(later).toBeUndefined();
    expect(emulator.cluster(clusterId)?.endpoints.public?.securityPolicies).toEqual(['203.0.113.0/24']);
  });
});

describe('Helm releases', () => {
  it('answers CreateClusterRelease with the release pending-install, its ID, name, namespace and creation time', async () => {
    const clusterId = await runningCluster();

    const { Release } = await tkeClient().CreateClusterRelease(releaseRequest(clusterId));

    expect(Release).toEqual({
      ID: expect.stringMatching(/^release-[a-z0-9]{8}$/),
      Name: 'mariadb',
      Namespace: 'default',
      Status: 'pending-install',
      CreatedTime: clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      UpdatedTime: clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Condition: '',
    });
  });

  it('lists a release as pending while it installs, then among the installed releases once deployed, with its chart and version', async () => {
    const clusterId = await runningCluster();
    const { Release: created } = await tkeClient().CreateClusterRelease(releaseRequest(clusterId));

    const pending = async () => (await tkeClient().DescribeClusterPendingReleases({ ClusterId: clusterId })).ReleaseSet;
    const installed = async () => (await tkeClient().DescribeClusterReleases({ ClusterId: clusterId })).ReleaseSet;
    expect(await pending()).toEqual([
      { ID: created?.ID, Name: 'mariadb', Namespace: 'default', Status: 'pending-install', Condition: '', CreatedTime: created?.CreatedTime, UpdatedTime: created?.CreatedTime },
    ]);
    clock.advance(emulator.timings.addonInstallMs - 1);
    expect(await installed()).toEqual([]);
    clock.advance(1);
    expect(await pending()).toEqual([]);
    expect(await installed()).toEqual([
      expect.objectContaining({ Name: 'mariadb', Namespace: 'default', Status: 'deployed', ChartName: 'mariadb', ChartVersion: '20.0.0' }),
    ]);
  });

  it('keeps the chart package, repository and YAML values it was sent', async () => {
    const clusterId = await runningCluster();

    await tkeClient().CreateClusterRelease(releaseRequest(clusterId));

    expect(emulator.cluster(clusterId)?.releases).toEqual([
      expect.objectContaining({
        chartFrom: 'other',
        chart: 'https://charts.bitnami.com/bitnami/mariadb-20.0.0.tgz',
        chartName: 'mariadb',
        repository: 'https://charts.bitnami.com/bitnami',
        values: 'primary:\n  persistence:\n    size: 20Gi\n',
        valuesType: 'yaml',
        status: 'pending-install',
      }),
    ]);
  });

  it('refuses a release without Chart with MissingParameter', async () => {
    const clusterId = await runningCluster();

    const failure = await failureOf(tkeClient().CreateClusterRelease({ ...releaseRequest(clusterId), Chart: undefined } as unknown as CreateClusterReleaseRequest));

    expect(failure).toMatchObject({ code: 'MissingParameter', message: expect.stringContaining('`Chart`') });
  });

  it('refuses a chart from another repository whose Chart is not a .tgz package URL', async () => {
    const clusterId = await runningCluster();

    const failure = await failureOf(tkeClient().CreateClusterRelease(releaseRequest(clusterId, { Chart: 'bitnami/mariadb' })));

    expect(failure).toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('`Chart`') });
    expect(emulator.cluster(clusterId)?.releases).toEqual([]);
  });

  it('refuses a chart from another repository without ChartRepoURL', async () => {
    const clusterId = await runningCluster();

    const failure = await failureOf(tkeClient().CreateClusterRelease(releaseRequest(clusterId, { ChartRepoURL: undefined })));

    expect(failure).toMatchObject({ code: 'MissingParameter', message: expect.stringContaining('`ChartRepoURL`') });
  });

  it('refuses a release name that is not lowercase letters, digits and dashes starting with a letter', async () => {
    const clusterId = await runningCluster();

    const failures = await Promise.all(
      ['MariaDB', '1mariadb', 'mariadb-', 'm'.repeat(64)].map((Name) => failureOf(tkeClient().CreateClusterRelease(releaseRequest(clusterId, { Name })))),
    );

    expect(failures.map((f) => f?.code)).toEqual(['InvalidParameterValue', 'InvalidParameterValue', 'InvalidParameterValue', 'InvalidParameterValue']);
  });

  it('refuses a Values.ValuesType other than yaml or json, and values that are not what it says', async () => {
    const clusterId = await runningCluster();

    const wrongType = await failureOf(tkeClient().CreateClusterRelease(releaseRequest(clusterId, { Values: { RawOriginal: 'a: 1', ValuesType: 'toml' } })));
    const notJson = await failureOf(tkeClient().CreateClusterRelease(releaseRequest(clusterId, { Values: { RawOriginal: 'a: 1', ValuesType: 'json' } })));
    const notYaml = await failureOf(tkeClient().CreateClusterRelease(releaseRequest(clusterId, { Values: { RawOriginal: 'a: [1', ValuesType: 'yaml' } })));

    expect(wrongType).toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('`Values.ValuesType`') });
    expect(notJson).toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('`Values.RawOriginal`') });
    expect(notYaml).toMatchObject({ code: 'InvalidParameterValue', message: expect.stringContaining('`Values.RawOriginal`') });
  });

  it('refuses a second release with the same name in the same namespace with ResourceInUse', async () => {
    const clusterId = await runningCluster();
    await tkeClient().CreateClusterRelease(releaseRequest(clusterId));

    const failure = await failureOf(tkeClient().CreateClusterRelease(releaseRequest(clusterId)));

    expect(failure?.code).toBe('ResourceInUse');
    expect(emulator.cluster(clusterId)?.releases).toHaveLength(1);
  });

  it('accepts the same release name in another namespace', async () => {
    const clusterId = await runningCluster();
    await tkeClient().CreateClusterRelease(releaseRequest(clusterId));

    await tkeClient().CreateClusterRelease(releaseRequest(clusterId, { Namespace: 'databases' }));

    expect(emulator.cluster(clusterId)?.releases.map((r) => `${r.namespace}/${r.name}`)).toEqual(['default/mariadb', 'databases/mariadb']);
  });

  it('refuses a release in a cluster that is not Running yet', async () => {
    const clusterId = await createCluster();

    const failure = await failureOf(tkeClient().CreateClusterRelease(releaseRequest(clusterId)));

    expect(failure?.code).toBe('ResourceUnavailable.ClusterState');
  });

  it('pages DescribeClusterReleases by Limit and Offset and filters by Namespace and ReleaseName, with Total', async () => {
    const clusterId = await runningCluster();
    for (const [Name, Namespace] of [['a', 'default'], ['b', 'default'], ['c', 'kube-system'], ['d', 'default']] as const) {
      await tkeClient().CreateClusterRelease(releaseRequest(clusterId, { Name, Namespace }));
    }
    clock.advance(emulator.timings.addonInstallMs);
    const names = async (req: Omit<DescribeClusterReleasesRequest, 'ClusterId'>) => {
      const res = await tkeClient().DescribeClusterReleases({ ClusterId: clusterId, ...req });
      return [res.Total, res.ReleaseSet?.map((r) => r.Name)];
    };

    expect(await names({})).toEqual([4, ['a', 'b', 'c', 'd']]);
    expect(await names({ Limit: 2, Offset: 1 })).toEqual([4, ['b', 'c']]);
    expect(await names({ Namespace: 'default', Offset: 2 })).toEqual([3, ['d']]);
    expect(await names({ ReleaseName: 'c' })).toEqual([1, ['c']]);
  });

  it('pages DescribeClusterPendingReleases by Limit and Offset, with Total', async () => {
    const clusterId = await runningCluster();
    for (const Name of ['a', 'b', 'c']) await tkeClient().CreateClusterRelease(releaseRequest(clusterId, { Name }));
    const names = async (req: Omit<DescribeClusterPendingReleasesRequest, 'ClusterId'>) => {
      const res = await tkeClient().DescribeClusterPendingReleases({ ClusterId: clusterId, ...req });
      return [res.Total, res.ReleaseSet?.map((r) => r.Name)];
    };

    expect(await names({})).toEqual([3, ['a', 'b', 'c']]);
    expect(await names({ Limit: 1, Offset: 1 })).toEqual([3, ['b']]);
    expect(await failureOf(tkeClient().DescribeClusterPendingReleases({ ClusterId: clusterId, Limit: 101 }))).toMatchObject({ code: 'InvalidParameterValue' });
  });
});

describe('HTTP control API', () => {
  it('registers an account that can then call the API', async () => {
    const { status } = await control('account', OTHER_ACCOUNT);

    expect(status).toBe(200);
    await expect(tkeClient(OTHER_ACCOUNT).DescribeRegions()).resolves.toBeDefined();
  });

  it('injects failures, throttling and stuck deletions for another process', async () => {
    const clusterId = await createCluster();
    await control('failNext', { action: 'DescribeClusters', code: 'InternalError', message: 'injected' });
    await control('throttle', { action: 'DescribeClusterStatus' });
    await control('stickDeleting', { clusterId });

    const failed = await failureOf(tkeClient().DescribeClusters({}));
    const throttled = await failureOf(tkeClient().DescribeClusterStatus({}));
    await tkeClient().DeleteCluster({ ClusterId: clusterId, InstanceDeleteMode: 'terminate' });
    await control('advance', { ms: 60 * 60_000 });

    expect([failed?.code, throttled?.code]).toEqual(['InternalError', 'RequestLimitExceeded']);
    const { json } = await control('cluster', { clusterId });
    expect(json.cluster).toMatchObject({ clusterId, status: 'Deleting', deletion: { stuck: true } });
  });

  it('makes a cluster Abnormal, and the next endpoint and add-on fail, for another process', async () => {
    const clusterId = await createCluster();
    await control('advance', { ms: emulator.timings.clusterCreateMs });
    expect((await control('failNextEndpoint', { message: 'no CLB left' })).status).toBe(200);
    expect((await control('failNextAddon', { reason: 'chart not found' })).status).toBe(200);
    await tkeClient().CreateClusterEndpoint({ ClusterId: clusterId, IsExtranet: true });
    await tkeClient().CreateClusterRelease(releaseRequest(clusterId));
    expect((await control('markAbnormal', { clusterId })).status).toBe(200);
    await control('advance', { ms: 60 * 60_000 });

    const { json } = await control('cluster', { clusterId });
    expect(json.cluster).toMatchObject({
      status: 'Abnormal',
      endpoints: { public: { status: 'CreateFailed', failure: 'no CLB left' } },
      releases: [{ name: 'mariadb', status: 'failed', failure: 'chart not found', list: 'pending' }],
    });
  });

  it('makes the next add-on fail after Helm recorded it, for another process', async () => {
    const clusterId = await runningCluster();
    expect((await control('failNextAddon', { reason: 'hook failed', stage: 'helm' })).status).toBe(200);
    await tkeClient().CreateClusterRelease(releaseRequest(clusterId));
    await control('advance', { ms: emulator.timings.addonInstallMs });

    const { json } = await control('cluster', { clusterId });
    expect(json.cluster).toMatchObject({ releases: [{ name: 'mariadb', status: 'failed', failure: 'hook failed', list: 'installed' }] });
    expect((await control('failNextAddon', { reason: 'x', stage: 'later' })).status).toBe(400);
  });

  it('lists the recorded requests, filtered by action', async () => {
    await cvmClient().DescribeZones();
    await tkeClient().DescribeRegions();

    const { json } = await control('requests', { action: 'DescribeZones' });

    expect(json.requests).toEqual([expect.objectContaining({ action: 'DescribeZones', region: REGION })]);
  });

  it('resets clusters, faults and the request log but keeps the initial accounts', async () => {
    await createCluster();
    emulator.failNext('DescribeRegions', { code: 'InternalError', message: 'x' });

    await control('reset');

    expect(emulator.clusters()).toEqual([]);
    expect(emulator.requests).toEqual([]);
    await expect(tkeClient().DescribeRegions()).resolves.toBeDefined();
  });

  it('answers an unknown command or an invalid body with 400 and the reason', async () => {
    const unknown = await control('explode');
    const invalid = await control('throttle', { times: 2 });

    expect(unknown).toMatchObject({ status: 400, json: { ok: false, error: expect.stringContaining('explode') } });
    expect(invalid).toMatchObject({ status: 400, json: { ok: false, error: expect.stringContaining('action') } });
  });
});
