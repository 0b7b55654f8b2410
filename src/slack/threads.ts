import { defaultLifecycle } from '../lifecycle/index.js';
import type { ThreadReply } from '../lifecycle/events.js';
import { repliesDue, type Lifecycle } from '../lifecycle/operation.js';
import { clusterRootMessage } from '../views/cluster-root.js';
import { threadMessage } from '../views/cluster-thread.js';
import type { AccountService } from '../services/accounts.js';
import type { Clock } from '../services/clock.js';
import { rootInput } from '../services/cluster-summary.js';
import { claimStep, type ProvisioningThreads, type ThreadRef } from '../services/threads.js';
import type { Logger } from '../services/logger.js';
import type { SlackOutbox } from './outbox.js';
import type { ClusterRecord, StoreData } from '../services/store-schema.js';
import type { Store } from '../services/store.js';

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

export interface ThreadsDeps {
  store: Store;
  accounts: Pick<AccountService, 'nameOf'>;
  outbox: SlackOutbox;
  clock: Clock;
  logger: Logger;
  /** The lifecycle whose steps the root message and the replies due are read from. */
  lifecycle?: Lifecycle;
}

const findCluster = (data: Readonly<StoreData>, id: string) => data.clusters.find((c) => c.id === id);

/** What the root message shows of a record; when it changed while the root was on its way, the root is edited. */
const shownState = (record: ClusterRecord) =>
  JSON.stringify([record.status, record.tkeClusterId, record.progress, record.failure, record.deletion]);

export function createProvisioningThreads(deps: ThreadsDeps): ProvisioningThreads {
  const announcing = new Map<string, Promise<boolean>>();
  const lifecycle = deps.lifecycle ?? defaultLifecycle;

  const read = (clusterId: string) => deps.store.read((data) => findCluster(data, clusterId));
  const rootMessage = (record: ClusterRecord) =>
    clusterRootMessage(rootInput(record, deps.clock.now(), deps.accounts.nameOf(record.spec.accountId), lifecycle));

  function deliver(thread: ThreadRef, replies: readonly ThreadReply[]): void {
    for (const reply of replies) {
      const message = threadMessage(reply.event);
      void deps.outbox.post({
        channel: thread.channel,
        thread_ts: thread.ts,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
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
      await claimAndDeliver(clusterId, repliesDue(lifecycle, record));
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
      const replies = repliesDue(lifecycle, current).filter((r) => claimStep(current, r.key));
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
    async reply(clusterId, stepKey, event) {
      return (await claimAndDeliver(clusterId, [{ key: stepKey, event }])) > 0;
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
