import type { DeletionRefusal } from '../services/deletion-rules.js';
import { failureText, formatDuration, timeLeft } from './cluster-format.js';

/** Why a deletion or a force delete did not happen, for the user (ephemeral, modal error or notice). */
export function deletionRefusalText(refusal: DeletionRefusal): string {
  switch (refusal.reason) {
    case 'not_found':
      return 'This cluster is no longer known to tkeops.';
    case 'already_deleting': {
      const force = refusal.forceInMs === undefined ? '' : ` Force delete becomes available in ${timeLeft(refusal.forceInMs)} if it gets stuck.`;
      return `${refusal.name} is already being deleted (approved by <@${refusal.requestedBy ?? 'someone'}>).${force}`;
    }
    case 'already_deleted':
      return `${refusal.name} has already been deleted.`;
    case 'still_creating':
      return `${refusal.name} is still being created at Tencent; try again in a minute.`;
    case 'awaiting_approval':
      return `${refusal.name} is waiting for approval: nothing exists at Tencent yet. An approver can reject the request to close it.`;
    case 'not_deleting':
      return refusal.status === undefined
        ? `${refusal.name} has no TKE cluster to force delete.`
        : `${refusal.name} is not being deleted (it is ${refusal.status}); force delete is only for a deletion that is stuck.`;
    case 'too_early':
      return `Force delete of ${refusal.name} becomes available ${formatDuration(refusal.thresholdMs)} after the delete request: in ${timeLeft(refusal.waitMs)}.`;
    case 'forcing':
      return `<@${refusal.by}> is already force deleting ${refusal.name}.`;
    case 'no_account':
      return `The cloud account of ${refusal.name} no longer exists, so tkeops cannot ask Tencent.`;
    case 'tencent':
      return `Tencent refused to ${refusal.forced ? 'force delete' : 'delete'} ${refusal.name}: ${failureText(refusal.failure)}`;
  }
}
