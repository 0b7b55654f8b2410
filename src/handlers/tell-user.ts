/**
 * Telling one user something privately, wherever they ran the command or clicked. Slash commands
 * and buttons work in any conversation, but chat.postEphemeral (and chat.postMessage) only reach
 * conversations tkeops can post in: a private channel or a DM it has not joined answers
 * `channel_not_found`. So, in this order:
 * 1. the interaction's response_url, which works wherever the user is, while Slack still accepts it
 *    (30 minutes, 5 posts);
 * 2. an ephemeral message in the channel;
 * 3. when Slack says tkeops cannot post there, a direct message from tkeops.
 */
import type { KnownBlock } from '@slack/types';
import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import type { Services } from '../services/services.js';
import type { SavedResponseUrl } from '../views/private-metadata.js';

/** Slack accepts a response_url for 30 minutes; tkeops stops using one a little before, not to race the end. */
export const RESPONSE_URL_FRESH_MS = 25 * 60_000;
/** How long a response_url post may take (it always runs after the ack). */
const RESPONSE_URL_TIMEOUT_MS = 5_000;
/** chat.postEphemeral's answers that mean tkeops cannot post in that conversation. */
const NOT_POSTABLE_THERE = new Set(['channel_not_found', 'not_in_channel', 'user_not_in_channel']);

export interface PrivateMessage {
  text: string;
  blocks?: KnownBlock[];
}

export interface Recipient {
  user: string;
  /** Where the user is (the command's or the clicked message's channel). */
  channel: string;
  responseUrl?: SavedResponseUrl | undefined;
  /** Straight to the direct message (a click on the App Home tab: the person is not looking at the channel). */
  direct?: boolean | undefined;
}

export type Delivery = 'response_url' | 'ephemeral' | 'direct_message';

type TellServices = Pick<Services, 'clock' | 'logger'>;

/** A response_url received just now (a click or a slash command), ready to keep in a modal's private_metadata. */
export function receivedNow(services: Pick<Services, 'clock'>, url: string | undefined): SavedResponseUrl | undefined {
  return url ? { url, at: services.clock.now().getTime() } : undefined;
}

const isFresh = (services: TellServices, saved: SavedResponseUrl) => services.clock.now().getTime() - saved.at < RESPONSE_URL_FRESH_MS;

async function postToResponseUrl(url: string, message: PrivateMessage, replaceOriginal = false): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    // replace_original false: from a button in a message, the answer is a new ephemeral message, the message stays.
    body: JSON.stringify(replaceOriginal ? { replace_original: true, ...message } : { response_type: 'ephemeral', replace_original: false, ...message }),
    signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
  });
  const body = await response.text();
  let refused: string | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'ok' in parsed && parsed.ok === false) {
      refused = 'error' in parsed ? String(parsed.error) : 'refused';
    }
  } catch {
    // Slack may answer plain text ("ok").
  }
  if (!response.ok || refused) throw new Error(`response_url answered HTTP ${response.status}${refused ? ` (${refused})` : ''}`);
}

/**
 * Replaces the message whose button was clicked (an ephemeral overview, or a thread message for
 * everyone) through that click's response_url, while Slack still takes it. Never throws; false
 * when the message could not be replaced (logged).
 */
export async function replaceClickedMessage(services: TellServices, saved: SavedResponseUrl | undefined, message: PrivateMessage): Promise<boolean> {
  if (!saved || !isFresh(services, saved)) return false;
  try {
    await postToResponseUrl(saved.url, message, true);
    return true;
  } catch (error) {
    services.logger.warn({ err: error }, 'could not replace the clicked message');
    return false;
  }
}

const slackError = (error: unknown) => (error instanceof WebAPIPlatformError ? error.data.error : undefined);

/**
 * Tells `to.user` the message privately: through the response_url while fresh, else ephemerally in
 * the channel, else (tkeops cannot post there) in a direct message. Never throws; resolves with how
 * the message went out, or undefined when every way failed (logged).
 */
export async function tellUser(client: WebClient, services: TellServices, to: Recipient, message: PrivateMessage): Promise<Delivery | undefined> {
  const { logger } = services;
  const where = { user: to.user, channel: to.channel };
  if (to.responseUrl && isFresh(services, to.responseUrl)) {
    try {
      await postToResponseUrl(to.responseUrl.url, message);
      return 'response_url';
    } catch (error) {
      logger.warn({ ...where, err: error }, 'could not answer through the response_url; sending an ephemeral message');
    }
  }
  if (!to.direct) {
    try {
      await client.chat.postEphemeral({ channel: to.channel, user: to.user, ...message });
      return 'ephemeral';
    } catch (error) {
      if (!NOT_POSTABLE_THERE.has(slackError(error) ?? '')) {
        logger.warn({ ...where, err: error }, 'could not send an ephemeral message');
        return undefined;
      }
      logger.info({ ...where, error: slackError(error) }, 'tkeops cannot post in this channel; sending a direct message');
    }
  }
  try {
    await client.chat.postMessage({ channel: to.user, ...message });
    return 'direct_message';
  } catch (error) {
    logger.warn({ ...where, err: error }, 'could not send a direct message either');
    return undefined;
  }
}
