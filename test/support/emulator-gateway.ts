/** The Tencent emulator on 127.0.0.1:0 with a ManualClock, and tkeops' real TKE gateway (the SDK) pointed at it. */
import { ManualClock } from '../../src/services/clock.js';
import { createLogger } from '../../src/services/logger.js';
import { TencentError, type TencentCredential, type TkeGateway, type TkeTarget } from '../../src/services/tke.js';
import { createTkeGateway } from '../../src/services/tke-gateway.js';
import { startTkeEmulator, type TkeEmulator } from '../../src/sandbox/tke/index.js';

export interface EmulatorGateway {
  clock: ManualClock;
  emulator: TkeEmulator;
  gateway: TkeGateway;
}

export async function startEmulatorGateway(credential: TencentCredential): Promise<EmulatorGateway> {
  const clock = new ManualClock();
  const emulator = await startTkeEmulator({ clock, accounts: [credential] });
  const gateway = createTkeGateway({ endpoint: emulator.url, logger: createLogger({ level: 'silent' }), sleep: async () => undefined });
  return { clock, emulator, gateway };
}

const VPC = 'vpc-gzdemo01';

/** A Running Kubernetes 1.30.0 cluster in Guangzhou with one pool (min 1, max 4, `desiredSize`) whose nodes are ready. */
export async function runningClusterWithPool({ clock, emulator, gateway }: EmulatorGateway, target: TkeTarget, desiredSize: number): Promise<{ clusterId: string; nodePoolId: string }> {
  const { clusterId } = await gateway.createCluster(target, {
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
  const { nodePoolId } = await gateway.createClusterNodePool(target, {
    clusterId,
    name: 'workers',
    minSize: 1,
    maxSize: 4,
    desiredSize,
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

/** The code Tencent refused the call with (fails when it did not refuse). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TencentError) return error.code;
    throw error;
  }
  throw new Error('expected Tencent to refuse');
}
