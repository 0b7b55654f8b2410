import type { App, ViewSubmitAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { UPGRADE_TYPES, type ClusterRecord, type UpgradeType } from '../services/domain/index.js';
import type { ApprovalRefusal } from '../services/approval.js';
import type { Services } from '../services/services.js';
import { approvalRefusalText } from '../views/approval.js';
import { dayTwoRefusalText } from '../views/day-two.js';
import { deletionExpiredModal } from '../views/delete-modal.js';
import { usageText } from '../views/help.js';
import { ActionIds, BlockIds, CallbackIds } from '../views/ids.js';
import { policyRefusalText } from '../views/policy-refusals.js';
import { maxUnavailableProblem, parseUpgradeMetadata, upgradeButton, upgradeModal, versionsUnavailableText } from '../views/upgrade.js';
import { failureOf } from '../services/tencent-failure.js';
import { TencentError } from '../services/tke.js';
import type { DeletionSlot } from './cluster-status.js';
import type { Viewer } from './named-cluster.js';
import { namedCluster } from './named-cluster.js';
import { parseClusterClick, pickedValue, typedText } from './slack-payloads.js';
import type { Subcommand } from './tke-command.js';
import { receivedNow, tellUser } from './tell-user.js';

export type UpgradeServices = Pick<Services, 'upgrades' | 'policy' | 'clusterLookup' | 'logger' | 'clock'>;

const USAGE = usageText('Usage: `/tke upgrade <cluster>` — upgrades a Running cluster’s Kubernetes by one minor version.');

/** Why this viewer may not upgrade the cluster now (the policy, then another operation under way). */
async function upgradeRefusal(services: UpgradeServices, cluster: ClusterRecord, viewer: Viewer): Promise<string | undefined> {
  const decision = await services.policy.check('cluster.upgrade', { ...viewer, project: cluster.project });
  if (!decision.allowed) return policyRefusalText(decision.refusal);
  const refusal = services.upgrades.refusal(cluster);
  return refusal && dayTwoRefusalText(refusal);
}

/** The overview's slot with "Upgrade Kubernetes" added, for those who may upgrade a Running cluster now. */
export function withUpgradeButton(services: UpgradeServices, slot: DeletionSlot): DeletionSlot {
  return async (cluster, viewer) => {
    const [filled, refusal] = await Promise.all([slot(cluster, viewer), upgradeRefusal(services, cluster, viewer)]);
    if (refusal) return filled;
    return { ...filled, buttons: [...(filled?.buttons ?? []), upgradeButton(cluster.id)] };
  };
}

/** The modal with what Tencent offers, or the reason there is nothing to pick. */
async function modalFor(services: UpgradeServices, cluster: ClusterRecord, channel: string): Promise<{ view?: ModalView; refusal?: string }> {
  let offered: string[];
  try {
    offered = await services.upgrades.offered(cluster);
  } catch (error) {
    if (!(error instanceof TencentError)) throw error;
    return { refusal: versionsUnavailableText(failureOf(error, 'DescribeAvailableClusterVersion')) };
  }
  const refusal = services.upgrades.refusal(cluster, offered);
  if (refusal) return { refusal: dayTwoRefusalText(refusal) };
  const nodes = cluster.progress.pools.reduce((sum, p) => sum + (p.readyNodes ?? 0), 0);
  return { view: upgradeModal({ clusterId: cluster.id, clusterName: cluster.spec.name, channel, version: services.upgrades.versionOf(cluster), offered, nodes }) };
}

/** `/tke upgrade <cluster>`: the upgrade modal with the versions Tencent offers. */
export function upgradeSubcommand(services: UpgradeServices): Subcommand {
  return async (request) => {
    const { ack, command, client, respond } = request;
    const named = await namedCluster(request, services.clusterLookup, USAGE);
    if (!named) return;
    const { cluster, viewer } = named;
    const refusal = await upgradeRefusal(services, cluster, viewer);
    if (refusal) {
      await ack({ response_type: 'ephemeral', text: refusal });
      return;
    }
    await ack();
    try {
      const modal = await modalFor(services, cluster, viewer.channel);
      if (modal.view) await client.views.open({ trigger_id: command.trigger_id, view: modal.view });
      else await respond({ response_type: 'ephemeral', text: modal.refusal });
    } catch (error) {
      services.logger.error({ err: error, clusterId: cluster.id }, 'could not open the upgrade modal');
      await respond({ response_type: 'ephemeral', text: `The upgrade form did not open; run \`/tke upgrade ${cluster.spec.name}\` again.` });
    }
  };
}

const isUpgradeType = (value: string | undefined): value is UpgradeType => (UPGRADE_TYPES as readonly string[]).includes(value ?? '');

export function register(app: App, services: UpgradeServices): void {
  /** The approval request's buttons: the service decides, exactly once; a click that did nothing is told why, privately. */
  const decision = (actionId: string, decide: (clusterId: string, user: string) => Promise<{ kind: 'approved' } | { kind: 'rejected' } | ApprovalRefusal>) =>
    app.action(actionId, async ({ ack, body, client }) => {
      await ack();
      const click = parseClusterClick(body);
      if (!click) return;
      try {
        const outcome = await decide(click.clusterId, click.user);
        if (outcome.kind === 'approved' || outcome.kind === 'rejected') return;
        const responseUrl = receivedNow(services, click.responseUrl);
        await tellUser(client, services, { user: click.user, channel: click.channel, ...(responseUrl ? { responseUrl } : {}) }, { text: approvalRefusalText(outcome) });
      } catch (error) {
        services.logger.error({ err: error, clusterId: click.clusterId }, 'upgrade approval failed');
      }
    });
  decision(ActionIds.upgradeApprove, (clusterId, user) => services.upgrades.approve(clusterId, user, { breakGlass: false }));
  decision(ActionIds.upgradeBreakGlass, (clusterId, user) => services.upgrades.approve(clusterId, user, { breakGlass: true }));
  decision(ActionIds.upgradeReject, (clusterId, user) => services.upgrades.reject(clusterId, user));

  app.action(ActionIds.clusterUpgrade, async ({ ack, body, client }) => {
    await ack();
    const click = parseClusterClick(body);
    if (!click) {
      services.logger.warn('Upgrade click without user, channel, trigger or cluster');
      return;
    }
    const viewer = { user: click.user, channel: click.channel, responseUrl: receivedNow(services, click.responseUrl) };
    const cluster = await services.clusterLookup.get(click.clusterId);
    try {
      const refusal = cluster ? await upgradeRefusal(services, cluster, viewer) : 'That cluster no longer exists.';
      const modal = cluster && !refusal ? await modalFor(services, cluster, viewer.channel) : { refusal: refusal ?? 'That cluster no longer exists.' };
      if (modal.view) await client.views.open({ trigger_id: click.triggerId, view: modal.view });
      else await tellUser(client, services, viewer, { text: modal.refusal ?? 'That cluster no longer exists.' });
    } catch (error) {
      services.logger.error({ err: error, clusterId: click.clusterId }, 'could not open the upgrade modal');
      await tellUser(client, services, viewer, { text: 'The upgrade form did not open; click Upgrade Kubernetes again.' });
    }
  });

  app.view<ViewSubmitAction>(CallbackIds.clusterUpgrade, async ({ ack, body, view }) => {
    const pointer = parseUpgradeMetadata(view.private_metadata);
    const cluster = pointer && (await services.clusterLookup.get(pointer.clusterId));
    if (!pointer || !cluster) {
      await ack({ response_action: 'update', view: deletionExpiredModal() });
      return;
    }
    const version = pickedValue(view.state.values, BlockIds.upgradeVersion, ActionIds.upgradeVersion) ?? '';
    const upgradeType = pickedValue(view.state.values, BlockIds.upgradeType, ActionIds.upgradeType);
    const typed = typedText(view.state.values, BlockIds.upgradeMaxUnavailable, ActionIds.upgradeMaxUnavailable);
    const problem = maxUnavailableProblem(typed);
    if (problem || !isUpgradeType(upgradeType)) {
      await ack({
        response_action: 'errors',
        errors: problem ? { [BlockIds.upgradeMaxUnavailable]: problem } : { [BlockIds.upgradeType]: `Pick one of ${UPGRADE_TYPES.join(', ')}` },
      });
      return;
    }
    const viewer = { user: body.user.id, channel: pointer.channel };
    const refusal = await upgradeRefusal(services, cluster, viewer);
    if (refusal) {
      await ack({ response_action: 'errors', errors: { [BlockIds.upgradeVersion]: refusal } });
      return;
    }
    const started = await services.upgrades.start(cluster.id, viewer.user, { version, upgradeType, maxUnavailable: Number(typed.trim()), offered: pointer.offered });
    if (!started.ok) {
      await ack({ response_action: 'errors', errors: { [BlockIds.upgradeVersion]: dayTwoRefusalText(started.refusal) } });
      return;
    }
    await ack();
  });
}
