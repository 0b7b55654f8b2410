import type { App, ViewSubmitAction } from '@slack/bolt';
import type { Services } from '../services/services.js';
import { ActionIds, BlockIds } from '../views/ids.js';
import { typedText } from './slack-payloads.js';
import { tellUser } from './tell-user.js';

/** Where a reject modal came from: the cluster, and the channel a refusal is told in. */
interface RejectPointer {
  clusterId: string;
  channel: string;
}

/**
 * The submission of a reject modal (a create's or a day-two change's request): the reason is
 * required, inline; then `reject` decides (exactly once, in the service) and a refusal (decided
 * already, not an approver) is told to the person privately.
 */
export function onRejectReason<P extends RejectPointer>(
  app: App,
  services: Pick<Services, 'logger' | 'clock'>,
  callbackId: string,
  options: { parse: (metadata: string) => P | undefined; reject: (pointer: P, user: string, reason: string) => Promise<string | undefined>; failed: string },
): void {
  app.view<ViewSubmitAction>(callbackId, async ({ ack, body, view, client }) => {
    const pointer = options.parse(view.private_metadata);
    const reason = typedText(view.state.values, BlockIds.approvalRejectReason, ActionIds.approvalRejectReason).trim();
    if (pointer && !reason) {
      await ack({ response_action: 'errors', errors: { [BlockIds.approvalRejectReason]: 'Say why: the requester and the thread see it.' } });
      return;
    }
    await ack();
    if (!pointer) return;
    try {
      const refusal = await options.reject(pointer, body.user.id, reason);
      if (refusal !== undefined) await tellUser(client, services, { user: body.user.id, channel: pointer.channel }, { text: refusal });
    } catch (error) {
      services.logger.error({ err: error, clusterId: pointer.clusterId }, options.failed);
    }
  });
}
