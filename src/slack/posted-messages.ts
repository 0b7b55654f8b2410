import type { MessageMetadata } from '@slack/types';
import type { OutboxMessage } from '../services/repositories/repositories.js';
import type { Logger } from '../services/logger.js';

/**
 * Every provisioning-thread message carries Slack message metadata naming its cluster and step,
 * so a message Slack took just before a crash (the bot never recorded its ts) is found again in
 * the channel instead of being posted twice. Reading it back needs `channels:history` (public
 * channels) and `groups:history` (private ones) with `include_all_metadata`.
 */
export const MESSAGE_EVENT_TYPE = 'tkeops_cluster';

/** The step of a cluster's root message (a reply's step is its ThreadReply key). */
export const ROOT_STEP = 'root';

export const messageMetadata = (clusterId: string, step: string): MessageMetadata => ({
  event_type: MESSAGE_EVENT_TYPE,
  event_payload: { cluster_id: clusterId, step },
});

interface HistoryMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

interface HistoryAnswer {
  ok?: boolean;
  messages?: HistoryMessage[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

interface Page {
  channel: string;
  oldest: string;
  include_all_metadata: true;
  limit: number;
  cursor?: string;
}

/** The Web API reads the lookup uses; a @slack/web-api WebClient satisfies it. */
export interface SlackHistoryClient {
  conversations: {
    history(args: Page): Promise<HistoryAnswer>;
    replies(args: Page & { ts: string }): Promise<HistoryAnswer>;
  };
}

/**
 * What the channel shows of a recorded message: its ts, nothing, or it could not be read: for now
 * (no answer: try later) or `lasting` (Slack refused, e.g. `not_in_channel`: the bot may post in a
 * public channel it is not in, but not read it).
 */
export type Lookup = { found: true; ts: string } | { found: false } | { unreadable: string; lasting: boolean };

export interface PostedMessages {
  /** Looks for the recorded message in its channel (a root) or thread (a reply), from when it was recorded. */
  find(message: OutboxMessage): Promise<Lookup>;
}

/** How far before the record the search starts: the bot's clock and Slack's may differ a little. */
const CLOCK_SKEW_MS = 60_000;
/** Pages read at most: the search starts at the record, so a few pages cover it. */
const MAX_PAGES = 10;

const slackTime = (iso: string) => ((Date.parse(iso) - CLOCK_SKEW_MS) / 1000).toFixed(6);

export function createPostedMessages(deps: { client: SlackHistoryClient; logger: Logger }): PostedMessages {
  return {
    async find(message) {
      const wanted = (m: HistoryMessage) =>
        m.metadata?.event_type === MESSAGE_EVENT_TYPE && m.metadata.event_payload?.cluster_id === message.clusterId && m.metadata.event_payload.step === message.step;
      let cursor: string | undefined;
      try {
        for (let page = 0; page < MAX_PAGES; page += 1) {
          const args: Page = { channel: message.channel, oldest: slackTime(message.recordedAt), include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) };
          const answer = message.threadTs ? await deps.client.conversations.replies({ ...args, ts: message.threadTs }) : await deps.client.conversations.history(args);
          const hit = answer.messages?.find(wanted);
          if (hit?.ts) return { found: true, ts: hit.ts };
          cursor = answer.response_metadata?.next_cursor;
          if (!answer.has_more || !cursor) return { found: false };
        }
        return { unreadable: `more than ${MAX_PAGES} pages of messages since it was recorded`, lasting: true };
      } catch (error) {
        const data = (error as { data?: { error?: unknown } }).data;
        const reason = typeof data?.error === 'string' ? data.error : (error as Error).message;
        deps.logger.warn({ clusterId: message.clusterId, step: message.step, channel: message.channel, err: reason }, 'could not read the channel to find a message sent before a restart');
        return { unreadable: reason, lasting: typeof data?.error === 'string' };
      }
    },
  };
}
