import type { DeletionSummary } from '../services/deletion-rules.js';
import type { ClusterRecord, ClusterStatus } from '../services/domain/index.js';
import { escapeMrkdwn, formatDuration, slackTime } from './cluster-format.js';

/**
 * The root message's time line while and after deleting (instead of the provisioning progress).
 * While Deleting the root is not edited tick by tick, so it gives the start as a Slack date (each
 * reader sees it in their own time zone) rather than an elapsed time that would stop moving.
 */
export function deletionTimeLine(status: ClusterStatus, summary: DeletionSummary): string {
  const approved = `approved by <@${summary.requestedBy}>`;
  const took = formatDuration(summary.elapsedMs);
  if (status === 'DeletedForced') return `Force deleted${summary.forcedBy ? ` by <@${summary.forcedBy}>` : ''} after ${took} · ${approved}`;
  if (status === 'Deleted') return `Deleted after ${took} · ${approved}`;
  return `Deleting since ${slackTime(summary.requestedAt)} · ${approved}`;
}

/**
 * The answer to a Delete or Force Delete button of a cluster already gone (an old overview, a used
 * offer): what happened, and where to look next.
 */
export function alreadyDeletedText(cluster: Pick<ClusterRecord, 'status' | 'deletion'> & { name: string }): string {
  const name = escapeMrkdwn(cluster.name);
  const status = `\`/tke status ${name}\``;
  const deletion = cluster.deletion;
  if (cluster.status === 'DeletedForced' && deletion?.forcedBy && deletion.forcedAt) {
    return `${name} was already force deleted by <@${deletion.forcedBy}> at ${slackTime(deletion.forcedAt)}, so there is nothing left to do with this button. ${status} lists what was left at Tencent to clean up.`;
  }
  const when = deletion?.deletedAt ? ` at ${slackTime(deletion.deletedAt)}` : '';
  const approved = deletion ? ` (approved by <@${deletion.requestedBy}>)` : '';
  return `${name} was already deleted${when}${approved}, so there is nothing left to do with this button. ${status} shows how it ended.`;
}
