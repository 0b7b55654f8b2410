import type { ThreadReply } from '../lifecycle/events.js';
import type { Lifecycle, LifecycleDeps, Operation } from '../lifecycle/operation.js';
import { failedReply, RunnerKeys, TRANSIENT_STEP_PREFIX } from '../lifecycle/operation.js';
import { advanceOperation, type StepsOutcome } from '../lifecycle/runner.js';
import { isGone, STATES, transition } from '../lifecycle/states.js';
import { CheckError, during, retriedNextTick } from '../lifecycle/tencent-calls.js';
import type { AccountService } from './accounts.js';
import type { Clock } from './clock.js';
import { TKEOPS_TAG_KEY } from './domain/rules.js';
import type { Logger } from './logger.js';
import type { ClusterRecord } from './domain/index.js';
import type { ClusterRepository, ClusterWrite } from './repositories/repositories.js';
import { failureOf } from './tencent-failure.js';
import type { ProvisioningThreads } from './threads.js';
import type { TkeCluster, TkeGateway, TkeTarget } from './tke.js';

export { CLUSTER_BUSY_GIVE_UP_MS } from '../lifecycle/tencent-calls.js';

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
/** Waits between announce attempts for a cluster whose root message Slack refused: doubling from the first, capped. */
export const ANNOUNCE_RETRY = { firstMs: 30_000, maxMs: 30 * 60_000 };

export interface WatcherDeps {
  /** The watcher's reads (the clusters not gone) and its one write per tick (changes, step claims and audit together). */
  clusters: Pick<ClusterRepository, 'list' | 'updateMany'>;
  tke: Pick<TkeGateway, 'describeClusters'>;
  accounts: Pick<AccountService, 'credentialFor'>;
  threads: ProvisioningThreads;
  clock: Clock;
  logger: Logger;
  /** The operations the watcher runs (defaultLifecycle in production) and what their steps use. */
  lifecycle: Lifecycle;
  steps: LifecycleDeps;
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
   * One pass over every watched cluster. Never throws; problems are logged and
   * isolated. Never waits for Slack: replies and root edits are queued, and the root message of
   * a cluster without a thread is posted in the background (see ProvisioningThreads.idle).
   */
  tick(now?: Date): Promise<TickReport>;
}

type Observation = { tencent: TkeCluster | undefined; target: TkeTarget } | { error: unknown };

interface Result {
  record: ClusterRecord;
  outcome: StepsOutcome;
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

/** Every status but the gone ones: the watcher never looks at a deleted cluster again. */
const LIVE = STATES.filter((status) => !isGone(status));

/** The outcomes of a cluster's operations in one tick, as one: changes in order, replies and audit entries joined, the first failure. */
function combined(outcomes: readonly StepsOutcome[]): StepsOutcome {
  if (outcomes.length === 1) return outcomes[0] as StepsOutcome;
  const changes = outcomes.flatMap((o) => (o.change ? [o.change] : []));
  const replies = outcomes.flatMap((o) => o.replies ?? []);
  const audit = outcomes.flatMap((o) => o.audit ?? []);
  const fail = outcomes.find((o) => o.fail)?.fail;
  return {
    ...(changes.length > 0 ? { change: (r: ClusterRecord) => changes.forEach((c) => c(r)) } : {}),
    ...(replies.length > 0 ? { replies } : {}),
    ...(audit.length > 0 ? { audit } : {}),
    ...(fail ? { fail } : {}),
  };
}

export function createWatcher(deps: WatcherDeps): Watcher {
  /** A cluster without a TKE id is looked up by its tag only once Deploy had time to store the id. */
  /** Every operation that follows the cluster now, in table order (a Running cluster may have an expiry and a day-two change at once). */
  const operationsFor = (c: ClusterRecord) => deps.lifecycle.operations.filter((op) => op.watches.includes(c.status) && (op.watchedWhen?.(c) ?? true));
  const watched = (c: ClusterRecord, now: Date) =>
    operationsFor(c).length > 0 &&
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

  async function runSteps(operation: Operation, record: ClusterRecord, observation: Observation, now: Date): Promise<StepsOutcome> {
    if ('error' in observation) throw observation.error;
    const outcome = await advanceOperation(operation, { record, tencent: observation.tencent, target: observation.target, now, deps: deps.steps });
    if (outcome.fail) return outcome;
    if (outcome.error !== undefined) {
      const handled = errorOutcome(operation, record, outcome.error, now);
      const changes = [outcome.change, handled.change].filter((c) => c !== undefined);
      const replies = [...(outcome.replies ?? []), ...(handled.replies ?? [])];
      return {
        ...(changes.length > 0 ? { change: (r: ClusterRecord) => changes.forEach((c) => c(r)) } : {}),
        ...(replies.length > 0 ? { replies } : {}),
        ...(outcome.audit ? { audit: outcome.audit } : {}),
        ...(handled.fail ? { fail: handled.fail } : {}),
      };
    }
    if (record.transientErrors === 0) return outcome;
    const change = outcome.change;
    return { ...outcome, change: (r) => { change?.(r); r.transientErrors = 0; } };
  }

  /** Turns an error into an outcome: transient ones are counted (and told after a while); others fail the cluster. */
  function errorOutcome(operation: Operation | undefined, record: ClusterRecord, error: unknown, now: Date): StepsOutcome {
    const action = error instanceof CheckError ? error.action : undefined;
    const cause = error instanceof CheckError ? error.error : error;
    // An operation that never fails (deletion: the cluster stays Deleting, so force delete stays
    // reachable) tells a lasting error in the thread like a transient one.
    if (!retriedNextTick(error, record, now) && operation?.failsOnError !== false) return { fail: failureOf(cause, action) };
    const failure = failureOf(cause, action);
    const count = record.transientErrors + 1;
    deps.logger.warn({ clusterId: record.id, code: failure.code, action, ticks: count }, 'watcher: transient error, retrying next tick');
    const warnings = record.posted.filter((key) => key.startsWith(TRANSIENT_STEP_PREFIX)).length;
    return {
      change: (r) => (r.transientErrors = count),
      ...(count === TRANSIENT_TICKS ? { replies: [{ key: RunnerKeys.transient(warnings + 1), event: { kind: 'transientErrors', failure, ticks: count } }] } : {}),
    };
  }

  /**
   * Applies every outcome in one write (ClusterRepository.updateMany): each change, its audit
   * entries and the claims of its replies together; returns the replies claimed per thread.
   */
  async function apply(results: Result[], now: Date) {
    const written = await deps.clusters.updateMany(
      results.map(({ record: seen, outcome }) => ({
        id: seen.id,
        apply: (record: ClusterRecord, write: ClusterWrite) => {
          const replies: ThreadReply[] = [];
          if (record.status !== seen.status) {
            // The status changed meanwhile (a delete was requested, or a step recorded its own
            // failure): this tick's view is stale; only a recorded failure is still told.
            if (record.status === 'Failed' && record.failure) replies.push(failedReply(deps.lifecycle, record, record.failure));
          } else {
            outcome.change?.(record);
            write.audit(...(outcome.audit ?? []));
            replies.push(...(outcome.replies ?? []));
          }
          if (outcome.fail && record.status === seen.status) {
            transition(record, 'Failed', now.toISOString());
            record.failure = outcome.fail;
            record.transientErrors = 0;
            replies.push(failedReply(deps.lifecycle, record, outcome.fail));
          }
          return record.thread ? { thread: record.thread, replies: replies.filter((r) => write.claim(r.key)) } : undefined;
        },
      })),
    );
    return written.flatMap(({ cluster, result }) => (result ? [{ clusterId: cluster.id, ...result }] : []));
  }

  return {
    async tick(now = deps.clock.now()) {
      const started = performance.now();
      const live = await deps.clusters.list({ status: LIVE });
      const records = live.filter((c) => watched(c, now));
      const unannounced = live.filter(needsThread).map((c) => c.id);
      // Clusters without a thread (Slack refused the root, or a crash right after Deploy) get it
      // in the background and are followed meanwhile; their replies wait for the thread.
      announceInBackground(unannounced, now);
      const { observations, calls } = await observe(records);

      const results: Result[] = [];
      await forEachLimited(records, WATCH_CONCURRENCY, async (record) => {
        const observation = observations.get(record.id) ?? { error: new Error('not observed') };
        const outcomes: StepsOutcome[] = [];
        for (const operation of operationsFor(record)) {
          let outcome: StepsOutcome;
          try {
            outcome = await runSteps(operation, record, observation, now);
          } catch (error) {
            outcome = errorOutcome(operation, record, error, now);
          }
          outcomes.push(outcome);
          // The observation failed for every operation alike, and a failure ends the cluster's pass.
          if (outcome.fail || 'error' in observation) break;
        }
        const outcome = combined(outcomes);
        // Replies alone are worth a store write only when they can be posted.
        const replies = record.thread ? (outcome.replies?.length ?? 0) : 0;
        if (outcome.change || replies > 0 || outcome.fail) results.push({ record, outcome });
      });

      let replies = 0;
      let failed = 0;
      if (results.length > 0) {
        const deliveries = await apply(results, now);
        for (const delivery of deliveries) {
          deps.threads.deliver(delivery.thread, delivery.replies, delivery.clusterId);
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
