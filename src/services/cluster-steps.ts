import type { ClusterRecord } from './domain/index.js';

/**
 * The provisioning steps of a cluster, in the order the thread reports them. The keys double as
 * the provisioning thread's step keys (the record's `posted` list), so each step is posted once.
 */
export interface ProvisioningStep {
  key: string;
  label: string;
  /** When the step finished (ISO time); absent while pending. */
  doneAt?: string;
}

/** Step keys of the transient-error warnings (they are numbered, see StepKeys.transient). */
export const TRANSIENT_STEP_PREFIX = 'transient-';

export const StepKeys = {
  created: 'created',
  controlPlane: 'control-plane',
  endpoint: 'endpoint',
  pool: (name: string) => `pool:${name}`,
  addons: 'addons',
  ready: 'ready',
  failed: 'failed',
  /** The n-th warning that Tencent keeps failing with a transient error. */
  transient: (n: number) => `${TRANSIENT_STEP_PREFIX}${n}`,
} as const;

const when = (doneAt: string | undefined) => (doneAt === undefined ? {} : { doneAt });

/** Add-on packs Deploy planned for the cluster (from its profile); without any, there is no add-on step. */
export function plannedAddons(record: ClusterRecord): string[] {
  return record.plan?.addons.map((addon) => addon.name) ?? [];
}

export function provisioningSteps(record: ClusterRecord): ProvisioningStep[] {
  const { progress } = record;
  const addons = plannedAddons(record);
  return [
    { key: StepKeys.created, label: 'Cluster created', ...when(record.tkeClusterId ? record.createdAt : undefined) },
    { key: StepKeys.controlPlane, label: 'Control plane running', ...when(progress.controlPlaneRunningAt) },
    { key: StepKeys.endpoint, label: 'Endpoint ready', ...when(progress.endpointReadyAt) },
    ...record.spec.workerPools.map((pool) => ({
      key: StepKeys.pool(pool.name),
      label: `Worker pool ${pool.name} ready`,
      ...when(progress.pools.find((p) => p.name === pool.name)?.readyAt),
    })),
    ...(addons.length > 0 ? [{ key: StepKeys.addons, label: `Add-ons installed (${addons.join(', ')})`, ...when(progress.addonsReadyAt) }] : []),
    { key: StepKeys.ready, label: 'Cluster ready', ...when(progress.readyAt) },
  ];
}

/**
 * When the cluster's provisioning or deletion ended (ISO time): ready, failed, deleted or force
 * deleted. The root message, the overview and the deletion summary all stop their clocks here;
 * undefined while something is under way (or for a record written before the time was kept).
 */
export function endedAt(record: Pick<ClusterRecord, 'status' | 'progress' | 'failedAt' | 'deletion'>): string | undefined {
  switch (record.status) {
    case 'Running':
      return record.progress.readyAt;
    case 'Failed':
      return record.failedAt;
    case 'Deleted':
      return record.deletion?.deletedAt;
    case 'DeletedForced':
      return record.deletion?.forcedAt;
    default:
      return undefined;
  }
}

/** Share of steps done, 0–100. */
export function percentDone(steps: readonly ProvisioningStep[]): number {
  if (steps.length === 0) return 0;
  return Math.round((steps.filter((s) => s.doneAt !== undefined).length / steps.length) * 100);
}
