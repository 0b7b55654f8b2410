import type { App, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { confirmationProblem, deletionSummary, isGone } from '../services/deletion-rules.js';
import { DeletionError } from '../services/deletion.js';
import type { Services } from '../services/services.js';
import type { ClusterRecord } from '../services/store-schema.js';
import { deleteModal, deletionExpiredModal, parseDeletionMetadata } from '../views/delete-modal.js';
import { deleteButton, forceDeleteButton, forceDeleteNote, timeLeft } from '../views/deletion-thread.js';
import { ActionIds, BlockIds, CallbackIds } from '../views/ids.js';
import { parseClusterClick, typedText } from './cluster-click.js';
import type { DeletionSlot } from './cluster-status.js';
import type { Subcommand } from './tke-command.js';

const USAGE = 'Usage: `/tke delete <cluster>` — see `/tke list` for the names.';

type Viewer = { user: string; channel: string };

/** Why this user may not delete this cluster now, or undefined when they may. */
async function deletionRefusal(services: Services, cluster: ClusterRecord, viewer: Viewer): Promise<string | undefined> {
  const name = cluster.spec.name;
  if (isGone(cluster.status)) return `${name} has already been deleted.`;
  if (cluster.status === 'Deleting') {
    const availability = services.deletion.forceDeleteAvailability(cluster);
    const force = availability.kind === 'wait' ? ` Force delete becomes available in ${timeLeft(availability.ms)} if it gets stuck.` : '';
    return `${name} is already being deleted (approved by <@${cluster.deletion?.requestedBy ?? 'someone'}>).${force}`;
  }
  const decision = await services.policy.check('cluster.delete', { ...viewer, project: cluster.project });
  return decision.allowed ? undefined : decision.message;
}

function modalFor(cluster: ClusterRecord, channel: string) {
  return deleteModal({
    clusterId: cluster.id,
    channel,
    name: cluster.spec.name,
    region: cluster.spec.region,
    workerPools: cluster.spec.workerPools,
    ...(cluster.tkeClusterId ? { tkeClusterId: cluster.tkeClusterId } : {}),
  });
}

/** `/tke delete <cluster>`: the confirmation modal, for those the policy lets delete. */
export function deleteSubcommand(services: Services): Subcommand {
  return async ({ ack, command, args, client, respond }) => {
    const [name, ...extra] = args;
    if (!name || extra.length > 0) {
      await ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    const viewer = { user: command.user_id, channel: command.channel_id };
    const { clusterLookup } = services;
    const cluster = clusterLookup.findByName(viewer.channel, name);
    if (!cluster) {
      await ack({ response_type: 'ephemeral', text: `There is no cluster called ${name} in ${clusterLookup.scopeName(viewer.channel)}. See \`/tke list\`.` });
      return;
    }
    const refusal = await deletionRefusal(services, cluster, viewer);
    if (refusal) {
      await ack({ response_type: 'ephemeral', text: refusal });
      return;
    }
    await ack();
    try {
      await client.views.open({ trigger_id: command.trigger_id, view: modalFor(cluster, viewer.channel) });
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
export function deletionSlot(services: Services): DeletionSlot {
  return async (cluster, viewer) => {
    if (isGone(cluster.status)) return undefined;
    const subject = { ...viewer, project: cluster.project };
    if (cluster.status === 'Deleting') {
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
    const decision = await services.policy.check('cluster.delete', subject);
    return decision.allowed ? { buttons: [deleteButton(cluster.id)] } : undefined;
  };
}

async function tell(client: WebClient, services: Services, viewer: Viewer, text: string): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel: viewer.channel, user: viewer.user, text });
  } catch (error) {
    services.logger.warn({ err: error, user: viewer.user }, 'could not send an ephemeral deletion message');
  }
}

/** The overview's Delete cluster button and the confirmation submission. */
export function register(app: App, services: Services): void {
  const { logger } = services;

  app.action(ActionIds.clusterDelete, async ({ ack, body, client }) => {
    await ack();
    const click = parseClusterClick(body);
    if (!click) {
      logger.warn('Delete click without user, channel, trigger or cluster');
      return;
    }
    const viewer = { user: click.user, channel: click.channel };
    const cluster = services.clusterLookup.get(click.clusterId);
    const refusal = cluster ? await deletionRefusal(services, cluster, viewer) : 'This cluster is no longer known to tkeops.';
    if (refusal || !cluster) {
      await tell(client, services, viewer, refusal ?? 'This cluster is no longer known to tkeops.');
      return;
    }
    try {
      await client.views.open({ trigger_id: click.triggerId, view: modalFor(cluster, viewer.channel) });
    } catch (error) {
      logger.error({ err: error, clusterId: cluster.id }, 'could not open the delete modal');
      await tell(client, services, viewer, 'Slack did not open the form in time; click Delete cluster again.');
    }
  });

  app.view<ViewSubmitAction>(CallbackIds.deleteConfirm, async ({ ack, body, view, client }) => {
    const pointer = parseDeletionMetadata(view.private_metadata);
    const cluster = pointer && services.clusterLookup.get(pointer.clusterId);
    if (!pointer || !cluster) {
      await ack({ response_action: 'update', view: deletionExpiredModal() });
      return;
    }
    const viewer = { user: body.user.id, channel: pointer.channel };
    const typed = typedText(view.state.values, BlockIds.deleteConfirmName, ActionIds.deleteConfirmName);
    const problem = (await deletionRefusal(services, cluster, viewer)) ?? confirmationProblem(typed, cluster.spec.name);
    if (problem) {
      await ack({ response_action: 'errors', errors: { [BlockIds.deleteConfirmName]: problem } });
      return;
    }
    await ack();
    try {
      await services.deletion.requestDeletion(cluster.id, viewer.user);
    } catch (error) {
      if (!(error instanceof DeletionError)) logger.error({ err: error, clusterId: cluster.id }, 'deletion failed');
      const text = error instanceof DeletionError ? error.message : `Deleting ${cluster.spec.name} did not start: tkeops hit an unexpected error; try again.`;
      await tell(client, services, viewer, text);
    }
  });
}
