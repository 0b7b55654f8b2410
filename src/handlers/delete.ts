import type { App } from '@slack/bolt';
import { deletionSummary } from '../services/deletion-rules.js';
import type { Services } from '../services/services.js';
import type { ClusterRecord } from '../services/domain/index.js';
import { policyRefusalText } from '../views/policy-refusals.js';
import { deleteModal } from '../views/delete-modal.js';
import { deletionRefusalText } from '../views/deletion-refusals.js';
import type { SavedResponseUrl } from '../views/private-metadata.js';
import { alreadyDeletedText } from '../views/deletion-status.js';
import { deleteButton, forceDeleteButton, forceDeleteNote } from '../views/deletion-thread.js';
import { usageText } from '../views/help.js';
import { ActionIds, BlockIds, CallbackIds } from '../views/ids.js';
import type { DeletionSlot } from './cluster-status.js';
import { onClusterButton, onTypedNameConfirmation, replaceClickedOverview, tellViewer, type DeletionFlow } from './deletion-confirmation.js';
import { namedCluster, type Viewer } from './named-cluster.js';
import { receivedNow } from './tell-user.js';
import type { Subcommand } from './tke-command.js';

/** What `/tke delete`, the overview's deletion slot and the Delete button use. */
export type DeleteServices = Pick<Services, 'deletion' | 'policy' | 'clusterLookup' | 'accounts' | 'logger' | 'clock' | 'access'>;

const USAGE = usageText('Usage: `/tke delete <cluster>` — see `/tke list` for the names.');

/**
 * The deletion's refusal (already Deleting: when force delete becomes available; already gone:
 * what happened and where to look, for an old overview's button), else the policy's.
 */
async function deletionRefusal(services: Pick<Services, 'deletion' | 'policy' | 'access'>, cluster: ClusterRecord, viewer: Viewer): Promise<string | undefined> {
  const protectedRefusal = services.access.protectedRefusal(cluster, 'cluster.delete');
  if (protectedRefusal) return policyRefusalText(protectedRefusal);
  const blocked = services.deletion.deletionRefusal(cluster);
  if (blocked?.reason === 'already_deleted') return alreadyDeletedText({ ...cluster, name: cluster.spec.name });
  if (blocked) return deletionRefusalText(blocked.refusal);
  const decision = await services.policy.check('cluster.delete', { ...viewer, project: cluster.project });
  return decision.allowed ? undefined : policyRefusalText(decision.refusal);
}

function modalFor(cluster: ClusterRecord, channel: string, responseUrl: SavedResponseUrl | undefined, from?: 'overview') {
  return deleteModal({
    clusterId: cluster.id,
    channel,
    ...(responseUrl ? { responseUrl } : {}),
    ...(from ? { from } : {}),
    name: cluster.spec.name,
    region: cluster.spec.region,
    workerPools: cluster.spec.workerPools,
    ...(cluster.tkeClusterId ? { tkeClusterId: cluster.tkeClusterId } : {}),
  });
}

/** `/tke delete <cluster>`: the confirmation modal, for those the policy lets delete. */
export function deleteSubcommand(services: DeleteServices): Subcommand {
  return async (request) => {
    const { ack, command, client, respond } = request;
    const named = await namedCluster(request, services.clusterLookup, USAGE);
    if (!named) return;
    const { cluster, viewer } = named;
    const refusal = await deletionRefusal(services, cluster, viewer);
    if (refusal) {
      await ack({ response_type: 'ephemeral', text: refusal });
      return;
    }
    await ack();
    try {
      const view = modalFor(cluster, viewer.channel, receivedNow(services, command.response_url));
      await client.views.open({ trigger_id: command.trigger_id, view });
    } catch (error) {
      services.logger.error({ err: error, clusterId: cluster.id }, 'could not open the delete modal');
      await respond({ response_type: 'ephemeral', text: `Slack did not open the form in time; run \`/tke delete ${cluster.spec.name}\` again.` });
    }
  };
}

/**
 * The overview's deletion slot: the Delete cluster button for those who may delete; while
 * Deleting, how long until force delete, and the Force Delete Cluster button once it is available
 * to this user.
 */
export function deletionSlot(services: Pick<Services, 'deletion' | 'policy' | 'clock' | 'access'>): DeletionSlot {
  return async (cluster, viewer) => {
    const subject = { ...viewer, project: cluster.project };
    switch (services.deletion.deletionRefusal(cluster)?.reason) {
      case 'already_deleted':
        return undefined;
      case 'already_deleting': {
        const summary = deletionSummary(cluster, services.clock.now());
        if (!summary) return undefined;
        const availability = services.deletion.forceDeleteAvailability(cluster);
        if (availability.kind === 'wait' || availability.kind === 'forcing') return { buttons: [], note: forceDeleteNote(availability, summary) };
        if (availability.kind !== 'available') return undefined;
        const allowed = (await services.policy.check('cluster.forceDelete', subject)).allowed;
        return {
          buttons: allowed ? [forceDeleteButton(cluster.id, cluster.spec.name)] : [],
          note: forceDeleteNote({ kind: 'available', allowed }, summary),
        };
      }
      default: {
        // Protected: no Delete button (the overview shows the protection and, to admins, its toggle).
        if (services.access.protectedRefusal(cluster, 'cluster.delete')) return undefined;
        // Awaiting approval: nothing exists at Tencent; the overview shows the request (Reject closes it).
        if (cluster.status === 'AwaitingApproval') return undefined;
        // Still creating at Tencent too: the button is shown, and the click tells why it must wait.
        const decision = await services.policy.check('cluster.delete', subject);
        return decision.allowed ? { buttons: [deleteButton(cluster.id)] } : undefined;
      }
    }
  };
}

/** The overview's Delete cluster button and the confirmation submission. */
export function register(app: App, services: DeleteServices): void {
  const flow: DeletionFlow = {
    button: 'Delete',
    topic: 'deletion',
    refusal: (cluster, viewer) => deletionRefusal(services, cluster, viewer),
  };

  onClusterButton(app, services, flow, ActionIds.clusterDelete, async ({ click, viewer, cluster }, client) => {
    try {
      // From the failure reply in the thread (not ephemeral), the thread's message stays as it is.
      const from = click.ephemeral ? ('overview' as const) : undefined;
      await client.views.open({ trigger_id: click.triggerId, view: modalFor(cluster, viewer.channel, viewer.responseUrl, from) });
    } catch (error) {
      services.logger.error({ err: error, clusterId: cluster.id }, 'could not open the delete modal');
      await tellViewer(client, services, flow, viewer, 'Slack did not open the form in time; click Delete cluster again.');
    }
  });

  const slot = deletionSlot(services);
  onTypedNameConfirmation(app, services, flow, {
    callbackId: CallbackIds.deleteConfirm,
    blockId: BlockIds.deleteConfirmName,
    actionId: ActionIds.deleteConfirmName,
    run: (clusterId, user) => services.deletion.requestDeletion(clusterId, user),
    // The overview the Delete cluster button was on now shows the deletion, without that button.
    done: async (cluster, pointer, viewer) => replaceClickedOverview(services, pointer, cluster, await slot(cluster, viewer)),
    failureLog: 'deletion failed',
    failureText: (name) => `Deleting ${name} did not start: tkeops hit an unexpected error; try again.`,
  });
}
