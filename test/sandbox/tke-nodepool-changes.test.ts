import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createLogger } from '../../src/services/logger.js';
import { TencentError, type TkeGateway, type TkeTarget } from '../../src/services/tke.js';
import { createTkeGateway } from '../../src/services/tke-gateway.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';

const CREDENTIAL = { secretId: 'AKIDpoolchanges01', secretKey: 'pool-changes-secret-key' };
const TARGET: TkeTarget = { credential: CREDENTIAL, region: 'ap-guangzhou' };
const VPC = 'vpc-gzdemo01';

let clock: ManualClock;
let emulator: TkeEmulator;
let gateway: TkeGateway;

beforeEach(async () => {
  clock = new ManualClock();
  emulator = await startTkeEmulator({ clock, accounts: [CREDENTIAL] });
  gateway = createTkeGateway({ endpoint: emulator.url, logger: createLogger({ level: 'silent' }), sleep: async () => undefined });
});
afterEach(async () => {
  await emulator.close();
});

/** A Running cluster with one pool (min 1, desired 2, max 4) whose nodes are ready. */
async function clusterWithPool(): Promise<{ clusterId: string; nodePoolId: string }> {
  const { clusterId } = await gateway.createCluster(TARGET, {
    name: 'payments-prod',
    description: '',
    kubernetesVersion: '1.30.0',
    runtime: { containerRuntime: 'containerd' },
    os: 'ubuntu18.04.1x86_64',
    vpcId: VPC,
    network: { mode: 'GR', clusterCidr: '10.8.0.0/16', serviceCidr: '10.9.0.0/20' },
    tags: [],
  });
  clock.advance(emulator.timings.clusterCreateMs);
  const { nodePoolId } = await gateway.createClusterNodePool(TARGET, {
    clusterId,
    name: 'workers',
    minSize: 1,
    maxSize: 4,
    desiredSize: 2,
    vpcId: VPC,
    subnetIds: ['subnet-gz03dft1'],
    instanceType: 'S5.LARGE8',
    systemDiskGb: 60,
    keyIds: ['skey-demo0001'],
    os: 'ubuntu18.04.1x86_64',
    tags: [],
  });
  clock.advance(emulator.timings.nodeJoinMs);
  return { clusterId, nodePoolId };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TencentError) return error.code;
    throw error;
  }
  throw new Error('expected Tencent to refuse');
}

describe('the emulator’s node pool changes', () => {
  it('scales a pool: new nodes join over the clock, and the range is reported', async () => {
    const { clusterId, nodePoolId } = await clusterWithPool();
    await gateway.modifyNodePoolRange(TARGET, { clusterId, nodePoolId, minSize: 2, maxSize: 6 });
    await gateway.modifyNodePoolDesired(TARGET, { clusterId, nodePoolId, desiredSize: 5 });

    const joining = (await gateway.describeClusterNodePools(TARGET, clusterId))[0];
    clock.advance(emulator.timings.nodeJoinMs);
    const ready = (await gateway.describeClusterNodePools(TARGET, clusterId))[0];

    expect(joining).toMatchObject({ lifeState: 'creating', desired: 5, minNodes: 2, maxNodes: 6, readyNodes: 2, totalNodes: 5 });
    expect(ready).toMatchObject({ lifeState: 'normal', readyNodes: 5, totalNodes: 5 });
  });

  it('refuses a desired count outside min..max with InvalidParameter.Param, and a change while the pool scales with ResourceInUse', async () => {
    const { clusterId, nodePoolId } = await clusterWithPool();
    expect(await codeOf(gateway.modifyNodePoolDesired(TARGET, { clusterId, nodePoolId, desiredSize: 5 }))).toBe('InvalidParameter.Param');

    await gateway.modifyNodePoolDesired(TARGET, { clusterId, nodePoolId, desiredSize: 4 });
    expect(await codeOf(gateway.modifyNodePoolRange(TARGET, { clusterId, nodePoolId, minSize: 1, maxSize: 8 }))).toBe('ResourceInUse');
    expect(await codeOf(gateway.deleteClusterNodePool(TARGET, { clusterId, nodePoolId }))).toBe('ResourceInUse');
  });

  it('deletes a pool with its instances and disks; it shows deleting, then is gone', async () => {
    const { clusterId, nodePoolId } = await clusterWithPool();
    await gateway.deleteClusterNodePool(TARGET, { clusterId, nodePoolId });

    const deleting = await gateway.describeClusterNodePools(TARGET, clusterId);
    clock.advance(emulator.timings.nodeJoinMs);
    const after = await gateway.describeClusterNodePools(TARGET, clusterId);

    expect(deleting.map((p) => p.lifeState)).toEqual(['deleting']);
    expect(after).toEqual([]);
    expect(await gateway.describeInstances(TARGET, { tagKey: 'tke-clusterId', tagValue: clusterId })).toEqual([]);
    expect(emulator.requestsFor('DeleteClusterNodePool')[0]?.params).toEqual({ ClusterId: clusterId, NodePoolIds: [nodePoolId], KeepInstance: false });
  });
});
