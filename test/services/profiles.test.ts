import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ProfileError,
  applyOverrides,
  chartPackageUrl,
  createProfileCatalog,
  listPacks,
  loadProfiles,
  osImageOf,
  parseProfile,
} from '../../src/services/profiles.js';
import type { Profile } from '../../src/services/profiles.js';

const SHIPPED = 'data/profiles';

const validProfile = (overrides: { name?: string; osName?: string; size?: string } = {}) => `name: ${overrides.name ?? 'test-profile'}
description: A profile for tests
layers:
  os:
    name: ubuntu
    version: "18.04"
    values: |
      OsName: ${overrides.osName ?? 'ubuntu18.04.1x86_64'}
  kubernetes:
    version: 1.30.0
  network:
    mode: GR
    clusterCidr: 172.16.0.0/16
  addons:
    - name: mariadb
      chart: mariadb
      version: 20.0.0
      repository: https://charts.bitnami.com/bitnami
      values: |
        primary:
          persistence:
            enabled: true
            size: ${overrides.size ?? '20Gi'}
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tkeops-profiles-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(files: Record<string, string>): Promise<ProfileError> {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const error: unknown = await loadProfiles(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProfileError)) throw new Error(`expected a ProfileError, got ${String(error)}`);
  return error;
}

describe('shipped profiles', () => {
  it('all load', async () => {
    const catalog = await loadProfiles(SHIPPED);
    expect(catalog.list().map((p) => p.name)).toEqual(['centos-gpu', 'ubuntu-mariadb', 'ubuntu-standard']);
  });

  it('run the OS images they are named after', async () => {
    const catalog = await loadProfiles(SHIPPED);
    const image = (name: string) => osImageOf(catalog.get(name) as Profile);
    expect(image('ubuntu-standard')).toBe('ubuntu18.04.1x86_64');
    expect(image('centos-gpu')).toBe('centos7.6.0_x64 GPU');
    expect(image('ubuntu-mariadb')).toBe('ubuntu18.04.1x86_64');
  });

  it('run containerd, the runtime of Kubernetes 1.24 and later', async () => {
    const catalog = await loadProfiles(SHIPPED);
    expect(catalog.list().map((p) => [p.name, p.layers.kubernetes.containerRuntime])).toEqual([
      ['centos-gpu', 'containerd'],
      ['ubuntu-mariadb', 'containerd'],
      ['ubuntu-standard', 'containerd'],
    ]);
  });

  it('give ubuntu-standard a GlobalRouter pod network on 10.244.0.0/16, clear of the default VPC', async () => {
    const profile = (await loadProfiles(SHIPPED)).get('ubuntu-standard');
    expect(profile?.layers.network).toMatchObject({ mode: 'GR', clusterCidr: '10.244.0.0/16' });
    expect(profile?.layers.kubernetes.version).toBe('1.30.0');
  });

  it('give ubuntu-mariadb VPC-CNI and a MariaDB pack with a 20Gi ReadWriteOnce volume', async () => {
    const profile = (await loadProfiles(SHIPPED)).get('ubuntu-mariadb');
    expect(profile?.layers.network.mode).toBe('VPC-CNI');
    const mariadb = profile?.layers.addons.find((a) => a.name === 'mariadb');
    expect(mariadb).toMatchObject({ chart: 'mariadb', version: '20.0.0', repository: 'https://charts.bitnami.com/bitnami', namespace: 'default' });
    expect(mariadb?.values).toMatch(/persistence:\n\s+enabled: true/);
    expect(mariadb?.values).toMatch(/accessModes:\n\s+- ReadWriteOnce/);
    expect(mariadb?.values).toMatch(/size: 20Gi/);
  });

  it('point every add-on pack at a chart package Tencent can download', async () => {
    const packages = (await loadProfiles(SHIPPED)).list().flatMap((p) => p.layers.addons.map((a) => [a.name, a.namespace, chartPackageUrl(a)]));
    expect(packages).toEqual([
      ['nvidia-device-plugin', 'kube-system', 'https://nvidia.github.io/k8s-device-plugin/stable/nvidia-device-plugin-0.17.0.tgz'],
      ['mariadb', 'default', 'https://charts.bitnami.com/bitnami/mariadb-20.0.0.tgz'],
      ['metrics-server', 'kube-system', 'https://charts.bitnami.com/bitnami/metrics-server-7.2.8.tgz'],
    ]);
  });
});

describe('add-on pack charts', () => {
  it('installs into the default namespace and takes the package from where helm repo index puts it, unless told otherwise', () => {
    const [pack] = parseProfile(validProfile().replace('https://charts.bitnami.com/bitnami', 'https://charts.bitnami.com/bitnami/'), 'test.yaml').layers.addons;
    expect(pack?.namespace).toBe('default');
    expect(pack && chartPackageUrl(pack)).toBe('https://charts.bitnami.com/bitnami/mariadb-20.0.0.tgz');
  });

  it('uses the package URL a pack gives', () => {
    const text = validProfile().replace(
      '      values: |',
      '      package: https://downloads.example.com/charts/mariadb-20.0.0.tgz\n      namespace: databases\n      values: |',
    );
    const [pack] = parseProfile(text, 'test.yaml').layers.addons;
    expect(pack && [pack.namespace, chartPackageUrl(pack)]).toEqual(['databases', 'https://downloads.example.com/charts/mariadb-20.0.0.tgz']);
  });

  it('refuses a repository that is not an https URL, naming the pack', async () => {
    const error = await loadError({ 'http.yaml': validProfile().replace('https://charts.bitnami.com', 'http://charts.bitnami.com') });
    expect(error.problems).toEqual(['layers.addons[0].repository: pack mariadb: must be an https URL, not http://charts.bitnami.com/bitnami (line 18)']);
  });

  it('refuses a package URL that is not an https .tgz file, naming the pack', async () => {
    const text = validProfile().replace('      values: |', '      package: https://charts.bitnami.com/bitnami/mariadb\n      values: |');
    const error = await loadError({ 'package.yaml': text });
    expect(error.problems).toEqual([
      'layers.addons[0].package: pack mariadb: must be an https URL ending in .tgz, not https://charts.bitnami.com/bitnami/mariadb (line 19)',
    ]);
  });

  it('refuses a pack without a repository', async () => {
    const error = await loadError({ 'norepo.yaml': validProfile().replace('      repository: https://charts.bitnami.com/bitnami\n', '') });
    expect(error.problems).toEqual(['layers.addons[0].repository: is missing (line 15)']);
  });

  it('refuses a chart written with its repository prefix', async () => {
    const error = await loadError({ 'prefix.yaml': validProfile().replace('chart: mariadb', 'chart: bitnami/mariadb') });
    expect(error.problems).toEqual(['layers.addons[0].chart: must be a Helm chart name like mariadb, without the repository (line 16)']);
  });

  it('refuses a pack name that does not start with a letter, since it names the Helm release', async () => {
    const error = await loadError({ 'digit.yaml': validProfile().replace('- name: mariadb', '- name: 1mariadb') });
    expect(error.problems[0]).toBe('layers.addons[0].name: must start with a letter: it names the Helm release (line 15)');
  });
});

describe('loadProfiles', () => {
  it('reads .yaml and .yml files and ignores the rest', async () => {
    await writeFile(join(dir, 'a.yaml'), validProfile({ name: 'alpha' }));
    await writeFile(join(dir, 'b.yml'), validProfile({ name: 'beta' }));
    await writeFile(join(dir, 'README.md'), '# not a profile');
    const catalog = await loadProfiles(dir);
    expect(catalog.list().map((p) => p.name)).toEqual(['alpha', 'beta']);
    expect(catalog.get('beta')?.layers.addons[0]?.name).toBe('mariadb');
    expect(catalog.get('gamma')).toBeUndefined();
  });

  it('stops on an invalid profile, naming the file and the field', async () => {
    const error = await loadError({ 'bad.yaml': validProfile({ osName: 'windows' }) });
    expect(error.file).toBe(join(dir, 'bad.yaml'));
    expect(error.message).toBe(
      `${join(dir, 'bad.yaml')}: layers.os.values: OsName "windows" is not one of ` +
        'centos7.6.0_x64, centos7.6.0_x64 GPU, ubuntu18.04.1x86_64, ubuntu18.04.1x86_64 GPU (line 8)',
    );
  });

  it('points a bad PVC size at its line in the profile file', async () => {
    const error = await loadError({ 'bad.yaml': validProfile({ size: '25Gi' }) });
    expect(error.problems).toEqual([
      'layers.addons[0].values: primary.persistence.size 25Gi is not a multiple of 10 GB (line 23)',
    ]);
  });

  it('names a schema field that is wrong, with its line', async () => {
    const text = validProfile().replace('clusterCidr: 172.16.0.0/16', 'clusterCidr: 172.16.0.0/40');
    const error = await loadError({ 'net.yaml': text });
    expect(error.problems).toEqual(['layers.network.clusterCidr: must be an IPv4 CIDR like 172.16.0.0/16 (line 13)']);
  });

  it.each([
    ['clusterCidr: 8.8.0.0/16', 'layers.network.clusterCidr: must lie in a private range: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (line 13)'],
    ['clusterCidr: 172.16.1.0/16', 'layers.network.clusterCidr: must be a network address (the host bits zero), like 10.244.0.0/16 (line 13)'],
    ['clusterCidr: 172.16.0.0/16\n    serviceCidr: 172.16.240.0/20', 'layers.network.serviceCidr: serviceCidr must not overlap clusterCidr'],
  ])('refuses a network layer TKE would refuse: %j', async (line, problem) => {
    const error = await loadError({ 'net.yaml': validProfile().replace('clusterCidr: 172.16.0.0/16', line) });
    expect(error.problems).toEqual([expect.stringContaining(problem)]);
  });

  it('names a missing field and an unknown one', async () => {
    const text = validProfile().replace('description: A profile for tests\n', 'descripton: typo\n');
    const error = await loadError({ 'typo.yaml': text });
    expect(error.problems).toEqual(['description: is missing (line 1)', 'descripton: is not a known field (line 2)']);
  });

  it('refuses an unquoted Kubernetes version that YAML reads as a number', async () => {
    const error = await loadError({ 'k8s.yaml': validProfile().replace('version: 1.30.0', 'version: 1.30') });
    expect(error.problems).toEqual(['layers.kubernetes.version: must be a Kubernetes version like 1.30.0; quote it (line 10)']);
  });

  it('refuses docker for Kubernetes 1.26, naming the profile and the field', async () => {
    const text = validProfile({ name: 'legacy' }).replace('version: 1.30.0', 'version: 1.26.1\n    containerRuntime: docker');
    const error = await loadError({ 'legacy.yaml': text });
    expect(error.message).toBe(
      `${join(dir, 'legacy.yaml')}: layers.kubernetes.containerRuntime: profile legacy: docker runs only Kubernetes below 1.24 ` +
        '(Kubernetes removed dockershim in 1.24), and this profile runs 1.26.1; use containerd (line 11)',
    );
  });

  it('gives a profile without a runtime containerd, and leaves the runtime version to TKE', () => {
    const profile = parseProfile(validProfile(), 'p.yaml');
    expect(profile.layers.kubernetes).toEqual({ version: '1.30.0', containerRuntime: 'containerd' });
  });

  it('keeps docker for Kubernetes below 1.24, with the runtime version given', () => {
    const text = validProfile().replace('version: 1.30.0', 'version: 1.22.5\n    containerRuntime: docker\n    runtimeVersion: "19.3"');
    expect(parseProfile(text, 'p.yaml').layers.kubernetes).toEqual({ version: '1.22.5', containerRuntime: 'docker', runtimeVersion: '19.3' });
  });

  it.each([
    ['containerRuntime: cri-o', 'layers.kubernetes.containerRuntime: must be containerd or docker (line 11)'],
    ['runtimeVersion: latest', 'layers.kubernetes.runtimeVersion: must be a runtime version like 1.6.9 (containerd) or 19.3 (docker) (line 11)'],
    ['runtimeVersion: 1.6', 'layers.kubernetes.runtimeVersion: must be a runtime version like 1.6.9; quote it (line 11)'],
  ])('refuses a runtime TKE does not know: %j', async (line, problem) => {
    const error = await loadError({ 'rt.yaml': validProfile().replace('version: 1.30.0', `version: 1.30.0\n    ${line}`) });
    expect(error.problems).toEqual([problem]);
  });

  it('refuses an unknown network mode', async () => {
    const error = await loadError({ 'mode.yaml': validProfile().replace('mode: GR', 'mode: Flannel') });
    expect(error.problems[0]).toBe('layers.network.mode: mode must be GR or VPC-CNI (line 12)');
  });

  it('reports a YAML syntax error in the file with its line and column', async () => {
    const error = await loadError({ 'syntax.yaml': 'name: x\ndescription: a: b\n' });
    expect(error.message).toBe(
      `${join(dir, 'syntax.yaml')}: YAML syntax error at line 2, column 14: Nested mappings are not allowed in compact mappings`,
    );
  });

  it('refuses an empty profile file', async () => {
    const error = await loadError({ 'empty.yml': '# nothing yet\n' });
    expect(error.message).toBe(`${join(dir, 'empty.yml')}: the file is empty; a profile needs name, description and layers`);
  });

  it('refuses two files that define the same profile name', async () => {
    const error = await loadError({ 'a.yaml': validProfile({ name: 'same' }), 'b.yaml': validProfile({ name: 'same' }) });
    expect(error.message).toBe(`${join(dir, 'b.yaml')}: name: profile "same" is already defined in ${join(dir, 'a.yaml')}`);
  });

  it('refuses two packs with the same name in one profile', async () => {
    const text = validProfile().replace('    - name: mariadb', '    - name: ubuntu');
    const error = await loadError({ 'dup.yaml': text });
    expect(error.problems[0]).toMatch(/^layers\.addons\[0\]\.name: pack name "ubuntu" is used twice in this profile/);
  });
});

describe('listPacks', () => {
  it('lists the OS pack then the add-ons, with their default values', () => {
    const profile = parseProfile(validProfile(), 'test.yaml');
    expect(listPacks(profile)).toEqual([
      { packName: 'ubuntu', kind: 'os', values: 'OsName: ubuntu18.04.1x86_64\n' },
      { packName: 'mariadb', kind: 'addon', values: 'primary:\n  persistence:\n    enabled: true\n    size: 20Gi\n' },
    ]);
  });
});

describe('applyOverrides', () => {
  const profile = parseProfile(validProfile(), 'test.yaml');

  it('replaces the values of the overridden packs and keeps the others', () => {
    const result = applyOverrides(profile, { mariadb: 'primary:\n  persistence:\n    size: 30Gi\n' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.profile.layers.addons[0]?.values).toBe('primary:\n  persistence:\n    size: 30Gi\n');
    expect(result.profile.layers.os.values).toBe(profile.layers.os.values);
    expect(profile.layers.addons[0]?.values).toContain('20Gi');
  });

  it('lets the OS image be switched to another allowed image', () => {
    const result = applyOverrides(profile, { ubuntu: 'OsName: ubuntu18.04.1x86_64 GPU\n' });
    expect(result.ok && osImageOf(result.profile)).toBe('ubuntu18.04.1x86_64 GPU');
  });

  it('returns the pack errors of an override that breaks a rule', () => {
    const result = applyOverrides(profile, {
      mariadb: 'primary:\n  persistence:\n    size: 25Gi\n',
      ubuntu: 'OsName: windows\n',
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({ pack: 'ubuntu', path: 'OsName', value: 'windows' }),
        expect.objectContaining({
          pack: 'mariadb',
          message: 'mariadb: primary.persistence.size 25Gi is not a multiple of 10 GB',
          line: 3,
        }),
      ],
    });
  });

  it('refuses an override for a pack the profile does not have', () => {
    expect(applyOverrides(profile, { redis: 'a: 1\n' })).toEqual({
      ok: false,
      errors: [{ pack: 'redis', path: '', message: 'redis: profile test-profile has no pack with this name' }],
    });
  });

  it('with no overrides returns the profile as it is', () => {
    expect(applyOverrides(profile, {})).toEqual({ ok: true, profile });
  });
});

it('a catalog refuses two profiles with the same name', () => {
  const profile = parseProfile(validProfile(), 'test.yaml');
  expect(() => createProfileCatalog([profile, profile])).toThrow('profile "test-profile" is defined twice');
});
