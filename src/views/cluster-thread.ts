import type { KnownBlock } from '@slack/types';
import type { ThreadEvent } from '../lifecycle/events.js';
import type { EndpointAccessChoice, TencentFailure } from '../services/domain/index.js';
import { endpointLabel, escapeMrkdwn, failureText, formatDuration } from './cluster-format.js';
import { dayTwoMessage } from './day-two.js';
import { deletionReplies, forcedMessage, forceDeleteOfferMessage } from './deletion-thread.js';

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
      return { text: threadReplies.ready(event.name, event.totalMs) };
    case 'stepDone':
      return { text: `:white_check_mark: ${escapeMrkdwn(event.label)}.` };
    case 'provisioningFailed':
      return { text: threadReplies.failed(event.failure) };
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
    case 'poolScaleRequested':
    case 'poolScaled':
    case 'poolRemoveRequested':
    case 'poolRemoved':
    case 'dayTwoFailed':
      return { text: dayTwoMessage(event) };
  }
}
