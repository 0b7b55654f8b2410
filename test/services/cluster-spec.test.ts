import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkBasics,
  checkClusterSpec,
  checkPacks,
  checkPlacement,
  checkWorkerPools,
  instanceTypeImageConflict,
  instanceTypesFor,
  isGpuInstanceType,
  MAX_WORKER_POOLS,
  parseIpv4Cidr,
  parseTags,
  poolZones,
} from '../../src/services/cluster-spec.js';
import type { SpecContext } from '../../src/services/cluster-spec.js';
import { loadProfiles } from '../../src/services/profiles.js';
import type { Profile, ProfileCatalog } from '../../src/services/profiles.js';
import type { WizardForm } from '../../src/services/store-schema.js';
import { aPoolForm, aWizardForm, aWizardOptions } from '../support/wizard-forms.js';

let profiles: ProfileCatalog;
let mariadb: Profile;
beforeAll(async () => {
  profiles = await loadProfiles('data/profiles');
  const profile = profiles.get('ubuntu-mariadb');
  if (!profile) throw new Error('the shipped ubuntu-mariadb profile is missing');
  mariadb = profile;
});

const context = (overrides: Partial<SpecContext> = {}): SpecContext => ({
  isNameTaken: () => false,
  accountRefusal: undefined,
  profiles,
  options: aWizardOptions(),
  ...overrides,
});

const basicsErrors = (form: Partial<WizardForm>, ctx: Partial<SpecContext> = {}) => {
  const result = checkBasics(aWizardForm(form), context(ctx));
  return result.ok ? {} : result.errors;
};
const placementErrors = (form: Partial<WizardForm>, options = aWizardOptions()) => {
  const result = checkPlacement(aWizardForm(form), options);
  return result.ok ? {} : result.errors;
};
const poolErrors = (form: Partial<WizardForm>) => {
  const result = checkWorkerPools(aWizardForm(form), aWizardOptions());
  return result.ok ? {} : result.errors;
};
const packErrors = (packs: Record<string, string>) => {
  const result = checkPacks(aWizardForm({ packs }), mariadb);
  return result.ok ? {} : result.errors;
};
const withSize = (size: string) => mariadb.layers.addons[0]?.values.replace('size: 20Gi', `size: ${size}`) ?? '';

describe('the whole cluster spec', () => {
  it('turns a complete form into a typed spec', () => {
    const result = checkClusterSpec(aWizardForm({ tags: 'team:payments\nurl:https://x.example' }), context());
    expect(result).toEqual({
      ok: true,
      value: {
        name: 'payments-prod',
        description: 'Payments, production',
        tags: [
          { key: 'team', value: 'payments' },
          { key: 'url', value: 'https://x.example' },
        ],
        accountId: 'acct-1',
        profile: 'ubuntu-mariadb',
        packOverrides: {},
        region: 'ap-guangzhou',
        keyPairId: 'skey-demo0001',
        vpcId: 'vpc-gzdemo01',
        subnetId: 'subnet-gz03dft1',
        endpointAccess: 'public',
        publicCidrs: ['203.0.113.0/24'],
        parallelPoolUpdates: false,
        workerPools: [{ name: 'workers', minSize: 1, desiredSize: 2, maxSize: 3, instanceType: 'S5.MEDIUM4', zones: ['ap-guangzhou-3'], diskGb: 50 }],
      },
    });
  });

  it('reports the errors of every step at once, keyed by field', () => {
    const result = checkClusterSpec(aWizardForm({ name: 'bad name', publicCidrs: 'nope', pools: [] }), context());
    expect(result.ok).toBe(false);
    expect(Object.keys(result.ok ? {} : result.errors).sort()).toEqual(['name', 'publicCidrs', 'workerPools']);
  });
});

describe('cluster name', () => {
  it.each([
    ['bad name!', 'Use only letters, digits, - and _ in the cluster name'],
    ['9lives', 'Start the cluster name with a letter'],
    ['trailing-', 'End the cluster name with a letter or digit'],
    ['', 'Enter a cluster name'],
    ['a'.repeat(61), 'A cluster name has at most 60 characters'],
  ])('refuses %j', (name, message) => {
    expect(basicsErrors({ name })).toEqual({ name: message });
  });

  it('accepts 60 letters, digits, dashes and underscores', () => {
    expect(basicsErrors({ name: `a_${'b-'.repeat(28)}c9` })).toEqual({});
  });

  it("refuses a name already used by one of the project's clusters", () => {
    expect(basicsErrors({ name: 'Payments-Prod' }, { isNameTaken: (name) => name === 'Payments-Prod' })).toEqual({
      name: 'A cluster named Payments-Prod already exists in this project',
    });
  });
});

describe('tags', () => {
  it('reads key:value lines, splitting at the first colon and skipping blank lines', () => {
    expect(parseTags('team: payments\n\nlink:https://a.example:8443/x\n')).toEqual({
      tags: [
        { key: 'team', value: 'payments' },
        { key: 'link', value: 'https://a.example:8443/x' },
      ],
    });
  });

  it.each([
    ['team:payments\nowner', 'Line 2: write each tag as key:value'],
    ['team:', 'Line 1 (team): the tag value is empty'],
    ['qcloud-app:x', 'Line 1 (qcloud-app): keys starting with qcloud, tencent or project are reserved by Tencent'],
    ['team:a\nteam:b', 'Line 2 (team): the key team is used twice'],
    ['team:pay$', 'Line 1 (team): tags may use letters, digits, spaces and + - = . _ : / @ only'],
    ['tkeops-cluster:c1', 'Line 1 (tkeops-cluster): tkeops-cluster is set by tkeops itself'],
    [`${'k'.repeat(128)}:v`, `Line 1 (${'k'.repeat(128)}): a tag key has at most 127 characters`],
  ])('refuses %j', (tags, message) => {
    expect(basicsErrors({ tags })).toEqual({ tags: message });
  });

  it('refuses a 50th tag, since tkeops adds its own and Tencent allows 50', () => {
    const tags = Array.from({ length: 50 }, (_, i) => `k${i}:v`).join('\n');
    expect(basicsErrors({ tags })).toEqual({ tags: 'At most 49 tags (Tencent allows 50 and tkeops adds one)' });
  });
});

describe('cloud account and profile', () => {
  it("refuses an account the policy does not let the user use here, with the policy's reason", () => {
    const reason = { kind: 'accountOfAnotherProject', project: 'data' } as const;
    expect(basicsErrors({ accountId: 'acct-other' }, { accountRefusal: reason })).toEqual({ accountId: reason });
  });

  it('refuses a profile that does not exist', () => {
    expect(basicsErrors({ profile: 'nope' })).toEqual({ profile: 'There is no cluster profile named nope' });
  });
});

describe('pack overrides', () => {
  it('keeps only the packs whose values were edited (a trailing newline is not an edit)', () => {
    const os = mariadb.layers.os.values.trimEnd();
    const result = checkPacks(aWizardForm({ packs: { ubuntu: os, mariadb: withSize('30Gi') } }), mariadb);
    expect(result.ok && result.value.packOverrides).toEqual({ mariadb: withSize('30Gi') });
  });

  it.each([
    ['25Gi', 'mariadb: primary.persistence.size 25Gi is not a multiple of 10 GB'],
    ['5Gi', 'mariadb: primary.persistence.size 5Gi is below the 10 GB minimum'],
  ])('refuses a PVC size of %s, naming the pack and the field', (size, message) => {
    expect(packErrors({ mariadb: withSize(size) })).toEqual({ 'pack:mariadb': message });
  });

  it('refuses an OsName TKE does not offer, on the OS pack', () => {
    expect(packErrors({ ubuntu: 'OsName: windows2019' })).toEqual({
      'pack:ubuntu': expect.stringContaining('ubuntu: OsName "windows2019" is not one of centos7.6.0_x64'),
    });
  });

  it('reports a YAML syntax error with its line and column', () => {
    expect(packErrors({ mariadb: 'primary:\n  persistence:\n    size: [20Gi\n' })['pack:mariadb']).toMatch(
      /^mariadb: YAML syntax error at line \d+, column \d+/,
    );
  });
});

describe('placement', () => {
  it.each([
    ['10.0.0.0/33', 'Line 1: 10.0.0.0/33: the prefix length is 0–32'],
    ['300.1.1.0/24', 'Line 1: 300.1.1.0/24: each number of an IPv4 address is 0–255'],
    ['203.0.113.7/24', 'Line 1: 203.0.113.7/24 is not a network address; did you mean 203.0.113.0/24?'],
    ['198.51.100.0/24\nexample.com', 'Line 2: example.com is not an IPv4 CIDR like 203.0.113.0/24'],
    ['198.51.100.0/24\n198.51.100.0/24', 'Line 2: 198.51.100.0/24 is listed twice'],
  ])('refuses public access CIDRs %j', (publicCidrs, message) => {
    expect(placementErrors({ publicCidrs })).toEqual({ publicCidrs: message });
  });

  it('reads a bare address as that one address (/32)', () => {
    const result = checkPlacement(aWizardForm({ publicCidrs: '198.51.100.7\n0.0.0.0/0' }), aWizardOptions());
    expect(result.ok && result.value.publicCidrs).toEqual(['198.51.100.7/32', '0.0.0.0/0']);
  });

  it('asks for at least one CIDR when the endpoint is public', () => {
    expect(placementErrors({ endpointAccess: 'private-public', publicCidrs: ' \n' })).toEqual({
      publicCidrs: 'List at least one CIDR allowed to reach the public endpoint (0.0.0.0/0 allows any address)',
    });
  });

  it('refuses CIDRs with private access only, and needs none', () => {
    expect(placementErrors({ endpointAccess: 'private' })).toEqual({
      publicCidrs: 'Public access CIDRs apply only with public access; clear them or choose a public option',
    });
    expect(placementErrors({ endpointAccess: 'private', publicCidrs: '' })).toEqual({});
  });

  it('refuses a key pair and VPC loaded for another region', () => {
    expect(placementErrors({ region: 'ap-shanghai' })).toEqual({
      keyPairId: 'This key pair is not in the chosen region',
      vpcId: 'This VPC is not in the chosen region',
    });
  });

  describe("the cluster profile's CIDRs in the chosen VPC", () => {
    const gr = { mode: 'GR' as const, clusterCidr: '10.244.0.0/16', serviceCidr: '172.17.0.0/20' };
    const errorsWith = (network: Parameters<typeof checkPlacement>[2], options = aWizardOptions()) => {
      const result = checkPlacement(aWizardForm(), options, network);
      return result.ok ? {} : result.errors;
    };

    it('accepts CIDRs that overlap neither the VPC nor its clusters', () => {
      expect(errorsWith(gr, { ...aWizardOptions(), vpcClusters: [{ clusterId: 'cls-other', name: 'other', cidrs: ['10.245.0.0/16', '172.18.0.0/20'] }] })).toEqual({});
    });

    it('refuses a pod or service CIDR inside the VPC, on the VPC field', () => {
      expect(errorsWith({ ...gr, serviceCidr: '172.16.128.0/20' })).toEqual({
        vpcId: "The cluster profile's service CIDR 172.16.128.0/20 overlaps this VPC (172.16.0.0/16); choose another VPC or cluster profile",
      });
      expect(errorsWith({ mode: 'GR', clusterCidr: '172.0.0.0/8' })).toEqual({
        vpcId: "The cluster profile's pod CIDR 172.0.0.0/8 overlaps this VPC (172.16.0.0/16); choose another VPC or cluster profile",
      });
    });

    it('refuses CIDRs another cluster of the VPC already takes, naming it', () => {
      const options = { ...aWizardOptions(), vpcClusters: [{ clusterId: 'cls-first', name: 'first', cidrs: ['10.244.0.0/16', '172.17.0.0/20'] }] };
      expect(errorsWith(gr, options)).toEqual({
        vpcId: "The cluster profile's pod CIDR 10.244.0.0/16 overlaps cluster first (cls-first, 10.244.0.0/16) in this VPC; choose another VPC or cluster profile",
      });
      expect(errorsWith({ mode: 'VPC-CNI', serviceCidr: '172.17.8.0/21' }, options)).toEqual({
        vpcId: "The cluster profile's service CIDR 172.17.8.0/21 overlaps cluster first (cls-first, 172.17.0.0/20) in this VPC; choose another VPC or cluster profile",
      });
    });
  });

  it('refuses a subnet that is not in the chosen VPC, and missing choices', () => {
    expect(placementErrors({ subnetId: 'subnet-elsewhere' })).toEqual({ subnetId: 'This subnet is not in the chosen VPC' });
    expect(placementErrors({ region: undefined, keyPairId: undefined, vpcId: undefined, subnetId: undefined })).toEqual({
      region: 'Choose a region',
      keyPairId: 'Choose an SSH key pair',
      vpcId: 'Choose a VPC',
      subnetId: 'Choose a subnet',
    });
  });
});

describe('worker pools', () => {
  it('needs at least one worker pool', () => {
    expect(poolErrors({ pools: [] })).toEqual({ workerPools: 'Add at least one worker pool' });
  });

  it(`allows at most ${MAX_WORKER_POOLS} worker pools`, () => {
    const pools = Array.from({ length: MAX_WORKER_POOLS + 1 }, (_, i) => aPoolForm({ key: `p${i}`, name: `pool-${i}` }));
    expect(poolErrors({ pools })).toEqual({ workerPools: `At most ${MAX_WORKER_POOLS} worker pools` });
  });

  it.each([
    [{ desiredSize: '5' }, 'pool:p1:desiredSize', 'The desired size must be between the minimum (1) and the maximum (3)'],
    [{ minSize: '2', desiredSize: '0' }, 'pool:p1:desiredSize', 'The desired size must be between the minimum (2) and the maximum (3)'],
    [{ minSize: '4' }, 'pool:p1:minSize', 'The minimum (4) is larger than the maximum (3)'],
    [{ maxSize: '0', minSize: '0', desiredSize: '0' }, 'pool:p1:maxSize', 'The maximum size is at least 1'],
    [{ maxSize: '201' }, 'pool:p1:maxSize', 'The maximum size is at most 200'],
    [{ desiredSize: '1.5' }, 'pool:p1:desiredSize', 'The desired size is a whole number'],
    [{ name: 'a pool' }, 'pool:p1:name', 'Use only letters, digits, - and _ in the worker pool name'],
    [{ zones: [] }, 'pool:p1:zones', 'Choose at least one availability zone'],
    [{ zones: ['ap-guangzhou-7'] }, 'pool:p1:zones', 'The chosen VPC has no subnet in ap-guangzhou-7'],
    [{ instanceType: 'GN7.2XLARGE32', zones: ['ap-guangzhou-3', 'ap-guangzhou-4'] }, 'pool:p1:instanceType', 'GN7.2XLARGE32 is not sold in every chosen zone'],
    [{ diskGb: '10' }, 'pool:p1:diskGb', 'A system disk is at least 20 GB'],
    [{ diskGb: '2050' }, 'pool:p1:diskGb', 'A system disk is at most 2048 GB'],
    [{ diskGb: '55' }, 'pool:p1:diskGb', 'Use a multiple of 10 GB'],
  ])('refuses %j', (pool, key, message) => {
    expect(poolErrors({ pools: [aPoolForm(pool)] })).toEqual({ [key]: message });
  });

  it('refuses two worker pools with the same name', () => {
    const pools = [aPoolForm(), aPoolForm({ key: 'p2', name: 'Workers' })];
    expect(poolErrors({ pools })).toEqual({ 'pool:p2:name': 'Another worker pool is already named Workers' });
  });

  it('offers the zones of the VPC subnets, and the instance types sold in every chosen zone', () => {
    const options = aWizardOptions();
    expect(poolZones(options, 'vpc-gzdemo01')).toEqual(['ap-guangzhou-3', 'ap-guangzhou-4', 'ap-guangzhou-6']);
    expect(poolZones(options, 'vpc-other')).toEqual([]);
    expect(instanceTypesFor(options, ['ap-guangzhou-3', 'ap-guangzhou-6']).map((t) => t.instanceType)).toEqual(['S5.MEDIUM4', 'GN7.2XLARGE32']);
    expect(instanceTypesFor(options, ['ap-guangzhou-4']).map((t) => t.instanceType)).toEqual(['S5.MEDIUM4']);
  });
});

describe('GPU instance types and OS images', () => {
  const GPU_POOL = aPoolForm({ instanceType: 'GN7.2XLARGE32', zones: ['ap-guangzhou-3'] });
  const specErrors = (form: Partial<WizardForm>) => {
    const result = checkClusterSpec(aWizardForm(form), context());
    return result.ok ? {} : result.errors;
  };

  it('refuses a GPU instance type with the plain Ubuntu image, naming both and the GPU images', () => {
    expect(specErrors({ pools: [GPU_POOL] })).toEqual({
      'pool:p1:instanceType':
        "GN7.2XLARGE32 is a GPU instance type; the cluster profile's OS image ubuntu18.04.1x86_64 has no GPU driver. " +
        'Pick a GPU image (ubuntu18.04.1x86_64 GPU, centos7.6.0_x64 GPU) in the packs step, or a non-GPU instance type.',
    });
  });

  it('refuses a non-GPU instance type with a GPU image, naming both and the images without GPU', () => {
    expect(specErrors({ profile: 'centos-gpu' })).toEqual({
      'pool:p1:instanceType':
        "S5.MEDIUM4 has no GPU; the cluster profile's OS image centos7.6.0_x64 GPU is for GPU instance types. " +
        'Pick a non-GPU image (centos7.6.0_x64, ubuntu18.04.1x86_64) in the packs step, or a GPU instance type.',
    });
  });

  it('accepts a GPU instance type with a GPU image, and a plain one with a plain image', () => {
    expect(specErrors({ profile: 'centos-gpu', pools: [GPU_POOL] })).toEqual({});
    expect(specErrors({})).toEqual({});
  });

  it('takes the OS image typed in the packs step over the profile’s', () => {
    expect(specErrors({ pools: [GPU_POOL], packs: { ubuntu: 'OsName: ubuntu18.04.1x86_64 GPU\n' } })).toEqual({});
    expect(Object.keys(specErrors({ packs: { ubuntu: 'OsName: ubuntu18.04.1x86_64 GPU\n' } }))).toEqual(['pool:p1:instanceType']);
  });

  it('goes by the GPU count Tencent reports, and by the family name only when it reports none', () => {
    const reported = aWizardOptions({ instanceTypes: [{ instanceType: 'GN7.X', zone: 'z', cpu: 8, memoryGb: 32, gpu: 0 }, { instanceType: 'S9.GPU', zone: 'z', cpu: 8, memoryGb: 32, gpu: 2 }] });
    expect(isGpuInstanceType('GN7.X', reported)).toBe(false);
    expect(isGpuInstanceType('S9.GPU', reported)).toBe(true);
    const silent = aWizardOptions({ instanceTypes: [{ instanceType: 'GI3X.8XLARGE64', zone: 'z', cpu: 32, memoryGb: 64 }] });
    for (const type of ['GI3X.8XLARGE64', 'GN10X.2XLARGE40', 'GT4.4XLARGE96']) expect(isGpuInstanceType(type, silent)).toBe(true);
    expect(isGpuInstanceType('S5.LARGE8', silent)).toBe(false);
    expect(instanceTypeImageConflict('GI3X.8XLARGE64', 'centos7.6.0_x64', silent)).toContain('Pick a GPU image (centos7.6.0_x64 GPU, ubuntu18.04.1x86_64 GPU)');
  });
});

describe('IPv4 CIDRs', () => {
  it('normalises and checks alignment', () => {
    expect(parseIpv4Cidr('10.0.0.0/8')).toEqual({ cidr: '10.0.0.0/8' });
    expect(parseIpv4Cidr('10.1.0.0/8')).toEqual({ problem: '10.1.0.0/8 is not a network address; did you mean 10.0.0.0/8?' });
    expect(parseIpv4Cidr('0.0.0.0/0')).toEqual({ cidr: '0.0.0.0/0' });
  });
});
