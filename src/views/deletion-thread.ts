import type { Button, KnownBlock } from '@slack/types';
import type { LeftoverLookup, LeftoverOwner, OnCall } from '../lifecycle/events.js';
import type { DeletionSummary } from '../services/deletion-rules.js';
import type { WorkerPoolSpec } from '../services/domain/index.js';
import type { LeftoverResources } from '../services/tke.js';
import { section } from './blocks.js';
import { clip, escapeMrkdwn, formatDuration, slackTime, timeLeft } from './cluster-format.js';
import { ActionIds } from './ids.js';
import { leftoverBlocks, leftoverSummary } from './leftover-resources.js';

/** What Tencent terminates with the cluster: the VMs of the worker pools it created (their desired sizes). */
function terminated(tkeClusterId: string, createdPools: readonly WorkerPoolSpec[]): string {
  const cluster = `Tencent is deleting TKE cluster \`${tkeClusterId}\``;
  if (createdPools.length === 0) return `${cluster} (no worker pools had been created yet).`;
  const desired = createdPools.reduce((sum, pool) => sum + pool.desiredSize, 0);
  const pools = createdPools.length === 1 ? 'its worker pool' : `its ${createdPools.length} worker pools`;
  return `${cluster}: the VMs of ${pools} (${desired} desired) are terminated with their disks.`;
}

/** The text of each deletion reply in the provisioning thread. */
export const deletionReplies = {
  /** `createdPools`: the worker pools Tencent created (see createdWorkerPools), not the spec's. */
  requested: (input: { user: string; name: string; tkeClusterId?: string | undefined; createdPools: readonly WorkerPoolSpec[]; expired?: boolean | undefined }) =>
    (input.expired
      ? `:alarm_clock: *${escapeMrkdwn(input.name)}* expired (expiry set by <@${input.user}>), so tkeops is deleting it. `
      : `:wastebasket: <@${input.user}> approved the deletion of *${escapeMrkdwn(input.name)}* (typed its name). `) +
    (input.tkeClusterId ? terminated(input.tkeClusterId, input.createdPools) : 'Tencent never created it, so there was nothing to remove there.'),

  progress: (input: { elapsedMs: number; leftovers?: LeftoverResources | undefined; forceInMs: number }) =>
    `:hourglass_flowing_sand: Still deleting after ${formatDuration(input.elapsedMs)}` +
    `${input.leftovers ? `: ${leftoverSummary(input.leftovers)} left` : ''}. ` +
    `Force delete becomes available in ${timeLeft(input.forceInMs)}.`,

  deleted: (input: { name: string; tkeClusterId: string; elapsedMs: number; requestedBy?: string | undefined }) =>
    `:white_check_mark: Cluster *${escapeMrkdwn(input.name)}* deleted: Tencent no longer has \`${input.tkeClusterId}\` ` +
    `(after ${formatDuration(input.elapsedMs)}). It no longer appears in \`/tke list\`.${input.requestedBy ? ` <@${input.requestedBy}>` : ''}`,
};

/** On-call as Slack mentions: "<!subteam^S0ONCALL> <@U1>" (empty when the policy lists nobody). */
export const onCallMention = (onCall: OnCall): string =>
  [...onCall.userGroups.map((g) => `<!subteam^${g}>`), ...onCall.users.map((u) => `<@${u}>`)].join(' ');

/** The watcher's Force Delete Cluster offer, posted once in the thread when the threshold passes. */
export function forceDeleteOfferMessage(input: {
  clusterId: string;
  name: string;
  stuckMs: number;
  onCall: OnCall;
  /** What Tencent reports when that is not Deleting (it never took the deletion in). */
  tencentStatus?: string;
}): { text: string; blocks: KnownBlock[] } {
  const name = escapeMrkdwn(input.name);
  const mention = onCallMention(input.onCall);
  const who = mention ? `${mention} ` : '';
  const stuck =
    input.tencentStatus === undefined || input.tencentStatus === 'Deleting'
      ? `has been stuck in Deleting for ${formatDuration(input.stuckMs)}`
      : `is still *${escapeMrkdwn(input.tencentStatus)}* in Tencent ${formatDuration(input.stuckMs)} after its deletion was asked`;
  const text = `:rotating_light: ${who}*${name}* ${stuck}. Force delete is now available to tenant admins, the project's admins and on-call.`;
  return {
    text,
    blocks: [
      section(`${text} It first lists the cloud resources still present, which must be cleaned up, and asks for the cluster name again.`),
      { type: 'actions', elements: [forceDeleteButton(input.clusterId, input.name)] },
    ],
  };
}

/** The force-delete offer once used: who force deleted the cluster and when, with no button left to click. */
export function forceDeleteUsedMessage(input: { name: string; by: string; at: string }): { text: string; blocks: KnownBlock[] } {
  const text =
    `:white_check_mark: Force deleted by <@${input.by}> at ${slackTime(input.at)}: *${escapeMrkdwn(input.name)}* is Deleted (forced). ` +
    'What was left at Tencent to clean up is listed in this thread and in the overview.';
  return { text, blocks: [section(text)] };
}

/** Force Delete Cluster, with Slack's confirm dialog in front of the modal. */
export function forceDeleteButton(clusterId: string, name: string): Button {
  return {
    type: 'button',
    action_id: ActionIds.clusterForceDelete,
    text: { type: 'plain_text', text: 'Force Delete Cluster' },
    style: 'danger',
    value: clusterId,
    confirm: {
      title: { type: 'plain_text', text: clip(`Force delete ${name}?`, 100) },
      text: { type: 'plain_text', text: 'You will see the cloud resources still present and type the cluster name before anything is deleted.' },
      confirm: { type: 'plain_text', text: 'Continue' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    },
  };
}

/** The overview's Delete cluster button. */
export function deleteButton(clusterId: string): Button {
  return {
    type: 'button',
    action_id: ActionIds.clusterDelete,
    text: { type: 'plain_text', text: 'Delete cluster' },
    style: 'danger',
    value: clusterId,
  };
}

/** The thread reply of a force delete: who did it, and what Tencent still has (to be cleaned up). */
export function forcedMessage(input: { user: string; name: string; owner: LeftoverOwner } & LeftoverLookup): { text: string; blocks: KnownBlock[] } {
  const head =
    `:warning: <@${input.user}> force deleted *${escapeMrkdwn(input.name)}*: Tencent was asked to delete ` +
    `\`${input.owner.tkeClusterId}\` once more with everything terminated. The cluster is marked Deleted (forced).`;
  const found = leftoverBlocks(input, input.owner, {
    present: (leftovers) => `These cloud resources are still present and must be cleaned up: ${leftoverSummary(leftovers)}.`,
    none: 'No instances, disks or load balancers of the cluster are left.',
  });
  return { text: `${head} ${found.text}`, blocks: [section(head), ...found.blocks] };
}

/** The overview's line about force delete while the cluster is Deleting. */
export function forceDeleteNote(
  availability: { kind: 'wait'; ms: number } | { kind: 'available'; allowed: boolean } | { kind: 'forcing'; by: string },
  summary: DeletionSummary,
): string {
  const since = `Deletion approved by <@${summary.requestedBy}> ${formatDuration(summary.elapsedMs)} ago.`;
  switch (availability.kind) {
    case 'wait':
      return `${since} Force delete available in ${timeLeft(availability.ms)}.`;
    case 'forcing':
      return `${since} <@${availability.by}> is force deleting it.`;
    case 'available':
      return availability.allowed
        ? `${since} Force delete available now.`
        : `${since} Force delete available now to tenant admins, the project's admins and on-call.`;
  }
}
