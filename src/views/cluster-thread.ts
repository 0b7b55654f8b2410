import { changeApprovalMessage } from './change-approval.js';
import type { Button, KnownBlock } from '@slack/types';
import type { ThreadEvent } from '../lifecycle/events.js';
import type { EndpointAccessChoice, TencentFailure } from '../services/domain/index.js';
import { endpointLabel, escapeMrkdwn, failureText, formatDuration } from './cluster-format.js';
import { expiryThreadMessage } from './expiry.js';
import { approvalReplies } from './approval.js';
import { deleteButton, deletionReplies, forcedMessage, forceDeleteOfferMessage } from './deletion-thread.js';
import { section } from './blocks.js';
import { accessLine, kubeconfigButtons } from './cluster-access.js';
import { ActionIds } from './ids.js';

const overviewButton = (clusterId: string): Button => ({
  type: 'button',
  action_id: ActionIds.clusterOverview,
  text: { type: 'plain_text', text: 'Overview' },
  value: clusterId,
});
import { dayTwoMessage } from './day-two.js';
import { retryNote, retryStepButton, stepRetriedText } from './retry.js';
import { upgradeApprovalMessage, upgradeMessage } from './upgrade.js';

/** The text of each provisioning-thread reply, one function per step. */
export const threadReplies = {
  created: (tkeClusterId: string, region: string) =>
    `:sparkles: Cluster created: TKE cluster \`${tkeClusterId}\` in ${escapeMrkdwn(region)}. Waiting for the control plane.`,

  controlPlane: (afterMs: number) => `:gear: Control plane running (after ${formatDuration(afterMs)}).`,

  /** `cidrs`: what the public endpoint is restricted to (none for a private endpoint). */
  endpoint: (access: EndpointAccessChoice, cidrs: readonly string[]) => {
    const restriction = cidrs.length > 0 ? `, reachable from ${cidrs.join(', ')}` : '';
    return `:link: Endpoint ready (${escapeMrkdwn(endpointLabel(access))}${restriction}).`;
  },

  pool: (name: string, readyNodes: number, desired: number, instanceType: string) =>
    `:white_check_mark: Worker pool *${escapeMrkdwn(name)}* ready: ${readyNodes}/${desired} nodes (${escapeMrkdwn(instanceType)}).`,

  addons: (names: readonly string[]) => `:package: Add-ons installed: ${names.map(escapeMrkdwn).join(', ')}.`,

  ready: (name: string, totalMs: number) => `:tada: Cluster *${escapeMrkdwn(name)}* is ready. Total time ${formatDuration(totalMs)}.`,

  failed: (failure: TencentFailure) => `:x: Provisioning failed. ${failureText(failure)}`,

  transient: (failure: TencentFailure, ticks: number) =>
    `:warning: Tencent has answered ${failureText(failure)} on the last ${ticks} checks. tkeops keeps trying.`,
};

/** Who started it, at the end of the reply, so they are notified even when they do not follow the thread. */
const mention = (user: string | undefined) => (user ? ` <@${user}>` : '');

/** The ready reply: mentions who asked for the cluster, its API server and console link, Get kubeconfig and Overview. */
function readyMessage(event: Extract<ThreadEvent, { kind: 'clusterReady' }>): { text: string; blocks?: KnownBlock[] } {
  const text = `${threadReplies.ready(event.name, event.totalMs)}${mention(event.requestedBy)}`;
  if (!event.clusterId) return { text };
  const access = event.region ? accessLine({ region: event.region, tkeClusterId: event.tkeClusterId, addresses: event.apiServer }) : undefined;
  const blocks: KnownBlock[] = [section(access ? `${text}\n${access}` : text)];
  blocks.push({ type: 'actions', elements: [...kubeconfigButtons(event.clusterId, event.endpoints ?? []), overviewButton(event.clusterId)] });
  return { text, blocks };
}

/** The failure reply: mentions who asked for the cluster, with a Delete button. */
function failedMessage(event: Extract<ThreadEvent, { kind: 'provisioningFailed' }>): { text: string; blocks?: KnownBlock[] } {
  const text = `${threadReplies.failed(event.failure)}${mention(event.requestedBy)}`;
  if (!event.clusterId) return { text };
  const retry = event.retry ? [retryStepButton(event.clusterId)] : [];
  return {
    text,
    blocks: [
      section(text),
      ...(event.retry ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: retryNote(event.retry) }] }] : []),
      { type: 'actions', elements: [...retry, deleteButton(event.clusterId), overviewButton(event.clusterId)] },
    ],
  };
}

/** A thread reply's text (and blocks) for what happened: every lifecycle event is written here. */
export function threadMessage(event: ThreadEvent): { text: string; blocks?: KnownBlock[] } {
  switch (event.kind) {
    case 'clusterCreated':
      return { text: threadReplies.created(event.tkeClusterId, event.region) };
    case 'controlPlaneRunning':
      return { text: threadReplies.controlPlane(event.elapsedMs) };
    case 'endpointReady':
      return { text: threadReplies.endpoint(event.access, event.cidrs) };
    case 'poolReady':
      return { text: threadReplies.pool(event.pool, event.readyNodes, event.desired, event.instanceType) };
    case 'addonsInstalled':
      return { text: threadReplies.addons(event.names) };
    case 'clusterReady':
      return readyMessage(event);
    case 'stepDone':
      return { text: `:white_check_mark: ${escapeMrkdwn(event.label)}.` };
    case 'provisioningFailed':
      return failedMessage(event);
    case 'transientErrors':
      return { text: threadReplies.transient(event.failure, event.ticks) };
    case 'deletionRequested':
      return { text: deletionReplies.requested(event) };
    case 'deletionProgress':
      return { text: deletionReplies.progress(event) };
    case 'deleted':
      return { text: deletionReplies.deleted(event) };
    case 'forceDeleteOffered':
      return forceDeleteOfferMessage(event);
    case 'forceDeleted':
      return forcedMessage(event);
    case 'expiryReminder':
    case 'expiryExtended':
    case 'expiryKept':
    case 'expiryProtected':
      return expiryThreadMessage(event);
    case 'approvalApproved':
      return { text: approvalReplies.approved(event.user, event.breakGlass) };
    case 'approvalRejected':
      return { text: approvalReplies.rejected(event.user, event.reason, event.requestedBy) };
    case 'approvalExpired':
      return { text: approvalReplies.expired(event.requestedBy, event.waitedMs) };
    case 'stepRetried':
      return { text: stepRetriedText(event.user, event.step, event.failure) };
    case 'changeApprovalRequested':
    case 'changeApproved':
    case 'changeRejected':
      return changeApprovalMessage(event);
    case 'poolScaleRequested':
    case 'poolScaled':
    case 'poolRemoveRequested':
    case 'poolRemoved':
    case 'poolAddRequested':
    case 'poolAdded':
    case 'dayTwoFailed':
      return { text: dayTwoMessage(event) };
    case 'upgradeControlPlaneRequested':
    case 'upgradeControlPlaneReady':
    case 'upgradeNodesRequested':
    case 'upgradeBatchDone':
    case 'upgraded':
      return { text: upgradeMessage(event) };
    case 'upgradeApprovalRequested':
    case 'upgradeApproved':
    case 'upgradeRejected':
      return upgradeApprovalMessage(event);
  }
}
