import type { KnownBlock } from '@slack/types';
import type { ClusterHeader, ClusterRootInput } from '../services/cluster-summary.js';
import { section } from './blocks.js';
import { escapeMrkdwn, failureText, progressBar, provisioningEndText, slackTimeAgo, statusEmoji, statusLabel } from './cluster-format.js';
import { leftoverCount, leftoverSummary, type ListedLookup } from './leftover-resources.js';
import { deletionTimeLine } from './deletion-status.js';
import { ActionIds } from './ids.js';
import { approvalBlocks } from './approval.js';
import { costSummaryLine } from './cost.js';
import { expiryLine } from './expiry.js';

export type { ClusterHeader, ClusterRootInput } from '../services/cluster-summary.js';

/** One line on what a force delete left at Tencent; the thread and the overview list each resource. */
export function forceFoundLine(found: ListedLookup): string {
  if (!found.leftovers) return ':warning: tkeops could not list what was left at Tencent when it was force deleted; the thread says where to look.';
  if (leftoverCount(found.leftovers) === 0) return 'No instances, disks or load balancers were left at Tencent when it was force deleted.';
  return `:warning: Left at Tencent when it was force deleted, to clean up by hand: ${leftoverSummary(found.leftovers)} (listed in the thread and the overview).`;
}

/** Profile, region, cloud account and requester: the facts every cluster message shows. */
export function clusterFacts(input: ClusterHeader): KnownBlock {
  return {
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: `*Cluster profile*\n${escapeMrkdwn(input.profile)}` },
      { type: 'mrkdwn', text: `*Region*\n${escapeMrkdwn(input.region)}` },
      { type: 'mrkdwn', text: `*Cloud account*\n${escapeMrkdwn(input.accountName)}` },
      { type: 'mrkdwn', text: `*Requested by*\n<@${input.requestedBy}>` },
    ],
  };
}

function timeLine(input: ClusterRootInput): string {
  if (input.deletion) return deletionTimeLine(input.status, input.deletion);
  // The root is edited only when a step completes; Slack's "ago" keeps the elapsed time live in between.
  const elapsed = provisioningEndText(input.status, input.elapsedMs) ?? `Elapsed: started ${slackTimeAgo(input.startedAt)}`;
  // Posted before CreateCluster: until Tencent answers, the root says what is happening.
  return input.status === 'Creating' ? `${elapsed}  ·  Creating the cluster at Tencent Cloud…` : elapsed;
}

/** The provisioning thread's root message; edited in place on every change (≤ 50 blocks). */
export function clusterRootMessage(input: ClusterRootInput): { text: string; blocks: KnownBlock[] } {
  const status = statusLabel(input.status);
  // A deletion replaces the provisioning progress bar with its own line.
  const progress =
    input.status === 'AwaitingApproval' ? `Requested ${slackTimeAgo(input.startedAt)}`
    : input.status === 'Rejected' ? 'Not created'
    : input.deletion ? timeLine(input)
    : `\`${progressBar(input.percent)}\`  ·  ${timeLine(input)}`;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `${statusEmoji(input.status)} *${escapeMrkdwn(input.name)}* — ${status}` },
    },
    clusterFacts(input),
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: progress }],
    },
  ];
  if (input.status === 'Failed' && input.failure) {
    blocks.push(section(`:x: ${failureText(input.failure)}`));
  }
  if (input.status === 'DeletedForced' && input.forceFound) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: forceFoundLine(input.forceFound) }] });
  if (input.estimate) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: costSummaryLine(input.estimate) }] });
  if (input.expiresAt) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:alarm_clock: ${expiryLine(input.expiresAt)}` }] });
  if (input.approval) blocks.push(...approvalBlocks(input.id, input.approval, input.status === 'AwaitingApproval'));
  // A request waiting for approval has its own buttons; a rejected or expired one none at all.
  if (input.status === 'AwaitingApproval' || input.status === 'Rejected') return { text: `${input.name}: ${status}`, blocks };
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: ActionIds.clusterOverview,
        text: { type: 'plain_text', text: 'Overview' },
        value: input.id,
      },
    ],
  });
  const summary = input.deletion ? timeLine(input) : `${progressBar(input.percent)}, ${timeLine(input)}`;
  return { text: `${input.name}: ${status} (${summary})`, blocks };
}
