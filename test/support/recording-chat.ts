import type { MessageEdit, OutgoingMessage, SlackChatClient } from '../../src/slack/outbox.js';

export type ChatCall = { method: 'chat.postMessage'; args: OutgoingMessage } | { method: 'chat.update'; args: MessageEdit };

/**
 * An in-memory Slack chat client for service tests: records every call and answers like Slack
 * (a fresh ts per message). `failNext` makes the next call throw the way @slack/web-api does.
 */
export interface RecordingChat extends SlackChatClient {
  /** Calls Slack accepted. */
  calls: ChatCall[];
  /** Every call made, those that failed included. */
  attempts: ChatCall[];
  posts(): OutgoingMessage[];
  updates(): MessageEdit[];
  /** The next call throws this (e.g. a rate-limited or platform error). */
  failNext(error: object): void;
  /** Calls wait until release() while held. */
  hold(): void;
  release(): void;
}

export const rateLimited = (retryAfter: number) => ({ code: 'slack_webapi_rate_limited_error', retryAfter });
export const refused = (error: string) => ({ code: 'slack_webapi_platform_error', data: { ok: false, error } });
/** As @slack/web-api (fetch) throws it when nothing listens: the request never reached Slack. */
export const connectionRefused = () => ({
  code: 'slack_webapi_request_error',
  original: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED', syscall: 'connect' }) }),
});
/** The connection closed before Slack answered: Slack may have processed the call. */
export const connectionLost = () => ({
  code: 'slack_webapi_request_error',
  original: new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }),
});
/** The client's `timeout` ran out (AbortSignal.timeout): Slack may have processed the call. */
export const timedOut = () => ({
  code: 'slack_webapi_request_error',
  original: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
});
/** Slack answering an HTTP 5xx (e.g. 503 during an outage), as @slack/web-api throws it. */
export const serverError = (statusCode = 503) => ({ code: 'slack_webapi_http_error', statusCode });

export function recordingChat(): RecordingChat {
  const calls: ChatCall[] = [];
  const attempts: ChatCall[] = [];
  const failures: object[] = [];
  let ts = 1_700_000_000;
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;

  async function answer<T>(call: ChatCall, ok: T): Promise<T> {
    while (gate) await gate;
    attempts.push(call);
    const failure = failures.shift();
    if (failure) throw Object.assign(new Error('slack call failed'), failure);
    calls.push(call);
    return ok;
  }

  return {
    calls,
    attempts,
    posts: () => calls.flatMap((c) => (c.method === 'chat.postMessage' ? [c.args] : [])),
    updates: () => calls.flatMap((c) => (c.method === 'chat.update' ? [c.args] : [])),
    failNext: (error) => failures.push(error),
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = undefined;
      open?.();
    },
    chat: {
      postMessage(args) {
        const next = `${++ts}.000100`;
        return answer({ method: 'chat.postMessage', args }, { ok: true, ts: next });
      },
      update(args) {
        return answer({ method: 'chat.update', args }, { ok: true, ts: args.ts });
      },
    },
  };
}
