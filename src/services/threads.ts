import type { KnownBlock } from '@slack/types';
import { clusterRootMessage } from '../views/cluster-root.js';
import { threadReplies } from '../views/cluster-thread.js';
import type { Clock } from './clock.js';
import { StepKeys } from './cluster-steps.js';
import { rootInput } from './cluster-summary.js';
import type { Logger } from './logger.js';
import type { SlackOutbox } from './slack-outbox.js';
import type { ClusterRecord, StoreData } from './store-schema.js';
import type { Store } from './store.js';

/**
 * The provisioning thread: one root message per cluster in its channel, edited in place, and one
 * reply per step.
 *
 * Exactly-once, and the crash window: a step key is added to the record's `posted` list in the
 * same store write that records the change it reports, and only then is the reply queued. A
 * restart can therefore never post a step twice; a crash between that write and Slack accepting
 * the reply loses that one reply (at most once). We prefer a missing line to a duplicate one: the
 * root message and the overview are rebuilt from the record, so they still tell the truth. On a
 * normal stop the outbox is drained first, so only a hard kill can lose a reply. The root
 * message's ts is stored as soon as Slack returns it; a kill in between posts a second root.
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
   * due (cluster created, or Deploy's failure). Does nothing twice; resolves false if Slack
   * refused the root message.
   */
  announce(clusterId: string): Promise<boolean>;
  /** Posts one reply in the cluster's thread unless that step was already posted. Resolves false if it was (or there is no thread yet). */
  reply(clusterId: string, stepKey: string, message: string | Omit<ThreadReply, 'key'>): Promise<boolean>;
  /** Queues replies whose keys the caller already claimed (with claimStep) in its own store write. */
  deliver(thread: ThreadRef, replies: readonly ThreadReply[]): void;
  /** Edits the root message to the record's current state (edits waiting in the queue collapse into one). */
  refreshRoot(clusterId: string): void;
  /** Resolves once every queued message has been sent. */
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
  outbox: SlackOutbox;
  clock: Clock;
  logger: Logger;
}

const findCluster = (data: Readonly<StoreData>, id: string) => data.clusters.find((c) => c.id === id);

/** Replies that are due as soon as the thread exists. */
function dueAtAnnounce(record: ClusterRecord): ThreadReply[] {
  const replies: ThreadReply[] = [];
  if (record.tkeClusterId) {
    replies.push({ key: StepKeys.created, text: threadReplies.created(record.tkeClusterId, record.spec.region) });
  }
  if (record.status === 'Failed' && record.failure) {
    replies.push({ key: StepKeys.failed, text: threadReplies.failed(record.failure) });
  }
  return replies;
}

export function createProvisioningThreads(deps: ThreadsDeps): ProvisioningThreads {
  const announcing = new Map<string, Promise<boolean>>();

  const read = (clusterId: string) => deps.store.read((data) => findCluster(data, clusterId));
  const accountName = (record: ClusterRecord) =>
    deps.store.read((data) => data.accounts.find((a) => a.id === record.spec.accountId)?.name) ?? record.spec.accountId;
  const rootMessage = (record: ClusterRecord) => clusterRootMessage(rootInput(record, deps.clock.now(), accountName(record)));

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
    if (!record.thread) {
      const ts = await deps.outbox.post({ channel: record.channel, ...rootMessage(record) });
      if (ts === undefined) return false;
      await deps.store.update((data) => {
        const current = data.clusters.find((c) => c.id === clusterId);
        if (current && !current.thread) current.thread = { channel: record.channel, ts };
      });
      deps.logger.info({ clusterId, channel: record.channel, ts }, 'provisioning thread opened');
    }
    const current = read(clusterId);
    if (current) await claimAndDeliver(clusterId, dueAtAnnounce(current));
    return true;
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
    refreshRoot(clusterId) {
      const record = read(clusterId);
      if (!record?.thread) return;
      deps.outbox.update(`root:${clusterId}`, { channel: record.thread.channel, ts: record.thread.ts, ...rootMessage(record) });
    },
    idle: () => deps.outbox.idle(),
  };
}
