import type { KnownBlock, ModalView } from '@slack/types';
import { z } from 'zod';
import type { ApprovalRefusal } from '../services/approval.js';
import type { ApprovalReason, Approvers, ClusterApproval } from '../services/domain/index.js';
import { clip, escapeMrkdwn, formatDuration, slackTime } from './cluster-format.js';
import { formatMoney } from './cost.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { parsePrivateMetadata } from './private-metadata.js';
import { policyRefusalText } from './policy-refusals.js';

/** Two-person approval: the request's lines and buttons on the root message, the replies, the reject modal. */

export const approversText = (approvers: Approvers): string =>
  approvers.kind === 'admins' ? "the project's admins or a tenant admin" : `a member of <!subteam^${approvers.userGroup}>`;

/** Why approval is needed, for a create (an upgrade's reasons are the same rule's). */
export function reasonText(reason: ApprovalReason): string {
  switch (reason.kind) {
    case 'always':
      return "this project's policy asks for approval of every new cluster";
    case 'costAbove':
      return `the estimated price, ${formatMoney(reason.monthly)} ${escapeMrkdwn(reason.currency)} per 30 days, is above this project's ${formatMoney(reason.threshold)}`;
    case 'priceUnavailable':
      return `the price could not be estimated, so it may be above this project's ${formatMoney(reason.threshold)} per 30 days`;
  }
}

/** An open request in one line: why, who may approve, until when (the root message, the overview). */
export const approvalNeededText = (approval: ClusterApproval): string =>
  `:raised_hand: *Approval needed* before anything is created: ${reasonText(approval.reason)}. ` +
  `${approversText(approval.approvers)} may approve (not the requester). Closes unanswered ${slackTime(approval.expiresAt)}.`;

/** The request's part of the root message: why, who may approve, until when, and (while open) the buttons. */
export function approvalBlocks(clusterId: string, approval: ClusterApproval, open: boolean): KnownBlock[] {
  const { decision } = approval;
  if (open || !decision) {
    return [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: approvalNeededText(approval) },
      },
      {
        type: 'actions',
        block_id: BlockIds.approvalActions,
        elements: [
          { type: 'button', action_id: ActionIds.approvalApprove, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value: clusterId },
          { type: 'button', action_id: ActionIds.approvalReject, text: { type: 'plain_text', text: 'Reject' }, style: 'danger', value: clusterId },
          { type: 'button', action_id: ActionIds.approvalBreakGlass, text: { type: 'plain_text', text: 'Approve as break-glass' }, value: clusterId },
        ],
      },
    ];
  }
  return [{ type: 'context', elements: [{ type: 'mrkdwn', text: decisionLine(approval) }] }];
}

function decisionLine(approval: ClusterApproval): string {
  const { decision } = approval;
  switch (decision?.kind) {
    case 'approved':
      return `:white_check_mark: Approved by <@${decision.by}>${decision.breakGlass ? ' as *break-glass*' : ''} ${slackTime(decision.at)}.`;
    case 'rejected':
      return `:no_entry_sign: Rejected by <@${decision.by}> ${slackTime(decision.at)}: ${escapeMrkdwn(decision.reason)}`;
    case 'expired':
      return `:hourglass: Nobody approved it within ${formatDuration(Date.parse(decision.at) - Date.parse(approval.requestedAt))}: closed ${slackTime(decision.at)}. Nothing was created.`;
    default:
      return ':raised_hand: Approval needed.';
  }
}

export const approvalReplies = {
  approved: (user: string, breakGlass: boolean) =>
    breakGlass
      ? `:rotating_light: Approved as *break-glass* by <@${user}> (a tenant admin). Creating the cluster.`
      : `:white_check_mark: Approved by <@${user}>. Creating the cluster.`,
  rejected: (user: string, reason: string, requestedBy: string) =>
    `:no_entry_sign: <@${requestedBy}>, rejected by <@${user}>: ${escapeMrkdwn(reason)}\nNothing was created.`,
  expired: (requestedBy: string, waitedMs: number) =>
    `:hourglass: <@${requestedBy}>, nobody approved this request within ${formatDuration(waitedMs)}, so tkeops closed it. Nothing was created; run \`/tke create\` again if it is still needed.`,
};

/** Why a click on the request did nothing, for the one who clicked (ephemeral). */
export function approvalRefusalText(refusal: ApprovalRefusal): string {
  switch (refusal.kind) {
    case 'notFound':
      return 'This approval request no longer exists.';
    case 'ownRequest':
      return `You requested *${escapeMrkdwn(refusal.name)}*: someone else has to approve or reject it.`;
    case 'refused':
      return policyRefusalText(refusal.refusal);
    case 'closed': {
      const d = refusal.decision;
      if (d?.kind === 'approved') return `*${escapeMrkdwn(refusal.name)}* was already approved by <@${d.by}>.`;
      if (d?.kind === 'rejected') return `*${escapeMrkdwn(refusal.name)}* was already rejected by <@${d.by}>.`;
      if (d?.kind === 'expired') return `The approval request for *${escapeMrkdwn(refusal.name)}* expired.`;
      return `*${escapeMrkdwn(refusal.name)}* is not waiting for approval.`;
    }
  }
}

const rejectMetadataSchema = z.object({ v: z.literal(1), clusterId: z.string().min(1), channel: z.string().min(1) });
export type RejectPointer = Omit<z.infer<typeof rejectMetadataSchema>, 'v'>;

export const parseRejectMetadata = (text: string | undefined): RejectPointer | undefined => {
  const parsed = parsePrivateMetadata(rejectMetadataSchema, text);
  return parsed && { clusterId: parsed.clusterId, channel: parsed.channel };
};

/** The reject modal: the reason is required (the thread and the requester see it). */
export function rejectModal(pointer: RejectPointer, name: string): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.approvalReject,
    private_metadata: JSON.stringify({ v: 1, ...pointer }),
    title: { type: 'plain_text', text: 'Reject cluster' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(`Reject the request for *${escapeMrkdwn(name)}*? Nothing will be created.`, 3000) } },
      {
        type: 'input',
        block_id: BlockIds.approvalRejectReason,
        label: { type: 'plain_text', text: 'Why' },
        element: { type: 'plain_text_input', action_id: ActionIds.approvalRejectReason, multiline: true, min_length: 1, max_length: 500 },
      },
    ],
  };
}
