import { createHmac } from 'node:crypto';
import type { Json } from './block-ids.js';

/** Slack gives an app 3 seconds to acknowledge a request. */
export const ACK_TIMEOUT_MS = 3_000;

/** Slack's request signature: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret. */
export function slackSignature(signingSecret: string, timestampSeconds: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
}

/** The bot's acknowledgement: its JSON body, or text, or the error Slack reports when there was none in time. */
export type BotAck =
  | { ok: true; status: number; json?: Json; text: string }
  | { ok: false; error: 'operation_timeout' | 'dispatch_failed' | 'http_service_error' | 'not_connected'; detail: string };

export interface BotLink {
  /** Sets where the bot receives Slack requests (`…/slack/events`). */
  connect(requestUrl: string): void;
  readonly requestUrl: string | undefined;
  /** POSTs a form body (or, for Events API callbacks, JSON) to the bot, signed like Slack, and reads the acknowledgement. */
  send(body: string, contentType?: 'application/x-www-form-urlencoded' | 'application/json'): Promise<BotAck>;
}

export function createBotLink(signingSecret: string, requestUrl?: string, ackTimeoutMs = ACK_TIMEOUT_MS): BotLink {
  let url = requestUrl;
  return {
    connect(next) {
      url = next;
    },
    get requestUrl() {
      return url;
    },
    async send(body, contentType = 'application/x-www-form-urlencoded') {
      if (!url) return { ok: false, error: 'not_connected', detail: 'no bot is connected to the local Slack' };
      const timestamp = Math.floor(Date.now() / 1000);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': contentType,
            'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': slackSignature(signingSecret, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(ackTimeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        return { ok: false, error: timedOut ? 'operation_timeout' : 'dispatch_failed', detail: String(error) };
      }
      const text = await response.text();
      if (response.status !== 200) return { ok: false, error: 'http_service_error', detail: `HTTP ${response.status}: ${text.slice(0, 200)}` };
      let json: Json | undefined;
      try {
        const parsed: unknown = text ? JSON.parse(text) : undefined;
        json = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : undefined;
      } catch {
        json = undefined;
      }
      return { ok: true, status: response.status, text, ...(json ? { json } : {}) };
    },
  };
}
