import type { DeletionSummary } from '../services/deletion-rules.js';
import type { ClusterStatus } from '../services/store-schema.js';
import { formatDuration } from './cluster-format.js';

/** The root message's time line while and after deleting (instead of the provisioning progress). */
export function deletionTimeLine(status: ClusterStatus, summary: DeletionSummary): string {
  const approved = `approved by <@${summary.requestedBy}>`;
  const took = formatDuration(summary.elapsedMs);
  if (status === 'DeletedForced') return `Force deleted${summary.forcedBy ? ` by <@${summary.forcedBy}>` : ''} after ${took} · ${approved}`;
  if (status === 'Deleted') return `Deleted after ${took} · ${approved}`;
  return `Deleting for ${took} · ${approved}`;
}
