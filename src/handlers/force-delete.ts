import type { App } from '@slack/bolt';
import { isGone } from '../services/deletion-rules.js';
import { DeletionError } from '../services/deletion.js';
import type { Services } from '../services/services.js';
import type { ClusterRecord } from '../services/domain/index.js';
import { policyRefusalText } from '../views/policy-refusals.js';
import type { DeletionModalPointer } from '../views/delete-modal.js';
import { alreadyDeletedText } from '../views/deletion-status.js';
import { forceDeleteUsedMessage } from '../views/deletion-thread.js';
import { forceDeleteLoadingModal, forceDeleteModal, forceDeleteNoticeModal } from '../views/force-delete-modal.js';
import { deletionRefusalText } from '../views/deletion-refusals.js';
import { ActionIds, BlockIds, CallbackIds } from '../views/ids.js';
import { onClusterButton, onTypedNameConfirmation, replaceClickedOverview, tellViewer, type DeletionFlow } from './deletion-confirmation.js';
import { replaceClickedMessage } from './tell-user.js';
import type { Viewer } from './named-cluster.js';

/**
 * For a cluster already gone (a used offer, an old overview): what happened and where to look.
 * Otherwise the policy's refusal (who may force delete), else the deletion's (too early: how long is left).
 */
async function forceRefusal(services: Pick<Services, 'policy' | 'deletion' | 'access'>, cluster: ClusterRecord, viewer: Viewer): Promise<string | undefined> {
  if (isGone(cluster.status)) return alreadyDeletedText({ ...cluster, name: cluster.spec.name });
  const protectedRefusal = services.access.protectedRefusal(cluster, 'cluster.forceDelete');
  if (protectedRefusal) return policyRefusalText(protectedRefusal);
  const decision = await services.policy.check('cluster.forceDelete', { ...viewer, project: cluster.project });
  if (!decision.allowed) return policyRefusalText(decision.refusal);
  const refusal = services.deletion.forceDeleteRefusal(cluster);
  return refusal && deletionRefusalText(refusal.refusal);
}

/**
 * Once force deleted: the thread's offer says who did it and when, with no button; an overview
 * the button was on shows the cluster as it is now.
 */
async function replaceUsedButton(services: ForceDeleteServices, cluster: ClusterRecord, pointer: DeletionModalPointer): Promise<void> {
  const { forcedBy, forcedAt } = cluster.deletion ?? {};
  if (pointer.from === 'thread' && forcedBy && forcedAt) {
    const replaced = await replaceClickedMessage(services, pointer.responseUrl, forceDeleteUsedMessage({ name: cluster.spec.name, by: forcedBy, at: forcedAt }));
    if (!replaced) services.logger.warn({ clusterId: cluster.id }, 'the force-delete offer still shows its button');
    return;
  }
  await replaceClickedOverview(services, pointer, cluster);
}

/**
 * The Force Delete Cluster button (thread offer and overview) and its confirmation. The click
 * opens a "Looking up leftover resources…" modal at once, since three Tencent lookups may not fit
 * the trigger's 3 seconds, then updates it with what is left.
 */
type ForceDeleteServices = Pick<Services, 'deletion' | 'policy' | 'clusterLookup' | 'accounts' | 'logger' | 'clock' | 'access'>;

export function register(app: App, services: ForceDeleteServices): void {
  const { logger } = services;
  const flow: DeletionFlow = {
    button: 'Force delete',
    topic: 'force-delete',
    refusal: (cluster, viewer) => forceRefusal(services, cluster, viewer),
  };

  onClusterButton(app, services, flow, ActionIds.clusterForceDelete, async ({ click, viewer, cluster }, client) => {
    const from = click.ephemeral ? ('overview' as const) : ('thread' as const);
    const pointer = { clusterId: cluster.id, channel: viewer.channel, from, ...(viewer.responseUrl ? { responseUrl: viewer.responseUrl } : {}) };
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
    run: async (clusterId, user) => (await services.deletion.forceDelete(clusterId, user)).cluster,
    done: (cluster, pointer) => replaceUsedButton(services, cluster, pointer),
    failureLog: 'force delete failed',
    failureText: (name) => `Force delete of ${name} did not happen: tkeops hit an unexpected error; try again.`,
  });
}
