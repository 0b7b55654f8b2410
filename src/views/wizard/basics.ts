import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { CLUSTER_NAME_MAX, CLUSTER_DESCRIPTION_MAX } from '../../services/domain/rules.js';
import type { WizardForm } from '../../services/domain/index.js';
import { section } from '../blocks.js';
import { ActionIds, BlockIds } from '../ids.js';
import { button, choices, inputBlock, notice, option, plain, wizardModal } from './common.js';
import { SLACK_LIMITS } from '../slack-limits.js';
import { expiryOption } from '../expiry.js';
import type { ExpiryChoice } from '../../services/domain/expiry.js';
import { blockIdFor, variantOf } from './fields.js';
import type { WizardNotice } from '../../services/wizard.js';

export interface BasicsViewInput {
  draftId: string;
  form: WizardForm;
  /** Cloud accounts usable in the channel. */
  accounts: readonly { id: string; name: string; scope: string }[];
  profiles: readonly { name: string; description: string }[];
  notice?: WizardNotice | undefined;
  /** "Delete automatically after": what the project allows, and the choice shown. */
  expiry?: { choices: readonly ExpiryChoice[]; selected: ExpiryChoice } | undefined;
}

export function textInput(input: {
  blockId: string;
  actionId: string;
  label: string;
  value: string;
  maxLength: number;
  optional?: boolean;
  multiline?: boolean;
  placeholder?: string;
  hint?: string;
}): KnownBlock {
  return inputBlock(input, {
    type: 'plain_text_input',
    action_id: input.actionId,
    max_length: input.maxLength,
    ...(input.multiline ? { multiline: true } : {}),
    ...(input.value ? { initial_value: input.value.slice(0, input.maxLength) } : {}),
    ...(input.placeholder ? { placeholder: plain(input.placeholder, SLACK_LIMITS.placeholder) } : {}),
  });
}

/** Step 1: name, description, tags, cloud account (with "+ Cloud account") and cluster profile. */
export function basicsView(input: BasicsViewInput): ModalView {
  const { form } = input;
  const accountBlocks: KnownBlock[] =
    input.accounts.length > 0
      ? [
          {
            type: 'input',
            // A new account list (one added through "+ Cloud account") gives the block a new id, so
            // Slack drops the choice it kept and shows the initial_option: the new account.
            block_id: blockIdFor('accountId', variantOf(input.accounts.map((a) => a.id))),
            label: plain('Cloud account'),
            element: {
              type: 'static_select',
              action_id: ActionIds.wizardAccount,
              placeholder: plain('Choose a cloud account', SLACK_LIMITS.placeholder),
              ...choices(
                input.accounts.map((a) => option(`${a.name} (${a.scope})`, a.id)),
                form.accountId,
              ),
            },
          },
        ]
      : [section('*Cloud account*\nNo cloud account is usable in this channel yet. Add one with *+ Cloud account* to continue.')];
  const profiles: PlainTextOption[] = input.profiles.map((p) => ({ ...option(p.name, p.name), description: plain(p.description, SLACK_LIMITS.optionText) }));
  return wizardModal({
    draftId: input.draftId,
    step: 'basics',
    blocks: [
      ...notice(input.notice),
      textInput({
        blockId: blockIdFor('name'),
        actionId: ActionIds.wizardName,
        label: 'Cluster name',
        value: form.name,
        maxLength: CLUSTER_NAME_MAX,
        placeholder: 'e.g. payments-prod',
        hint: `Up to ${CLUSTER_NAME_MAX} characters: letters, digits, - and _, starting with a letter.`,
      }),
      textInput({
        blockId: blockIdFor('description'),
        actionId: ActionIds.wizardDescription,
        label: 'Description',
        value: form.description,
        maxLength: CLUSTER_DESCRIPTION_MAX,
        optional: true,
      }),
      textInput({
        blockId: blockIdFor('tags'),
        actionId: ActionIds.wizardTags,
        label: 'Tags',
        value: form.tags,
        maxLength: SLACK_LIMITS.plainTextInput,
        optional: true,
        multiline: true,
        placeholder: 'team:payments',
        hint: 'key:value, one per line. Tags go to the cluster and to its worker pool VMs.',
      }),
      ...accountBlocks,
      {
        type: 'actions',
        block_id: BlockIds.wizardAccountActions,
        elements: [button('+ Cloud account', ActionIds.wizardAddAccount)],
      },
      ...profileBlocks(profiles, form.profile),
      ...(input.expiry ? [expiryBlock(input.expiry)] : []),
    ],
  });
}

function profileBlocks(profiles: PlainTextOption[], selected: string | undefined): KnownBlock[] {
  if (profiles.length === 0) return [section('*Cluster profile*\nNo cluster profile is installed; an operator adds them to data/profiles.')];
  return [
    {
      type: 'input',
      block_id: blockIdFor('profile'),
      label: plain('Cluster profile'),
      hint: plain('The deployment template: OS, Kubernetes version, network and add-on packs. You review its packs next.'),
      element: {
        type: 'static_select',
        action_id: ActionIds.wizardProfile,
        placeholder: plain('Choose a cluster profile', SLACK_LIMITS.placeholder),
        ...choices(profiles, selected),
      },
    },
  ];
}

/** "Delete automatically after": the choices the project allows (no "Never" where it sets a maximum). */
function expiryBlock(expiry: { choices: readonly ExpiryChoice[]; selected: ExpiryChoice }): KnownBlock {
  return {
    type: 'input',
    block_id: blockIdFor('expiry'),
    label: plain('Delete automatically after'),
    hint: plain('Reminders come in the thread 24 h and 1 h before; it can be extended then.'),
    element: {
      type: 'static_select',
      action_id: ActionIds.wizardExpiry,
      ...choices(expiry.choices.map(expiryOption), expiry.selected),
    },
  };
}
