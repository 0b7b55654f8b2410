import { emptyForm } from '../../src/services/drafts.js';
import type { WizardForm, WizardOptions, WizardPoolForm } from '../../src/services/store-schema.js';

/** A Guangzhou form every rule accepts (with `aWizardOptions()`), overridable field by field. */
export function aWizardForm(overrides: Partial<WizardForm> = {}): WizardForm {
  return {
    ...emptyForm(),
    name: 'payments-prod',
    description: 'Payments, production',
    tags: 'team:payments\ncost-center:cc-42',
    accountId: 'acct-1',
    profile: 'ubuntu-mariadb',
    region: 'ap-guangzhou',
    keyPairId: 'skey-demo0001',
    vpcId: 'vpc-gzdemo01',
    subnetId: 'subnet-gz03dft1',
    endpointAccess: 'public',
    publicCidrs: '203.0.113.0/24',
    pools: [aPoolForm()],
    ...overrides,
  };
}

export function aPoolForm(overrides: Partial<WizardPoolForm> = {}): WizardPoolForm {
  return {
    key: 'p1',
    name: 'workers',
    minSize: '1',
    desiredSize: '2',
    maxSize: '3',
    instanceType: 'S5.MEDIUM4',
    zones: ['ap-guangzhou-3'],
    diskGb: '50',
    ...overrides,
  };
}

/** Choices as loaded for acct-1 in Guangzhou, VPC vpc-gzdemo01 (like the emulator's demo seed). */
export function aWizardOptions(overrides: Partial<WizardOptions> = {}): WizardOptions {
  const zones = ['ap-guangzhou-3', 'ap-guangzhou-4', 'ap-guangzhou-6'];
  return {
    accountId: 'acct-1',
    regions: [
      { region: 'ap-guangzhou', name: 'South China (Guangzhou)' },
      { region: 'ap-shanghai', name: 'East China (Shanghai)' },
    ],
    region: 'ap-guangzhou',
    keyPairs: [{ keyId: 'skey-demo0001', keyName: 'ops-team' }],
    vpcs: [{ vpcId: 'vpc-gzdemo01', name: 'Default-VPC', cidr: '172.16.0.0/16' }],
    zones: zones.map((zone, i) => ({ zone, name: `Guangzhou Zone ${[3, 4, 6][i]}` })),
    vpcId: 'vpc-gzdemo01',
    subnets: zones.map((zone, i) => ({
      subnetId: `subnet-gz0${[3, 4, 6][i]}dft1`,
      vpcId: 'vpc-gzdemo01',
      name: `Default-Subnet-${[3, 4, 6][i]}`,
      zone,
      cidr: `172.16.${i * 16}.0/20`,
    })),
    instanceTypes: [
      ...zones.map((zone) => ({ instanceType: 'S5.MEDIUM4', zone, cpu: 2, memoryGb: 4, gpu: 0 })),
      ...['ap-guangzhou-3', 'ap-guangzhou-6'].map((zone) => ({ instanceType: 'GN7.2XLARGE32', zone, cpu: 8, memoryGb: 32, gpu: 1 })),
    ],
    ...overrides,
  };
}
