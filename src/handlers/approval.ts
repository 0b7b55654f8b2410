import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ApprovalOutcome } from '../services/approval.js';
import type { Services } from '../services/services.js';
import { approvalRefusalText, parseRejectMetadata, rejectModal } from '../views/approval.js';
import { ActionIds, CallbackIds } from '../views/ids.js';
import { clusterClickOf, type ClusterClick } from './slack-payloads.js';
import { onRejectReason } from './reject-reason.js';
import { receivedNow, tellUser } from './tell-user.js';

/**
 * The approval request's buttons (on the provisioning thread's root message): Approve, Approve as
 * break-glass, Reject (opens a modal asking why). Ack first; the service decides, exactly once;
 * whoever's click did nothing is told why, privately.
 */
type ApprovalServices = Pick<Services, 'approvals' | 'logger' | 'clock' | 'clusterLookup'>;

async function tellClicker(client: WebClient, services: ApprovalServices, click: ClusterClick, outcome: ApprovalOutcome): Promise<void> {
  if (outcome.kind === 'approved' || outcome.kind === 'rejected') return;
  const responseUrl = receivedNow(services, click.responseUrl);
  await tellUser(client, services, { user: click.user, channel: click.channel, direct: click.fromHome, ...(responseUrl ? { responseUrl } : {}) }, { text: approvalRefusalText(outcome) });
}

export function register(app: App, services: ApprovalServices): void {
  const { logger } = services;

  const approveButton = (actionId: string, breakGlass: boolean) =>
    app.action(actionId, async ({ ack, body, client }) => {
      await ack();
      const click = await clusterClickOf(body, services.clusterLookup);
      if (!click) return;
      try {
        const outcome = await services.approvals.approve(click.clusterId, click.user, { breakGlass });
        await tellClicker(client, services, click, outcome);
      } catch (error) {
        logger.error({ err: error, clusterId: click.clusterId }, 'approval failed');
      }
    });
  approveButton(ActionIds.approvalApprove, false);
  approveButton(ActionIds.approvalBreakGlass, true);

  app.action(ActionIds.approvalReject, async ({ ack, body, client }) => {
    await ack();
    const click = await clusterClickOf(body, services.clusterLookup);
    if (!click) return;
    const checked = await services.approvals.checkReject(click.clusterId, click.user);
    if (checked.kind !== 'ok') {
      await tellClicker(client, services, click, checked);
      return;
    }
    try {
      await client.views.open({ trigger_id: click.triggerId, view: rejectModal({ clusterId: click.clusterId, channel: click.channel }, checked.name) });
    } catch (error) {
      logger.warn({ err: error, clusterId: click.clusterId }, 'could not open the reject modal');
    }
  });

  onRejectReason(app, services, CallbackIds.approvalReject, {
    parse: parseRejectMetadata,
    reject: async (pointer, user, reason) => {
      const outcome = await services.approvals.reject(pointer.clusterId, user, reason);
      return outcome.kind === 'rejected' || outcome.kind === 'approved' ? undefined : approvalRefusalText(outcome);
    },
    failed: 'rejection failed',
  });
}
