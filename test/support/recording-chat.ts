import type { MessageEdit, OutgoingMessage, SlackChatClient } from '../../src/services/slack-outbox.js';

export type ChatCall = { method: 'chat.postMessage'; args: OutgoingMessage } | { method: 'chat.update'; args: MessageEdit };

/**
 * An in-memory Slack chat client for service tests: records every call and answers like Slack
 * (a fresh ts per message). `failNext` makes the next call throw the way @slack/web-api does.
 */
export interface RecordingChat extends SlackChatClient {
  calls: ChatCall[];
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
export const networkDown = () => ({ code: 'slack_webapi_request_error', original: new Error('ECONNRESET') });

export function recordingChat(): RecordingChat {
  const calls: ChatCall[] = [];
  const failures: object[] = [];
  let ts = 1_700_000_000;
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;

  async function answer<T>(record: () => void, ok: T): Promise<T> {
    while (gate) await gate;
    const failure = failures.shift();
    if (failure) throw Object.assign(new Error('slack call failed'), failure);
    record();
    return ok;
  }

  return {
    calls,
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
        return answer(() => calls.push({ method: 'chat.postMessage', args }), { ok: true, ts: next });
      },
      update(args) {
        return answer(() => calls.push({ method: 'chat.update', args }), { ok: true, ts: args.ts });
      },
    },
  };
}
