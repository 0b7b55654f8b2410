import { messageUrl } from '../views/cluster-format.js';
import type { ClusterListItem } from '../views/cluster-list.js';
import type { ClusterOverviewInput } from '../views/cluster-overview.js';
import type { ClusterHeader, ClusterRootInput } from '../views/cluster-root.js';
import { endedAt, percentDone, provisioningSteps } from './cluster-steps.js';
import { createdWorkerPools, deletionSummary } from './deletion-rules.js';
import type { ClusterRecord } from './domain/index.js';

/** Turns a cluster record into what the cluster views show; pure, `now` and the account name come in. */

/** Time since Deploy, stopped where the cluster ended (see endedAt): once Running, the total provisioning time. */
export function elapsedMs(record: ClusterRecord, now: Date): number {
  const end = endedAt(record);
  return (end ? Date.parse(end) : now.getTime()) - Date.parse(record.createdAt);
}

export function clusterHeader(record: ClusterRecord, accountName: string): ClusterHeader {
  return {
    id: record.id,
    name: record.spec.name,
    status: record.status,
    profile: record.spec.profile,
    region: record.spec.region,
    accountName,
    requestedBy: record.requestedBy,
  };
}

export function rootInput(record: ClusterRecord, now: Date, accountName: string): ClusterRootInput {
  const deletion = deletionSummary(record, now);
  const steps = provisioningSteps(record);
  return {
    ...clusterHeader(record, accountName),
    percent: percentDone(steps),
    elapsedMs: elapsedMs(record, now),
    startedAt: record.createdAt,
    ...(record.failure ? { failure: record.failure } : {}),
    ...(deletion ? { deletion } : {}),
    ...(record.deletion?.forceFound ? { forceFound: record.deletion.forceFound } : {}),
  };
}

/** Whether any endpoint was asked of Tencent (the private one comes first; the public one alone for Public access). */
const endpointRequested = (progress: ClusterRecord['progress']): boolean =>
  Boolean(progress.privateEndpointRequestedAt ?? progress.publicEndpointRequestedAt ?? progress.endpointReadyAt);

export function overviewInput(record: ClusterRecord, now: Date, accountName: string): ClusterOverviewInput {
  const steps = provisioningSteps(record);
  const deletion = deletionSummary(record, now);
  const created = new Set(createdWorkerPools(record).map((pool) => pool.name));
  return {
    ...clusterHeader(record, accountName),
    ...(record.tkeClusterId ? { tkeClusterId: record.tkeClusterId } : {}),
    createdAt: record.createdAt,
    steps,
    percent: percentDone(steps),
    elapsedMs: elapsedMs(record, now),
    pools: record.spec.workerPools.map((pool) => {
      const progress = record.progress.pools.find((p) => p.name === pool.name);
      return {
        ...pool,
        ready: progress?.readyAt !== undefined,
        created: created.has(pool.name),
        ...(progress?.readyNodes !== undefined ? { readyNodes: progress.readyNodes } : {}),
      };
    }),
    endpoint: {
      access: record.spec.endpointAccess,
      cidrs: record.spec.publicCidrs,
      ready: record.progress.endpointReadyAt !== undefined,
      created: endpointRequested(record.progress),
    },
    ...(record.thread ? { threadUrl: messageUrl(record.thread.channel, record.thread.ts) } : {}),
    ...(record.failure ? { failure: record.failure } : {}),
    ...(deletion ? { deletionSummary: deletion } : {}),
    ...(record.deletion?.forceFound ? { forceFound: record.deletion.forceFound } : {}),
  };
}

export function listItem(record: ClusterRecord): ClusterListItem {
  return {
    name: record.spec.name,
    status: record.status,
    region: record.spec.region,
    profile: record.spec.profile,
    percent: percentDone(provisioningSteps(record)),
    ...(record.thread ? { thread: record.thread } : {}),
  };
}
