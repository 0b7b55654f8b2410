import type { App } from '@slack/bolt';
import { DeletionError } from '../services/deletion.js';
import type { Services } from '../services/services.js';
import type { ClusterRecord } from '../services/store-schema.js';
import { forceDeleteLoadingModal, forceDeleteModal, forceDeleteNoticeModal } from '../views/force-delete-modal.js';
import { deletionRefusalText } from '../views/deletion-refusals.js';
import { ActionIds, BlockIds, CallbackIds } from '../views/ids.js';
import { onClusterButton, onTypedNameConfirmation, tellViewer, type DeletionFlow } from './deletion-confirmation.js';
import type { Viewer } from './named-cluster.js';

/** The policy's refusal (who may force delete), else the deletion's (too early: how long is left). */
async function forceRefusal(services: Services, cluster: ClusterRecord, viewer: Viewer): Promise<string | undefined> {
  const decision = await services.policy.check('cluster.forceDelete', { ...viewer, project: cluster.project });
  if (!decision.allowed) return decision.message;
  const refusal = services.deletion.forceDeleteRefusal(cluster);
  return refusal && deletionRefusalText(refusal.refusal);
}

/**
 * The Force Delete Cluster button (thread offer and overview) and its confirmation. The click
 * opens a "Looking up leftover resources…" modal at once, since three Tencent lookups may not fit
 * the trigger's 3 seconds, then updates it with what is left.
 */
export function register(app: App, services: Services): void {
  const { logger } = services;
  const flow: DeletionFlow = {
    button: 'Force delete',
    topic: 'force-delete',
    refusal: (cluster, viewer) => forceRefusal(services, cluster, viewer),
  };

  onClusterButton(app, services, flow, ActionIds.clusterForceDelete, async ({ click, viewer, cluster }, client) => {
    const pointer = { clusterId: cluster.id, channel: viewer.channel, ...(viewer.responseUrl ? { responseUrl: viewer.responseUrl } : {}) };
    let viewId: string | undefined;
    try {
      viewId = (await client.views.open({ trigger_id: click.triggerId, view: forceDeleteLoadingModal({ ...pointer, name: cluster.spec.name }) })).view?.id;
    } catch (error) {
      logger.error({ err: error, clusterId: cluster.id }, 'could not open the force-delete modal');
      await tellViewer(client, services, flow, viewer, 'Slack did not open the form in time; click Force Delete Cluster again.');
      return;
    }
    if (!viewId) return;
    let view;
    try {
      const { cluster: reviewed, ...found } = await services.deletion.reviewForceDelete(cluster.id, viewer.user);
      view = forceDeleteModal({ ...pointer, name: reviewed.spec.name, tkeClusterId: reviewed.tkeClusterId, ...found });
    } catch (error) {
      if (!(error instanceof DeletionError)) logger.error({ err: error, clusterId: cluster.id }, 'force-delete review failed');
      view = forceDeleteNoticeModal(error instanceof DeletionError ? deletionRefusalText(error.refusal) : 'tkeops hit an unexpected error; try again.');
    }
    try {
      await client.views.update({ view_id: viewId, view });
    } catch (error) {
      // The user may have closed the modal meanwhile.
      logger.warn({ err: error, clusterId: cluster.id }, 'could not show the leftover resources');
    }
  });

  onTypedNameConfirmation(app, services, flow, {
    callbackId: CallbackIds.forceDeleteConfirm,
    blockId: BlockIds.forceDeleteConfirmName,
    actionId: ActionIds.forceDeleteConfirmName,
    run: (clusterId, user) => services.deletion.forceDelete(clusterId, user),
    failureLog: 'force delete failed',
    failureText: (name) => `Force delete of ${name} did not happen: tkeops hit an unexpected error; try again.`,
  });
}
