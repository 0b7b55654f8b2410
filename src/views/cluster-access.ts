import type { Button } from '@slack/types';
import type { AccessRefusal } from '../services/cluster-access.js';
import type { ClusterEndpoints, EndpointAccess } from '../services/tke.js';
import { escapeMrkdwn } from './cluster-format.js';
import { ActionIds } from './ids.js';

/** Kubeconfig, API server addresses, console link and deletion protection, as Slack shows them. */

const ENDPOINT_WORD: Record<EndpointAccess, string> = { private: 'private', public: 'public' };

/** One Get kubeconfig button per ready endpoint (the user picks when there are two). */
export function kubeconfigButtons(clusterId: string, endpoints: readonly EndpointAccess[]): Button[] {
  return endpoints.map((access) => ({
    type: 'button',
    action_id: `${ActionIds.clusterKubeconfig}:${access}`,
    text: { type: 'plain_text', text: endpoints.length > 1 ? `Get kubeconfig (${ENDPOINT_WORD[access]})` : 'Get kubeconfig' },
    value: `${clusterId}:${access}`,
  }));
}

export function protectionButton(clusterId: string, on: boolean): Button {
  return on
    ? { type: 'button', action_id: ActionIds.clusterUnprotect, text: { type: 'plain_text', text: 'Turn off deletion protection' }, value: clusterId }
    : { type: 'button', action_id: ActionIds.clusterProtect, text: { type: 'plain_text', text: 'Protect from deletion' }, value: clusterId };
}

/**
 * The cluster's page in the TKE console. The console's own links have this form (region and
 * cluster id as query parameters); tkeops builds nothing else from it.
 */
export function consoleUrl(region: string, tkeClusterId: string): string {
  return `https://console.cloud.tencent.com/tke2/cluster/sub/list/basic/info?rid=${encodeURIComponent(region)}&clusterId=${encodeURIComponent(tkeClusterId)}`;
}

/** "API server: `https://1.2.3.4` (public) · `https://10.0.0.5` (private) · <console|Open in the TKE console>" */
export function accessLine(input: { region: string; tkeClusterId?: string | undefined; addresses?: ClusterEndpoints | undefined }): string | undefined {
  if (!input.tkeClusterId) return undefined;
  const parts: string[] = [];
  const { external, intranet, domain } = input.addresses ?? {};
  if (external) parts.push(`\`https://${escapeMrkdwn(external)}\` (public)`);
  if (intranet) parts.push(`\`https://${escapeMrkdwn(intranet)}\` (private, in the VPC)`);
  if (parts.length === 0 && domain) parts.push(`\`${escapeMrkdwn(domain)}\``);
  const server = parts.length > 0 ? `*API server* ${parts.join(' · ')}` : '*API server* not reachable yet';
  return `${server} · <${consoleUrl(input.region, input.tkeClusterId)}|Open in the TKE console>`;
}

export function protectionLine(protection: { on: boolean; by: string; at: string } | undefined): string {
  return protection?.on ? `:lock: *Deletion protection* on (turned on by <@${protection.by}>)` : ':unlock: *Deletion protection* off';
}

/** The comment on the kubeconfig file in the user's DM. */
export function kubeconfigComment(name: string, access: EndpointAccess): string {
  return (
    `:key: The kubeconfig of *${escapeMrkdwn(name)}* (${ENDPOINT_WORD[access]} endpoint). ` +
    ':warning: It is an *admin credential* for the cluster: keep it private, do not share or commit it, and delete this message once you have saved it.'
  );
}

export const kubeconfigSentText = (name: string) => `:key: The kubeconfig of ${escapeMrkdwn(name)} is in your direct messages with tkeops.`;

export const kubeconfigFailedText = (name: string) => `tkeops could not send you the kubeconfig of ${escapeMrkdwn(name)}; try again.`;

export const protectionDoneText = (name: string, on: boolean) =>
  on ? `:lock: Deletion protection is now on for ${escapeMrkdwn(name)}: it cannot be deleted until it is turned off.` : `:unlock: Deletion protection is now off for ${escapeMrkdwn(name)}.`;

export function accessRefusalText(refusal: AccessRefusal): string {
  switch (refusal.reason) {
    case 'not_found':
      return 'This cluster is no longer known to tkeops.';
    case 'not_reachable':
      return refusal.access
        ? `${escapeMrkdwn(refusal.name)} has no ready ${ENDPOINT_WORD[refusal.access]} endpoint (it is ${refusal.status}); a kubeconfig is available once the cluster is Running.`
        : `${escapeMrkdwn(refusal.name)} is ${refusal.status}: deletion protection can be changed on a cluster Tencent has created and that is not being deleted.`;
    case 'no_account':
      return `The cloud account of ${escapeMrkdwn(refusal.name)} no longer exists, so tkeops cannot ask Tencent.`;
    case 'tencent':
      return `Tencent refused for ${escapeMrkdwn(refusal.name)}: \`${refusal.code}\`${refusal.requestId ? ` (request id ${refusal.requestId})` : ''}.`;
  }
}

export const kubeconfigUsage = 'Usage: `/tke kubeconfig <cluster> [private|public]` — see `/tke list` for the names.';
