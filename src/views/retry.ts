import type { Button } from '@slack/types';
import type { TencentFailure } from '../services/domain/index.js';
import type { RetryRefusal } from '../services/retry.js';
import { policyRefusalText } from './policy-refusals.js';
import { escapeMrkdwn, failureText } from './cluster-format.js';
import { ActionIds } from './ids.js';

/** "Retry the failed step", on a failed cluster's final reply and overview; its value is the cluster id. */
export function retryStepButton(clusterId: string): Button {
  return { type: 'button', action_id: ActionIds.clusterRetryStep, text: { type: 'plain_text', text: 'Retry the failed step' }, value: clusterId };
}

/** The thread's reply when someone retries the failed step. */
export const stepRetriedText = (user: string, step: string, failure: TencentFailure): string =>
  `:repeat: <@${user}> retries the failed step: ${escapeMrkdwn(step)}. It had failed with ${failureText(failure)}`;

/** The failure reply's note on what a retry would run again. */
export const retryNote = (step: string): string => `Only the failed step can be retried: ${escapeMrkdwn(step)}.`;

/** Why the failed step cannot be retried now. */
export function retryRefusalText(refusal: RetryRefusal): string {
  switch (refusal.kind) {
    case 'policy':
      return policyRefusalText(refusal.refusal);
    case 'gone':
      return 'That cluster no longer exists.';
    case 'notFailed':
      return `${escapeMrkdwn(refusal.name)} is ${refusal.status}, not Failed: nothing to retry (someone may have retried it already; see its thread).`;
    case 'notRetryable':
      return `The step ${escapeMrkdwn(refusal.name)} failed at cannot be retried; delete the cluster and deploy it again.`;
  }
}
