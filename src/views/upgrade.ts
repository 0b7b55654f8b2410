import type { Button, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { approversText, reasonText } from './approval.js';
import { z } from 'zod';
import type { ThreadEvent } from '../lifecycle/events.js';
import { MAX_UNAVAILABLE_LIMIT, UPGRADE_TYPES, type KubernetesVersions, type TencentFailure, type UpgradeType } from '../services/domain/index.js';
import { section } from './blocks.js';
import { clip, escapeMrkdwn, failureText, formatDuration } from './cluster-format.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { parsePrivateMetadata } from './private-metadata.js';

/** The upgrade modal's pointer: the cluster, the channel to answer in, and the versions Tencent offered when it opened. */
const metadataSchema = z.object({ v: z.literal(1), clusterId: z.string().min(1), channel: z.string().min(1), offered: z.array(z.string()).max(20) });
export type UpgradeModalPointer = Omit<z.infer<typeof metadataSchema>, 'v'>;

export function parseUpgradeMetadata(text: string | undefined): UpgradeModalPointer | undefined {
  const parsed = parsePrivateMetadata(metadataSchema, text);
  return parsed && { clusterId: parsed.clusterId, channel: parsed.channel, offered: parsed.offered };
}

const UPGRADE_TYPE_LABELS: Record<UpgradeType, string> = {
  major: 'major — in place, one node after another (nodes keep their disks)',
  reset: 'reset — reinstall each node (its system disk is wiped)',
};

const option = (text: string, value: string): PlainTextOption => ({ text: { type: 'plain_text', text: clip(text, 75) }, value });

/** What the modal shows of the cluster now. */
export interface UpgradeModalInput {
  clusterId: string;
  clusterName: string;
  channel: string;
  /** The control plane's version now. */
  version: string;
  /** DescribeAvailableClusterVersion's answer. */
  offered: readonly string[];
  /** Worker nodes the cluster has (tkeops' count), for "what will happen". */
  nodes: number;
}

/** "Upgrade Kubernetes": the versions Tencent offers, how nodes are upgraded, how many at a time, and what happens. */
export function upgradeModal(input: UpgradeModalInput): ModalView {
  const [first] = input.offered;
  const pointer: UpgradeModalPointer = { clusterId: input.clusterId, channel: input.channel, offered: input.offered.slice(0, 20) };
  return {
    type: 'modal',
    callback_id: CallbackIds.clusterUpgrade,
    private_metadata: JSON.stringify({ v: 1, ...pointer }),
    title: { type: 'plain_text', text: 'Upgrade Kubernetes' },
    submit: { type: 'plain_text', text: 'Upgrade' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`*${escapeMrkdwn(input.clusterName)}* runs Kubernetes *${escapeMrkdwn(input.version)}*. TKE upgrades one minor version at a time.`),
      {
        type: 'input',
        block_id: BlockIds.upgradeVersion,
        label: { type: 'plain_text', text: 'Upgrade to' },
        element: {
          type: 'static_select',
          action_id: ActionIds.upgradeVersion,
          options: pointer.offered.map((v) => option(`Kubernetes ${v}`, v)),
          ...(first ? { initial_option: option(`Kubernetes ${first}`, first) } : {}),
        },
      },
      {
        type: 'input',
        block_id: BlockIds.upgradeType,
        label: { type: 'plain_text', text: 'Worker node upgrade' },
        element: {
          type: 'static_select',
          action_id: ActionIds.upgradeType,
          options: UPGRADE_TYPES.map((t) => option(UPGRADE_TYPE_LABELS[t], t)),
          initial_option: option(UPGRADE_TYPE_LABELS.major, 'major'),
        },
      },
      {
        type: 'input',
        block_id: BlockIds.upgradeMaxUnavailable,
        label: { type: 'plain_text', text: 'Max unavailable nodes' },
        hint: { type: 'plain_text', text: `Nodes upgraded at the same time, 1–${MAX_UNAVAILABLE_LIMIT}.` },
        element: { type: 'plain_text_input', action_id: ActionIds.upgradeMaxUnavailable, initial_value: '1', max_length: 2 },
      },
      section(
        `*What will happen*\n1. The control plane is upgraded first; the thread says when Tencent reports the new version.\n` +
          `2. Then the worker nodes (${input.nodes} now), in batches of the max unavailable nodes, the way you pick above; ` +
          `the thread gets one reply per batch and a last one when the version is everywhere.\n` +
          `If Tencent stops it, the thread says why and the cluster stays Running at the versions it has.`,
      ),
    ],
  };
}

/** Why the typed max unavailable nodes is not a whole number 1..15 (UpgradeClusterInstances Concurrent), or undefined. */
export function maxUnavailableProblem(typed: string): string | undefined {
  const n = Number(typed.trim());
  return /^\d+$/.test(typed.trim()) && n >= 1 && n <= MAX_UNAVAILABLE_LIMIT ? undefined : `Max unavailable nodes must be a whole number from 1 to ${MAX_UNAVAILABLE_LIMIT}`;
}

/** Tencent would not list the versions the cluster may be upgraded to: nothing started. */
export function versionsUnavailableText(failure: TencentFailure): string {
  return `:x: Tencent did not list the Kubernetes versions for this cluster, so nothing was upgraded. ${failureText(failure)}`;
}

/** The overview's "Upgrade Kubernetes" button (the cluster id as value). */
export function upgradeButton(clusterId: string): Button {
  return { type: 'button', action_id: ActionIds.clusterUpgrade, text: { type: 'plain_text', text: 'Upgrade Kubernetes' }, value: clusterId };
}

/** The overview's Kubernetes line: the control plane's version and which nodes are at which version. */
export function kubernetesVersionsText(versions: KubernetesVersions | undefined, planned: string | undefined): string | undefined {
  if (!versions) return planned === undefined ? undefined : `*Kubernetes* ${escapeMrkdwn(planned)}`;
  const byVersion = new Map<string, string[]>();
  for (const node of versions.nodes) byVersion.set(node.version, [...(byVersion.get(node.version) ?? []), node.instanceId]);
  const nodes = [...byVersion].map(([version, ids]) => `${ids.length} at ${escapeMrkdwn(version)} (${ids.map((id) => `\`${escapeMrkdwn(id)}\``).join(', ')})`);
  return `*Kubernetes* control plane ${escapeMrkdwn(versions.controlPlane)}${nodes.length > 0 ? ` · worker nodes: ${nodes.join('; ')}` : ''}`;
}

type UpgradeEvent = Extract<ThreadEvent, { kind: 'upgradeControlPlaneRequested' | 'upgradeControlPlaneReady' | 'upgradeNodesRequested' | 'upgradeBatchDone' | 'upgraded' }>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : word.endsWith('ch') ? 'es' : 's'}`;

/** The thread replies of a Kubernetes upgrade. */
export function upgradeMessage(event: UpgradeEvent): string {
  switch (event.kind) {
    case 'upgradeControlPlaneRequested':
      return (
        `:arrow_up: Upgrading Kubernetes ${escapeMrkdwn(event.from)} → *${escapeMrkdwn(event.to)}*: the control plane first, ` +
        `then the worker nodes (${escapeMrkdwn(event.upgradeType)}, at most ${plural(event.maxUnavailable, 'node')} at a time).`
      );
    case 'upgradeControlPlaneReady':
      return `:white_check_mark: Control plane at Kubernetes *${escapeMrkdwn(event.version)}*.`;
    case 'upgradeNodesRequested':
      return event.nodes === 0
        ? `:white_check_mark: No worker node needs upgrading to ${escapeMrkdwn(event.version)}.`
        : `:arrows_counterclockwise: Upgrading ${plural(event.nodes, 'worker node')} to ${escapeMrkdwn(event.version)} in ${plural(event.batches, 'batch')} (${escapeMrkdwn(event.upgradeType)}, ${event.maxUnavailable} at a time).`;
    case 'upgradeBatchDone':
      return `:white_check_mark: Batch ${event.batch}/${event.batches} at ${escapeMrkdwn(event.version)}: ${event.instanceIds.map((id) => `\`${escapeMrkdwn(id)}\``).join(', ')}.`;
    case 'upgraded':
      return (
        `:tada: <@${event.user}> Kubernetes *${escapeMrkdwn(event.version)}* everywhere: the control plane and ${plural(event.nodes, 'upgraded worker node')} ` +
        `(from ${escapeMrkdwn(event.from)}). Took ${formatDuration(event.elapsedMs)}.`
      );
  }
}

type UpgradeApprovalEvent = Extract<ThreadEvent, { kind: 'upgradeApprovalRequested' | 'upgradeApproved' | 'upgradeRejected' }>;

/** The approval request of an upgrade (with Approve / Reject / Approve as break-glass) and its decision. */
export function upgradeApprovalMessage(event: UpgradeApprovalEvent): { text: string; blocks?: KnownBlock[] } {
  switch (event.kind) {
    case 'upgradeApprovalRequested': {
      const reason = event.reason.kind === 'always' ? "this project's policy asks for approval of every Kubernetes upgrade" : reasonText(event.reason);
      const text =
        `:raised_hand: *Approval needed* before <@${event.requestedBy}>'s upgrade of Kubernetes ${escapeMrkdwn(event.from)} → *${escapeMrkdwn(event.to)}* starts: ${reason}. ` +
        `Who may approve: ${approversText(event.approvers)}, not the requester. Nothing is sent to Tencent before.`;
      return {
        text,
        blocks: [
          section(text),
          {
            type: 'actions',
            elements: [
              { type: 'button', action_id: ActionIds.upgradeApprove, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value: event.clusterId },
              { type: 'button', action_id: ActionIds.upgradeReject, text: { type: 'plain_text', text: 'Reject' }, style: 'danger', value: event.clusterId },
              { type: 'button', action_id: ActionIds.upgradeBreakGlass, text: { type: 'plain_text', text: 'Approve as break-glass' }, value: event.clusterId },
            ],
          },
        ],
      };
    }
    case 'upgradeApproved':
      return {
        text: event.breakGlass
          ? `:rotating_light: <@${event.requestedBy}>, upgrade approved as *break-glass* by <@${event.user}> (a tenant admin). Starting with the control plane.`
          : `:white_check_mark: <@${event.requestedBy}>, upgrade approved by <@${event.user}>. Starting with the control plane.`,
      };
    case 'upgradeRejected':
      return { text: `:no_entry_sign: <@${event.requestedBy}>, upgrade rejected by <@${event.user}>. Nothing was sent to Tencent; the cluster stays at its version.` };
  }
}
