import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/services/clock.js';
import type { TkeGateway, TkeTarget } from '../../src/services/tke.js';
import type { TkeEmulator } from '../../src/sandbox/tke/index.js';
import { codeOf, runningClusterWithPool, startEmulatorGateway } from '../support/emulator-gateway.js';

const CREDENTIAL = { secretId: 'AKIDpoolchanges01', secretKey: 'pool-changes-secret-key' };
const TARGET: TkeTarget = { credential: CREDENTIAL, region: 'ap-guangzhou' };

let clock: ManualClock;
let emulator: TkeEmulator;
let gateway: TkeGateway;

beforeEach(async () => {
  ({ clock, emulator, gateway } = await startEmulatorGateway(CREDENTIAL));
});
afterEach(async () => {
  await emulator.close();
});

/** A Running cluster with one pool (min 1, desired 2, max 4) whose nodes are ready. */
const clusterWithPool = () => runningClusterWithPool({ clock, emulator, gateway }, TARGET, 2);

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
