import type { DeletionSummary } from '../services/deletion-rules.js';
import type { ClusterStatus } from '../services/store-schema.js';
import { formatDuration, slackTime } from './cluster-format.js';

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
