import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import { ACCOUNT_NAME_MAX, ACCOUNT_DESCRIPTION_MAX, SECRET_ID_MAX, SECRET_KEY_MAX } from '../services/domain/rules.js';
import type { AccountScope } from '../services/domain/index.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { parsePrivateMetadata, savedResponseUrlSchema, type SavedResponseUrl } from './private-metadata.js';

/**
 * Where the modal was opened from, so the submission knows where to return: the command's channel
 * and response_url (to answer where tkeops cannot post), or the wizard's draft.
 */
export type AccountModalOrigin = { kind: 'command'; channel: string; responseUrl?: SavedResponseUrl } | { kind: 'wizard'; draftId: string };

export interface AccountModalOptions {
  origin: AccountModalOrigin;
  /** Scopes the user may add to, in the order offered; the first is preselected. Never empty. */
  scopes: AccountScope[];
  /** Preselects this scope when it is offered. */
  selectedScope?: AccountScope['kind'];
}

const metadataSchema = z.object({
  v: z.literal(1),
  origin: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('command'), channel: z.string().min(1), responseUrl: savedResponseUrlSchema.optional() }),
    z.object({ kind: z.literal('wizard'), draftId: z.string().min(1) }),
  ]),
});

/** The origin written by accountModal, or undefined when the metadata is not ours any more. */
export const parseAccountModalMetadata = (text: string): AccountModalOrigin | undefined => parsePrivateMetadata(metadataSchema, text)?.origin;

/** The radio value of a scope; the project itself is taken from the channel on submit, not from the form. */
export const scopeValue = (scope: AccountScope): AccountScope['kind'] => scope.kind;

function scopeOption(scope: AccountScope): PlainTextOption {
  return scope.kind === 'tenant'
    ? {
        text: { type: 'plain_text', text: 'Tenant' },
        description: { type: 'plain_text', text: 'Usable from every project' },
        value: scopeValue(scope),
      }
    : {
        text: { type: 'plain_text', text: `Project ${scope.project}`.slice(0, 75) },
        description: { type: 'plain_text', text: "Usable only from this project's channels" },
        value: scopeValue(scope),
      };
}

function textInput(
  blockId: string,
  actionId: string,
  label: string,
  options: { maxLength: number; placeholder?: string; hint?: string; optional?: boolean; multiline?: boolean },
): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: { type: 'plain_text', text: label },
    ...(options.optional ? { optional: true } : {}),
    ...(options.hint ? { hint: { type: 'plain_text', text: options.hint } } : {}),
    element: {
      type: 'plain_text_input',
      action_id: actionId,
      max_length: options.maxLength,
      ...(options.multiline ? { multiline: true } : {}),
      ...(options.placeholder ? { placeholder: { type: 'plain_text', text: options.placeholder } } : {}),
    },
  };
}

/**
 * "Add cloud account": the same modal for `/tke account add` (views.open) and the cluster
 * wizard's "+ Cloud account" (views.push). It never carries a Secret Key value: the fields start
 * empty and Slack keeps what the user typed when the submission is answered with errors.
 */
export function accountModal(options: AccountModalOptions): ModalView {
  const choices = options.scopes.map(scopeOption);
  const initial = choices.find((o) => o.value === options.selectedScope) ?? choices[0];
  return {
    type: 'modal',
    callback_id: CallbackIds.accountAdd,
    private_metadata: JSON.stringify({ v: 1, origin: options.origin }),
    title: { type: 'plain_text', text: 'Add cloud account' },
    submit: { type: 'plain_text', text: 'Validate & save' },
    close: { type: 'plain_text', text: options.origin.kind === 'wizard' ? 'Back' : 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'A Tencent Cloud API key (Cloud Access Management → API Keys). tkeops checks it with Tencent before saving it.',
        },
      },
      textInput(BlockIds.accountName, ActionIds.accountName, 'Account name', {
        maxLength: ACCOUNT_NAME_MAX,
        placeholder: 'e.g. prod-guangzhou',
        hint: 'One word; unique within its scope.',
      }),
      textInput(BlockIds.accountDescription, ActionIds.accountDescription, 'Description', {
        maxLength: ACCOUNT_DESCRIPTION_MAX,
        optional: true,
        multiline: true,
      }),
      textInput(BlockIds.accountSecretId, ActionIds.accountSecretId, 'Secret ID', {
        maxLength: SECRET_ID_MAX,
        placeholder: 'AKID…',
      }),
      textInput(BlockIds.accountSecretKey, ActionIds.accountSecretKey, 'Secret Key', {
        maxLength: SECRET_KEY_MAX,
        hint: 'Stored encrypted and never shown again.',
      }),
      {
        type: 'input',
        block_id: BlockIds.accountScope,
        label: { type: 'plain_text', text: 'Scope' },
        element: {
          type: 'radio_buttons',
          action_id: ActionIds.accountScope,
          options: choices,
          ...(initial ? { initial_option: initial } : {}),
        },
      },
    ],
  };
}

/** Shown instead of saving when the submission no longer points at something we know. */
export function accountModalExpired(): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Add cloud account' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: 'This form has expired; nothing was saved. Start again with `/tke account add`.' },
      },
    ],
  };
}
