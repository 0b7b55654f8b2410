import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/services/clock.js';
import type { TkeGateway, TkeTarget } from '../../src/services/tke.js';
import type { TkeEmulator } from '../../src/sandbox/tke/index.js';
import { codeOf, runningClusterWithPool, startEmulatorGateway } from '../support/emulator-gateway.js';

const CREDENTIAL = { secretId: 'AKIDupgrades00001', secretKey: 'upgrades-secret-key' };
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

/** A Running Kubernetes 1.30.0 cluster with one pool of 3 ready nodes. */
const runningCluster = () => runningClusterWithPool({ clock, emulator, gateway }, TARGET, 3);

const described = async (clusterId: string) => (await gateway.describeClusters(TARGET, [clusterId]))[0];

describe('the emulator’s Kubernetes upgrades', () => {
  it('offers the next minor version only, and refuses any other DstVersion', async () => {
    const { clusterId } = await runningCluster();
    expect(await gateway.describeAvailableClusterVersions(TARGET, clusterId)).toEqual(['1.32.2']);
    expect(await codeOf(gateway.updateClusterVersion(TARGET, { clusterId, version: '1.28.3' }))).toBe('InvalidParameter.Param');
    expect(await codeOf(gateway.updateClusterVersion(TARGET, { clusterId, version: '1.34.0' }))).toBe('InvalidParameter.Param');
    expect((await described(clusterId))?.version).toBe('1.30.0');
  });

  it('upgrades the control plane over the clock, refusing other changes meanwhile', async () => {
    const { clusterId, nodePoolId } = await runningCluster();
    await gateway.updateClusterVersion(TARGET, { clusterId, version: '1.32.2' });

    expect(await described(clusterId)).toMatchObject({ status: 'Upgrading', version: '1.30.0' });
    expect(await codeOf(gateway.updateClusterVersion(TARGET, { clusterId, version: '1.32.2' }))).toBe('ResourceInUse');
    expect(await codeOf(gateway.modifyNodePoolDesired(TARGET, { clusterId, nodePoolId, desiredSize: 4 }))).toBe('ResourceUnavailable.ClusterState');

    clock.advance(emulator.timings.controlPlaneUpgradeMs);
    expect(await described(clusterId)).toMatchObject({ status: 'Running', version: '1.32.2' });
    expect(await gateway.describeAvailableClusterVersions(TARGET, clusterId)).toEqual([]);
  });

  it('upgrades the nodes behind the control plane in batches of Concurrent, and refuses hot for a minor version', async () => {
    const { clusterId } = await runningCluster();
    await gateway.updateClusterVersion(TARGET, { clusterId, version: '1.32.2' });
    clock.advance(emulator.timings.controlPlaneUpgradeMs);

    const behind = await gateway.checkInstancesUpgradeAble(TARGET, { clusterId, upgradeType: 'major' });
    expect(behind.controlPlane).toBe('1.32.2');
    expect(behind.nodes.map((n) => n.version)).toEqual(['1.30.0', '1.30.0', '1.30.0']);
    const instanceIds = behind.nodes.map((n) => n.instanceId);

    expect(await codeOf(gateway.upgradeClusterInstances(TARGET, { clusterId, upgradeType: 'hot', instanceIds, concurrent: 2 }))).toBe('InvalidParameter.Param');
    expect(await codeOf(gateway.upgradeClusterInstances(TARGET, { clusterId, upgradeType: 'major', instanceIds, concurrent: 16 }))).toBe('InvalidParameterValue');
    await gateway.upgradeClusterInstances(TARGET, { clusterId, upgradeType: 'major', instanceIds, concurrent: 2 });

    const first = await gateway.getUpgradeInstanceProgress(TARGET, clusterId);
    expect(first.lifeState).toBe('process');
    expect(first.nodes.map((n) => n.lifeState)).toEqual(['process', 'process', 'pending']);
    expect((await described(clusterId))?.status).toBe('NodeUpgrading');
    expect(await codeOf(gateway.upgradeClusterInstances(TARGET, { clusterId, upgradeType: 'major', instanceIds, concurrent: 2 }))).toBe('ResourceInUse');

    clock.advance(emulator.timings.nodeUpgradeMs);
    expect((await gateway.getUpgradeInstanceProgress(TARGET, clusterId)).nodes.map((n) => n.lifeState)).toEqual(['done', 'done', 'process']);
    clock.advance(emulator.timings.nodeUpgradeMs);
    const last = await gateway.getUpgradeInstanceProgress(TARGET, clusterId);
    expect(last).toEqual({ lifeState: 'done', nodes: instanceIds.map((instanceId) => ({ instanceId, lifeState: 'done' })) });
    expect((await described(clusterId))?.status).toBe('Running');
    expect((await gateway.checkInstancesUpgradeAble(TARGET, { clusterId, upgradeType: 'major' })).nodes).toEqual([]);
    expect(emulator.resources(clusterId).instances.map((i) => i.version)).toEqual(['1.32.2', '1.32.2', '1.32.2']);
  });

  it('answers the injected fault of each upgrade action like other actions', async () => {
    const { clusterId } = await runningCluster();
    for (const action of ['DescribeAvailableClusterVersion', 'UpdateClusterVersion']) {
      emulator.failNext(action, { code: 'FailedOperation', message: 'injected' });
    }
    expect(await codeOf(gateway.describeAvailableClusterVersions(TARGET, clusterId))).toBe('FailedOperation');
    expect(await codeOf(gateway.updateClusterVersion(TARGET, { clusterId, version: '1.32.2' }))).toBe('FailedOperation');
    expect((await described(clusterId))?.status).toBe('Running');
  });
});
