import { createHmac } from 'node:crypto';
import { messageBodyProblems, viewProblems } from '../../src/sandbox/slack/limits.js';

/** Sends requests to the bot exactly as Slack does: signed, form-encoded, with Slack's headers. */
export interface SlackSender {
  command(text: string, options?: CommandOptions): Promise<SlackHttpResult>;
  blockActions(payload: Record<string, unknown>, options?: SendOptions): Promise<SlackHttpResult>;
  viewSubmission(payload: Record<string, unknown>, options?: SendOptions): Promise<SlackHttpResult>;
  viewClosed(payload: Record<string, unknown>, options?: SendOptions): Promise<SlackHttpResult>;
  /** An Events API `event_callback` (JSON, signed) carrying `event`, e.g. `{ type: 'app_home_opened', user, tab: 'home' }`. */
  event(event: Record<string, unknown>, options?: SendOptions): Promise<SlackHttpResult>;
  /** Posts an arbitrary form body; tests use it for tampered signatures and old timestamps. */
  raw(body: string, headers: Record<string, string>): Promise<SlackHttpResult>;
  sign(body: string, timestampSeconds: number): string;
}

export interface SendOptions {
  /** X-Slack-Retry-Num: Slack's retry of a request it thinks was not acknowledged. */
  retryNum?: number;
  /** Seconds since the epoch used in X-Slack-Request-Timestamp (default: now). */
  timestamp?: number;
  signingSecret?: string;
}
export interface CommandOptions extends SendOptions {
  user?: string;
  channel?: string;
  triggerId?: string;
  responseUrl?: string;
}

export interface SlackHttpResult {
  status: number;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: Record<string, unknown> | undefined;
}

export const TEAM = { id: 'T0TKEOPS', domain: 'tkeops' };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What Slack would refuse in the bot's answer to a request (the ack body): a view for
 * response_action update/push, the errors map, or a command's reply message.
 */
export function ackProblems(json: Record<string, unknown> | undefined): string[] {
  if (!json) return [];
  switch (json.response_action) {
    case 'update':
    case 'push':
      return viewProblems(json.view);
    case 'errors': {
      const errors = json.errors;
      const fine = isObject(errors) && Object.keys(errors).length > 0 && Object.values(errors).every((e) => typeof e === 'string' && e.length > 0);
      return fine ? [] : ['[ERROR] must map block_ids to non-empty error messages [json-pointer:/errors]'];
    }
    case 'clear':
      return [];
    default:
      return json.text !== undefined || json.blocks !== undefined ? messageBodyProblems(json) : [];
  }
}

export function createSlackSender(options: { botUrl: string; signingSecret: string; responseBaseUrl: string }): SlackSender {
  let triggerCounter = 0;
  const sign = (body: string, timestamp: number, secret = options.signingSecret) =>
    `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;

  async function post(body: string, headers: Record<string, string>): Promise<SlackHttpResult> {
    const response = await fetch(`${options.botUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', ...headers },
      body,
    });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    const problems = response.status === 200 ? ackProblems(json) : [];
    if (problems.length > 0) throw new Error(`the bot answered Slack with a body over Slack's limits:\n  ${problems.join('\n  ')}`);
    return { status: response.status, text, json };
  }

  async function send(body: string, sendOptions: SendOptions = {}, contentType?: string): Promise<SlackHttpResult> {
    const timestamp = sendOptions.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': sign(body, timestamp, sendOptions.signingSecret),
      ...(contentType ? { 'content-type': contentType } : {}),
    };
    if (sendOptions.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(sendOptions.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    return post(body, headers);
  }

  const payloadBody = (payload: Record<string, unknown>) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

  return {
    sign,
    raw: post,
    command(text, commandOptions = {}) {
      const user = commandOptions.user ?? 'U0MEMBER';
      const channel = commandOptions.channel ?? 'C0PLATFORM';
      const body = new URLSearchParams({
        token: 'legacy-verification-token',
        team_id: TEAM.id,
        team_domain: TEAM.domain,
        channel_id: channel,
        channel_name: 'platform',
        user_id: user,
        user_name: user.toLowerCase(),
        command: '/tke',
        text,
        api_app_id: 'A0TKEOPS',
        is_enterprise_install: 'false',
        response_url: commandOptions.responseUrl ?? `${options.responseBaseUrl}/response/${channel}/${++triggerCounter}`,
        trigger_id: commandOptions.triggerId ?? `${++triggerCounter}.1.trigger`,
      }).toString();
      return send(body, commandOptions);
    },
    blockActions: (payload, sendOptions) => send(payloadBody({ type: 'block_actions', ...payload }), sendOptions),
    viewSubmission: (payload, sendOptions) => send(payloadBody({ type: 'view_submission', ...payload }), sendOptions),
    viewClosed: (payload, sendOptions) => send(payloadBody({ type: 'view_closed', ...payload }), sendOptions),
    event(event, sendOptions) {
      const eventTime = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({
        token: 'legacy-verification-token',
        team_id: TEAM.id,
        api_app_id: 'A0TKEOPS',
        event: { event_ts: `${eventTime}.000100`, ...event },
        type: 'event_callback',
        event_id: `Ev${String(++triggerCounter).padStart(8, '0')}`,
        event_time: eventTime,
        authorizations: [{ enterprise_id: null, team_id: TEAM.id, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
        is_ext_shared_channel: false,
      });
      return send(body, sendOptions, 'application/json');
    },
  };
}
