import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ChangeApprovalOutcome } from '../services/change-approval.js';
import type { Services } from '../services/services.js';
import { changeApprovalRefusalText, changeRejectModal, parseChangeButtonValue, parseChangeRejectMetadata } from '../views/change-approval.js';
import { ActionIds, CallbackIds } from '../views/ids.js';
import { parseClusterClick, type ClusterClick } from './slack-payloads.js';
import { onRejectReason } from './reject-reason.js';
import { receivedNow, tellUser } from './tell-user.js';

/**
 * The buttons of a day-two change's approval request (a thread reply): Approve, Approve as
 * break-glass, Reject (opens a modal asking why). Ack first; the service decides, exactly once;
 * whoever's click did nothing is told why, privately.
 */
type ChangeApprovalServices = Pick<Services, 'changeApprovals' | 'logger' | 'clock'>;

async function tellClicker(client: WebClient, services: ChangeApprovalServices, click: ClusterClick, outcome: ChangeApprovalOutcome): Promise<void> {
  if (outcome.kind === 'approved' || outcome.kind === 'rejected') return;
  const responseUrl = receivedNow(services, click.responseUrl);
  await tellUser(client, services, { user: click.user, channel: click.channel, ...(responseUrl ? { responseUrl } : {}) }, { text: changeApprovalRefusalText(outcome) });
}

/** The click and the change its button decides. */
function changeClick(body: unknown): (ClusterClick & { changeId: string }) | undefined {
  const click = parseClusterClick(body);
  const target = click && parseChangeButtonValue(click.clusterId);
  return click && target ? { ...click, ...target } : undefined;
}

export function register(app: App, services: ChangeApprovalServices): void {
  const { logger } = services;

  const approveButton = (actionId: string, breakGlass: boolean) =>
    app.action(actionId, async ({ ack, body, client }) => {
      await ack();
      const click = changeClick(body);
      if (!click) return;
      try {
        const outcome = await services.changeApprovals.approve(click.clusterId, click.changeId, click.user, { breakGlass });
        await tellClicker(client, services, click, outcome);
      } catch (error) {
        logger.error({ err: error, clusterId: click.clusterId }, 'change approval failed');
      }
    });
  approveButton(ActionIds.changeApprovalApprove, false);
  approveButton(ActionIds.changeApprovalBreakGlass, true);

  app.action(ActionIds.changeApprovalReject, async ({ ack, body, client }) => {
    await ack();
    const click = changeClick(body);
    if (!click) return;
    const checked = await services.changeApprovals.checkReject(click.clusterId, click.changeId, click.user);
    if (checked.kind !== 'ok') {
      await tellClicker(client, services, click, checked);
      return;
    }
    try {
      await client.views.open({ trigger_id: click.triggerId, view: changeRejectModal({ clusterId: click.clusterId, changeId: click.changeId, channel: click.channel }) });
    } catch (error) {
      logger.warn({ err: error, clusterId: click.clusterId }, 'could not open the change reject modal');
    }
  });

  onRejectReason(app, services, CallbackIds.changeApprovalReject, {
    parse: parseChangeRejectMetadata,
    reject: async (pointer, user, reason) => {
      const outcome = await services.changeApprovals.reject(pointer.clusterId, pointer.changeId, user, reason);
      return outcome.kind === 'rejected' || outcome.kind === 'approved' ? undefined : changeApprovalRefusalText(outcome);
    },
    failed: 'change rejection failed',
  });
}
