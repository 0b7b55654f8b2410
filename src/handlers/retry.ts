/**
 * "Retry the failed step" on a Failed cluster's final reply and overview: the retry service moves
 * the cluster back to Provisioning (once, however many clicks) and the watcher runs the step again.
 */
import type { App } from '@slack/bolt';
import type { Services } from '../services/services.js';
import { ActionIds } from '../views/ids.js';
import { retryRefusalText, retryStepButton } from '../views/retry.js';
import type { DeletionSlot } from './cluster-status.js';
import { parseClusterClick } from './slack-payloads.js';
import { receivedNow, tellUser } from './tell-user.js';

export type RetryServices = Pick<Services, 'retry' | 'policy' | 'logger' | 'clock'>;

/** The overview's slot with "Retry the failed step" first, for a Failed cluster whose step is retryable, to those who may. */
export function withRetryButton(services: RetryServices, slot: DeletionSlot): DeletionSlot {
  return async (cluster, viewer) => {
    const filled = await slot(cluster, viewer);
    if (!services.retry.retryableStep(cluster)) return filled;
    if (!(await services.policy.check('cluster.create', { ...viewer, project: cluster.project })).allowed) return filled;
    return { ...filled, buttons: [retryStepButton(cluster.id), ...(filled?.buttons ?? [])] };
  };
}

export function register(app: App, services: RetryServices): void {
  app.action(ActionIds.clusterRetryStep, async ({ ack, body, client }) => {
    await ack();
    const click = parseClusterClick(body);
    if (!click) {
      services.logger.warn('Retry click without user, channel or cluster');
      return;
    }
    const result = await services.retry.retry({ clusterId: click.clusterId, user: click.user, channel: click.channel });
    if (result.ok) return;
    const viewer = { user: click.user, channel: click.channel, responseUrl: receivedNow(services, click.responseUrl) };
    await tellUser(client, services, viewer, { text: retryRefusalText(result.refusal) });
  });
}
