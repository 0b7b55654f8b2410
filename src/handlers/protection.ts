import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { AccessError } from '../services/cluster-access.js';
import type { Services } from '../services/services.js';
import { accessRefusalText, protectionDoneText } from '../views/cluster-access.js';
import { policyRefusalText } from '../views/policy-refusals.js';
import { usageText } from '../views/help.js';
import { ActionIds } from '../views/ids.js';
import { namedCluster, type Viewer } from './named-cluster.js';
import { parseClusterClick } from './slack-payloads.js';
import { receivedNow, tellUser } from './tell-user.js';
import type { Subcommand } from './tke-command.js';

export type ProtectionServices = Pick<Services, 'access' | 'policy' | 'clusterLookup' | 'logger' | 'clock'>;

/** Turns deletion protection on or off, for those the policy lets; what to tell the user. */
async function setProtection(services: ProtectionServices, viewer: Viewer, clusterId: string, on: boolean): Promise<string> {
  const cluster = await services.clusterLookup.get(clusterId);
  if (!cluster) return accessRefusalText({ reason: 'not_found' });
  const decision = await services.policy.check('cluster.protect', { ...viewer, project: cluster.project });
  if (!decision.allowed) return policyRefusalText(decision.refusal);
  try {
    const updated = await services.access.setProtection(clusterId, viewer.user, on);
    return protectionDoneText(updated.spec.name, on);
  } catch (error) {
    if (error instanceof AccessError) return accessRefusalText(error.refusal);
    services.logger.error({ err: error, clusterId }, 'could not change deletion protection');
    return `tkeops could not change the deletion protection of ${cluster.spec.name}; try again.`;
  }
}

/** `/tke protect <cluster>` and `/tke unprotect <cluster>`. */
export function protectionSubcommand(services: ProtectionServices, on: boolean): Subcommand {
  const usage = usageText(`Usage: \`/tke ${on ? 'protect' : 'unprotect'} <cluster>\` — see \`/tke list\` for the names.`);
  return async (request) => {
    const named = await namedCluster(request, services.clusterLookup, usage);
    if (!named) return;
    await request.ack();
    const text = await setProtection(services, named.viewer, named.cluster.id, on);
    await tellUser(request.client, services, { ...named.viewer, responseUrl: receivedNow(services, request.command.response_url) }, { text });
  };
}

/** The overview's deletion protection toggle. */
export function register(app: App, services: ProtectionServices): void {
  const onClick = (on: boolean) => async ({ ack, body, client }: { ack: () => Promise<void>; body: unknown; client: WebClient }) => {
    await ack();
    const click = parseClusterClick(body);
    if (!click) return;
    const viewer = { user: click.user, channel: click.channel };
    const text = await setProtection(services, viewer, click.clusterId, on);
    await tellUser(client, services, { ...viewer, responseUrl: receivedNow(services, click.responseUrl) }, { text });
  };
  app.action(ActionIds.clusterProtect, onClick(true));
  app.action(ActionIds.clusterUnprotect, onClick(false));
}
