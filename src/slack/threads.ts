import { randomBytes } from 'node:crypto';
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
import type { PostOutcome, SlackOutbox } from './outbox.js';
import type { ClusterRecord } from '../services/domain/index.js';
import type { ClusterRepository, OutboxMessage, OutboxRepository } from '../services/repositories/repositories.js';
import { messageMetadata, ROOT_STEP, type PostedMessages } from './posted-messages.js';

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
 * shows either nothing or a root message that stays at its first state. A kill between Slack's
 * answer and the store write no longer posts a second root: see the persisted outbox below.
 *
 * A cluster without a thread (Slack refused its root message, e.g. the bot is not in the channel)
 * is still provisioned; nothing is claimed for it, since nothing can be posted. When its root
 * message finally goes out, the thread gets every step the record shows as done (repliesDue),
 * claimed in the same write that stores the root's ts.
 *
 * The persisted outbox (with `sent`): each root message and reply is recorded (OutboxRepository)
 * before it is sent, carries message metadata naming its cluster and step, and is marked sent
 * with its ts. A record still pending at a restart (a kill between Slack's answer and the record)
 * is looked for in the channel (the root) or the thread (a reply) before anything is posted: found,
 * its ts is kept (and the root edited to the current state); not found, it is posted. Only a kill
 * between a reply's claim and its record can still lose that reply. With several replicas a record
 * is also pending while its replica is still sending it (a 429's Retry-After): each record is held
 * by its sender, which renews the hold while the message is on its way, and another replica
 * resumes it only once the hold has passed (`OutboxRepository.take`).
 */

export interface ThreadsDeps {
  clusters: Pick<ClusterRepository, 'get' | 'update' | 'claim' | 'updateMany'>;
  accounts: Pick<AccountService, 'nameOf'>;
  outbox: SlackOutbox;
  clock: Clock;
  logger: Logger;
  /** The lifecycle whose steps the root message and the replies due are read from. */
  lifecycle?: Lifecycle;
  /** The persisted outbox and the lookup of messages Slack took before a crash; without it nothing is recorded. */
  sent?: { log: OutboxRepository; posted: PostedMessages };
  /**
   * Several replicas: this replica's name on the messages it is sending, and how long that hold
   * lives unless renewed (the tick claim's TTL); by default a random name and 60 s.
   */
  hold?: { replica: string; ms: number };
}

/** Sent records are kept this long, then forgotten in a later record's write. */
const SENT_KEPT_MS = 24 * 60 * 60 * 1000;

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

  /** Replies being recorded or sent by this process (`cluster step`): resume() leaves them alone. */
  const inFlight = new Set<string>();
  const flightKey = (clusterId: string, step: string) => `${clusterId}\u0000${step}`;
  const { sent } = deps;

  /**
   * Another replica's resume() leaves a message alone while this replica holds it: each message is
   * recorded held, and the holds of the messages on their way are renewed every third of their
   * time to live (a 429's Retry-After or a long queue outlasts one). A replica that dies stops
   * renewing: another resumes its messages once the hold has passed.
   */
  const hold = deps.hold ?? { replica: randomBytes(8).toString('hex'), ms: 60_000 };
  const heldUntil = () => new Date(deps.clock.now().getTime() + hold.ms).toISOString();
  const held = () => ({ heldBy: hold.replica, heldUntil: heldUntil() });
  let renewing: NodeJS.Timeout | undefined;
  function renewHolds(): void {
    if (!sent) return;
    const now = deps.clock.now().toISOString();
    for (const key of inFlight) {
      const [clusterId = '', step = ''] = key.split('\u0000');
      sent.log
        .take(clusterId, step, hold.replica, heldUntil(), now)
        .catch((error: unknown) => deps.logger.warn({ clusterId, step, err: (error as Error).message }, 'could not renew the hold on a thread message on its way'));
    }
  }
  function fly(clusterId: string, step: string): string {
    const key = flightKey(clusterId, step);
    inFlight.add(key);
    if (!renewing && sent) {
      renewing = setInterval(renewHolds, Math.max(1, Math.floor(hold.ms / 3)));
      renewing.unref();
    }
    return key;
  }
  function land(key: string): void {
    inFlight.delete(key);
    if (inFlight.size === 0 && renewing) {
      clearInterval(renewing);
      renewing = undefined;
    }
  }

  /** Queues one reply (its record's write first when `after`); marks it sent with its ts, or forgets it. */
  function sendReply(clusterId: string, thread: ThreadRef, reply: ThreadReply, after?: Promise<unknown>): Promise<void> {
    const message = threadMessage(reply.event);
    const key = fly(clusterId, reply.key);
    const posted = deps.outbox.post(
      {
        channel: thread.channel,
        thread_ts: thread.ts,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
        metadata: messageMetadata(clusterId, reply.key),
      },
      after ? { after } : {},
    );
    const settled = posted
      .then((outcome) => settle(clusterId, reply.key, outcome))
      .catch((error: unknown) => deps.logger.error({ clusterId, step: reply.key, err: (error as Error).message }, 'could not record a thread reply as sent'))
      .finally(() => land(key));
    track(settled);
    return settled;
  }

  /** Slack took it: its ts; it may show (unknown) or did not: forgotten, never sent again. */
  async function settle(clusterId: string, step: string, outcome: PostOutcome): Promise<void> {
    if (!sent) return;
    if (outcome.status === 'posted') await sent.log.markSent(clusterId, step, outcome.ts);
    else await sent.log.forget(clusterId, step);
  }

  function track(work: Promise<void>): void {
    const tracked = work.finally(() => refreshing.delete(tracked));
    refreshing.add(tracked);
  }

  function deliver(thread: ThreadRef, replies: readonly ThreadReply[], clusterId: string): void {
    if (replies.length === 0) return;
    let recorded: Promise<unknown> | undefined;
    if (sent) {
      const now = deps.clock.now();
      const messages: OutboxMessage[] = replies.map((r) => ({ clusterId, step: r.key, channel: thread.channel, threadTs: thread.ts, recordedAt: now.toISOString(), event: r.event, ...held() }));
      // A failed write is logged and the reply still sent: it was claimed, so it is never sent twice.
      recorded = sent.log
        .record(messages, { removeSentBefore: new Date(now.getTime() - SENT_KEPT_MS).toISOString() })
        .catch((error: unknown) => deps.logger.error({ clusterId, err: (error as Error).message }, 'could not record thread replies before sending them'));
    }
    for (const reply of replies) void sendReply(clusterId, thread, reply, recorded);
  }

  /** Claims the replies not posted yet (in one write) and queues them; returns how many were queued. */
  async function claimAndDeliver(clusterId: string, replies: readonly ThreadReply[]): Promise<number> {
    const [written] = await clusters.updateMany([
      { id: clusterId, apply: (record, write) => record.thread && { thread: record.thread, replies: replies.filter((r) => write.claim(r.key)) } },
    ]);
    const claimed = written?.result;
    if (!claimed) return 0;
    deliver(claimed.thread, claimed.replies, clusterId);
    return claimed.replies.length;
  }

  /** One reply: claimed (the repository's claim) only once the cluster has a thread to post it in. */
  async function replyOnce(clusterId: string, reply: ThreadReply): Promise<boolean> {
    const thread = (await clusters.get(clusterId))?.thread;
    if (!thread || !(await clusters.claim(clusterId, reply.key))) return false;
    deliver(thread, [reply], clusterId);
    return true;
  }

  async function announceOnce(clusterId: string, resuming: boolean): Promise<boolean> {
    const record = await clusters.get(clusterId);
    if (!record) throw new Error(`no cluster ${clusterId}`);
    if (record.thread) {
      await claimAndDeliver(clusterId, repliesDue(lifecycle, record));
      return true;
    }
    if (record.threadLostAt) return true;
    const root = await postRoot(record, resuming);
    // Another replica recorded the root first: it posts it and stores the thread.
    if (root === 'elsewhere') return true;
    const { outcome, adopted } = root;
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
          return { thread, replies, stale: adopted || shownState(current) !== shownState(record) };
        },
      },
    ]);
    const opened = written?.result;
    if (!opened) return true;
    deps.logger.info({ clusterId, channel: record.channel, ts }, 'provisioning thread opened');
    deliver(opened.thread, opened.replies, clusterId);
    if (opened.stale) refreshRoot(clusterId);
    return true;
  }

  /**
   * Posts the root message, recorded first; a record left pending by a crash is looked for in the
   * channel first (`adopted`: found there, showing an older state). A lookup that fails for good
   * (the bot cannot read the channel) counts as unknown: no second root. Only resuming (after a
   * crash) looks for a pending record: otherwise it is another replica's post in flight, not yet in
   * the channel, and 'elsewhere' leaves it to that replica (a crashed one's is resumed later), as
   * when another replica records the root between our look and our record.
   */
  async function postRoot(record: ClusterRecord, resuming: boolean): Promise<{ outcome: PostOutcome; adopted: boolean } | 'elsewhere'> {
    const post = () => deps.outbox.post({ channel: record.channel, ...rootMessage(record), metadata: messageMetadata(record.id, ROOT_STEP) });
    if (!sent) return { outcome: await post(), adopted: false };
    const earlier = await sent.log.find(record.id, ROOT_STEP);
    if (earlier?.ts) return { outcome: { status: 'posted', ts: earlier.ts }, adopted: true };
    if (earlier) {
      if (!resuming) return 'elsewhere';
      const lookup = await sent.posted.find(earlier);
      if ('unreadable' in lookup) {
        if (!lookup.lasting) return { outcome: { status: 'not-posted' }, adopted: false };
        await sent.log.forget(record.id, ROOT_STEP);
        return { outcome: { status: 'unknown' }, adopted: false };
      }
      if (lookup.found) {
        deps.logger.info({ clusterId: record.id, ts: lookup.ts }, 'found the root message Slack took before a restart; it is kept');
        await sent.log.markSent(record.id, ROOT_STEP, lookup.ts);
        return { outcome: { status: 'posted', ts: lookup.ts }, adopted: true };
      }
    } else {
      const recorded = await sent.log.record([{ clusterId: record.id, step: ROOT_STEP, channel: record.channel, recordedAt: deps.clock.now().toISOString(), ...held() }]);
      if (recorded === 0) return 'elsewhere';
    }
    const key = fly(record.id, ROOT_STEP);
    try {
      const outcome = await post();
      await settle(record.id, ROOT_STEP, outcome);
      return { outcome, adopted: false };
    } finally {
      land(key);
    }
  }

  /**
   * Resumes the records a crash left pending: a root is announced again (which looks for it
   * first); a reply is looked for in its thread and posted only when it is not there.
   */
  async function resumeOnce(): Promise<void> {
    if (!sent) return;
    for (const message of await sent.log.pending()) {
      if (inFlight.has(flightKey(message.clusterId, message.step))) continue;
      // Another live replica may be sending it (recorded, not yet in Slack): only a message held by nobody alive is resumed.
      if (!(await sent.log.take(message.clusterId, message.step, hold.replica, heldUntil(), deps.clock.now().toISOString()))) continue;
      if (message.step === ROOT_STEP) {
        // Announcing looks for it first; a cluster whose thread was stored meanwhile has its ts.
        const cluster = await clusters.get(message.clusterId);
        if (!cluster || cluster.threadLostAt) await sent.log.forget(message.clusterId, ROOT_STEP);
        else if (cluster.thread) await sent.log.markSent(message.clusterId, ROOT_STEP, cluster.thread.ts);
        else if (!announcing.has(message.clusterId)) await announceShared(message.clusterId, true);
        continue;
      }
      if (!message.threadTs || !message.event) {
        await sent.log.forget(message.clusterId, message.step);
        continue;
      }
      const lookup = await sent.posted.find(message);
      if ('unreadable' in lookup) {
        if (lookup.lasting) await sent.log.forget(message.clusterId, message.step);
        continue;
      }
      if (lookup.found) {
        deps.logger.info({ clusterId: message.clusterId, step: message.step, ts: lookup.ts }, 'found a thread reply Slack took before a restart; it is not posted again');
        await sent.log.markSent(message.clusterId, message.step, lookup.ts);
      } else await sendReply(message.clusterId, { channel: message.channel, ts: message.threadTs }, { key: message.step, event: message.event });
    }
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

  /** One announce per cluster at a time in this process; `resuming`: see postRoot. */
  function announceShared(clusterId: string, resuming: boolean): Promise<boolean> {
    const running = announcing.get(clusterId);
    if (running) return running;
    const started = announceOnce(clusterId, resuming).finally(() => announcing.delete(clusterId));
    announcing.set(clusterId, started);
    return started;
  }

  let resuming: Promise<void> | undefined;
  const api: ProvisioningThreads = {
    announce: (clusterId) => announceShared(clusterId, false),
    reply: (clusterId, key, event) => replyOnce(clusterId, { key, event }),
    deliver,
    refreshRoot,
    resume() {
      resuming ??= resumeOnce()
        .catch((error: unknown) => deps.logger.error({ err: (error as Error).message }, 'could not resume the thread messages left pending'))
        .finally(() => (resuming = undefined));
      return resuming;
    },
    async idle() {
      do {
        await Promise.allSettled([...announcing.values(), ...refreshing, ...(resuming ? [resuming] : [])]);
        await deps.outbox.idle();
      } while (announcing.size > 0 || refreshing.size > 0 || resuming !== undefined);
    },
  };
  return api;
}
