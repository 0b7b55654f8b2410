import type { App, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { confirmationProblem } from '../services/deletion-rules.js';
import { DeletionError } from '../services/deletion.js';
import type { Services } from '../services/services.js';
import type { ClusterRecord } from '../services/store-schema.js';
import { deletionExpiredModal, deletionNoticeModal, parseDeletionMetadata } from '../views/delete-modal.js';
import { forceDeleteLoadingModal, forceDeleteModal } from '../views/force-delete-modal.js';
import { ActionIds, BlockIds, CallbackIds } from '../views/ids.js';
import { parseClusterClick, typedText } from './cluster-click.js';

type Viewer = { user: string; channel: string };

/** The policy's refusal (who may force delete), else the deletion's (too early: how long is left). */
async function forceRefusal(services: Services, cluster: ClusterRecord, viewer: Viewer): Promise<string | undefined> {
  const decision = await services.policy.check('cluster.forceDelete', { ...viewer, project: cluster.project });
  if (!decision.allowed) return decision.message;
  return services.deletion.forceDeleteRefusal(cluster.id)?.message;
}

async function tell(client: WebClient, services: Services, viewer: Viewer, text: string): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel: viewer.channel, user: viewer.user, text });
  } catch (error) {
    services.logger.warn({ err: error, user: viewer.user }, 'could not send an ephemeral force-delete message');
  }
}

/**
 * The Force Delete Cluster button (thread offer and overview) and its confirmation. The click
 * opens a "Looking up leftover resources…" modal at once, since three Tencent lookups may not fit
 * the trigger's 3 seconds, then updates it with what is left.
 */
export function register(app: App, services: Services): void {
  const { logger } = services;

  app.action(ActionIds.clusterForceDelete, async ({ ack, body, client }) => {
    await ack();
    const click = parseClusterClick(body);
    if (!click) {
      logger.warn('Force delete click without user, channel, trigger or cluster');
      return;
    }
    const viewer = { user: click.user, channel: click.channel };
    const cluster = services.clusterLookup.get(click.clusterId);
    const refusal = cluster ? await forceRefusal(services, cluster, viewer) : 'This cluster is no longer known to tkeops.';
    if (refusal || !cluster) {
      await tell(client, services, viewer, refusal ?? 'This cluster is no longer known to tkeops.');
      return;
    }
    const pointer = { clusterId: cluster.id, channel: viewer.channel };
    let viewId: string | undefined;
    try {
      viewId = (await client.views.open({ trigger_id: click.triggerId, view: forceDeleteLoadingModal({ ...pointer, name: cluster.spec.name }) })).view?.id;
    } catch (error) {
      logger.error({ err: error, clusterId: cluster.id }, 'could not open the force-delete modal');
      await tell(client, services, viewer, 'Slack did not open the form in time; click Force Delete Cluster again.');
      return;
    }
    if (!viewId) return;
    let view;
    try {
      const review = await services.deletion.reviewForceDelete(cluster.id, viewer.user);
      view = forceDeleteModal({
        ...pointer,
        name: review.cluster.spec.name,
        tkeClusterId: review.cluster.tkeClusterId,
        ...(review.leftovers ? { leftovers: review.leftovers } : {}),
        ...(review.lookupFailure ? { lookupFailure: review.lookupFailure } : {}),
      });
    } catch (error) {
      if (!(error instanceof DeletionError)) logger.error({ err: error, clusterId: cluster.id }, 'force-delete review failed');
      view = deletionNoticeModal(error instanceof DeletionError ? error.message : 'tkeops hit an unexpected error; try again.');
    }
    try {
      await client.views.update({ view_id: viewId, view });
    } catch (error) {
      // The user may have closed the modal meanwhile.
      logger.warn({ err: error, clusterId: cluster.id }, 'could not show the leftover resources');
    }
  });

  app.view<ViewSubmitAction>(CallbackIds.forceDeleteConfirm, async ({ ack, body, view, client }) => {
    const pointer = parseDeletionMetadata(view.private_metadata);
    const cluster = pointer && services.clusterLookup.get(pointer.clusterId);
    if (!pointer || !cluster) {
      await ack({ response_action: 'update', view: deletionExpiredModal() });
      return;
    }
    const viewer = { user: body.user.id, channel: pointer.channel };
    const typed = typedText(view.state.values, BlockIds.forceDeleteConfirmName, ActionIds.forceDeleteConfirmName);
    const problem = (await forceRefusal(services, cluster, viewer)) ?? confirmationProblem(typed, cluster.spec.name);
    if (problem) {
      await ack({ response_action: 'errors', errors: { [BlockIds.forceDeleteConfirmName]: problem } });
      return;
    }
    await ack();
    try {
      await services.deletion.forceDelete(cluster.id, viewer.user);
    } catch (error) {
      if (!(error instanceof DeletionError)) logger.error({ err: error, clusterId: cluster.id }, 'force delete failed');
      const text = error instanceof DeletionError ? error.message : `Force delete of ${cluster.spec.name} did not happen: tkeops hit an unexpected error; try again.`;
      await tell(client, services, viewer, text);
    }
  });
}
