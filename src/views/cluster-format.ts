import type { ClusterStatus, EndpointAccessChoice, TencentFailure } from '../services/domain/index.js';

/** `▓▓▓▓▓░░░░░ 50%`: ten cells, one per 10 %. */
export function progressBar(percent: number): string {
  const clamped = Math.max(0, Math.min(100, Math.round(percent)));
  const filled = Math.floor(clamped / 10);
  return `${'▓'.repeat(filled)}${'░'.repeat(10 - filled)} ${clamped}%`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `42s`, `12m 05s`, `1h 02m 05s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}

/** Remaining time as the user reads it: rounded up to the second, so "available in 0s" never shows. */
export const timeLeft = (ms: number): string => formatDuration(Math.ceil(Math.max(ms, 0) / 1000) * 1000);

/** A time Slack renders for each reader with `format`'s tokens (the fallback text is UTC). */
const slackDate = (iso: string, format: string): string =>
  `<!date^${Math.floor(Date.parse(iso) / 1000)}^${format}|${iso.slice(0, 16).replace('T', ' ')} UTC>`;

/** A time Slack shows in the reader's own time zone. */
export const slackTime = (iso: string): string => slackDate(iso, '{date_short_pretty} {time}');

/** "12 minutes ago (9:00 AM)": Slack keeps the "ago" current as readers look, without the message being edited. */
export const slackTimeAgo = (iso: string): string => slackDate(iso, '{ago} ({time})');

/** Link to a message: `https://slack.com/archives/<channel>/p<ts without the dot>`. */
export function messageUrl(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

/**
 * How long provisioning took once it ended, the same words on the root message and the overview:
 * `Total time 6m 30s` (Running), `Failed after 33s` (Failed); undefined while it is under way.
 */
export function provisioningEndText(status: ClusterStatus, elapsedMs: number): string | undefined {
  if (status === 'Running') return `Total time ${formatDuration(elapsedMs)}`;
  if (status === 'Failed') return `Failed after ${formatDuration(elapsedMs)}`;
  return undefined;
}

/** How a status reads in Slack; Creating is still part of provisioning for the user. */
export function statusLabel(status: ClusterStatus): string {
  switch (status) {
    case 'Creating':
    case 'Provisioning':
      return 'Provisioning';
    case 'DeletedForced':
      return 'Deleted (forced)';
    case 'AwaitingApproval':
      return 'Awaiting approval';
    default:
      return status;
  }
}

export function statusEmoji(status: ClusterStatus): string {
  switch (status) {
    case 'Running':
      return ':large_green_circle:';
    case 'Failed':
      return ':red_circle:';
    case 'Deleting':
      return ':wastebasket:';
    case 'Deleted':
    case 'DeletedForced':
      return ':white_circle:';
    case 'AwaitingApproval':
      return ':hourglass_flowing_sand:';
    case 'Rejected':
      return ':no_entry_sign:';
    default:
      return ':large_blue_circle:';
  }
}

const ENDPOINT_LABELS: Record<EndpointAccessChoice, string> = {
  public: 'Public',
  private: 'Private',
  'private-public': 'Private & Public',
};

/** How an endpoint access choice reads in Slack: `Public`, `Private`, `Private & Public`. */
export const endpointLabel = (access: EndpointAccessChoice): string => ENDPOINT_LABELS[access];

/** Slack mrkdwn needs &, < and > escaped in text that came from users or Tencent. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes text for mrkdwn and cuts it so the escaped text fits in `max` characters. */
export function escapeWithin(text: string, max: number): string {
  let source = text.slice(0, max);
  let escaped = escapeMrkdwn(source);
  while (escaped.length > max) {
    source = source.slice(0, source.length - Math.ceil((escaped.length - max) / 4));
    escaped = escapeMrkdwn(source);
  }
  return escaped;
}

/** Cuts text to Slack's limit for a field, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A Tencent failure in mrkdwn: `*Code* during Action: message (request id `x`)`, Tencent's text escaped. */
export function failureText(failure: TencentFailure): string {
  const where = failure.action ? ` during ${failure.action}` : '';
  const requestId = failure.requestId ? ` (request id \`${failure.requestId}\`)` : '';
  return `*${escapeMrkdwn(failure.code)}*${where}: ${escapeMrkdwn(failure.message)}${requestId}`;
}
