import type { ClusterRecord, ClusterSpec } from '../../src/services/store-schema.js';
import { mariadbPlanned } from './releases.js';

/** A Guangzhou spec that the emulator's demo seed accepts (VPC, subnet, zone, key pair, instance type). */
export function aSpec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: 'prod-1',
    description: 'payments',
    tags: [{ key: 'team', value: 'payments' }],
    accountId: 'acct-1',
    profile: 'ubuntu-mariadb',
    packOverrides: {},
    region: 'ap-guangzhou',
    keyPairId: 'skey-demo0001',
    vpcId: 'vpc-gzdemo01',
    subnetId: 'subnet-gz03dft1',
    endpointAccess: 'public',
    publicCidrs: ['203.0.113.0/24'],
    parallelPoolUpdates: true,
    workerPools: [{ name: 'default', minSize: 1, desiredSize: 2, maxSize: 3, instanceType: 'S5.MEDIUM4', zones: ['ap-guangzhou-3'], diskGb: 50 }],
    ...overrides,
  };
}

/** A cluster record as Deploy leaves it once CreateCluster was accepted. */
export function aCluster(overrides: Partial<ClusterRecord> = {}): ClusterRecord {
  const spec = overrides.spec ?? aSpec();
  return {
    id: `c-${spec.name}`,
    draftId: `d-${spec.name}`,
    spec,
    project: 'payments',
    channel: 'C0PLATFORM',
    requestedBy: 'U0MEMBER',
    createdAt: '2026-01-01T09:00:00.000Z',
    status: 'Provisioning',
    tkeClusterId: 'cls-test0001',
    progress: { pools: [], addons: [] },
    posted: [],
    transientErrors: 0,
    plan: {
      os: 'ubuntu18.04.1x86_64',
      kubernetesVersion: '1.30.0',
      addons: [mariadbPlanned('primary:\n  persistence:\n    size: 20Gi\n')],
    },
    ...overrides,
  };
}
