import { defaultLifecycle } from '../lifecycle/index.js';
import type { ThreadReply } from '../lifecycle/events.js';
import { repliesDue, type Lifecycle } from '../lifecycle/operation.js';
import { clusterRootMessage } from '../views/cluster-root.js';
import { threadMessage } from '../views/cluster-thread.js';
import type { AccountService } from '../services/accounts.js';
import type { Clock } from '../services/clock.js';
import { rootInput } from '../services/cluster-summary.js';
import type { ProvisioningThreads, ThreadRef } from '../services/threads.js';
import type { Logger } from '../services/logger.js';
import type { SlackOutbox } from './outbox.js';
import type { ClusterRecord } from '../services/domain/index.js';
import type { ClusterRepository } from '../services/repositories/repositories.js';

/**
 * The provisioning thread: one root message per cluster in its channel, edited in place, and one
 * reply per step.
 *
 * At most once, and the crash window: a step key is claimed in the record's `posted` list (the
 * cluster repository's claim) in the same write that records the change it reports, and only then
 * is the reply queued. A
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
 * claimed in the same write that stores the root's ts.
 */

export interface ThreadsDeps {
  clusters: Pick<ClusterRepository, 'get' | 'update' | 'claim' | 'updateMany'>;
  accounts: Pick<AccountService, 'nameOf'>;
  outbox: SlackOutbox;
  clock: Clock;
  logger: Logger;
  /** The lifecycle whose steps the root message and the replies due are read from. */
  lifecycle?: Lifecycle;
}

/** What the root message shows of a record; when it changed while the root was on its way, the root is edited. */
const shownState = (record: ClusterRecord) =>
  JSON.stringify([record.status, record.tkeClusterId, record.progress, record.failure, record.deletion]);

export function createProvisioningThreads(deps: ThreadsDeps): ProvisioningThreads {
  const announcing = new Map<string, Promise<boolean>>();
  /** Root edits whose record is being read; idle() waits for them. */
  const refreshing = new Set<Promise<void>>();
  const lifecycle = deps.lifecycle ?? defaultLifecycle;
  const { clusters } = deps;

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

  /** Claims the replies not posted yet (in one write) and queues them; returns how many were queued. */
  async function claimAndDeliver(clusterId: string, replies: readonly ThreadReply[]): Promise<number> {
    const [written] = await clusters.updateMany([
      { id: clusterId, apply: (record, write) => record.thread && { thread: record.thread, replies: replies.filter((r) => write.claim(r.key)) } },
    ]);
    const claimed = written?.result;
    if (!claimed) return 0;
    deliver(claimed.thread, claimed.replies);
    return claimed.replies.length;
  }

  /** One reply: claimed (the repository's claim) only once the cluster has a thread to post it in. */
  async function replyOnce(clusterId: string, reply: ThreadReply): Promise<boolean> {
    const thread = (await clusters.get(clusterId))?.thread;
    if (!thread || !(await clusters.claim(clusterId, reply.key))) return false;
    deliver(thread, [reply]);
    return true;
  }

  async function announceOnce(clusterId: string): Promise<boolean> {
    const record = await clusters.get(clusterId);
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
    const [written] = await clusters.updateMany([
      {
        id: clusterId,
        apply: (current, write) => {
          if (current.thread) return undefined;
          const thread = { channel: record.channel, ts };
          current.thread = thread;
          const replies = repliesDue(lifecycle, current).filter((r) => write.claim(r.key));
          return { thread, replies, stale: shownState(current) !== shownState(record) };
        },
      },
    ]);
    const opened = written?.result;
    if (!opened) return true;
    deps.logger.info({ clusterId, channel: record.channel, ts }, 'provisioning thread opened');
    deliver(opened.thread, opened.replies);
    if (opened.stale) refreshRoot(clusterId);
    return true;
  }

  /** Slack may have posted the root: another root could be a duplicate, so there will be none. */
  async function markThreadLost(clusterId: string): Promise<void> {
    const lostAt = deps.clock.now().toISOString();
    let marked = false;
    await clusters.update(clusterId, (current) => {
      if (current.thread || current.threadLostAt) return false;
      current.threadLostAt = lostAt;
      marked = true;
    });
    if (marked) {
      deps.logger.error(
        { clusterId, threadLostAt: lostAt },
        'Slack did not answer the root message of a provisioning thread; it may show in the channel, but tkeops cannot edit it and will not post another: this cluster has no provisioning thread',
      );
    }
  }

  /** Reads the record, then queues the root's edit (edits of one root collapse in the outbox). */
  function refreshRoot(clusterId: string): void {
    const refresh = clusters
      .get(clusterId)
      .then((record) => {
        if (!record?.thread) return;
        deps.outbox.update(`root:${clusterId}`, { channel: record.thread.channel, ts: record.thread.ts, ...rootMessage(record) });
      })
      .catch((error: unknown) => deps.logger.error({ clusterId, err: (error as Error).message }, 'could not read the cluster to edit its root message'))
      .finally(() => refreshing.delete(refresh));
    refreshing.add(refresh);
  }

  return {
    announce(clusterId) {
      const running = announcing.get(clusterId);
      if (running) return running;
      const started = announceOnce(clusterId).finally(() => announcing.delete(clusterId));
      announcing.set(clusterId, started);
      return started;
    },
    reply: (clusterId, key, event) => replyOnce(clusterId, { key, event }),
    deliver,
    refreshRoot,
    async idle() {
      do {
        await Promise.allSettled([...announcing.values(), ...refreshing]);
        await deps.outbox.idle();
      } while (announcing.size > 0 || refreshing.size > 0);
    },
  };
}
