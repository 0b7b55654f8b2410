import type { KnownBlock, ModalView } from '@slack/types';
import { z } from 'zod';
import type { ChangeSummary, ThreadEvent } from '../lifecycle/events.js';
import type { ChangeApprovalRefusal } from '../services/change-approval.js';
import type { Approvers, ChangeApproval } from '../services/domain/index.js';
import { clip, escapeMrkdwn, formatDuration, slackTime } from './cluster-format.js';
import { formatMoney } from './cost.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { parsePrivateMetadata } from './private-metadata.js';
import { policyRefusalText } from './policy-refusals.js';

/** Two-person approval of a day-two change: the request reply and its buttons, the decision replies, the reject modal. */

const approversText = (approvers: Approvers): string =>
  approvers.kind === 'admins' ? "the project's admins or a tenant admin" : `a member of <!subteam^${approvers.userGroup}>`;

const sizes = (s: Extract<ChangeSummary, { kind: 'scalePool' }>['before']) => `min ${s.minSize} · desired ${s.desiredSize} · max ${s.maxSize}`;

/** What the change does, in one line. */
export const changeText = (change: ChangeSummary): string =>
  change.kind === 'upgrade'
    ? `upgrade of Kubernetes ${escapeMrkdwn(change.from)} → *${escapeMrkdwn(change.to)}*`
    : `scale of worker pool *${escapeMrkdwn(change.pool)}* (${sizes(change.before)} → ${sizes(change.after)})`;

const price = (amount: number | undefined, currency: string) => (amount === undefined ? 'price unavailable' : `${formatMoney(amount)} ${escapeMrkdwn(currency)}`);

function reasonText(approval: ChangeApproval): string {
  const { reason } = approval;
  switch (reason.kind) {
    case 'always':
      return "this project's policy asks for approval of every pool growth";
    case 'costAbove':
      return `the estimated price after it is above this project's ${formatMoney(reason.threshold)} per 30 days`;
    case 'priceUnavailable':
      return `the price could not be estimated, so it may be above this project's ${formatMoney(reason.threshold)} per 30 days`;
  }
}

/** The buttons' value: the cluster and the change they decide. */
export const changeButtonValue = (clusterId: string, changeId: string): string => `${clusterId} ${changeId}`;
export function parseChangeButtonValue(value: string): { clusterId: string; changeId: string } | undefined {
  const [clusterId, changeId, ...rest] = value.split(' ');
  return clusterId && changeId && rest.length === 0 ? { clusterId, changeId } : undefined;
}

function requestMessage(event: Extract<ThreadEvent, { kind: 'changeApprovalRequested' }>): { text: string; blocks: KnownBlock[] } {
  const { approval } = event;
  const text =
    `:raised_hand: *Approval needed*: <@${event.requestedBy}> asks for a ${changeText(event.change)}. ` +
    (approval.cost ? `Estimated price per 30 days: ${price(approval.cost.before, approval.cost.currency)} → ${price(approval.cost.after, approval.cost.currency)}. ` : '') +
    `Why: ${reasonText(approval)}. Who may approve: ${approversText(approval.approvers)} (not the requester). Nothing changes at Tencent until then` +
    (approval.expiresAt ? `; closes unanswered ${slackTime(approval.expiresAt)}.` : '.');
  const value = changeButtonValue(event.clusterId, event.changeId);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } },
      {
        type: 'actions',
        block_id: BlockIds.changeApprovalActions,
        elements: [
          { type: 'button', action_id: ActionIds.changeApprovalApprove, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value },
          { type: 'button', action_id: ActionIds.changeApprovalReject, text: { type: 'plain_text', text: 'Reject' }, style: 'danger', value },
          { type: 'button', action_id: ActionIds.changeApprovalBreakGlass, text: { type: 'plain_text', text: 'Approve as break-glass' }, value },
        ],
      },
    ],
  };
}

type ChangeApprovalEvent = Extract<ThreadEvent, { kind: 'changeApprovalRequested' | 'changeApproved' | 'changeRejected' }>;

/** The thread replies of a change's approval. */
export function changeApprovalMessage(event: ChangeApprovalEvent): { text: string; blocks?: KnownBlock[] } {
  switch (event.kind) {
    case 'changeApprovalRequested':
      return requestMessage(event);
    case 'changeApproved':
      return {
        text: event.breakGlass
          ? `:rotating_light: The ${changeText(event.change)} was approved as *break-glass* by <@${event.user}> (a tenant admin). Starting it.`
          : `:white_check_mark: The ${changeText(event.change)} was approved by <@${event.user}>. Starting it.`,
      };
    case 'changeRejected':
      return {
        text: event.by
          ? `:no_entry_sign: <@${event.requestedBy}>, the ${changeText(event.change)} was rejected by <@${event.by}>: ${escapeMrkdwn(event.reason ?? '')}\nNothing was changed.`
          : `:hourglass: <@${event.requestedBy}>, nobody approved the ${changeText(event.change)} within ${formatDuration(event.waitedMs)}, so tkeops closed the request. Nothing was changed.`,
      };
  }
}

/** Why a click on a change's request did nothing, for the one who clicked (ephemeral). */
export function changeApprovalRefusalText(refusal: ChangeApprovalRefusal): string {
  switch (refusal.kind) {
    case 'ownRequest':
      return 'You asked for this change: someone else has to approve or reject it.';
    case 'refused':
      return policyRefusalText(refusal.refusal);
    case 'closed':
      return refusal.approvedBy ? `This change was already approved by <@${refusal.approvedBy}>.` : 'This change no longer awaits approval (it was decided, or closed).';
  }
}

const rejectMetadataSchema = z.object({ v: z.literal(1), clusterId: z.string().min(1), changeId: z.string().min(1), channel: z.string().min(1) });
export type ChangeRejectPointer = Omit<z.infer<typeof rejectMetadataSchema>, 'v'>;

export const parseChangeRejectMetadata = (text: string | undefined): ChangeRejectPointer | undefined => {
  const parsed = parsePrivateMetadata(rejectMetadataSchema, text);
  return parsed && { clusterId: parsed.clusterId, changeId: parsed.changeId, channel: parsed.channel };
};

/** The reject modal: the reason is required (the thread and the requester see it). */
export function changeRejectModal(pointer: ChangeRejectPointer): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.changeApprovalReject,
    private_metadata: JSON.stringify({ v: 1, ...pointer }),
    title: { type: 'plain_text', text: 'Reject change' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: 'Reject this change? Nothing will change at Tencent.' } },
      {
        type: 'input',
        block_id: BlockIds.approvalRejectReason,
        label: { type: 'plain_text', text: 'Why' },
        element: { type: 'plain_text_input', action_id: ActionIds.approvalRejectReason, multiline: true, min_length: 1, max_length: 500 },
      },
    ],
  };
}
