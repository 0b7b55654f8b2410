import type { App } from '@slack/bolt';
import { listItem, overviewInput } from '../services/cluster-summary.js';
import { UNKNOWN_CLUSTER } from '../services/deletion-rules.js';
import type { Services } from '../services/services.js';
import type { ClusterRecord } from '../services/domain/index.js';
import { policyRefusalText } from '../views/policy-refusals.js';
import { clusterListMessage, scopeText } from '../views/cluster-list.js';
import { clusterOverviewMessage, type ClusterOverviewInput } from '../views/cluster-overview.js';
import { usageText } from '../views/help.js';
import { ActionIds } from '../views/ids.js';
import { namedCluster, type Viewer } from './named-cluster.js';
import { clusterClickOf } from './slack-payloads.js';
import { receivedNow, tellUser } from './tell-user.js';
import type { Subcommand } from './tke-command.js';

/**
 * The deletion feature's part of the overview: the buttons this user may use on the cluster and
 * the "force delete available in …" line.
 */
export type DeletionSlot = (cluster: ClusterRecord, viewer: Viewer) => Promise<ClusterOverviewInput['deletion']>;

/** The cluster access feature's part of the overview (src/handlers/access.ts). */
export type AccessSlot = (cluster: ClusterRecord, viewer: Viewer) => Promise<ClusterOverviewInput['access']>;

export interface ClusterStatusOptions {
  deletionSlot: DeletionSlot;
  accessSlot?: AccessSlot;
}

const STATUS_USAGE = usageText('Usage: `/tke status <cluster>` — see `/tke list` for the names.');
const LIST_USAGE = usageText("Usage: `/tke list` (nothing after it) lists the clusters of this channel's project; `/tke status <cluster>` shows one.");

/** What `/tke status`, `/tke list` and the Overview button use. */
export type ClusterStatusServices = Pick<Services, 'policy' | 'accounts' | 'clock' | 'clusterLookup' | 'logger' | 'lifecycle' | 'cost'>;

type Ephemeral = { text: string; blocks?: ReturnType<typeof clusterOverviewMessage>['blocks'] };

/** The overview this user may see, or the policy's refusal. */
async function overviewFor(services: ClusterStatusServices, options: ClusterStatusOptions, cluster: ClusterRecord, viewer: Viewer): Promise<Ephemeral> {
  const decision = await services.policy.check('cluster.view', { ...viewer, project: cluster.project });
  if (!decision.allowed) return { text: policyRefusalText(decision.refusal) };
  const accountName = services.accounts.nameOf(cluster.spec.accountId);
  // Both follow the ack: the overview is sent through the response URL (or tellUser).
  const [deletion, estimate, access] = await Promise.all([
    options.deletionSlot(cluster, viewer),
    services.cost.ofCluster(cluster),
    options.accessSlot?.(cluster, viewer),
  ]);
  return clusterOverviewMessage({
    ...overviewInput(cluster, services.clock.now(), accountName, services.lifecycle),
    ...(deletion ? { deletion } : {}),
    ...(access ? { access } : {}),
    ...(estimate ? { estimate } : {}),
  });
}

/**
 * `/tke status <cluster>`: the overview, ephemeral. The overview may ask Slack who is on-call (to
 * offer force delete), so it follows the ack through response_url.
 */
export function statusSubcommand(services: ClusterStatusServices, options: ClusterStatusOptions): Subcommand {
  return async (request) => {
    const named = await namedCluster(request, services.clusterLookup, STATUS_USAGE);
    if (!named) return;
    await request.ack();
    try {
      await request.respond({ response_type: 'ephemeral', ...(await overviewFor(services, options, named.cluster, named.viewer)) });
    } catch (error) {
      services.logger.error({ err: error, clusterId: named.cluster.id }, 'could not answer /tke status');
    }
  };
}

/** `/tke list`: the channel's project clusters with their status (deleted ones left out). */
export function listSubcommand(services: Pick<Services, 'policy' | 'clusterLookup' | 'lifecycle'>): Subcommand {
  return async ({ ack, command, args }) => {
    if (args.length > 0) {
      await ack({ response_type: 'ephemeral', text: LIST_USAGE });
      return;
    }
    const viewer = { user: command.user_id, channel: command.channel_id };
    const decision = await services.policy.check('cluster.view', viewer);
    if (!decision.allowed) {
      await ack({ response_type: 'ephemeral', text: policyRefusalText(decision.refusal) });
      return;
    }
    const { clusterLookup } = services;
    const clusters = (await clusterLookup.listForChannel(viewer.channel)).map((c) => listItem(c, services.lifecycle));
    await ack({ response_type: 'ephemeral', ...clusterListMessage(scopeText(clusterLookup.scopeOf(viewer.channel)), clusters) });
  };
}

/** The root message's Overview button: the overview, privately, to whoever clicked (see tellUser). */
export function register(app: App, services: ClusterStatusServices, options: ClusterStatusOptions): void {
  app.action(ActionIds.clusterOverview, async ({ ack, body, client, logger }) => {
    await ack();
    const click = await clusterClickOf(body, services.clusterLookup);
    if (!click) {
      logger.warn('Overview click without user, channel or cluster');
      return;
    }
    const viewer = { user: click.user, channel: click.channel };
    const cluster = await services.clusterLookup.get(click.clusterId);
    let message: Ephemeral;
    try {
      message = cluster ? await overviewFor(services, options, cluster, viewer) : { text: UNKNOWN_CLUSTER };
    } catch (error) {
      services.logger.error({ err: error, clusterId: click.clusterId }, 'could not build the cluster overview');
      message = { text: 'tkeops could not show the overview; try again.' };
    }
    const delivery = await tellUser(client, services, { ...viewer, responseUrl: receivedNow(services, click.responseUrl), direct: click.fromHome }, message);
    if (!delivery) services.logger.warn({ user: viewer.user, clusterId: click.clusterId }, 'could not show the cluster overview');
  });
}
