import type { KnownBlock } from '@slack/types';
import { clusterRootMessage } from '../views/cluster-root.js';
import { threadReplies } from '../views/cluster-thread.js';
import type { AccountService } from './accounts.js';
import type { Clock } from './clock.js';
import { plannedAddons, StepKeys } from './cluster-steps.js';
import { rootInput } from './cluster-summary.js';
import type { Logger } from './logger.js';
import type { SlackOutbox } from './slack-outbox.js';
import type { ClusterRecord, StoreData } from './store-schema.js';
import type { Store } from './store.js';

/**
 * The provisioning thread: one root message per cluster in its channel, edited in place, and one
 * reply per step.
 *
 * At most once, and the crash window: a step key is added to the record's `posted` list in the
 * same store write that records the change it reports, and only then is the reply queued. A
 * restart can therefore never post a step twice; a crash between that write and Slack accepting
 * the reply loses that one reply. We prefer a missing line to a duplicate one: the root message
 * and the overview are rebuilt from the record, so they still tell the truth. On a normal stop
 * the outbox is drained first, so only a hard kill can lose a reply this way. Slack itself can
 * lose one too: the outbox never posts a message again after a timeout or an HTTP 5xx (Slack may
 * have posted it), so a timeout may lose a line, never repeat one.
 *
 * The root message is posted the same way. Its ts is stored as soon as Slack returns it; when no
 * answer comes (timeout, 5xx) the record gets `threadLostAt` and no root is ever posted again for
 * it: the cluster has no thread (it is still provisioned, `/tke status` shows it), and the channel
 * shows either nothing or a root message that stays at its first state. Only a kill between
 * Slack's answer and the store write can still post a second root.
 *
 * A cluster without a thread (Slack refused its root message, e.g. the bot is not in the channel)
 * is still provisioned; nothing is claimed for it, since nothing can be posted. When its root
 * message finally goes out, the thread gets every step the record shows as done (repliesDue),
 * claimed in the same store write that stores the root's ts.
 */

export interface ThreadReply {
  /** Step key, unique within the cluster (see StepKeys). */
  key: string;
  text: string;
  blocks?: KnownBlock[];
}

export interface ThreadRef {
  channel: string;
  ts: string;
}

export interface ProvisioningThreads {
  /**
   * Posts the root message in the cluster's channel and stores its ts, then the replies already
   * due (every step the record shows as done, or its failure). Does nothing twice; resolves true
   * once the thread exists or is lost (the root was sent but Slack did not answer: never posted
   * again), false if Slack refused the root message (e.g. `not_in_channel`: the bot must be
   * invited) or could not be reached, so it may be tried again.
   */
  announce(clusterId: string): Promise<boolean>;
  /** Posts one reply in the cluster's thread unless that step was already posted. Resolves false if it was (or there is no thread yet). */
  reply(clusterId: string, stepKey: string, message: string | Omit<ThreadReply, 'key'>): Promise<boolean>;
  /** Queues replies whose keys the caller already claimed (with claimStep) in its own store write. */
  deliver(thread: ThreadRef, replies: readonly ThreadReply[]): void;
  /** Edits the root message to the record's current state (edits waiting in the queue collapse into one). */
  refreshRoot(clusterId: string): void;
  /** Resolves once every announce under way has finished and every queued message has been sent. */
  idle(): Promise<void>;
}

/** Marks a step as posted in the record; false when it already was. Call inside store.update. */
export function claimStep(record: ClusterRecord, key: string): boolean {
  if (record.posted.includes(key)) return false;
  record.posted.push(key);
  return true;
}

export interface ThreadsDeps {
  store: Store;
  accounts: Pick<AccountService, 'nameOf'>;
  outbox: SlackOutbox;
  clock: Clock;
  logger: Logger;
}

const findCluster = (data: Readonly<StoreData>, id: string) => data.clusters.find((c) => c.id === id);

/**
 * The provisioning replies the record shows as due, in step order, with the texts the watcher
 * posts when it sees each step happen. A thread opened late gets them all at once.
 */
export function repliesDue(record: ClusterRecord): ThreadReply[] {
  const { progress, spec } = record;
  const since = (at: string) => Date.parse(at) - Date.parse(record.createdAt);
  const replies: ThreadReply[] = [];
  if (record.tkeClusterId) replies.push({ key: StepKeys.created, text: threadReplies.created(record.tkeClusterId, spec.region) });
  if (progress.controlPlaneRunningAt) replies.push({ key: StepKeys.controlPlane, text: threadReplies.controlPlane(since(progress.controlPlaneRunningAt)) });
  if (progress.endpointReadyAt) replies.push({ key: StepKeys.endpoint, text: threadReplies.endpoint(spec.endpointAccess, spec.publicCidrs) });
  for (const pool of spec.workerPools) {
    const ready = progress.pools.find((p) => p.name === pool.name);
    if (!ready?.readyAt) continue;
    replies.push({ key: StepKeys.pool(pool.name), text: threadReplies.pool(pool.name, ready.readyNodes ?? pool.desiredSize, pool.desiredSize, pool.instanceType) });
  }
  if (progress.addonsReadyAt) replies.push({ key: StepKeys.addons, text: threadReplies.addons(plannedAddons(record)) });
  if (progress.readyAt) replies.push({ key: StepKeys.ready, text: threadReplies.ready(spec.name, since(progress.readyAt)) });
  if (record.status === 'Failed' && record.failure) replies.push({ key: StepKeys.failed, text: threadReplies.failed(record.failure) });
  return replies;
}

/** What the root message shows of a record; when it changed while the root was on its way, the root is edited. */
const shownState = (record: ClusterRecord) =>
  JSON.stringify([record.status, record.tkeClusterId, record.progress, record.failure, record.deletion]);

export function createProvisioningThreads(deps: ThreadsDeps): ProvisioningThreads {
  const announcing = new Map<string, Promise<boolean>>();

  const read = (clusterId: string) => deps.store.read((data) => findCluster(data, clusterId));
  const rootMessage = (record: ClusterRecord) =>
    clusterRootMessage(rootInput(record, deps.clock.now(), deps.accounts.nameOf(record.spec.accountId)));

  function deliver(thread: ThreadRef, replies: readonly ThreadReply[]): void {
    for (const reply of replies) {
      void deps.outbox.post({
        channel: thread.channel,
        thread_ts: thread.ts,
        text: reply.text,
        ...(reply.blocks ? { blocks: reply.blocks } : {}),
      });
    }
  }

  /** Claims the replies not posted yet and queues them; returns how many were queued. */
  async function claimAndDeliver(clusterId: string, replies: readonly ThreadReply[]): Promise<number> {
    const claimed = await deps.store.update((data) => {
      const record = data.clusters.find((c) => c.id === clusterId);
      if (!record?.thread) return undefined;
      return { thread: record.thread, replies: replies.filter((r) => claimStep(record, r.key)) };
    });
    if (!claimed) return 0;
    deliver(claimed.thread, claimed.replies);
    return claimed.replies.length;
  }

  async function announceOnce(clusterId: string): Promise<boolean> {
    const record = read(clusterId);
    if (!record) throw new Error(`no cluster ${clusterId}`);
    if (record.thread) {
      await claimAndDeliver(clusterId, repliesDue(record));
      return true;
    }
    if (record.threadLostAt) return true;
    const outcome = await deps.outbox.post({ channel: record.channel, ...rootMessage(record) });
    if (outcome.status === 'not-posted') return false;
    if (outcome.status === 'unknown') {
      await markThreadLost(clusterId);
      return true;
    }
    const { ts } = outcome;
    // The ts and the replies due are stored in one write: a watcher tick either sees no thread
    // (and claims nothing) or sees these replies claimed, so the thread keeps the steps' order.
    const opened = await deps.store.update((data) => {
      const current = data.clusters.find((c) => c.id === clusterId);
      if (!current || current.thread) return undefined;
      current.thread = { channel: record.channel, ts };
      const replies = repliesDue(current).filter((r) => claimStep(current, r.key));
      return { thread: current.thread, replies, stale: shownState(current) !== shownState(record) };
    });
    if (!opened) return true;
    deps.logger.info({ clusterId, channel: record.channel, ts }, 'provisioning thread opened');
    deliver(opened.thread, opened.replies);
    if (opened.stale) refreshRoot(clusterId);
    return true;
  }

  /** Slack may have posted the root: another root could be a duplicate, so there will be none. */
  async function markThreadLost(clusterId: string): Promise<void> {
    const lostAt = deps.clock.now().toISOString();
    const marked = await deps.store.update((data) => {
      const current = data.clusters.find((c) => c.id === clusterId);
      if (!current || current.thread || current.threadLostAt) return false;
      current.threadLostAt = lostAt;
      return true;
    });
    if (marked) {
      deps.logger.error(
        { clusterId, threadLostAt: lostAt },
        'Slack did not answer the root message of a provisioning thread; it may show in the channel, but tkeops cannot edit it and will not post another: this cluster has no provisioning thread',
      );
    }
  }

  function refreshRoot(clusterId: string): void {
    const record = read(clusterId);
    if (!record?.thread) return;
    deps.outbox.update(`root:${clusterId}`, { channel: record.thread.channel, ts: record.thread.ts, ...rootMessage(record) });
  }

  return {
    announce(clusterId) {
      const running = announcing.get(clusterId);
      if (running) return running;
      const started = announceOnce(clusterId).finally(() => announcing.delete(clusterId));
      announcing.set(clusterId, started);
      return started;
    },
    async reply(clusterId, stepKey, message) {
      const content = typeof message === 'string' ? { text: message } : message;
      return (await claimAndDeliver(clusterId, [{ key: stepKey, ...content }])) > 0;
    },
    deliver,
    refreshRoot,
    async idle() {
      do {
        await Promise.allSettled([...announcing.values()]);
        await deps.outbox.idle();
      } while (announcing.size > 0);
    },
  };
}
