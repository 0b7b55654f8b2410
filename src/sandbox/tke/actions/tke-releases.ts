import { parseDocument } from 'yaml';
import { z } from 'zod';
import type {
  CreateClusterReleaseResponse,
  DescribeClusterPendingReleasesResponse,
  DescribeClusterReleasesResponse,
  PendingRelease,
  Release,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/tke/v20180525/tke_models.js';
import { ApiError, clusterNotFound, invalidParameterValue, missingParameter } from '../errors.js';
import type { EmulatorState, ReleaseRecord } from '../state.js';
import { defineAction, isoTime, limitSchema, offsetSchema, page } from './define.js';
import { requireCluster, requireRunning } from './tke-clusters.js';

/** Release and namespace names as TKE documents them (Kubernetes DNS labels; a release starts with a letter). */
const RELEASE_NAME = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const CLUSTER_TYPES = ['tke', 'eks', 'tkeedge', 'external'] as const;

/** The emulator only has standard (tke) clusters: another ClusterType finds none of them. */
function requireStandardCluster(clusterType: string | undefined, clusterId: string): void {
  if (clusterType !== undefined && clusterType !== 'tke') throw clusterNotFound(clusterId);
}

function isDownloadUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname.endsWith('.tgz');
  } catch {
    return false;
  }
}

function checkValues(raw: string, type: 'yaml' | 'json'): void {
  if (type === 'json') {
    try {
      JSON.parse(raw);
    } catch {
      throw invalidParameterValue('Values.RawOriginal', 'expected JSON text, as Values.ValuesType says');
    }
    return;
  }
  const error = parseDocument(raw).errors[0];
  if (error) throw invalidParameterValue('Values.RawOriginal', `expected YAML text (${error.code})`);
}

/** `https://charts.example.com/mariadb-20.0.0.tgz` → `mariadb`. */
function chartNameOf(packageUrl: string, version: string | undefined): string {
  const file = decodeURIComponent(new URL(packageUrl).pathname.split('/').pop() ?? '').replace(/\.tgz$/, '');
  if (version && file.endsWith(`-${version}`)) return file.slice(0, -version.length - 1);
  return file.replace(/-v?\d+\.\d+\.\d+.*$/, '');
}

export const createClusterRelease = defineAction({
  service: 'tke',
  action: 'CreateClusterRelease',
  schema: z.object({
    ClusterId: z.string(),
    Name: z
      .string()
      .max(63)
      .regex(RELEASE_NAME, { error: 'lowercase letters, digits and "-" only, starting with a letter and ending with a letter or digit' }),
    Namespace: z.string().max(63).regex(NAMESPACE, { error: 'must be a Kubernetes namespace name' }),
    Chart: z.string().min(1),
    Values: z.object({ RawOriginal: z.string(), ValuesType: z.enum(['yaml', 'json']) }).optional(),
    ChartFrom: z.enum(['tke-market', 'other']).optional(),
    ChartVersion: z.string().optional(),
    ChartRepoURL: z.string().optional(),
    Username: z.string().optional(),
    Password: z.string().optional(),
    ChartNamespace: z.string().optional(),
    ClusterType: z.enum(CLUSTER_TYPES).optional(),
  }),
  handle: (context, req): CreateClusterReleaseResponse => {
    const { state } = context;
    requireStandardCluster(req.ClusterType, req.ClusterId);
    const chartFrom = req.ChartFrom ?? 'tke-market';
    if (chartFrom === 'other') {
      if (!isDownloadUrl(req.Chart)) throw invalidParameterValue('Chart', 'from a third-party repository, Chart is the URL of the chart package (*.tgz)');
      if (!req.ChartRepoURL) throw missingParameter('ChartRepoURL');
    } else if (!req.ChartNamespace) {
      throw missingParameter('ChartNamespace');
    }
    if (req.Values) checkValues(req.Values.RawOriginal, req.Values.ValuesType);
    const cluster = requireCluster(context, req.ClusterId);
    requireRunning(state, cluster);
    if (cluster.releases.some((r) => r.name === req.Name && r.namespace === req.Namespace)) {
      throw new ApiError('ResourceInUse', `Release \`${req.Name}\` already exists in namespace \`${req.Namespace}\` of cluster \`${cluster.clusterId}\`.`);
    }
    const release: ReleaseRecord = {
      releaseId: state.newId('release', { has: (id) => cluster.releases.some((r) => r.releaseId === id) }),
      name: req.Name,
      namespace: req.Namespace,
      chartFrom,
      chart: req.Chart,
      chartName: chartFrom === 'other' ? chartNameOf(req.Chart, req.ChartVersion) : req.Chart,
      chartVersion: req.ChartVersion ?? '',
      repository: req.ChartRepoURL ?? '',
      values: req.Values?.RawOriginal ?? '',
      valuesType: req.Values?.ValuesType ?? 'yaml',
      createdAt: state.now(),
      ...state.takeReleaseFailure(),
    };
    cluster.releases.push(release);
    return {
      Release: {
        ID: release.releaseId,
        Name: release.name,
        Namespace: release.namespace,
        Status: state.releaseStatus(release),
        CreatedTime: isoTime(release.createdAt),
        UpdatedTime: isoTime(release.createdAt),
        Condition: '',
      },
    };
  },
});

/** A release's status now, and when it last changed (created, or settled once the install time passed). */
function releaseState(state: EmulatorState, release: ReleaseRecord) {
  const status = state.releaseStatus(release);
  return { status, updatedAt: status === 'pending-install' ? release.createdAt : release.createdAt + state.timings.addonInstallMs };
}

/** Helm's description of a release in each status (a release Helm has recorded). */
function releaseView(state: EmulatorState, release: ReleaseRecord): Release {
  const { status, updatedAt } = releaseState(state, release);
  return {
    Name: release.name,
    Namespace: release.namespace,
    Revision: '1',
    Status: status,
    ChartName: release.chartName,
    ChartVersion: release.chartVersion,
    AppVersion: '',
    UpdatedTime: isoTime(updatedAt),
    Description: status === 'failed' ? (release.failure ?? '') : status === 'deployed' ? 'Install complete' : 'Initial install underway',
  };
}

export const describeClusterReleases = defineAction({
  service: 'tke',
  action: 'DescribeClusterReleases',
  schema: z.object({
    ClusterId: z.string(),
    Limit: limitSchema,
    Offset: offsetSchema,
    ClusterType: z.enum(CLUSTER_TYPES).optional(),
    Namespace: z.string().optional(),
    ReleaseName: z.string().optional(),
    ChartName: z.string().optional(),
  }),
  handle: (context, req): DescribeClusterReleasesResponse => {
    requireStandardCluster(req.ClusterType, req.ClusterId);
    const cluster = requireCluster(context, req.ClusterId);
    const matching = cluster.releases.filter(
      (r) =>
        context.state.releaseList(r) === 'installed' &&
        (req.Namespace === undefined || r.namespace === req.Namespace) &&
        (req.ReleaseName === undefined || r.name === req.ReleaseName) &&
        (req.ChartName === undefined || r.chartName === req.ChartName),
    );
    return releasePage(req, matching, (r) => releaseView(context.state, r));
  },
});

/** One page of releases as both list actions answer it (Limit 20 by default). */
function releasePage<T>(req: { Limit?: number | undefined; Offset?: number | undefined }, releases: ReleaseRecord[], view: (release: ReleaseRecord) => T) {
  const limit = req.Limit ?? 20;
  const offset = req.Offset ?? 0;
  return { Limit: limit, Offset: offset, Total: releases.length, ReleaseSet: page(releases, offset, limit).map(view) };
}

/** TKE's view of a release it is still installing, or failed to install before Helm recorded it. */
function pendingView(state: EmulatorState, release: ReleaseRecord): PendingRelease {
  const { status, updatedAt } = releaseState(state, release);
  return {
    ID: release.releaseId,
    Name: release.name,
    Namespace: release.namespace,
    Status: status,
    Condition: status === 'failed' ? (release.failure ?? '') : '',
    CreatedTime: isoTime(release.createdAt),
    UpdatedTime: isoTime(updatedAt),
  };
}

export const describeClusterPendingReleases = defineAction({
  service: 'tke',
  action: 'DescribeClusterPendingReleases',
  schema: z.object({
    ClusterId: z.string(),
    Limit: limitSchema,
    Offset: offsetSchema,
    // The SDK documents tke, eks and external here.
    ClusterType: z.enum(['tke', 'eks', 'external']).optional(),
  }),
  handle: (context, req): DescribeClusterPendingReleasesResponse => {
    requireStandardCluster(req.ClusterType, req.ClusterId);
    const cluster = requireCluster(context, req.ClusterId);
    const pending = cluster.releases.filter((r) => context.state.releaseList(r) === 'pending');
    return releasePage(req, pending, (r) => pendingView(context.state, r));
  },
});
