import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { AccessError } from '../services/cluster-access.js';
import type { Services } from '../services/services.js';
import type { EndpointAccess } from '../services/tke.js';
import {
  accessRefusalText,
  kubeconfigButtons,
  kubeconfigComment,
  kubeconfigFailedText,
  kubeconfigSentText,
  kubeconfigUsage,
} from '../views/cluster-access.js';
import { policyRefusalText } from '../views/policy-refusals.js';
import { usageText } from '../views/help.js';
import { ActionIds } from '../views/ids.js';
import { namedCluster, type Viewer } from './named-cluster.js';
import { clusterClickOf } from './slack-payloads.js';
import { receivedNow, tellUser, type PrivateMessage } from './tell-user.js';
import type { Subcommand } from './tke-command.js';
import type { AccessSlot } from './cluster-status.js';

export type AccessServices = Pick<Services, 'access' | 'policy' | 'clusterLookup' | 'logger' | 'clock'>;

const ACCESSES: readonly EndpointAccess[] = ['private', 'public'];
const isAccess = (word: string | undefined): word is EndpointAccess => ACCESSES.includes(word as EndpointAccess);

/**
 * Sends the kubeconfig to `viewer.user` only: DescribeClusterKubeconfig, then a file in the
 * user's direct message with tkeops (conversations.open + files.uploadV2). The kubeconfig is
 * never put in a log line, an error, a channel or the store. Returns what to tell the user.
 */
async function sendKubeconfig(client: WebClient, services: AccessServices, viewer: Viewer, clusterId: string, access: EndpointAccess): Promise<PrivateMessage> {
  const cluster = await services.clusterLookup.get(clusterId);
  if (!cluster) return { text: accessRefusalText({ reason: 'not_found' }) };
  const decision = await services.policy.check('cluster.kubeconfig', { ...viewer, project: cluster.project });
  if (!decision.allowed) return { text: policyRefusalText(decision.refusal) };
  let kubeconfig: string;
  try {
    ({ kubeconfig } = await services.access.kubeconfig(clusterId, viewer.user, access));
  } catch (error) {
    if (error instanceof AccessError) return { text: accessRefusalText(error.refusal) };
    services.logger.error({ clusterId, code: error instanceof Error ? error.name : undefined }, 'could not get the kubeconfig');
    return { text: kubeconfigFailedText(cluster.spec.name) };
  }
  try {
    const opened = await client.conversations.open({ users: viewer.user });
    const dm = opened.channel?.id;
    if (!dm) throw new Error('conversations.open answered no channel');
    await client.filesUploadV2({
      channel_id: dm,
      content: kubeconfig,
      filename: `${cluster.spec.name}-${access}.kubeconfig.yaml`,
      title: `${cluster.spec.name} kubeconfig (${access})`,
      initial_comment: kubeconfigComment(cluster.spec.name, access),
    });
  } catch (error) {
    // Only the error's name and Slack's code: a client error could carry the request's arguments.
    const slackCode = typeof error === 'object' && error !== null && 'data' in error ? (error as { data?: { error?: string } }).data?.error : undefined;
    services.logger.error({ clusterId, user: viewer.user, slackCode }, 'could not send the kubeconfig in a direct message');
    return { text: kubeconfigFailedText(cluster.spec.name) };
  }
  return { text: kubeconfigSentText(cluster.spec.name) };
}

/** `/tke kubeconfig <cluster> [private|public]`: with two ready endpoints and none named, a button for each. */
export function kubeconfigSubcommand(services: AccessServices): Subcommand {
  return async (request) => {
    const [name, chosen, ...extra] = request.args;
    if (extra.length > 0 || (chosen !== undefined && !isAccess(chosen))) {
      await request.ack({ response_type: 'ephemeral', text: usageText(kubeconfigUsage) });
      return;
    }
    const named = await namedCluster({ ...request, args: name ? [name] : [] }, services.clusterLookup, usageText(kubeconfigUsage));
    if (!named) return;
    const { cluster, viewer } = named;
    const decision = await services.policy.check('cluster.kubeconfig', { ...viewer, project: cluster.project });
    if (!decision.allowed) {
      await request.ack({ response_type: 'ephemeral', text: policyRefusalText(decision.refusal) });
      return;
    }
    const ready = services.access.readyEndpoints(cluster);
    const access = chosen ?? (ready.length === 1 ? ready[0] : undefined);
    if (ready.length === 0 || (chosen && !ready.includes(chosen))) {
      await request.ack({ response_type: 'ephemeral', text: accessRefusalText({ reason: 'not_reachable', name: cluster.spec.name, status: cluster.status, access: chosen ?? 'private' }) });
      return;
    }
    if (!access) {
      await request.ack({
        response_type: 'ephemeral',
        text: `Which endpoint should the kubeconfig of ${cluster.spec.name} use?`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'Which endpoint should the kubeconfig use?' } },
          { type: 'actions', elements: kubeconfigButtons(cluster.id, ready) },
        ],
      });
      return;
    }
    await request.ack();
    const message = await sendKubeconfig(request.client, services, viewer, cluster.id, access);
    await tellUser(request.client, services, { ...viewer, responseUrl: receivedNow(services, request.command.response_url) }, message);
  };
}

/** The overview's access slot: addresses, protection, the buttons this user may use. */
export function accessSlot(services: AccessServices): AccessSlot {
  return async (cluster, viewer) => {
    const subject = { ...viewer, project: cluster.project };
    const [addresses, kubeconfig, protect] = await Promise.all([
      services.access.addresses(cluster),
      services.policy.check('cluster.kubeconfig', subject),
      services.policy.check('cluster.protect', subject),
    ]);
    return {
      addresses,
      kubeconfigEndpoints: kubeconfig.allowed ? services.access.readyEndpoints(cluster) : [],
      protection: cluster.deletionProtection,
      mayProtect: protect.allowed,
    };
  };
}

/** The Get kubeconfig buttons (ready reply, overview, the endpoint choice). */
export function register(app: App, services: AccessServices): void {
  app.action(new RegExp(`^${ActionIds.clusterKubeconfig}:`), async ({ ack, body, client }) => {
    await ack();
    const click = await clusterClickOf(body, services.clusterLookup);
    const [clusterId, access] = click?.clusterId.split(':') ?? [];
    if (!click || !clusterId || !isAccess(access)) {
      services.logger.warn('Get kubeconfig click without user, channel, cluster or endpoint');
      return;
    }
    const viewer = { user: click.user, channel: click.channel };
    const message = await sendKubeconfig(client, services, viewer, clusterId, access);
    await tellUser(client, services, { ...viewer, responseUrl: receivedNow(services, click.responseUrl), direct: click.fromHome }, message);
  });
}
