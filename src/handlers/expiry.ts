import type { App, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { EXPIRY_CHOICES } from '../services/domain/expiry.js';
import type { Services } from '../services/services.js';
import { expiryRefusalText, extendModal, parseExtendMetadata } from '../views/expiry.js';
import { ActionIds, BlockIds, CallbackIds } from '../views/ids.js';
import { parseClusterClick, pickedValue } from './slack-payloads.js';
import { receivedNow, tellUser, type Recipient } from './tell-user.js';

/**
 * The expiry reminder's buttons: Extend opens a small modal with the durations the project allows
 * (checked again by the service on submit: a choice beyond the maximum is an inline error), Keep
 * removes the expiry (admins only). Refusals are told privately.
 */
type ExpiryServices = Pick<Services, 'expiry' | 'clock' | 'logger'>;

async function tell(client: WebClient, services: ExpiryServices, to: Recipient, text: string): Promise<void> {
  const delivery = await tellUser(client, services, to, { text });
  if (!delivery) services.logger.warn({ user: to.user }, 'could not tell the user an expiry answer');
}

export function register(app: App, services: ExpiryServices): void {
  app.action(ActionIds.clusterExpiryExtend, async ({ ack, body, client }) => {
    await ack();
    const click = parseClusterClick(body);
    if (!click) {
      services.logger.warn('Extend click without user, channel, trigger or cluster');
      return;
    }
    const viewer: Recipient = { user: click.user, channel: click.channel, responseUrl: receivedNow(services, click.responseUrl) };
    const offer = await services.expiry.extendOffer({ clusterId: click.clusterId, user: click.user, channel: click.channel });
    if (!offer.ok) {
      await tell(client, services, viewer, expiryRefusalText(offer.refusal));
      return;
    }
    const view = extendModal({
      clusterId: click.clusterId,
      channel: click.channel,
      ...(viewer.responseUrl ? { responseUrl: viewer.responseUrl } : {}),
      name: offer.cluster.spec.name,
      expiresAt: offer.cluster.expiresAt as string,
      choices: offer.choices,
    });
    await client.views.open({ trigger_id: click.triggerId, view });
  });

  app.view<ViewSubmitAction>(CallbackIds.expiryExtend, async ({ ack, body, view }) => {
    const pointer = parseExtendMetadata(view.private_metadata);
    const choice = EXPIRY_CHOICES.find((c) => c === pickedValue(view.state.values, BlockIds.expiryChoice, ActionIds.expiryChoice));
    if (!pointer || !choice) {
      await ack({ response_action: 'errors', errors: { [BlockIds.expiryChoice]: pointer ? 'Pick how long to keep the cluster.' : 'This form has expired; click Extend again.' } });
      return;
    }
    const outcome = await services.expiry.extend({ clusterId: pointer.clusterId, user: body.user.id, channel: pointer.channel, choice });
    if (!outcome.ok) {
      // A refusal about the choice or the user shows in the modal; the cluster being gone too.
      await ack({ response_action: 'errors', errors: { [BlockIds.expiryChoice]: expiryRefusalText(outcome.refusal) } });
      return;
    }
    await ack();
  });

  app.action(ActionIds.clusterExpiryKeep, async ({ ack, body, client }) => {
    await ack();
    const click = parseClusterClick(body);
    if (!click) {
      services.logger.warn('Keep click without user, channel, trigger or cluster');
      return;
    }
    const outcome = await services.expiry.keep({ clusterId: click.clusterId, user: click.user, channel: click.channel });
    if (!outcome.ok) {
      await tell(client, services, { user: click.user, channel: click.channel, responseUrl: receivedNow(services, click.responseUrl) }, expiryRefusalText(outcome.refusal));
    }
  });
}
