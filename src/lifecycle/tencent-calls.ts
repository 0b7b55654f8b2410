import type { ClusterRecord } from '../services/domain/index.js';
import { TencentError } from '../services/tke.js';

/**
 * Create calls TKE may refuse with ResourceUnavailable.ClusterState although the cluster is
 * Running (it is busy with another change, such as an endpoint being built); Terraform retries
 * CreateClusterEndpoint on that code. From these steps it means "try again next tick".
 */
const RETRIED_WHILE_CLUSTER_BUSY = new Set(['CreateClusterEndpoint', 'ModifyClusterEndpointSP', 'CreateClusterNodePool', 'CreateClusterRelease']);
const CLUSTER_BUSY = 'ResourceUnavailable.ClusterState';
/** How long after the control plane came up TKE may go on answering "busy" before the cluster fails. */
export const CLUSTER_BUSY_GIVE_UP_MS = 30 * 60_000;

/** A Tencent call made by a step failed; `action` names it for the thread. */
export class CheckError extends Error {
  constructor(
    readonly action: string,
    readonly error: TencentError,
  ) {
    super(`${action}: ${error.message}`);
    this.name = 'CheckError';
  }
}

/** Runs a Tencent call inside a step, naming the action if it fails. */
export async function during<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof TencentError ? new CheckError(action, error) : error;
  }
}

/**
 * Whether the watcher counts this error and tries again next tick instead of failing the cluster:
 * a transient error, or TKE busy with a Running cluster during a create step (for a while).
 */
export function retriedNextTick(error: unknown, record: Pick<ClusterRecord, 'progress'>, now: Date): boolean {
  const action = error instanceof CheckError ? error.action : undefined;
  const cause = error instanceof CheckError ? error.error : error;
  if (!(cause instanceof TencentError)) return true;
  if (cause.transient) return true;
  if (cause.code !== CLUSTER_BUSY || action === undefined || !RETRIED_WHILE_CLUSTER_BUSY.has(action)) return false;
  const runningAt = record.progress.controlPlaneRunningAt;
  return runningAt === undefined || now.getTime() - Date.parse(runningAt) < CLUSTER_BUSY_GIVE_UP_MS;
}
