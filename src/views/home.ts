/**
 * The App Home tab (views.publish): what waits for the person, their clusters, what expires soon,
 * and Create cluster. Its buttons are the ones the thread and the overview use (Approve, Reject,
 * Overview, Get kubeconfig), with the cluster id as value, so the same listeners answer them.
 * Lists are capped so the view stays within Slack's 100 blocks; the rest is counted ("and 3 more").
 */
import type { Button, HomeView, KnownBlock } from '@slack/types';
import type { HomeApprovalRequest, HomeCluster, HomeData, HomeMyCluster } from '../services/home.js';
import { kubeconfigButtons } from './cluster-access.js';
import { escapeMrkdwn, messageUrl, slackTime, statusEmoji, statusLabel } from './cluster-format.js';
import { costTotalLine } from './cost.js';
import { ActionIds } from './ids.js';
import { section } from './blocks.js';

/** Items shown per section (2 blocks each at most): 10 + 15 + 10 items keep the tab under 80 blocks. */
export const HOME_LIMITS = { approvals: 10, myClusters: 15, expiring: 10 } as const;

export const HOME_TITLES = {
  approvals: 'Waiting for your approval',
  myClusters: 'My clusters',
  expiring: 'Expiring in the next 24 h',
} as const;

const header = (text: string): KnownBlock => ({ type: 'header', text: { type: 'plain_text', text } });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const divider: KnownBlock = { type: 'divider' };

const button = (actionId: string, text: string, value: string, style?: 'primary' | 'danger'): Button => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text },
  value,
  ...(style ? { style } : {}),
});

const overviewButton = (clusterId: string): Button => button(ActionIds.clusterOverview, 'Overview', clusterId);

/** `*name*` in #channel (linked to its thread when it has one). */
function nameIn(cluster: HomeCluster): string {
  const name = `*${escapeMrkdwn(cluster.name)}*`;
  const where = `<#${cluster.channel}>`;
  return cluster.thread ? `${name} in ${where} (<${messageUrl(cluster.thread.channel, cluster.thread.ts)}|thread>)` : `${name} in ${where}`;
}

const costLine = (cluster: HomeCluster): string | undefined =>
  cluster.estimate ? `:moneybag: ${costTotalLine(cluster.estimate).replace(/^\*Total\*: /, '')}` : undefined;

const expiryOf = (cluster: HomeCluster): string | undefined => (cluster.expiresAt ? `:alarm_clock: Expires ${slackTime(cluster.expiresAt)}` : undefined);

/** "_…and 3 more_" under a capped list, with where to find them. */
const more = (count: number, where: string): KnownBlock[] => (count > 0 ? [context(`…and ${count} more: ${where}`)] : []);

function approvalBlocks(items: readonly HomeApprovalRequest[]): KnownBlock[] {
  if (items.length === 0) {
    return [context('Nothing waits for you. Requests you may approve appear here and in their channel; the requester never approves their own.')];
  }
  return [
    ...items.slice(0, HOME_LIMITS.approvals).flatMap((r): KnownBlock[] => [
      section(
        [`${nameIn(r)}, requested by <@${r.requestedBy}> ${slackTime(r.requestedAt)}`, costLine(r), `Closes unanswered ${slackTime(r.closesAt)}.`]
          .filter(Boolean)
          .join('\n'),
      ),
      {
        type: 'actions',
        elements: [
          button(ActionIds.approvalApprove, 'Approve', r.id, 'primary'),
          button(ActionIds.approvalReject, 'Reject', r.id, 'danger'),
          overviewButton(r.id),
        ],
      },
    ]),
    ...more(items.length - HOME_LIMITS.approvals, 'the oldest are shown first; the rest are in their channels.'),
  ];
}

function myClusterBlocks(items: readonly HomeMyCluster[], canCreate: boolean): KnownBlock[] {
  if (items.length === 0) {
    return [context(canCreate ? 'You have no clusters. Press *Create cluster* above, or run `/tke create` in your team\'s channel.' : "You have no clusters. Run `/tke create` in your team's channel to create one.")];
  }
  return [
    ...items.slice(0, HOME_LIMITS.myClusters).flatMap((c): KnownBlock[] => [
      section([`${statusEmoji(c.status)} ${nameIn(c)} — *${statusLabel(c.status)}* · ${escapeMrkdwn(c.region)}`, costLine(c), expiryOf(c)].filter(Boolean).join('\n')),
      { type: 'actions', elements: [overviewButton(c.id), ...kubeconfigButtons(c.id, c.kubeconfigEndpoints)] },
    ]),
    ...more(items.length - HOME_LIMITS.myClusters, 'the newest are shown; `/tke list` in a channel lists its project\'s clusters.'),
  ];
}

function expiringBlocks(items: HomeData['expiring']): KnownBlock[] {
  if (items.length === 0) {
    return [context('Nothing of yours expires within 24 hours. Clusters with an expiry get reminders in their thread, with Extend and Keep.')];
  }
  return [
    ...items.slice(0, HOME_LIMITS.expiring).map(
      (c): KnownBlock => ({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:alarm_clock: ${nameIn(c)} is deleted ${slackTime(c.expiresAt)}${c.expirySetBy ? ` (expiry set by <@${c.expirySetBy}>)` : ''}. Extend or Keep it from the reminder in its thread.`,
        },
        accessory: overviewButton(c.id),
      }),
    ),
    ...more(items.length - HOME_LIMITS.expiring, 'the soonest are shown first.'),
  ];
}

/** The person's Home tab. */
export function homeView(data: HomeData): HomeView {
  const create: KnownBlock = data.createChannel
    ? {
        type: 'section',
        text: { type: 'mrkdwn', text: `Clusters you run with tkeops, and what waits for you. *Create cluster* opens the wizard for <#${data.createChannel}>, where you last used it.` },
        accessory: button(ActionIds.homeCreateCluster, 'Create cluster', data.createChannel, 'primary'),
      }
    : section("Clusters you run with tkeops, and what waits for you. To create one, run `/tke create` in your team's channel: the channel decides the project.");
  return {
    type: 'home',
    blocks: [
      create,
      divider,
      header(HOME_TITLES.approvals),
      ...approvalBlocks(data.approvals),
      divider,
      header(HOME_TITLES.myClusters),
      ...myClusterBlocks(data.myClusters, data.createChannel !== undefined),
      divider,
      header(HOME_TITLES.expiring),
      ...expiringBlocks(data.expiring),
    ],
  };
}
