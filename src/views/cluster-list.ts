import type { KnownBlock } from '@slack/types';
import type { ClusterScope } from '../services/cluster-lookup.js';
import type { ClusterListItem } from '../services/cluster-summary.js';
import { escapeMrkdwn, messageUrl, statusEmoji, statusLabel } from './cluster-format.js';

export type { ClusterListItem } from '../services/cluster-summary.js';

/** Lines stay short enough that a section keeps under its 3,000 characters. */
const LINES_PER_SECTION = 10;
/** Room for the heading and the "and N more" line within a message's 50 blocks. */
const MAX_SECTIONS = 45;

function line(item: ClusterListItem): string {
  const name = item.thread ? `<${messageUrl(item.thread.channel, item.thread.ts)}|${escapeMrkdwn(item.name)}>` : escapeMrkdwn(item.name);
  const progress = item.status === 'Creating' || item.status === 'Provisioning' ? ` ${item.percent}%` : '';
  return `${statusEmoji(item.status)} *${name}* — ${statusLabel(item.status)}${progress} · ${escapeMrkdwn(item.region)} · ${escapeMrkdwn(item.profile)}`;
}

/** The clusters' scope in mrkdwn: "project data", or the channel of no project as a channel mention. */
export const scopeText = (scope: ClusterScope): string => (scope.kind === 'project' ? `project ${escapeMrkdwn(scope.project)}` : `<#${scope.channel}>`);

/** `/tke status <name>` (and the other commands naming a cluster) when the scope has no such cluster. */
export const noClusterCalledText = (name: string, scope: ClusterScope): string =>
  `There is no cluster called ${escapeMrkdwn(name)} in ${scopeText(scope)}. See \`/tke list\`.`;

/** `/tke list`: the clusters of the channel's project (`scope` names it in mrkdwn, see scopeText), with their status. */
export function clusterListMessage(scope: string, items: readonly ClusterListItem[]): { text: string; blocks: KnownBlock[] } {
  if (items.length === 0) {
    const text = `No clusters in ${scope}. Create one with \`/tke create\`.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const heading = `*Clusters in ${scope}* (${items.length})`;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: heading } }];
  const shown = items.slice(0, LINES_PER_SECTION * MAX_SECTIONS);
  for (let i = 0; i < shown.length; i += LINES_PER_SECTION) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: shown.slice(i, i + LINES_PER_SECTION).map(line).join('\n') } });
  }
  if (shown.length < items.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${items.length - shown.length} more. Use \`/tke status &lt;cluster&gt;\` for one.` }] });
  }
  return { text: `Clusters in ${scope}: ${items.length}`, blocks };
}
