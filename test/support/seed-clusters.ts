import type { ClusterRecord, ClusterSpec } from '../../src/services/store-schema.js';
import type { Store } from '../../src/services/store.js';
import type { TencentCredential, TkeGateway } from '../../src/services/tke.js';
import { aCluster, aSpec } from './clusters.js';

/** Demo-seed placement per region (the emulator's default VPC, its first subnet and zone). */
export const PLACEMENT: Record<string, Pick<ClusterSpec, 'vpcId' | 'subnetId'> & { zone: string }> = {
  'ap-guangzhou': { vpcId: 'vpc-gzdemo01', subnetId: 'subnet-gz03dft1', zone: 'ap-guangzhou-3' },
  'ap-shanghai': { vpcId: 'vpc-shdemo01', subnetId: 'subnet-sh02dft1', zone: 'ap-shanghai-2' },
  'ap-singapore': { vpcId: 'vpc-sgdemo01', subnetId: 'subnet-sg01dft1', zone: 'ap-singapore-1' },
  'ap-tokyo': { vpcId: 'vpc-jpdemo01', subnetId: 'subnet-jp01dft1', zone: 'ap-tokyo-1' },
};

export function specIn(region: string, name: string, accountId: string, overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  const place = PLACEMENT[region];
  if (!place) throw new Error(`no demo placement for ${region}`);
  const base = aSpec();
  return aSpec({
    name,
    accountId,
    region,
    vpcId: place.vpcId,
    subnetId: place.subnetId,
    workerPools: base.workerPools.map((pool) => ({ ...pool, zones: [place.zone] })),
    ...overrides,
  });
}

export interface SeedOptions {
  credential: TencentCredential;
  specs: ClusterSpec[];
  /** Give each cluster a provisioning thread (a root ts) with "created" already posted. */
  withThread?: boolean;
  channel?: string;
  createdAt?: Date;
  concurrency?: number;
}

/**
 * Creates the clusters in the emulator through the real gateway (VPC-CNI, so their networks never
 * collide) and records them in the store in one write, as Deploy would have left them.
 */
export async function seedClusters(deps: { store: Store; tke: TkeGateway }, options: SeedOptions): Promise<ClusterRecord[]> {
  const records: ClusterRecord[] = new Array<ClusterRecord>(options.specs.length);
  const channel = options.channel ?? 'C0PLATFORM';
  const createdAt = (options.createdAt ?? new Date('2026-01-01T09:00:00.000Z')).toISOString();
  let next = 0;
  const worker = async () => {
    while (next < options.specs.length) {
      const i = next++;
      const spec = options.specs[i] as ClusterSpec;
      const { clusterId } = await deps.tke.createCluster(
        { credential: options.credential, region: spec.region },
        {
          name: spec.name,
          description: spec.description,
          kubernetesVersion: '1.30.0',
          runtime: { containerRuntime: 'containerd' },
          os: 'ubuntu18.04.1x86_64',
          vpcId: spec.vpcId,
          network: { mode: 'VPC-CNI', subnetIds: [spec.subnetId] },
          tags: spec.tags,
        },
      );
      records[i] = aCluster({
        id: `c${String(i).padStart(5, '0')}-${spec.name}`,
        draftId: `d${i}`,
        spec,
        channel,
        createdAt,
        tkeClusterId: clusterId,
        ...(options.withThread ? { thread: { channel, ts: `1600000000.${String(i).padStart(6, '0')}` }, posted: ['created'] } : {}),
      });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  await deps.store.update((data) => {
    data.clusters.push(...records);
  });
  return records;
}
