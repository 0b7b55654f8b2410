import { describe, expect, it } from 'vitest';
import { OS_IMAGES, PACK_VALUES_MAX_CHARS, validatePackValues } from '../../src/services/pack-rules.js';

const addon = (values: string, name = 'mariadb') => validatePackValues({ name, kind: 'addon', values });
const os = (values: string, name = 'ubuntu') => validatePackValues({ name, kind: 'os', values });

const mariadbWithSize = (size: string) => `architecture: standalone
primary:
  persistence:
    enabled: true
    accessModes:
      - ReadWriteOnce
    size: ${size}
`;

describe('OS pack', () => {
  it.each(OS_IMAGES)('accepts OsName %s', (image) => {
    expect(os(`OsName: ${image}\n`)).toEqual([]);
  });

  it('accepts the quoted form the TKE docs show ("OsName": "...")', () => {
    expect(os('"OsName": "centos7.6.0_x64 GPU"\n')).toEqual([]);
  });

  it('refuses an unknown OsName, naming the pack, the field, the value and the choices', () => {
    const errors = os('# the image\nOsName: windows\n');
    expect(errors).toEqual([
      {
        pack: 'ubuntu',
        path: 'OsName',
        value: 'windows',
        message: `ubuntu: OsName "windows" is not one of ${OS_IMAGES.join(', ')}`,
        line: 2,
        column: 9,
      },
    ]);
  });

  it('refuses an OsName that differs only in case or spacing', () => {
    expect(os('OsName: Ubuntu18.04.1x86_64\n')).toHaveLength(1);
    expect(os('OsName: "centos7.6.0_x64  GPU"\n')).toHaveLength(1);
  });

  it('refuses values without an OsName', () => {
    const [error] = os('kernel: 4.15\n');
    expect(error?.path).toBe('OsName');
    expect(error?.message).toMatch(/^ubuntu: OsName is missing; set it to one of centos7\.6\.0_x64, /);
  });

  it('treats an empty OsName as missing', () => {
    expect(os('OsName:\n')[0]?.message).toMatch(/OsName is missing/);
  });

  it('refuses values that are a list instead of key: value pairs', () => {
    expect(os('- OsName: ubuntu18.04.1x86_64\n')[0]?.message).toBe('ubuntu: values must be YAML key: value pairs, not a single list');
  });

  it('does not apply the PVC size rule to the OS pack', () => {
    expect(os('OsName: ubuntu18.04.1x86_64\npersistence:\n  size: 5Gi\n')).toEqual([]);
  });
});

describe('add-on PVC sizes', () => {
  it.each(['10Gi', '20Gi', '30G', '"40Gi"', "'100Gi'", '1000Gi'])('accepts %s', (size) => {
    expect(addon(mariadbWithSize(size))).toEqual([]);
  });

  it('refuses 25Gi as not a multiple of 10 GB, naming pack, path, value and line', () => {
    expect(addon(mariadbWithSize('25Gi'))).toEqual([
      {
        pack: 'mariadb',
        path: 'primary.persistence.size',
        value: '25Gi',
        message: 'mariadb: primary.persistence.size 25Gi is not a multiple of 10 GB',
        line: 7,
        column: 11,
      },
    ]);
  });

  it('refuses 5Gi as below the 10 GB minimum', () => {
    const [error] = addon(mariadbWithSize('5Gi'));
    expect(error?.message).toBe('mariadb: primary.persistence.size 5Gi is below the 10 GB minimum');
  });

  it('refuses 0Gi as below the minimum and 15.5Gi as not a multiple of 10', () => {
    expect(addon(mariadbWithSize('0Gi'))[0]?.message).toMatch(/below the 10 GB minimum/);
    expect(addon(mariadbWithSize('15.5Gi'))[0]?.message).toMatch(/not a multiple of 10 GB/);
  });

  it.each(['20480Mi', '1Ti', '20', '20gi', '20 GB', '""'])('refuses %s because sizes must be given in Gi or G', (size) => {
    const [error] = addon(mariadbWithSize(size));
    expect(error?.path).toBe('primary.persistence.size');
    expect(error?.message).toMatch(/^mariadb: primary\.persistence\.size .+ must be given in Gi or G, like 20Gi$/);
  });

  it('checks a size nested deeper under persistence', () => {
    const [error] = addon('persistence:\n  data:\n    size: 15Gi\n', 'minio');
    expect(error?.message).toBe('minio: persistence.data.size 15Gi is not a multiple of 10 GB');
  });

  it('checks sizes inside volumeClaimTemplates arrays, with [i] in the path', () => {
    const values = `server:
  volumeClaimTemplates:
    - name: data
      size: 20Gi
    - name: wal
      size: 5Gi
`;
    expect(addon(values, 'vault')).toEqual([
      {
        pack: 'vault',
        path: 'server.volumeClaimTemplates[1].size',
        value: '5Gi',
        message: 'vault: server.volumeClaimTemplates[1].size 5Gi is below the 10 GB minimum',
        line: 6,
        column: 13,
      },
    ]);
  });

  it('checks resources.requests.storage of a volumeClaimTemplate', () => {
    const values = `volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 8Gi
`;
    expect(addon(values, 'kafka')[0]?.message).toBe(
      'kafka: volumeClaimTemplates[0].spec.resources.requests.storage 8Gi is below the 10 GB minimum',
    );
  });

  it('reports every bad size in the pack, not only the first', () => {
    const values = 'primary:\n  persistence:\n    size: 25Gi\nsecondary:\n  persistence:\n    size: 5Gi\n';
    expect(addon(values).map((e) => e.path)).toEqual(['primary.persistence.size', 'secondary.persistence.size']);
  });

  it('follows YAML aliases into persistence', () => {
    const values = 'defaults: &disk\n  size: 25Gi\nprimary:\n  persistence: *disk\n';
    expect(addon(values).map((e) => e.path)).toEqual(['primary.persistence.size']);
  });

  it.each([
    ['server:\n  persistentVolume:\n    size: 8Gi\n', 'server.persistentVolume.size 8Gi is below the 10 GB minimum'],
    ['master:\n  dataPersistence:\n    size: 15Gi\n', 'master.dataPersistence.size 15Gi is not a multiple of 10 GB'],
    ['Persistence:\n  size: 5Gi\n', 'Persistence.size 5Gi is below the 10 GB minimum'],
    ['persistence:\n  resources:\n    requests:\n      storage: 5Gi\n', 'persistence.resources.requests.storage 5Gi is below the 10 GB minimum'],
    [
      'storageSpec:\n  volumeClaimTemplate:\n    spec:\n      resources:\n        requests:\n          storage: 25Gi\n',
      'storageSpec.volumeClaimTemplate.spec.resources.requests.storage 25Gi is not a multiple of 10 GB',
    ],
  ])('checks the other places charts put a PVC size: %j', (values, message) => {
    expect(addon(values, 'chart').map((e) => e.message)).toEqual([`chart: ${message}`]);
  });

  it('leaves alone the size of a persistence that is turned off (no claim is made)', () => {
    expect(addon('primary:\n  persistence:\n    enabled: false\n    size: 8Gi\nsecondary:\n  persistence:\n    enabled: true\n    size: 8Gi\n').map((e) => e.path)).toEqual([
      'secondary.persistence.size',
    ]);
  });

  it('ignores size keys outside persistence and volumeClaimTemplates', () => {
    expect(addon('resources:\n  size: 1\ncache:\n  size: 512Mi\n')).toEqual([]);
  });

  it('accepts empty values', () => {
    expect(addon('')).toEqual([]);
    expect(addon('# nothing to override\n')).toEqual([]);
  });
});

describe('YAML syntax errors', () => {
  it('report one error with the 1-based line and column and the parser reason', () => {
    const values = 'primary:\n  persistence:\n    enabled: true\n    size: 20Gi: x\n';
    const errors = addon(values);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ pack: 'mariadb', path: '', line: 4, column: 11 });
    expect(errors[0]?.message).toBe(
      'mariadb: YAML syntax error at line 4, column 11: Nested mappings are not allowed in compact mappings',
    );
  });

  it('point at a tab used for indentation', () => {
    const [error] = os('OsName: ubuntu18.04.1x86_64\nextra:\n\t- a\n');
    expect(error).toMatchObject({ line: 3, column: 1 });
    expect(error?.message).toMatch(/^ubuntu: YAML syntax error at line 3, column 1: Tabs are not allowed/);
  });

  it('include duplicate keys', () => {
    expect(os('OsName: ubuntu18.04.1x86_64\nOsName: windows\n')[0]?.message).toMatch(
      /line 2, column 1: Map keys must be unique/,
    );
  });
});

it('refuses values longer than a Slack text input can hold', () => {
  const [error] = addon(`note: ${'x'.repeat(PACK_VALUES_MAX_CHARS)}\n`);
  expect(error?.message).toMatch(/^mariadb: values are \d+ characters long; the limit is 3000$/);
});
