/** Pieces every wizard step shares: the modal frame, options within Slack's limits, notices. */
import type { ActionsBlock, InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import type { WizardOptions } from '../../services/domain/index.js';
import { section } from '../blocks.js';
import { SLACK_LIMITS } from '../slack-limits.js';
import { clip, failureText, messageUrl } from '../cluster-format.js';
import { ActionIds, BlockIds, CallbackIds } from '../ids.js';
import { parsePrivateMetadata } from '../private-metadata.js';
import type { FieldError } from '../../services/cluster-spec.js';
import type { WizardNotice } from '../../services/wizard.js';
import { policyRefusalText } from '../policy-refusals.js';
import { fieldErrorText, WIZARD_STEPS, type WizardStep } from './fields.js';


const STEP_TITLES: Record<WizardStep, string> = {
  basics: 'Basic information',
  packs: 'Cluster profile packs',
  placement: 'Placement',
  pools: 'Worker pools',
  review: 'Review',
};

const CALLBACKS: Record<WizardStep, string> = {
  basics: CallbackIds.wizardBasics,
  packs: CallbackIds.wizardPacks,
  placement: CallbackIds.wizardPlacement,
  pools: CallbackIds.wizardPools,
  review: CallbackIds.wizardReview,
};

export const wizardCallbackId = (step: WizardStep): string => CALLBACKS[step];

/** The step a wizard view shows, read from its callback id (the one place the step is written). */
export const stepOfCallback = (callbackId: string): WizardStep | undefined =>
  WIZARD_STEPS.find((step) => CALLBACKS[step] === callbackId);

// Views sent before the step left the pointer carry an extra `step`; it is ignored.
const metadataSchema = z.object({ v: z.literal(1), draftId: z.string().min(1) });
export type WizardMetadata = z.infer<typeof metadataSchema>;

/** `{v:1, draftId}`: the draft itself lives in the store, the step in the callback id. */
export const wizardMetadata = (draftId: string): string => JSON.stringify({ v: 1, draftId });

/** The pointer written by wizardMetadata, or undefined for anything else (an old or foreign view). */
export const parseWizardMetadata = (text: string | undefined): WizardMetadata | undefined => parsePrivateMetadata(metadataSchema, text);

export const plain = (text: string, max: number = SLACK_LIMITS.sectionText) => ({ type: 'plain_text' as const, text: clip(text, max) });
export const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: clip(text, SLACK_LIMITS.sectionText) });

export const option = (text: string, value: string): PlainTextOption => ({
  text: plain(text, SLACK_LIMITS.optionText),
  value: value.slice(0, SLACK_LIMITS.optionValue),
});

/** At most 100 options, as Slack allows; `selected` only when it is one of them. */
export function choices(all: readonly PlainTextOption[], selected: string | undefined) {
  const options = all.slice(0, SLACK_LIMITS.optionsPerSelect);
  const initial = options.find((o) => o.value === selected);
  return { options, ...(initial ? { initial_option: initial } : {}) };
}

/** The frame every wizard input shares: block id, label, and an optional hint, "optional" flag or dispatch. */
export function inputBlock(
  frame: { blockId: string; label: string; hint?: string | undefined; optional?: boolean | undefined; dispatch?: boolean | undefined },
  element: InputBlock['element'],
): InputBlock {
  return {
    type: 'input',
    block_id: frame.blockId,
    label: plain(frame.label, SLACK_LIMITS.inputLabel),
    ...(frame.optional ? { optional: true } : {}),
    ...(frame.dispatch ? { dispatch_action: true } : {}),
    ...(frame.hint ? { hint: plain(frame.hint, SLACK_LIMITS.inputHint) } : {}),
    element,
  };
}

export const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwn(text)] });
export const divider = (): KnownBlock => ({ type: 'divider' });

export const button = (text: string, actionId: string, value?: string, style?: 'primary' | 'danger') => ({
  type: 'button' as const,
  text: plain(text, SLACK_LIMITS.buttonText),
  action_id: actionId,
  ...(value === undefined ? {} : { value }),
  ...(style ? { style } : {}),
});

/** What a notice says: plain words as given; the spec's problems before Deploy; why no cloud account can be added here. */
function noticeText(notice: WizardNotice): string {
  if (typeof notice === 'string') return notice;
  switch (notice.kind) {
    case 'fixBeforeDeploy':
      return `Fix this before deploying:\n${(Object.values(notice.errors) as FieldError[]).map(fieldErrorText).join('\n')}`;
    case 'cannotAddAccount':
      return `You cannot add a cloud account here. ${notice.refusal ? policyRefusalText(notice.refusal) : 'This channel belongs to no project.'}`;
  }
}

/** A notice above the form (e.g. why the user is back on this step), in mrkdwn: text users typed must come escaped. */
export const notice = (given: WizardNotice | undefined): KnownBlock[] => {
  const text = given === undefined ? '' : noticeText(given);
  return text ? [section(`:warning: ${text}`)] : [];
};

/** A Tencent error while loading choices: shown with its code and a Retry button, never swallowed. */
export function loadErrorBlocks(options: WizardOptions): KnownBlock[] {
  const error = options.error;
  if (!error) return [];
  return [
    {
      type: 'section',
      block_id: BlockIds.wizardLoadError,
      text: mrkdwn(`:x: Tencent Cloud refused to list ${error.what}: ${failureText(error)}`),
      accessory: button('Retry', ActionIds.wizardRetryLoad),
    },
  ];
}

/** "Back" to the previous step (Slack modals have only Close and Submit). */
export function navigation(step: WizardStep): KnownBlock[] {
  if (step === 'basics') return [];
  const actions: ActionsBlock = { type: 'actions', block_id: BlockIds.wizardNavigation, elements: [button('Back', ActionIds.wizardBack, step)] };
  return [actions];
}

export function wizardModal(input: { draftId: string; step: WizardStep; blocks: KnownBlock[]; submit?: string }): ModalView {
  const index = WIZARD_STEPS.indexOf(input.step) + 1;
  return {
    type: 'modal',
    callback_id: CALLBACKS[input.step],
    private_metadata: wizardMetadata(input.draftId),
    title: plain('Create cluster', SLACK_LIMITS.modalTitle),
    close: plain('Cancel', SLACK_LIMITS.modalButton),
    submit: plain(input.submit ?? 'Next', SLACK_LIMITS.modalButton),
    // Closing keeps the draft: Slack tells tkeops (view_closed), and the next /tke create offers to resume it.
    notify_on_close: true,
    blocks: [context(`Step ${index} of ${WIZARD_STEPS.length} · *${STEP_TITLES[input.step]}*`), ...input.blocks, ...navigation(input.step)],
  };
}

/** Shown when a submission points at a draft that is gone (expired, or an old view). */
export function wizardExpiredView(): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.wizardExpired,
    title: plain('Create cluster', SLACK_LIMITS.modalTitle),
    close: plain('Close', SLACK_LIMITS.modalButton),
    blocks: [section('This wizard has expired or was already used. Run `/tke create` to start again.')],
  };
}

/** Shown for any step of a wizard whose draft was already deployed: it cannot be edited or deployed again. */
export function wizardDeployedView(input: { name: string; channel: string; thread?: { channel: string; ts: string } | undefined }): ModalView {
  const thread = input.thread ? `<${messageUrl(input.thread.channel, input.thread.ts)}|its provisioning thread>` : 'its provisioning thread';
  return {
    type: 'modal',
    callback_id: CallbackIds.wizardDeployed,
    title: plain('Create cluster', SLACK_LIMITS.modalTitle),
    close: plain('Close', SLACK_LIMITS.modalButton),
    blocks: [
      section(
        `This wizard was already deployed as cluster *${input.name}* — see ${thread} in <#${input.channel}>, ` +
          `or \`/tke status ${input.name}\`. Run \`/tke create\` to create another cluster.`,
      ),
    ],
  };
}
