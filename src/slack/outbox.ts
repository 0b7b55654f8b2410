import { setTimeout as delay } from 'node:timers/promises';
import type { KnownBlock, MessageMetadata } from '@slack/types';
import type { Logger } from '../services/logger.js';
import type { Metrics } from '../services/metrics.js';

/** A message as the outbox sends it: plain-text fallback plus optional Block Kit. */
export interface OutgoingMessage {
  channel: string;
  text: string;
  blocks?: KnownBlock[];
  /** Set for a reply in a thread. */
  thread_ts?: string;
  /** Names the cluster and step (posted-messages.ts), so the message can be found again after a crash. */
  metadata?: MessageMetadata;
}

/** An edit of a message already posted. */
export interface MessageEdit {
  channel: string;
  ts: string;
  text: string;
  blocks?: KnownBlock[];
}

interface SlackAnswer {
  ok?: boolean;
  ts?: string;
  error?: string;
}

/** The part of the Slack Web API the outbox uses; a @slack/web-api WebClient (Bolt's `app.client`) satisfies it. */
export interface SlackChatClient {
  chat: {
    postMessage(args: OutgoingMessage): Promise<SlackAnswer>;
    update(args: MessageEdit): Promise<SlackAnswer>;
  };
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** What became of a posted message. */
export type PostOutcome =
  | { status: 'posted'; ts: string }
  /** Slack refused it (`ok: false`, HTTP 4xx), or it never reached Slack (connection refused, outbox closed). */
  | { status: 'not-posted' }
  /** It reached Slack but no answer came (timeout, HTTP 5xx, connection lost): Slack may show it. Never sent again. */
  | { status: 'unknown' };

export interface SlackOutbox {
  /**
   * Queues a new message (a root message or a thread reply) behind everything queued before it.
   * chat.postMessage is not idempotent, so a message is sent again only when Slack provably did
   * not take it (a 429, a connection that never opened); after a timeout or a 5xx it may be
   * missing but is never posted twice. Resolves with what became of it (failures are logged).
   * `after`: it is sent only once that has settled (its record is written), keeping its place.
   */
  post(message: OutgoingMessage, options?: { after?: Promise<unknown> }): Promise<PostOutcome>;
  /**
   * Queues an edit. Edits with the same key that are still waiting collapse into one call carrying
   * the latest content, sent at the place of the first.
   */
  update(key: string, edit: MessageEdit): void;
  /** Resolves once everything queued so far has been sent (or given up). */
  idle(): Promise<void>;
  /** Messages waiting to be sent, the one in flight included. */
  readonly pending: number;
  /** When (`now()`, ms) the message that has waited longest was queued; undefined when nothing waits. For readiness: an outbox stuck on one message. */
  readonly oldestQueuedAt: number | undefined;
  /**
   * Sends what is queued for up to `drainMs`, then stops; what is left is dropped (and logged).
   * With 0 it stops at once: only the call already in flight completes.
   */
  close(drainMs?: number): Promise<void>;
}

export interface SlackOutboxDeps {
  client: SlackChatClient;
  logger: Logger;
  /** Waits for Retry-After and for retries after network errors; tests pass a recording fake. */
  sleep?: Sleep;
  /** First wait after a network or HTTP error; doubles each time up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Calls of one message that may fail (a connection refused; for edits also a timeout or 5xx)
   * before it is given up (and logged), so a Slack outage never holds the queue for good. A root
   * message edit given up is not lost for long: the next change of the cluster queues its latest
   * state again.
   */
  maxAttempts?: number;
  /** Counts each message sent again (or waiting to be), by method and reason. */
  metrics?: Pick<Metrics, 'outboxRetry'>;
  /** The time a message is queued at, in ms (oldestQueuedAt); Date.now by default. */
  now?: () => number;
}

/** Failed attempts per message: with the default 1 s backoff, given up after 1 + 2 + 4 + 8 = 15 s of waiting. */
export const DEFAULT_MAX_ATTEMPTS = 5;

type PostJob = { kind: 'post'; message: OutgoingMessage; done: (outcome: PostOutcome) => void; queuedAt: number; after?: Promise<unknown> | undefined };
type EditJob = { kind: 'edit'; key: string; edit: MessageEdit; queuedAt: number };
type Job = PostJob | EditJob;

type Failure =
  | { kind: 'rate-limited'; retryAfterMs: number }
  /** The request never left: sending it again cannot make a duplicate. */
  | { kind: 'not-sent' }
  /** Slack may have acted on it: only an idempotent call (an edit) is sent again. */
  | { kind: 'unknown' }
  | { kind: 'refused'; reason: string };

const NOT_POSTED: PostOutcome = { status: 'not-posted' };

const realSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // aborted by close(): the loop notices and stops
  }
};

/**
 * Whether a request error happened before any byte of the request was sent. @slack/web-api wraps
 * fetch's `TypeError('fetch failed')` (its `cause` is Node's error) as `original`; a failed DNS
 * lookup (syscall getaddrinfo: ENOTFOUND, EAI_AGAIN), a failed TCP connect (syscall connect:
 * ECONNREFUSED, EHOSTUNREACH...) or undici's connect timeout mean the request never left. Anything
 * later (the client's timeout, `other side closed`, ECONNRESET) may come after Slack read it.
 */
function neverSent(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as { code?: unknown; syscall?: unknown; errors?: unknown; cause?: unknown };
  if (e.syscall === 'getaddrinfo' || e.syscall === 'connect' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return true;
  // Node's happy-eyeballs connect fails with an AggregateError of one error per address tried.
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every((inner) => neverSent(inner, depth + 1));
  return neverSent(e.cause, depth + 1);
}

/**
 * What went wrong with a Web API call, read from @slack/web-api's coded errors: a 429 (with
 * `rejectRateLimitedCalls`, the client hands it over with Retry-After) or `ratelimited`, which
 * Slack did not act on; Slack refusing the call (`ok: false`, HTTP 4xx), which no retry fixes; a
 * request that never left; or an outcome nobody knows — the client's timeout, an HTTP 5xx, a
 * connection lost mid-call or any error without a code (such as a 429 without Retry-After), after
 * which Slack may have acted on the call.
 */
function classify(error: unknown): Failure {
  const coded = error as { code?: unknown; retryAfter?: unknown; data?: { error?: unknown }; statusCode?: unknown; original?: unknown };
  if (coded.code === 'slack_webapi_rate_limited_error') {
    const seconds = typeof coded.retryAfter === 'number' ? coded.retryAfter : 1;
    return { kind: 'rate-limited', retryAfterMs: seconds * 1000 };
  }
  if (coded.code === 'slack_webapi_platform_error') {
    const reason = typeof coded.data?.error === 'string' ? coded.data.error : 'unknown_error';
    return reason === 'ratelimited' ? { kind: 'rate-limited', retryAfterMs: 1000 } : { kind: 'refused', reason };
  }
  if (coded.code === 'slack_webapi_http_error' && typeof coded.statusCode === 'number' && coded.statusCode < 500) {
    return { kind: 'refused', reason: `HTTP ${coded.statusCode}` };
  }
  if (coded.code === 'slack_webapi_request_error' && neverSent(coded.original)) return { kind: 'not-sent' };
  return { kind: 'unknown' };
}

/**
 * The one queue every provisioning-thread message goes through, so tkeops stays inside Slack's
 * rate limits: one call at a time, in order; a 429 holds the whole queue for Retry-After and then
 * sends the same message again, so nothing is lost. A call that never reached Slack is retried
 * with a capped exponential backoff, at most `maxAttempts` times per message; so is an edit whose
 * outcome is unknown (timeout, 5xx), since chat.update sent twice shows the same message. A post
 * whose outcome is unknown is dropped: it may be missing, never shown twice.
 */
export function createSlackOutbox(deps: SlackOutboxDeps): SlackOutbox {
  const sleep = deps.sleep ?? realSleep;
  const backoffMs = deps.backoffMs ?? 1000;
  const maxBackoffMs = deps.maxBackoffMs ?? 60_000;
  const maxAttempts = Math.max(1, deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const now = deps.now ?? Date.now;
  /** When the job in flight was queued. */
  let inFlightSince: number | undefined;
  const queue: Job[] = [];
  /** Edits queued and not yet taken by the worker, by key. */
  const waitingEdits = new Map<string, EditJob>();
  const stop = new AbortController();
  let inFlight = 0;
  let worker: Promise<void> | undefined;

  /** A newer edit of the same message replaces the content of the one about to be (re)sent. */
  function absorbNewerEdit(job: EditJob): void {
    const newer = waitingEdits.get(job.key);
    if (!newer) return;
    waitingEdits.delete(job.key);
    queue.splice(queue.indexOf(newer), 1);
    job.edit = newer.edit;
  }

  async function call(job: Job): Promise<PostOutcome> {
    if (job.kind === 'post') {
      const answer = await deps.client.chat.postMessage(job.message);
      return answer.ts ? { status: 'posted', ts: answer.ts } : { status: 'unknown' };
    }
    await deps.client.chat.update(job.edit);
    return { status: 'posted', ts: job.edit.ts };
  }

  async function send(job: Job): Promise<PostOutcome> {
    let wait = backoffMs;
    let failedAttempts = 0;
    for (;;) {
      if (job.kind === 'edit') absorbNewerEdit(job);
      try {
        return await call(job);
      } catch (error) {
        const failure = classify(error);
        const method = job.kind === 'post' ? 'chat.postMessage' : 'chat.update';
        if (failure.kind === 'refused') {
          deps.logger.error({ method, error: failure.reason }, 'Slack refused a provisioning-thread message; it is dropped');
          return NOT_POSTED;
        }
        if (failure.kind === 'unknown' && job.kind === 'post') {
          deps.logger.error(
            { method, err: (error as Error).message, threadTs: job.message.thread_ts },
            'Slack did not answer a provisioning-thread message (timeout or HTTP 5xx); it may or may not show, and is not sent again',
          );
          return { status: 'unknown' };
        }
        if (stop.signal.aborted) return NOT_POSTED;
        if (failure.kind === 'rate-limited') {
          deps.metrics?.outboxRetry(method, 'rate_limited');
          deps.logger.warn({ method, retryAfterMs: failure.retryAfterMs, queued: queue.length }, 'Slack rate limit: the outbox waits for Retry-After');
          await sleep(failure.retryAfterMs, stop.signal);
        } else {
          failedAttempts += 1;
          if (failedAttempts >= maxAttempts) {
            deps.logger.error({ method, err: (error as Error).message, attempts: failedAttempts }, 'Slack kept failing; a provisioning-thread message is given up');
            return NOT_POSTED;
          }
          deps.metrics?.outboxRetry(method, failure.kind === 'not-sent' ? 'not_sent' : 'unknown');
          deps.logger.warn({ method, err: (error as Error).message, retryInMs: wait }, 'Slack call failed; retrying');
          await sleep(wait, stop.signal);
          wait = Math.min(wait * 2, maxBackoffMs);
        }
        if (stop.signal.aborted) return NOT_POSTED;
      }
    }
  }

  async function work(): Promise<void> {
    let job = queue.shift();
    while (job && !stop.signal.aborted) {
      inFlight = 1;
      inFlightSince = job.queuedAt;
      if (job.kind === 'edit') waitingEdits.delete(job.key);
      if (job.kind === 'post' && job.after) await job.after.catch(() => undefined);
      const outcome = await send(job);
      if (job.kind === 'post') job.done(outcome);
      inFlight = 0;
      inFlightSince = undefined;
      job = stop.signal.aborted ? undefined : queue.shift();
    }
    if (job?.kind === 'post') job.done(NOT_POSTED);
    inFlight = 0;
    inFlightSince = undefined;
    worker = undefined;
  }

  function enqueue(job: Job): void {
    if (stop.signal.aborted) {
      deps.logger.warn({ kind: job.kind }, 'the outbox is closed; message dropped');
      if (job.kind === 'post') job.done(NOT_POSTED);
      return;
    }
    queue.push(job);
    worker ??= work();
  }

  async function idle(): Promise<void> {
    while (worker) await worker;
  }

  return {
    post(message, options = {}) {
      return new Promise((resolve) => enqueue({ kind: 'post', message, done: resolve, queuedAt: now(), after: options.after }));
    },
    update(key, edit) {
      const waiting = waitingEdits.get(key);
      if (waiting) {
        waiting.edit = edit;
        return;
      }
      const job: EditJob = { kind: 'edit', key, edit, queuedAt: now() };
      waitingEdits.set(key, job);
      enqueue(job);
    },
    idle,
    get pending() {
      return queue.length + inFlight;
    },
    get oldestQueuedAt() {
      // The queue is in order, except that an edit absorbed into an earlier one keeps the earlier place and time.
      return inFlightSince ?? queue[0]?.queuedAt;
    },
    async close(drainMs = 5_000) {
      if (stop.signal.aborted) return;
      if (drainMs > 0) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, drainMs);
        });
        await Promise.race([idle(), timeout]);
        clearTimeout(timer);
      }
      stop.abort();
      await idle();
      const dropped = queue.splice(0);
      waitingEdits.clear();
      for (const job of dropped) if (job.kind === 'post') job.done(NOT_POSTED);
      if (dropped.length > 0) deps.logger.warn({ dropped: dropped.length }, 'the outbox closed with messages still queued');
    },
  };
}
