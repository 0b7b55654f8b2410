import { includesPublic } from '../services/cluster-spec.js';
import type { EndpointAccessChoice, TencentFailure } from '../services/store-schema.js';
import { endpointLabel, escapeMrkdwn, failureText, formatDuration } from './cluster-format.js';

/** The text of each provisioning-thread reply, one function per step. */
export const threadReplies = {
  created: (tkeClusterId: string, region: string) =>
    `:sparkles: Cluster created: TKE cluster \`${tkeClusterId}\` in ${escapeMrkdwn(region)}. Waiting for the control plane.`,

  controlPlane: (afterMs: number) => `:gear: Control plane running (after ${formatDuration(afterMs)}).`,

  endpoint: (access: EndpointAccessChoice, cidrs: readonly string[]) => {
    const restriction = includesPublic(access) && cidrs.length > 0 ? `, reachable from ${cidrs.join(', ')}` : '';
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
