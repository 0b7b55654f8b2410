import type { Button, KnownBlock } from '@slack/types';
import type { ClusterOverviewData, PoolOverview } from '../services/cluster-summary.js';
import type { ClusterStatus } from '../services/domain/index.js';
import { section } from './blocks.js';
import { expiryLine } from './expiry.js';
import {
  endpointLabel,
  escapeMrkdwn,
  failureText,
  formatDuration,
  messageUrl,
  progressBar,
  provisioningEndText,
  slackTime,
  statusEmoji,
  statusLabel,
} from './cluster-format.js';
import { clusterFacts } from './cluster-root.js';
import { deletionTimeLine } from './deletion-status.js';
import { leftoverBlocks, leftoverSummary } from './leftover-resources.js';
import { costText } from './cost.js';
import type { ClusterEndpoints, EndpointAccess } from '../services/tke.js';
import { kubernetesVersionsText } from './upgrade.js';
import { accessLine, kubeconfigButtons, protectionButton, protectionLine } from './cluster-access.js';
import { approvalNeededText } from './approval.js';

export type { PoolOverview } from '../services/cluster-summary.js';

export interface ClusterOverviewInput extends ClusterOverviewData {
  /**
   * Deletion slot, filled by the deletion feature: the buttons this user may use on the cluster
   * (Delete cluster, Force Delete Cluster) and a line such as "Force delete available in 7m 30s".
   */
  deletion?: { buttons: Button[]; note?: string };
  /**
   * Access slot, filled by the cluster access feature: the API server addresses, the endpoints
   * this user may get a kubeconfig for, deletion protection and whether this user may change it.
   */
  access?: ClusterAccessSlot;
}

export interface ClusterAccessSlot {
  addresses?: ClusterEndpoints | undefined;
  kubeconfigEndpoints: readonly EndpointAccess[];
  protection?: { on: boolean; by: string; at: string } | undefined;
  mayProtect: boolean;
}

/** The access slot's lines (API server, console link, protection) and its buttons. */
function accessBlocks(input: ClusterOverviewInput, phase: Phase): { blocks: KnownBlock[]; buttons: Button[] } {
  const slot = input.access;
  if (!slot || phase === 'deleted') return { blocks: [], buttons: [] };
  const lines = [accessLine({ region: input.region, tkeClusterId: input.tkeClusterId, addresses: slot.addresses }), protectionLine(slot.protection)].filter(
    (line): line is string => line !== undefined,
  );
  const buttons = [...kubeconfigButtons(input.id, slot.kubeconfigEndpoints)];
  if (slot.mayProtect && input.tkeClusterId && phase !== 'deleting') buttons.push(protectionButton(input.id, slot.protection?.on === true));
  return { blocks: [section(lines.join('\n'))], buttons };
}

/** Where the cluster is, as its steps, pools and endpoint tell it: still coming up (or up), failed, being deleted, gone. */
type Phase = 'live' | 'failed' | 'deleting' | 'deleted';

function phaseOf(status: ClusterStatus): Phase {
  switch (status) {
    case 'Failed':
      return 'failed';
    case 'Deleting':
      return 'deleting';
    case 'Deleted':
    case 'DeletedForced':
      return 'deleted';
    default:
      return 'live';
  }
}

/** What became of a worker pool or endpoint Tencent had created, once the cluster is being deleted or gone. */
const WITH_THE_CLUSTER = { deleting: 'being deleted with the cluster', deleted: 'removed with the cluster' } as const;
const NEVER_CREATED = 'never created';

function stepLines(input: ClusterOverviewInput, phase: Phase): string {
  const start = Date.parse(input.createdAt);
  const current = input.steps.find((s) => s.doneAt === undefined)?.key;
  return input.steps
    .map((step) => {
      const label = escapeMrkdwn(step.label);
      if (step.doneAt !== undefined) return `:white_check_mark: ${label} — after ${formatDuration(Date.parse(step.doneAt) - start)}`;
      if (phase !== 'live') return `:white_small_square: ${label} — not done`;
      return step.key === current ? `:hourglass_flowing_sand: ${label} — in progress` : `:white_small_square: ${label} — pending`;
    })
    .join('\n');
}

/** A pool's icon and state: its nodes while the cluster is live; what became of it once it failed or is deleted. */
function poolState(pool: PoolOverview, phase: Phase): [icon: string, state: string] {
  const nodes = pool.readyNodes === undefined ? `${pool.desiredSize} desired` : `${pool.readyNodes}/${pool.desiredSize} nodes ready`;
  if (phase === 'live') return [pool.ready ? ':white_check_mark:' : ':hourglass_flowing_sand:', nodes];
  if (!pool.created) return [':white_small_square:', NEVER_CREATED];
  if (phase === 'failed') return pool.ready ? [':white_check_mark:', `${nodes} when the cluster failed`] : [':x:', 'not ready when the cluster failed'];
  return [':wastebasket:', WITH_THE_CLUSTER[phase]];
}

function poolLine(pool: PoolOverview, phase: Phase): string {
  const [icon, state] = poolState(pool, phase);
  return (
    `${icon} *${escapeMrkdwn(pool.name)}*: ${state} (min ${pool.minSize}, max ${pool.maxSize}) · ` +
    `${escapeMrkdwn(pool.instanceType)} · ${pool.zones.map(escapeMrkdwn).join(', ')} · ${pool.diskGb} GB disk`
  );
}

function endpointLine(endpoint: ClusterOverviewInput['endpoint'], phase: Phase): string {
  const cidrs = endpoint.public ? ` · access from ${endpoint.cidrs.length > 0 ? endpoint.cidrs.join(', ') : 'anywhere'}` : '';
  const label = escapeMrkdwn(endpointLabel(endpoint.access));
  if (phase === 'live') return `${label} — ${endpoint.ready ? 'ready' : 'not ready yet'}${cidrs}`;
  if (!endpoint.created) return `${label} — ${NEVER_CREATED}`;
  if (phase === 'failed') return `${label} — ${endpoint.ready ? 'ready' : 'not ready'} when the cluster failed${cidrs}`;
  return `${label} — ${WITH_THE_CLUSTER[phase]}`;
}

/** The time under the title: the deletion's once approved, else the progress bar and how long provisioning took (or takes). */
function timeLine(input: ClusterOverviewInput): string {
  if (input.deletionSummary) return deletionTimeLine(input.status, input.deletionSummary);
  const time = provisioningEndText(input.status, input.elapsedMs) ?? `elapsed ${formatDuration(input.elapsedMs)}`;
  return `\`${progressBar(input.percent)}\` · ${time}`;
}

/** What a force delete found at Tencent, listed; a failed lookup says where to look. */
function forceFoundBlocks(input: ClusterOverviewInput): KnownBlock[] {
  if (input.status !== 'DeletedForced' || !input.forceFound || !input.tkeClusterId) return [];
  return leftoverBlocks(input.forceFound, { id: input.id, tkeClusterId: input.tkeClusterId }, {
    present: (leftovers) => `*Left at Tencent when it was force deleted* — clean these up by hand: ${leftoverSummary(leftovers)}.`,
    none: '*Left at Tencent when it was force deleted*: no instances, disks or load balancers.',
  }).blocks;
}

/** The ephemeral cluster overview of `/tke status <name>` and the root message's Overview button. */
export function clusterOverviewMessage(input: ClusterOverviewInput): { text: string; blocks: KnownBlock[] } {
  const status = statusLabel(input.status);
  const phase = phaseOf(input.status);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${statusEmoji(input.status)} *${escapeMrkdwn(input.name)}* — ${status}${input.tkeClusterId ? ` · \`${input.tkeClusterId}\`` : ''}\n${timeLine(input)}`,
      },
    },
    clusterFacts(input),
    section(`*Steps*\n${stepLines(input, phase)}`),
    section(`*Worker pools*\n${input.pools.map((pool) => poolLine(pool, phase)).join('\n')}`),
    section(`*Endpoint*\n${endpointLine(input.endpoint, phase)}`),
  ];
  // Awaiting approval: the request's state instead of actions (its buttons are on the root message).
  if (input.approval) blocks.push(section(`${approvalNeededText(input.approval)} Approve or reject it from the request in the channel.`));
  const kubernetes = kubernetesVersionsText(input.kubernetes, undefined);
  if (kubernetes && phase !== 'deleted') blocks.push(section(kubernetes));
  if (input.expiresAt) blocks.push(section(`:alarm_clock: ${expiryLine(input.expiresAt)}: then deleted automatically with its VMs and disks.`));
  const access = accessBlocks(input, phase);
  blocks.push(...access.blocks);
  if (input.estimate) {
    const { estimate, asOf } = input.estimate;
    const when = asOf === 'now' ? 'for its current pools, now' : `as of Deploy, ${slackTime(estimate.estimatedAt)}`;
    blocks.push(section(costText(estimate, `*Estimated price* (pay-as-you-go, ${when})`)));
  }
  if (input.status === 'Failed' && input.failure) {
    blocks.push(section(`:x: ${failureText(input.failure)}`));
  }
  blocks.push(...forceFoundBlocks(input));
  const links = input.thread ? `<${messageUrl(input.thread.channel, input.thread.ts)}|Open the provisioning thread>` : 'No provisioning thread yet.';
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links }] });
  // Deletion slot: the deletion feature passes the buttons this user may use and the force-delete line.
  if (input.deletion?.note) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: input.deletion.note }] });
  const buttons = [...access.buttons, ...(input.deletion?.buttons ?? [])];
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  const summary = input.deletionSummary ? deletionTimeLine(input.status, input.deletionSummary) : progressBar(input.percent);
  return { text: `${input.name}: ${status} (${summary})`, blocks };
}
