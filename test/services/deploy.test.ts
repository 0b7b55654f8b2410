import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAudit } from '../../src/services/audit.js';
import { ManualClock } from '../../src/services/clock.js';
import { createDeployService, createProvisioningSteps, DeployError } from '../../src/services/deploy.js';
import type { DeployRequest, DeployService, ProvisioningSteps } from '../../src/services/deploy.js';
import { createDrafts } from '../../src/services/drafts.js';
import { createLogger } from '../../src/services/logger.js';
import { loadProfiles } from '../../src/services/profiles.js';
import type { ClusterRecord, ClusterSpec } from '../../src/services/store-schema.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import { openStore } from '../../src/services/store.js';
import type { Store } from '../../src/services/store.js';
import { createTkeGateway } from '../../src/services/tke-gateway.js';
import { startTkeEmulator } from '../../src/sandbox/tke/index.js';
import type { RecordedRequest, TkeEmulator } from '../../src/sandbox/tke/index.js';
import { aSpec } from '../support/clusters.js';
import { mariadbPlanned, mariadbReleaseRequest } from '../support/releases.js';

const TENCENT = { secretId: 'AKIDdeploytest0001', secretKey: 'deploy-test-secret-0001' };
const RUNNING_AFTER_MS = 60_000;

interface Params {
  ClusterId?: string;
  ClusterBasicSettings?: Record<string, unknown>;
  ClusterCIDRSettings?: Record<string, unknown>;
  AutoScalingGroupPara?: string;
  LaunchConfigurePara?: string;
  [key: string]: unknown;
}
const params = (request: RecordedRequest | undefined): Params => (request?.params ?? {}) as Params;

describe('deploy and the provisioning steps, against the emulator through the real SDK', () => {
  let dir: string;
  let clock: ManualClock;
  let tencent: TkeEmulator;
  let store: Store;
  let deploy: DeployService;
  let steps: ProvisioningSteps;
  let drafts: ReturnType<typeof createDrafts>;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tkeops-deploy-'));
    clock = new ManualClock();
    tencent = await startTkeEmulator({ clock, accounts: [TENCENT] });
    store = await openStore(path.join(dir, 'db.json'));
    const logger = createLogger({ level: 'silent' });
    const tke = createTkeGateway({ logger, endpoint: tencent.url, sleep: async () => undefined });
    const accounts = { credentialFor: () => TENCENT };
    const repositories = createLowdbRepositories(store);
    const deps = { clusters: repositories.clusters, tke, accounts, clock, logger };
    deploy = createDeployService({ ...deps, drafts: repositories.drafts, profiles: await loadProfiles('data/profiles'), audit: createAudit({ log: repositories.audit, clock }) });
    steps = createProvisioningSteps(deps);
    drafts = createDrafts({ drafts: repositories.drafts, clock });
  });

  afterEach(async () => {
    await tencent.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** What the wizard hands Deploy for a complete draft in project `platform`: the draft and its validated spec, as a value. */
  async function aDraft(spec: Partial<ClusterSpec> = {}): Promise<DeployRequest> {
    const draft = await drafts.create({ userId: 'U0MEMBER', channel: 'C0PLATFORM', project: 'platform' });
    return { draftId: draft.id, spec: aSpec(spec), user: 'U0MEMBER' };
  }

  const clusters = () => store.read((data) => data.clusters);
  const clusterOf = (id: string): ClusterRecord => {
    const found = clusters().find((c) => c.id === id);
    if (!found) throw new Error(`no cluster ${id}`);
    return found;
  };

  /** Deploys, then lets the emulator bring the control plane up. */
  async function aRunningCluster(spec: Partial<ClusterSpec> = {}): Promise<ClusterRecord> {
    const { cluster } = await deploy.deploy(await aDraft(spec));
    clock.advance(RUNNING_AFTER_MS);
    tencent.clearRequests();
    return cluster;
  }

  describe('deploy', () => {
    it('sends CreateCluster with the spec, the profile and its network layer, and records the TKE cluster id', async () => {
      // Deployed into prod-vpc (10.0.0.0/16), the way an operator with a dedicated VPC would.
      const prodVpc = { vpcId: 'vpc-gzdemo02', subnetId: 'subnet-gz03prd1' };
      const handOff = await aDraft({ profile: 'ubuntu-standard', description: 'payments', tags: [{ key: 'team', value: 'payments' }], ...prodVpc });
      const { draftId } = handOff;
      const { cluster, created } = await deploy.deploy(handOff);

      expect(created).toBe(true);
      const [request] = tencent.requestsFor('CreateCluster');
      expect(request?.region).toBe('ap-guangzhou');
      expect(params(request)).toEqual({
        ClusterType: 'MANAGED_CLUSTER',
        ClusterCIDRSettings: { ClusterCIDR: '10.244.0.0/16', ServiceCIDR: '172.17.0.0/20' },
        ClusterBasicSettings: {
          ClusterOs: 'ubuntu18.04.1x86_64',
          ClusterVersion: '1.30.0',
          ClusterName: 'prod-1',
          ClusterDescription: 'payments',
          VpcId: 'vpc-gzdemo02',
          TagSpecification: [
            { ResourceType: 'cluster', Tags: [{ Key: 'team', Value: 'payments' }, { Key: 'tkeops-cluster', Value: cluster.id }] },
          ],
        },
        ClusterAdvancedSettings: { NetworkType: 'GR', ContainerRuntime: 'containerd' },
      });
      expect(request?.errorCode).toBeUndefined();
      expect(cluster).toMatchObject({ status: 'Provisioning', draftId, requestedBy: 'U0MEMBER', project: 'platform', channel: 'C0PLATFORM' });
      expect(cluster.tkeClusterId).toBe(tencent.clusters()[0]?.clusterId);
      expect(store.read((data) => data.drafts.find((d) => d.id === draftId)?.clusterId)).toBe(cluster.id);
    });

    it('gives a VPC-CNI cluster the chosen subnet and the subnets of its worker pools as ENI subnets, and the profile’s service CIDR', async () => {
      await deploy.deploy(
        await aDraft({
          profile: 'ubuntu-mariadb',
          subnetId: 'subnet-gz03dft1',
          workerPools: [{ name: 'a', minSize: 1, desiredSize: 1, maxSize: 2, instanceType: 'S5.MEDIUM4', zones: ['ap-guangzhou-3', 'ap-guangzhou-4'], diskGb: 50 }],
        }),
      );
      const request = params(tencent.requestsFor('CreateCluster')[0]);
      expect(request.ClusterCIDRSettings).toEqual({ EniSubnetIds: ['subnet-gz03dft1', 'subnet-gz04dft1'], ServiceCIDR: '192.168.240.0/20' });
      expect(request.ClusterAdvancedSettings).toEqual({ NetworkType: 'VPC-CNI', ContainerRuntime: 'containerd' });
    });

    it('takes the OS image from an edited OS pack', async () => {
      await deploy.deploy(await aDraft({ profile: 'centos-gpu', packOverrides: { 'centos-gpu': 'OsName: centos7.6.0_x64\n' } }));
      expect(params(tencent.requestsFor('CreateCluster')[0]).ClusterBasicSettings?.ClusterOs).toBe('centos7.6.0_x64');
    });

    it('records the cluster, linked to its draft, before Tencent answers', async () => {
      tencent.latency('CreateCluster', 300);
      const handOff = await aDraft();
      const { draftId } = handOff;
      const pending = deploy.deploy(handOff);
      while (tencent.requestsFor('CreateCluster').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(clusters()).toMatchObject([{ draftId, status: 'Creating', createdAt: clock.now().toISOString() }]);
      expect(clusters()[0]?.tkeClusterId).toBeUndefined();
      await pending;
    });

    it('keeps the TKE id of a cluster the watcher gave up on while CreateCluster was on its way, so deleting it reaches Tencent', async () => {
      tencent.latency('CreateCluster', 300);
      const handOff = await aDraft();
      const pending = deploy.deploy(handOff);
      while (tencent.requestsFor('CreateCluster').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      // What the watcher does with a cluster still Creating without an id after CREATE_OUTCOME_AFTER_MS.
      await store.update((data) => {
        const stuck = data.clusters[0];
        if (stuck) Object.assign(stuck, { status: 'Failed', failure: { code: 'tkeops.CreateClusterOutcomeUnknown', message: 'no cluster with the tag' } });
      });

      const { cluster } = await pending;

      expect(cluster.status).toBe('Failed');
      expect(cluster.tkeClusterId).toBe(tencent.clusters()[0]?.clusterId);
    });

    it('creates one cluster for one draft, however often and however concurrently it is deployed', async () => {
      const handOff = await aDraft();
      const results = await Promise.all([1, 2, 3, 4, 5].map(() => deploy.deploy(handOff)));
      const again = await deploy.deploy(handOff);

      expect(tencent.requestsFor('CreateCluster')).toHaveLength(1);
      expect(clusters()).toHaveLength(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(again).toMatchObject({ created: false, cluster: { id: clusters()[0]?.id } });
    });

    it("marks the cluster Failed with Tencent's code, message and request id, and does not try again", async () => {
      tencent.failNext('CreateCluster', { code: 'InternalError.CamNoAuth', message: 'You lack the CAM permission tke:CreateCluster.' });
      const handOff = await aDraft();
      const { cluster } = await deploy.deploy(handOff);
      const again = await deploy.deploy(handOff);

      expect(cluster).toMatchObject({
        status: 'Failed',
        failure: {
          code: 'InternalError.CamNoAuth',
          message: 'You lack the CAM permission tke:CreateCluster.',
          requestId: tencent.requestsFor('CreateCluster')[0]?.requestId,
          action: 'CreateCluster',
        },
      });
      expect(again.created).toBe(false);
      expect(tencent.requestsFor('CreateCluster')).toHaveLength(1);
    });

    it('refuses a name that an active cluster of the project already has, before calling Tencent', async () => {
      await deploy.deploy(await aDraft());
      await expect(deploy.deploy(await aDraft())).rejects.toThrow(DeployError);
      expect(tencent.requestsFor('CreateCluster')).toHaveLength(1);
      expect(clusters()).toHaveLength(1);
    });

    it('refuses a draft that is gone, before calling Tencent', async () => {
      await expect(deploy.deploy({ draftId: 'd-gone', spec: aSpec(), user: 'U0MEMBER' })).rejects.toMatchObject({ reason: 'draft_not_found' });
      expect(tencent.requests).toHaveLength(0);
      expect(clusters()).toEqual([]);
    });

    it('keeps the merged add-on values in the cluster plan', async () => {
      const values = 'primary:\n  persistence:\n    size: 40Gi\n';
      const { cluster } = await deploy.deploy(await aDraft({ packOverrides: { mariadb: values } }));
      expect(cluster.plan).toEqual({
        os: 'ubuntu18.04.1x86_64',
        kubernetesVersion: '1.30.0',
        runtime: { containerRuntime: 'containerd' },
        addons: [mariadbPlanned(values)],
      });
    });
  });

  describe('requestEndpoint and restrictPublicEndpoint', () => {
    const ENDPOINT_CREATED_MS = 30_000;

    it('opens a public endpoint, and restricts it to the public access CIDRs in a later call', async () => {
      const cluster = await aRunningCluster({ endpointAccess: 'public', publicCidrs: ['203.0.113.0/24', '198.51.100.7/32'] });
      await steps.requestEndpoint(cluster.id, 'public');

      expect(tencent.requests.map((r) => r.action)).toEqual(['DescribeClusterEndpointStatus', 'CreateClusterEndpoint']);
      expect(params(tencent.requestsFor('CreateClusterEndpoint')[0])).toEqual({ ClusterId: cluster.tkeClusterId, IsExtranet: true });
      expect(clusterOf(cluster.id).progress.publicEndpointRestrictedAt).toBeUndefined();

      clock.advance(ENDPOINT_CREATED_MS);
      await steps.restrictPublicEndpoint(cluster.id);
      expect(tencent.requestsFor('ModifyClusterEndpointSP').map(params)).toEqual([
        { ClusterId: cluster.tkeClusterId, SecurityPolicies: ['203.0.113.0/24', '198.51.100.7/32'] },
      ]);
      expect(clusterOf(cluster.id).progress).toMatchObject({ publicEndpointRequestedAt: expect.any(String), publicEndpointRestrictedAt: expect.any(String) });
    });

    it('opens a private endpoint in the chosen subnet', async () => {
      const cluster = await aRunningCluster({ endpointAccess: 'private', publicCidrs: [], subnetId: 'subnet-gz04dft1' });
      await steps.requestEndpoint(cluster.id, 'private');
      expect(tencent.requestsFor('CreateClusterEndpoint').map(params)).toEqual([
        { ClusterId: cluster.tkeClusterId, IsExtranet: false, SubnetId: 'subnet-gz04dft1' },
      ]);
      expect(clusterOf(cluster.id).progress.privateEndpointRequestedAt).toBeDefined();
    });

    it('sends nothing more when an endpoint or its restriction is asked for again', async () => {
      const cluster = await aRunningCluster({ endpointAccess: 'public' });
      await steps.requestEndpoint(cluster.id, 'public');
      clock.advance(ENDPOINT_CREATED_MS);
      await steps.restrictPublicEndpoint(cluster.id);
      tencent.clearRequests();

      await Promise.all([steps.requestEndpoint(cluster.id, 'public'), steps.restrictPublicEndpoint(cluster.id), steps.restrictPublicEndpoint(cluster.id)]);

      expect(tencent.requests).toEqual([]);
      expect(tencent.cluster(cluster.tkeClusterId ?? '')?.endpoints.public?.securityPolicies).toEqual(['203.0.113.0/24']);
    });

    it('does not open an endpoint twice after a restart cut it short', async () => {
      const cluster = await aRunningCluster({ endpointAccess: 'private-public' });
      await steps.requestEndpoint(cluster.id, 'private');
      // The endpoint was created but its progress was lost, as if the bot stopped right after the call.
      await store.update((data) => {
        const c = data.clusters.find((x) => x.id === cluster.id);
        if (c) delete c.progress.privateEndpointRequestedAt;
      });
      await steps.requestEndpoint(cluster.id, 'private');
      expect(tencent.requestsFor('CreateClusterEndpoint')).toHaveLength(1);
      expect(clusterOf(cluster.id).progress.privateEndpointRequestedAt).toBeDefined();
    });
  });

  describe('createWorkerPools', () => {
    const twoPools: ClusterSpec['workerPools'] = [
      { name: 'general', minSize: 1, desiredSize: 2, maxSize: 4, instanceType: 'S5.LARGE8', zones: ['ap-guangzhou-3', 'ap-guangzhou-4'], diskGb: 60 },
      { name: 'gpu', minSize: 0, desiredSize: 1, maxSize: 2, instanceType: 'GN7.2XLARGE32', zones: ['ap-guangzhou-6'], diskGb: 100 },
    ];

    it('sends CreateClusterNodePool per pool with its sizes, subnets, instance type, disk, key pair, OS and tags', async () => {
      const cluster = await aRunningCluster({ workerPools: twoPools, subnetId: 'subnet-gz03dft1', parallelPoolUpdates: false });
      await steps.createWorkerPools(cluster.id);

      const requests = tencent.requestsFor('CreateClusterNodePool').map(params);
      expect(requests.map((r) => r.Name)).toEqual(['general', 'gpu']);
      expect(requests[0]).toMatchObject({ ClusterId: cluster.tkeClusterId, NodePoolOs: 'ubuntu18.04.1x86_64', EnableAutoscale: true });
      expect(requests[0]?.Tags).toEqual([{ Key: 'team', Value: 'payments' }, { Key: 'tkeops-cluster', Value: cluster.id }]);
      expect(JSON.parse(requests[0]?.AutoScalingGroupPara ?? '')).toEqual({
        MinSize: 1,
        MaxSize: 4,
        DesiredCapacity: 2,
        VpcId: 'vpc-gzdemo01',
        SubnetIds: ['subnet-gz03dft1', 'subnet-gz04dft1'],
      });
      expect(JSON.parse(requests[1]?.LaunchConfigurePara ?? '')).toMatchObject({
        InstanceType: 'GN7.2XLARGE32',
        SystemDisk: { DiskSize: 100 },
        LoginSettings: { KeyIds: ['skey-demo0001'] },
      });
      expect(clusterOf(cluster.id).progress.pools.map((p) => [p.name, p.nodePoolId])).toEqual(
        tencent.cluster(cluster.tkeClusterId ?? '')?.nodePools.map((p) => [p.name, p.nodePoolId]),
      );
    });

    it('keeps the pools created when another fails, and creates only the missing one next time', async () => {
      const cluster = await aRunningCluster({ workerPools: twoPools, parallelPoolUpdates: true });
      tencent.failNext('CreateClusterNodePool', { code: 'LimitExceeded.NodePoolQuota', message: 'node pool quota reached' });
      await expect(steps.createWorkerPools(cluster.id)).rejects.toMatchObject({ code: 'LimitExceeded.NodePoolQuota' });
      expect(clusterOf(cluster.id).progress.pools.filter((p) => p.nodePoolId)).toHaveLength(1);

      await steps.createWorkerPools(cluster.id);
      expect(tencent.cluster(cluster.tkeClusterId ?? '')?.nodePools.map((p) => p.name).sort()).toEqual(['general', 'gpu']);
      expect(tencent.requestsFor('CreateClusterNodePool')).toHaveLength(3);
    });

    it('adopts a pool Tencent already has when a restart lost its id, instead of creating it again', async () => {
      const cluster = await aRunningCluster({ workerPools: twoPools.slice(0, 1) });
      await steps.createWorkerPools(cluster.id);
      await store.update((data) => {
        const pool = data.clusters.find((c) => c.id === cluster.id)?.progress.pools[0];
        if (pool) delete pool.nodePoolId;
      });
      await steps.createWorkerPools(cluster.id);
      expect(tencent.requestsFor('CreateClusterNodePool')).toHaveLength(1);
      expect(clusterOf(cluster.id).progress.pools[0]?.nodePoolId).toBe(tencent.cluster(cluster.tkeClusterId ?? '')?.nodePools[0]?.nodePoolId);
    });

    it('runs one creation at a time for a cluster even when called twice at once', async () => {
      const cluster = await aRunningCluster({ workerPools: twoPools });
      await Promise.all([steps.createWorkerPools(cluster.id), steps.createWorkerPools(cluster.id)]);
      expect(tencent.requestsFor('CreateClusterNodePool')).toHaveLength(2);
    });
  });

  describe('installAddons', () => {
    it('installs the mariadb pack as a Helm release from the Bitnami repository with its merged values', async () => {
      const values = 'primary:\n  persistence:\n    size: 30Gi\n';
      const cluster = await aRunningCluster({ packOverrides: { mariadb: values } });
      await steps.installAddons(cluster.id);

      expect(tencent.requestsFor('CreateClusterRelease').map(params)).toEqual([
        mariadbReleaseRequest(cluster.tkeClusterId ?? '', values),
      ]);
      expect(tencent.cluster(cluster.tkeClusterId ?? '')?.releases.map((r) => [r.name, r.status, r.values])).toEqual([['mariadb', 'pending-install', values]]);
      expect(clusterOf(cluster.id).progress).toMatchObject({ addonsRequestedAt: expect.any(String), addons: [{ name: 'mariadb' }] });
    });

    it('sends nothing to Tencent when called again after the add-on packs were requested', async () => {
      const cluster = await aRunningCluster();
      await steps.installAddons(cluster.id);
      tencent.clearRequests();

      await steps.installAddons(cluster.id);
      expect(tencent.requests).toEqual([]);
    });

    it('adopts a release Tencent is still installing (a pending release) when a restart lost the progress, instead of creating it again', async () => {
      const cluster = await aRunningCluster();
      await steps.installAddons(cluster.id);
      await store.update((data) => {
        const record = data.clusters.find((c) => c.id === cluster.id);
        if (!record) return;
        delete record.progress.addonsRequestedAt;
        record.progress.addons = [];
      });

      await steps.installAddons(cluster.id);
      expect(tencent.requestsFor('CreateClusterRelease')).toHaveLength(1);
      expect(tencent.requestsFor('DescribeClusterPendingReleases')).toHaveLength(2);
      expect(clusterOf(cluster.id).progress).toMatchObject({ addonsRequestedAt: expect.any(String), addons: [{ name: 'mariadb' }] });
    });
  });
});
