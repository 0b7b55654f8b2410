import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import type { ThreadEvent } from '../lifecycle/events.js';
import { EXPIRY_LABELS, type ExpiryChoice } from '../services/domain/expiry.js';
import type { ExpiryRefusal } from '../services/expiry.js';
import { section } from './blocks.js';
import { escapeMrkdwn, slackTime } from './cluster-format.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { policyRefusalText } from './policy-refusals.js';
import { parsePrivateMetadata, savedResponseUrlSchema } from './private-metadata.js';

/** Expiry as Slack shows it: the reminders and their buttons, the Extend modal, the refusals. */

type ExpiryEvent = Extract<ThreadEvent, { kind: 'expiryReminder' | 'expiryExtended' | 'expiryKept' | 'expiryProtected' }>;

const mention = (user: string) => `<@${user}>`;

const HOUR_MS = 3_600_000;
/** `7 days`, `8 hours`. */
const spanText = (ms: number): string => {
  const hours = Math.floor(ms / HOUR_MS);
  if (hours % 24 === 0) return `${hours / 24} day${hours === 24 ? '' : 's'}`;
  return `${hours} hour${hours === 1 ? '' : 's'}`;
};

export const expiryOption = (choice: ExpiryChoice): PlainTextOption => ({ text: { type: 'plain_text', text: EXPIRY_LABELS[choice] }, value: choice });

/** The reminder's Extend and Keep buttons; their value is the cluster id. */
function reminderButtons(clusterId: string): KnownBlock {
  return {
    type: 'actions',
    block_id: BlockIds.expiryActions,
    elements: [
      { type: 'button', action_id: ActionIds.clusterExpiryExtend, text: { type: 'plain_text', text: 'Extend' }, value: clusterId },
      { type: 'button', action_id: ActionIds.clusterExpiryKeep, text: { type: 'plain_text', text: 'Keep (admins)' }, value: clusterId },
    ],
  };
}

/** The thread reply for an expiry event. */
export function expiryThreadMessage(event: ExpiryEvent): { text: string; blocks?: KnownBlock[] } {
  switch (event.kind) {
    case 'expiryReminder': {
      const text =
        `:alarm_clock: ${mention(event.requester)} *${escapeMrkdwn(event.name)}* expires ${slackTime(event.expiresAt)} ` +
        `(expiry set by ${mention(event.setBy)}) and will then be deleted with its VMs and disks. ` +
        'Extend it (its requester and admins) or keep it (admins).';
      return { text, blocks: [section(text), reminderButtons(event.clusterId)] };
    }
    case 'expiryExtended':
      return { text: `:hourglass: ${mention(event.user)} extended the expiry: now ${slackTime(event.expiresAt)}.` };
    case 'expiryKept':
      return { text: `:pushpin: ${mention(event.user)} removed the expiry: the cluster stays until someone deletes it.` };
    case 'expiryProtected': {
      const admins = event.admins.map(mention).join(' ');
      return {
        text:
          `:shield: *${escapeMrkdwn(event.name)}* expired ${slackTime(event.expiresAt)} (expiry set by ${mention(event.setBy)}), ` +
          `but it is protected from deletion, so it was not deleted. ${admins ? `${admins}: ` : ''}remove its protection to let it go, or keep it.`,
      };
    }
  }
}

/** The overview's and root message's expiry line. */
export const expiryLine = (expiresAt: string): string => `Expires ${slackTime(expiresAt)}`;

const extendMetadataSchema = z.object({ v: z.literal(1), clusterId: z.string().min(1), channel: z.string().min(1), responseUrl: savedResponseUrlSchema.optional() });
export type ExtendPointer = Omit<z.infer<typeof extendMetadataSchema>, 'v'>;
export const parseExtendMetadata = (text: string | undefined): ExtendPointer | undefined => {
  const parsed = parsePrivateMetadata(extendMetadataSchema, text);
  return parsed && { clusterId: parsed.clusterId, channel: parsed.channel, ...(parsed.responseUrl ? { responseUrl: parsed.responseUrl } : {}) };
};

/** Extend: the durations the project allows, counted from now. */
export function extendModal(input: ExtendPointer & { name: string; expiresAt: string; choices: readonly ExpiryChoice[] }): ModalView {
  const { name, expiresAt, choices, ...pointer } = input;
  const first = choices[0];
  return {
    type: 'modal',
    callback_id: CallbackIds.expiryExtend,
    title: { type: 'plain_text', text: 'Extend expiry' },
    submit: { type: 'plain_text', text: 'Extend' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify({ v: 1, ...pointer }),
    blocks: [
      section(`*${escapeMrkdwn(name)}* expires ${slackTime(expiresAt)}. Extending counts from now, within the project's maximum.`),
      {
        type: 'input',
        block_id: BlockIds.expiryChoice,
        label: { type: 'plain_text', text: 'Delete automatically after' },
        element: {
          type: 'static_select',
          action_id: ActionIds.expiryChoice,
          options: choices.map(expiryOption),
          ...(first ? { initial_option: expiryOption(first) } : {}),
        },
      },
    ],
  };
}

/** Why an expiry change was refused, in words. */
export function expiryRefusalText(refusal: ExpiryRefusal): string {
  switch (refusal.kind) {
    case 'policy':
      return policyRefusalText(refusal.refusal);
    case 'beyondMax':
      return `${refusal.choice === 'never' ? 'Never' : EXPIRY_LABELS[refusal.choice]} is beyond this project's maximum of ${spanText(refusal.maxMs)}.`;
    case 'noExpiry':
      return `*${escapeMrkdwn(refusal.name)}* has no expiry any more.`;
    case 'gone':
      return refusal.name ? `*${escapeMrkdwn(refusal.name)}* is being deleted or gone.` : 'That cluster is gone.';
  }
}
