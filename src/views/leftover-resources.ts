import type { KnownBlock } from '@slack/types';
import { leftoverTags, type LeftoverOwner } from '../services/domain/rules.js';
import type { TencentFailure } from '../services/domain/index.js';

/** The resources listed: what a lookup found (LeftoverResources) or what a force delete kept of it. */
export interface ListedLeftovers {
  instances: readonly { instanceId: string; name: string; state: string }[];
  disks: readonly { diskId: string; name: string; state: string }[];
  loadBalancers: readonly { loadBalancerId: string; name: string }[];
}

/** A lookup's result as the views list it: the resources, or why the lookup failed. */
export type ListedLookup = { leftovers: ListedLeftovers; lookupFailure?: undefined } | { lookupFailure: TencentFailure; leftovers?: undefined };
import { section } from './blocks.js';
import { escapeMrkdwn, failureText } from './cluster-format.js';

/** Lines listed per kind of resource; the rest is counted ("…and 12 more"). */
const LINES_PER_KIND = 25;

export const leftoverCount = (leftovers: ListedLeftovers): number =>
  leftovers.instances.length + leftovers.disks.length + leftovers.loadBalancers.length;

function kindSection(title: string, lines: string[]): KnownBlock {
  const shown = lines.slice(0, LINES_PER_KIND);
  const more = lines.length > shown.length ? `\n…and ${lines.length - shown.length} more` : '';
  return section(`*${title} (${lines.length})*\n${shown.join('\n')}${more}`);
}

const named = (id: string, name: string, state?: string) =>
  `• \`${escapeMrkdwn(id)}\`${name ? ` ${escapeMrkdwn(name)}` : ''}${state ? ` (${escapeMrkdwn(state)})` : ''}`;

/** One section per kind of resource still present (at most 3 blocks), ids and names listed. */
export function leftoverSections(leftovers: ListedLeftovers): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (leftovers.instances.length > 0) blocks.push(kindSection('CVM instances', leftovers.instances.map((i) => named(i.instanceId, i.name, i.state))));
  if (leftovers.disks.length > 0) blocks.push(kindSection('CBS disks', leftovers.disks.map((d) => named(d.diskId, d.name, d.state))));
  if (leftovers.loadBalancers.length > 0) {
    blocks.push(kindSection('CLB load balancers', leftovers.loadBalancers.map((lb) => named(lb.loadBalancerId, lb.name))));
  }
  return blocks;
}

/** "2 instances, 2 disks and 1 load balancer". */
export function leftoverSummary(leftovers: ListedLeftovers): string {
  const parts = [
    [leftovers.instances.length, 'instance'],
    [leftovers.disks.length, 'disk'],
    [leftovers.loadBalancers.length, 'load balancer'],
  ].map(([n, what]) => `${n} ${what}${n === 1 ? '' : 's'}`);
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** "`tke-clusterId=cls-…` or `tkeops-cluster=c-…`": the tags to look for in the Tencent Cloud console. */
export const leftoverTagsText = (owner: LeftoverOwner): string =>
  leftoverTags(owner)
    .map((tag) => `\`${tag.tagKey}=${escapeMrkdwn(tag.tagValue)}\``)
    .join(' or ');

/** Where to look when the lookup itself failed. */
const leftoverLookupFailed = (owner: LeftoverOwner, failure: TencentFailure): string =>
  `:warning: tkeops could not list the resources left: ${failureText(failure)}. Look in the Tencent Cloud console for ` +
  `instances, disks and load balancers tagged ${leftoverTagsText(owner)}.`;

/**
 * What a leftover lookup found, as blocks: `present` heads the list of resources still there,
 * `none` says nothing is left, and a failed lookup says where to look. `text` is that first line alone.
 */
export function leftoverBlocks(
  lookup: ListedLookup,
  owner: LeftoverOwner,
  say: { present: (leftovers: ListedLeftovers) => string; none: string },
): { text: string; blocks: KnownBlock[] } {
  if (!lookup.leftovers) {
    const text = leftoverLookupFailed(owner, lookup.lookupFailure);
    return { text, blocks: [section(text)] };
  }
  if (leftoverCount(lookup.leftovers) === 0) return { text: say.none, blocks: [section(say.none)] };
  const text = say.present(lookup.leftovers);
  return { text, blocks: [section(text), ...leftoverSections(lookup.leftovers)] };
}
