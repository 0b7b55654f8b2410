import type { CreateClusterReleaseRequest } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import type { CreateReleaseInput } from '../../src/services/tke.js';

/** Bitnami's Helm repository, where the ubuntu-mariadb profile's add-on pack comes from. */
export const BITNAMI = 'https://charts.bitnami.com/bitnami';
const MARIADB_PACKAGE = `${BITNAMI}/mariadb-20.0.0.tgz`;

/** The mariadb add-on pack as the gateway is asked to install it. */
export const mariadbRelease = (clusterId: string, values = '', overrides: Partial<CreateReleaseInput> = {}): CreateReleaseInput => ({
  clusterId,
  name: 'mariadb',
  namespace: 'default',
  chart: MARIADB_PACKAGE,
  chartVersion: '20.0.0',
  repository: BITNAMI,
  values,
  ...overrides,
});

/** The CreateClusterRelease request Tencent receives for it. */
export const mariadbReleaseRequest = (
  clusterId: string,
  values: string,
  overrides: Partial<CreateClusterReleaseRequest> = {},
): CreateClusterReleaseRequest => ({
  ClusterId: clusterId,
  Name: 'mariadb',
  Namespace: 'default',
  ChartFrom: 'other',
  Chart: MARIADB_PACKAGE,
  ChartVersion: '20.0.0',
  ChartRepoURL: BITNAMI,
  Values: { RawOriginal: values, ValuesType: 'yaml' },
  ClusterType: 'tke',
  ...overrides,
});

/** The mariadb add-on pack as a cluster's deploy plan keeps it. */
export const mariadbPlanned = (values: string) => ({
  name: 'mariadb',
  chart: 'mariadb',
  version: '20.0.0',
  repository: BITNAMI,
  namespace: 'default',
  package: MARIADB_PACKAGE,
  values,
});
