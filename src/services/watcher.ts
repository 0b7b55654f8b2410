import type { AccountService } from './accounts.js';
import type { Clock } from './clock.js';
import { TKEOPS_TAG_KEY } from './cluster-spec.js';
import { StepKeys, TRANSIENT_STEP_PREFIX } from './cluster-steps.js';
import { isGone } from './deletion-rules.js';
import type { Logger } from './logger.js';
import type { AuditEntry, ClusterRecord, ClusterStatus, StoreData, TencentFailure } from './store-schema.js';
import type { Store } from './store.js';
import { failureOf } from './tencent-failure.js';
import { claimStep, type ProvisioningThreads, type ThreadReply, type ThreadRef } from './threads.js';
import { TencentError, type TkeCluster, type TkeGateway, type TkeTarget } from './tke.js';
import { threadReplies } from '../views/cluster-thread.js';

/** DescribeClusters takes at most 100 ClusterIds. */
export const DESCRIBE_BATCH = 100;
/** Consecutive ticks a transient Tencent error may last before the thread hears about it. */
export const TRANSIENT_TICKS = 4;
/** Account/region batches, and clusters, handled at once. */
const WATCH_CONCURRENCY = 16;
/**
 * How long a cluster may stay Creating without a TKE cluster id before the watcher looks for it
 * at Tencent by its tkeops tag. Deploy's own calls are over by then even at their slowest
 * (DescribeSubnets: 4 tries with a 30 s timeout; CreateCluster: one try, 30 s), so a record
 * still without an id means the app died around CreateCluster.
 */
export const CREATE_OUTCOME_AFTER_MS = 3 * 60_000;
/**
 * Create calls TKE may refuse with ResourceUnavailable.ClusterState although the cluster is
 * Running (it is busy with another change, such as an endpoint being built); Terraform retries
 * CreateClusterEndpoint on that code. From these steps it means "try again next tick".
 */
const RETRIED_WHILE_CLUSTER_BUSY = new Set(['CreateClusterEndpoint', 'ModifyClusterEndpointSP', 'CreateClusterNodePool', 'CreateClusterRelease']);
const CLUSTER_BUSY = 'ResourceUnavailable.ClusterState';
/** How long after the control plane came up TKE may go on answering "busy" before the cluster fails. */
export const CLUSTER_BUSY_GIVE_UP_MS = 30 * 60_000;

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

/** Waits between announce attempts for a cluster whose root message Slack refused: doubling from the first, capped. */
export const ANNOUNCE_RETRY = { firstMs: 30_000, maxMs: 30 * 60_000 };

/** What a check sees of one watched cluster in this tick. */
export interface WatchContext {
  /** The record as read at the start of the tick. */
  record: ClusterRecord;
  /**
   * What DescribeClusters answered for it; undefined when Tencent does not have the cluster. For a
   * record without a TKE cluster id: the cluster Tencent has with its tkeops tag, if any.
   */
  tencent: TkeCluster | undefined;
  target: TkeTarget;
  now: Date;
}

/** What a check found. Nothing (or `{}`) means nothing changed: no store write, no Slack call. */
export interface CheckOutcome {
  /** Applied to the current record in the tick's one store write. */
  change?: (record: ClusterRecord) => void;
  /** Thread replies, in order; each step key is posted once. */
  replies?: ThreadReply[];
  /** Ends watching: status Failed, the failure on the root message and in the thread. */
  fail?: TencentFailure;
  /** Audit entries written with `change`, in the same store write (dropped with it when the view is stale). */
  audit?: AuditEntry[];
  /**
   * The check stopped on this error; what it saw before still counts. Transient errors are
   * counted and retried next tick, other Tencent errors fail the cluster.
   */
  error?: unknown;
}

/**
 * One small step function per tracked status (Creating, Provisioning, Deleting). Checks of one
 * status run in order; a thrown TencentError is handled by the watcher (transient: counted and
 * retried; otherwise the cluster fails).
 */
export type ClusterCheck = (context: WatchContext) => Promise<CheckOutcome | undefined>;
export type WatchChecks = Partial<Record<ClusterStatus, readonly ClusterCheck[]>>;

/** A Tencent call made by a check failed; `action` names it for the thread. */
export class CheckError extends Error {
  constructor(
    readonly action: string,
    readonly error: TencentError,
  ) {
    super(`${action}: ${error.message}`);
    this.name = 'CheckError';
  }
}

/** Runs a Tencent call inside a check, naming the action if it fails. */
export async function during<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof TencentError ? new CheckError(action, error) : error;
  }
}

export interface WatcherDeps {
  store: Store;
  tke: Pick<TkeGateway, 'describeClusters'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  threads: ProvisioningThreads;
  clock: Clock;
  logger: Logger;
  checks: WatchChecks;
}

export interface TickReport {
  watched: number;
  describeCalls: number;
  /** Clusters whose record changed. */
  changed: number;
  /** Thread replies queued. */
  replies: number;
  failed: number;
  durationMs: number;
}

export interface Watcher {
  /**
   * One pass over every watched cluster in the store. Never throws; problems are logged and
   * isolated. Never waits for Slack: replies and root edits are queued, and the root message of
   * a cluster without a thread is posted in the background (see ProvisioningThreads.idle).
   */
  tick(now?: Date): Promise<TickReport>;
}

type Observation = { tencent: TkeCluster | undefined; target: TkeTarget } | { error: unknown };

interface Result {
  record: ClusterRecord;
  outcome: CheckOutcome;
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

export function createWatcher(deps: WatcherDeps): Watcher {
  /** A cluster without a TKE id is looked up by its tag only once Deploy had time to store the id. */
  const watched = (c: ClusterRecord, now: Date) =>
    (deps.checks[c.status]?.length ?? 0) > 0 &&
    (c.tkeClusterId !== undefined || now.getTime() - Date.parse(c.createdAt) >= CREATE_OUTCOME_AFTER_MS);
  /** Clusters whose root message should be (re)tried: not while Deploy is still creating them, not once gone. */
  const needsThread = (c: ClusterRecord) => !c.thread && c.status !== 'Creating' && !isGone(c.status);

  /** Announces under way, and when a refused one may be tried again. */
  const announcing = new Set<string>();
  const announceFailures = new Map<string, { failures: number; retryAt: number }>();

  /** Posts the root messages due in the background: a tick never waits for Slack. */
  function announceInBackground(clusterIds: readonly string[], now: Date): void {
    const due = new Set(clusterIds);
    for (const id of announceFailures.keys()) if (!due.has(id)) announceFailures.delete(id);
    for (const id of due) {
      const failed = announceFailures.get(id);
      if (announcing.has(id) || (failed && now.getTime() < failed.retryAt)) continue;
      announcing.add(id);
      void deps.threads
        .announce(id)
        .catch((error: unknown) => {
          deps.logger.error({ clusterId: id, err: (error as Error).message }, 'watcher: could not open the provisioning thread');
          return false;
        })
        .then((opened) => {
          if (opened) {
            announceFailures.delete(id);
            return;
          }
          const failures = (failed?.failures ?? 0) + 1;
          const waitMs = Math.min(ANNOUNCE_RETRY.firstMs * 2 ** (failures - 1), ANNOUNCE_RETRY.maxMs);
          announceFailures.set(id, { failures, retryAt: deps.clock.now().getTime() + waitMs });
          deps.logger.warn({ clusterId: id, failures, retryInMs: waitMs }, 'watcher: Slack did not take the root message; the cluster is followed anyway');
        })
        .finally(() => announcing.delete(id));
    }
  }

  /** DescribeClusters without ids, for the clusters Tencent may have under their tkeops tag. */
  async function findByTag(target: TkeTarget, records: ClusterRecord[]): Promise<Map<string, TkeCluster>> {
    const wanted = new Set(records.map((r) => r.id));
    const found = new Map<string, TkeCluster>();
    for (const cluster of await deps.tke.describeClusters(target, [])) {
      const tag = cluster.tags.find((t) => t.key === TKEOPS_TAG_KEY && wanted.has(t.value));
      if (tag) found.set(tag.value, cluster);
    }
    return found;
  }

  /**
   * Batched DescribeClusters: one call per account, region and 100 clusters; clusters without a
   * TKE id (rare: a crash around CreateCluster) cost one listing per account and region.
   */
  async function observe(records: ClusterRecord[]): Promise<{ observations: Map<string, Observation>; calls: number }> {
    const observations = new Map<string, Observation>();
    let calls = 0;
    const batches = groupBy(records, (r) => `${r.spec.accountId}\u0000${r.spec.region}`);
    await forEachLimited(batches, WATCH_CONCURRENCY, async (batch) => {
      const first = batch[0] as ClusterRecord;
      let target: TkeTarget;
      try {
        target = { credential: deps.accounts.credentialFor(first.spec.accountId), region: first.spec.region };
      } catch (error) {
        deps.logger.warn({ accountId: first.spec.accountId, err: (error as Error).message }, 'watcher: no credential for a cloud account');
        for (const r of batch) observations.set(r.id, { error });
        return;
      }
      const untracked = batch.filter((r) => r.tkeClusterId === undefined);
      if (untracked.length > 0) {
        calls += 1;
        try {
          const byTag = await during('DescribeClusters', () => findByTag(target, untracked));
          for (const r of untracked) observations.set(r.id, { tencent: byTag.get(r.id), target });
        } catch (error) {
          for (const r of untracked) observations.set(r.id, { error });
        }
      }
      const tracked = batch.filter((r) => r.tkeClusterId !== undefined);
      for (let i = 0; i < tracked.length; i += DESCRIBE_BATCH) {
        const chunk = tracked.slice(i, i + DESCRIBE_BATCH);
        calls += 1;
        try {
          const found = await during('DescribeClusters', () => deps.tke.describeClusters(target, chunk.map((r) => r.tkeClusterId as string)));
          const byId = new Map(found.map((c) => [c.clusterId, c]));
          for (const r of chunk) observations.set(r.id, { tencent: byId.get(r.tkeClusterId as string), target });
        } catch (error) {
          for (const r of chunk) observations.set(r.id, { error });
        }
      }
    });
    return { observations, calls };
  }

  async function runChecks(record: ClusterRecord, observation: Observation, now: Date): Promise<CheckOutcome> {
    if ('error' in observation) throw observation.error;
    const context: WatchContext = { record, tencent: observation.tencent, target: observation.target, now };
    const replies: ThreadReply[] = [];
    const changes: ((r: ClusterRecord) => void)[] = [];
    const audit: AuditEntry[] = [];
    const combined = (fail?: TencentFailure): CheckOutcome => ({
      ...(changes.length > 0 ? { change: (r: ClusterRecord) => changes.forEach((c) => c(r)) } : {}),
      ...(replies.length > 0 ? { replies } : {}),
      ...(audit.length > 0 ? { audit } : {}),
      ...(fail ? { fail } : {}),
    });
    for (const check of deps.checks[record.status] ?? []) {
      const outcome = await check(context);
      if (outcome?.change) changes.push(outcome.change);
      if (outcome?.replies) replies.push(...outcome.replies);
      if (outcome?.audit) audit.push(...outcome.audit);
      if (outcome?.fail) return combined(outcome.fail);
      if (outcome?.error !== undefined) {
        const handled = errorOutcome(record, outcome.error, context.now);
        if (handled.change) changes.push(handled.change);
        if (handled.replies) replies.push(...handled.replies);
        return combined(handled.fail);
      }
    }
    if (record.transientErrors > 0) changes.push((r) => (r.transientErrors = 0));
    return combined();
  }

  /** Turns an error into an outcome: transient ones are counted (and told after a while); others fail the cluster. */
  function errorOutcome(record: ClusterRecord, error: unknown, now: Date): CheckOutcome {
    const action = error instanceof CheckError ? error.action : undefined;
    const cause = error instanceof CheckError ? error.error : error;
    // A deletion is never turned into a failure: the cluster stays Deleting (so force delete stays
    // reachable) and a lasting error is told in the thread like a transient one.
    if (!retriedNextTick(error, record, now) && record.status !== 'Deleting') return { fail: failureOf(cause, action) };
    const failure = failureOf(cause, action);
    const count = record.transientErrors + 1;
    deps.logger.warn({ clusterId: record.id, code: failure.code, action, ticks: count }, 'watcher: transient error, retrying next tick');
    const warnings = record.posted.filter((key) => key.startsWith(TRANSIENT_STEP_PREFIX)).length;
    return {
      change: (r) => (r.transientErrors = count),
      ...(count === TRANSIENT_TICKS ? { replies: [{ key: StepKeys.transient(warnings + 1), text: threadReplies.transient(failure, count) }] } : {}),
    };
  }

  /** Applies every outcome in one store write; returns the replies claimed per thread. */
  async function apply(results: Result[], now: Date) {
    return deps.store.update((data: StoreData) => {
      const deliveries: { clusterId: string; thread: ThreadRef; replies: ThreadReply[] }[] = [];
      for (const { record: seen, outcome } of results) {
        const record = data.clusters.find((c) => c.id === seen.id);
        if (!record) continue;
        const replies: ThreadReply[] = [];
        if (record.status !== seen.status) {
          // The status changed meanwhile (a delete was requested, or a step recorded its own
          // failure): this tick's view is stale; only a recorded failure is still told.
          if (record.status === 'Failed' && record.failure) replies.push({ key: StepKeys.failed, text: threadReplies.failed(record.failure) });
        } else {
          outcome.change?.(record);
          data.audit.push(...(outcome.audit ?? []));
          replies.push(...(outcome.replies ?? []));
        }
        if (outcome.fail && record.status === seen.status) {
          record.status = 'Failed';
          record.failure = outcome.fail;
          record.failedAt = now.toISOString();
          record.transientErrors = 0;
          replies.push({ key: StepKeys.failed, text: threadReplies.failed(outcome.fail) });
        }
        const claimed = record.thread ? replies.filter((r) => claimStep(record, r.key)) : [];
        if (record.thread) deliveries.push({ clusterId: record.id, thread: record.thread, replies: claimed });
      }
      return deliveries;
    });
  }

  return {
    async tick(now = deps.clock.now()) {
      const started = performance.now();
      const { records, unannounced } = deps.store.read((data) => ({
        records: data.clusters.filter((c) => watched(c, now)),
        unannounced: data.clusters.filter(needsThread).map((c) => c.id),
      }));
      // Clusters without a thread (Slack refused the root, or a crash right after Deploy) get it
      // in the background and are followed meanwhile; their replies wait for the thread.
      announceInBackground(unannounced, now);
      const { observations, calls } = await observe(records);

      const results: Result[] = [];
      await forEachLimited(records, WATCH_CONCURRENCY, async (record) => {
        const observation = observations.get(record.id) ?? { error: new Error('not observed') };
        let outcome: CheckOutcome;
        try {
          outcome = await runChecks(record, observation, now);
        } catch (error) {
          outcome = errorOutcome(record, error, now);
        }
        // Replies alone are worth a store write only when they can be posted.
        const replies = record.thread ? (outcome.replies?.length ?? 0) : 0;
        if (outcome.change || replies > 0 || outcome.fail) results.push({ record, outcome });
      });

      let replies = 0;
      let failed = 0;
      if (results.length > 0) {
        const deliveries = await apply(results, now);
        for (const delivery of deliveries) {
          deps.threads.deliver(delivery.thread, delivery.replies);
          replies += delivery.replies.length;
          if (delivery.replies.length > 0) deps.threads.refreshRoot(delivery.clusterId);
        }
        failed = results.filter((r) => r.outcome.fail).length;
      }
      const report: TickReport = {
        watched: records.length,
        describeCalls: calls,
        changed: results.length,
        replies,
        failed,
        durationMs: performance.now() - started,
      };
      if (results.length > 0) deps.logger.info(report, 'watcher tick');
      else deps.logger.debug(report, 'watcher tick');
      return report;
    },
  };
}
