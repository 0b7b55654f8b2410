/**
 * The prompt `/tke create` opens when the user left a draft in the channel: resume it (on the step
 * it was left at, with what was typed) or start over (the draft is discarded). Opened directly
 * with the command's trigger_id, so it fits Slack's 3 seconds, and each button turns this same
 * modal into the wizard (views.update needs no trigger).
 */
import type { ModalView } from '@slack/types';
import { z } from 'zod';
import type { WizardStep } from '../../services/wizard.js';
import { section } from '../blocks.js';
import { escapeMrkdwn } from '../cluster-format.js';
import { ActionIds, CallbackIds } from '../ids.js';
import { parsePrivateMetadata } from '../private-metadata.js';
import { SLACK_LIMITS } from '../slack-limits.js';
import { button, plain } from './common.js';

const STEP_NAMES: Record<WizardStep, string> = {
  basics: 'basic information',
  packs: 'cluster profile packs',
  placement: 'placement',
  pools: 'worker pools',
  review: 'review',
};

const metadataSchema = z.object({ v: z.literal(1), draftId: z.string().min(1), channel: z.string().min(1), name: z.string().optional() });
export type ResumeMetadata = z.infer<typeof metadataSchema>;

/** What the prompt carries: the left draft, the command's channel and the name given to this `/tke create` (for Start over). */
export const parseResumeMetadata = (text: string | undefined): ResumeMetadata | undefined => parsePrivateMetadata(metadataSchema, text);

export function resumeDraftView(input: { draftId: string; channel: string; name: string; step: WizardStep; newName?: string | undefined }): ModalView {
  const named = input.name === '' ? 'your unnamed draft' : `draft *${escapeMrkdwn(input.name)}*`;
  const label = input.name === '' ? 'Resume draft' : `Resume draft ${input.name}`;
  return {
    type: 'modal',
    callback_id: CallbackIds.wizardResume,
    private_metadata: JSON.stringify({ v: 1, draftId: input.draftId, channel: input.channel, ...(input.newName ? { name: input.newName } : {}) }),
    title: plain('Create cluster', SLACK_LIMITS.modalTitle),
    close: plain('Cancel', SLACK_LIMITS.modalButton),
    blocks: [
      section(`You left ${named} in this channel, at *${STEP_NAMES[input.step]}*. Resume it with everything you typed, or start over (the draft is discarded).`),
      {
        type: 'actions',
        elements: [button(label, ActionIds.wizardResumeDraft, input.draftId, 'primary'), button('Start over', ActionIds.wizardStartOver, input.draftId)],
      },
    ],
  };
}

/** Start over refused: the policy no longer lets the user create clusters in the channel. */
export function wizardRefusedView(message: string): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.wizardExpired,
    title: plain('Create cluster', SLACK_LIMITS.modalTitle),
    close: plain('Close', SLACK_LIMITS.modalButton),
    blocks: [section(message)],
  };
}
