import type { KnownBlock, ModalView, Option } from '@slack/types';
import { TEAM } from './slack-requests.js';

/**
 * Interaction payloads shaped like Slack's own (view_submission, block_actions), built from the
 * view the bot actually sent to the fake Slack. Send them with `send.viewSubmission` / `send.blockActions`.
 */

/**
 * What a user typed or picked, by action_id: text for inputs, option values for selects and radios.
 * A block_id key targets one block when several blocks share an action_id (e.g. the wizard's worker pools).
 */
export type UserInput = Record<string, string | string[] | null>;

type StateValue = Record<string, unknown> & { type: string };

function optionsOf(element: Record<string, unknown>): Option[] {
  const groups = (element.option_groups as { options: Option[] }[] | undefined) ?? [];
  return [...((element.options as Option[] | undefined) ?? []), ...groups.flatMap((g) => g.options)];
}

function pick(element: Record<string, unknown>, value: string): Option {
  const found = optionsOf(element).find((o) => o.value === value);
  if (!found) throw new Error(`payloads: no option ${value} in ${String(element.action_id)}`);
  return found;
}

/** One element's state the way Slack reports it; `input` undefined means the user left it as shown. */
function stateOf(element: Record<string, unknown>, input: string | string[] | null | undefined): StateValue {
  const type = String(element.type);
  const initialText = (element.initial_value as string | undefined) ?? null;
  switch (type) {
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input':
      return { type, value: input === undefined ? initialText : (input as string | null) };
    case 'radio_buttons':
    case 'static_select': {
      const initial = (element.initial_option as Option | undefined) ?? null;
      const selected = input === undefined ? initial : input === null ? null : pick(element, input as string);
      return { type, selected_option: selected };
    }
    case 'checkboxes':
    case 'multi_static_select': {
      const initial = (element.initial_options as Option[] | undefined) ?? [];
      const values = input === undefined ? null : input === null ? [] : Array.isArray(input) ? input : [input];
      return { type, selected_options: values === null ? initial : values.map((v) => pick(element, v)) };
    }
    default:
      throw new Error(`payloads: element type ${type} is not supported yet; add it here`);
  }
}

/** view.state.values for every input block of `view`, as Slack builds it on submit. */
export function stateValues(view: ModalView, input: UserInput): Record<string, Record<string, StateValue>> {
  const values: Record<string, Record<string, StateValue>> = {};
  for (const block of view.blocks as KnownBlock[]) {
    if (block.type !== 'input' || !block.block_id) continue;
    const element = block.element as unknown as Record<string, unknown>;
    const actionId = String(element.action_id);
    const typed = block.block_id in input ? input[block.block_id] : input[actionId];
    values[block.block_id] = { [actionId]: stateOf(element, typed) };
  }
  return values;
}

/** What every interaction payload starts with: its type, the team, the user, the app. */
function envelope(type: string, user: string) {
  return {
    type,
    team: { id: TEAM.id, domain: TEAM.domain },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: TEAM.id },
    api_app_id: 'A0TKEOPS',
    token: 'legacy-verification-token',
  };
}

/** The `view` of an interaction inside a modal as Slack reports it: the view the bot sent, with its state. */
function viewState(view: ModalView, viewId: string, input: UserInput) {
  return {
    id: viewId,
    team_id: TEAM.id,
    type: 'modal',
    blocks: view.blocks,
    private_metadata: view.private_metadata ?? '',
    callback_id: view.callback_id ?? '',
    state: { values: stateValues(view, input) },
    hash: `hash-${viewId}`,
    title: view.title,
  };
}

export interface SubmissionOptions {
  user: string;
  /** The view the bot opened or pushed (e.g. `slack.calls('views.open')[0].body.view`). */
  view: ModalView;
  /** The id the fake Slack gave that view. */
  viewId: string;
  input: UserInput;
  rootViewId?: string;
  previousViewId?: string | null;
}

/** A view_submission payload as Slack sends it when the user presses the modal's submit button. */
export function viewSubmission(options: SubmissionOptions): Record<string, unknown> {
  const { view } = options;
  return {
    ...envelope('view_submission', options.user),
    trigger_id: `${Date.now()}.1.submit`,
    view: {
      ...viewState(view, options.viewId, options.input),
      clear_on_close: view.clear_on_close ?? false,
      notify_on_close: view.notify_on_close ?? false,
      close: view.close ?? null,
      submit: view.submit ?? null,
      previous_view_id: options.previousViewId ?? null,
      root_view_id: options.rootViewId ?? options.viewId,
      app_id: 'A0TKEOPS',
      external_id: '',
      app_installed_team_id: TEAM.id,
      bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A view_closed payload as Slack sends it when the user cancels a modal opened with `notify_on_close: true`. */
export function viewClosed(options: Omit<SubmissionOptions, 'rootViewId' | 'previousViewId'>): Record<string, unknown> {
  const { view } = options;
  return {
    ...envelope('view_closed', options.user),
    view: {
      ...viewState(view, options.viewId, options.input),
      clear_on_close: view.clear_on_close ?? false,
      notify_on_close: view.notify_on_close ?? false,
      close: view.close ?? null,
      submit: view.submit ?? null,
      previous_view_id: null,
      root_view_id: options.viewId,
      app_id: 'A0TKEOPS',
      external_id: '',
      app_installed_team_id: TEAM.id,
      bot_id: 'B0BOT',
    },
    is_cleared: false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface ViewActionOptions {
  user: string;
  view: ModalView;
  viewId: string;
  actionId: string;
  /** The block holding the element, when several blocks share the action_id. */
  blockId?: string;
  /** For a button: its value; for a select or radio: the chosen option's value. */
  value?: string;
  /** For a multi-select or checkboxes: the chosen options' values. */
  values?: string[];
  input?: UserInput;
}

/** A block_actions payload for a button or select inside a modal (e.g. the wizard's "+ Cloud account"). */
export function viewBlockAction(options: ViewActionOptions): Record<string, unknown> {
  const { view } = options;
  const located = (view.blocks as KnownBlock[])
    .flatMap((block) => {
      const elements =
        block.type === 'actions'
          ? (block.elements as unknown as Record<string, unknown>[])
          : block.type === 'section' && block.accessory
            ? [block.accessory as unknown as Record<string, unknown>]
            : block.type === 'input'
              ? [block.element as unknown as Record<string, unknown>]
              : [];
      return elements.map((element) => ({ blockId: block.block_id ?? '', element }));
    })
    .find(({ element, blockId }) => element.action_id === options.actionId && (options.blockId === undefined || blockId === options.blockId));
  if (!located) throw new Error(`payloads: no element with action_id ${options.actionId} in the view`);
  const { element, blockId } = located;
  const type = String(element.type);
  const action: Record<string, unknown> = { type, action_id: options.actionId, block_id: blockId, action_ts: `${Date.now() / 1000}` };
  if (type === 'button') {
    action.text = element.text;
    if (element.value !== undefined) action.value = element.value;
  } else if (options.values !== undefined) {
    action.selected_options = options.values.map((v) => pick(element, v));
  } else if (options.value !== undefined) {
    action.selected_option = pick(element, options.value);
  }
  return {
    ...envelope('block_actions', options.user),
    container: { type: 'view', view_id: options.viewId },
    trigger_id: `${Date.now()}.1.action`,
    view: {
      ...viewState(view, options.viewId, options.input ?? {}),
      root_view_id: options.viewId,
      previous_view_id: null,
      app_id: 'A0TKEOPS',
      bot_id: 'B0BOT',
    },
    actions: [action],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface MessageActionOptions {
  user: string;
  channel: string;
  /** The message as the bot posted it (`slack.calls('chat.postMessage')[i].body`) and the ts Slack gave it. */
  message: { blocks?: unknown; text?: unknown };
  messageTs: string;
  actionId: string;
  responseUrl: string;
  /** The message is an ephemeral one (an overview) rather than a channel message. */
  ephemeral?: boolean;
}

/** A block_actions payload for a button in a channel message (e.g. the provisioning thread's Overview button). */
export function messageBlockAction(options: MessageActionOptions): Record<string, unknown> {
  const blocks = (options.message.blocks ?? []) as KnownBlock[];
  const located = blocks
    .flatMap((block) =>
      block.type === 'actions' ? (block.elements as unknown as Record<string, unknown>[]).map((element) => ({ blockId: block.block_id ?? '', element })) : [],
    )
    .find(({ element }) => element.action_id === options.actionId);
  if (!located) throw new Error(`payloads: no button with action_id ${options.actionId} in the message`);
  const { element, blockId } = located;
  return {
    ...envelope('block_actions', options.user),
    container: { type: 'message', message_ts: options.messageTs, channel_id: options.channel, is_ephemeral: options.ephemeral ?? false },
    trigger_id: `${Date.now()}.1.action`,
    channel: { id: options.channel, name: 'platform' },
    message: { type: 'message', user: 'U0BOT', bot_id: 'B0BOT', ts: options.messageTs, text: options.message.text, blocks },
    state: { values: {} },
    response_url: options.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: options.actionId,
        block_id: blockId,
        text: element.text,
        ...(element.value !== undefined ? { value: element.value } : {}),
        action_ts: `${Date.now() / 1000}`,
      },
    ],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** The `app_home_opened` event Slack sends when `user` opens tkeops' Home tab (send with `send.event`). */
export function appHomeOpened(user: string, tab: 'home' | 'messages' = 'home'): Record<string, unknown> {
  return { type: 'app_home_opened', user, channel: `D${user}`, tab };
}

export interface HomeActionOptions {
  user: string;
  /** The Home view as the bot published it (`slack.calls('views.publish')[i].body.view`). */
  view: { blocks?: unknown };
  viewId?: string;
  actionId: string;
  /** The button's value, when several buttons share the action_id (one per cluster). */
  value?: string;
}

/** A block_actions payload for a button on the App Home tab: a view container, no channel, no response_url. */
export function homeBlockAction(options: HomeActionOptions): Record<string, unknown> {
  const blocks = (options.view.blocks ?? []) as KnownBlock[];
  const located = blocks
    .flatMap((block) => {
      const elements =
        block.type === 'actions'
          ? (block.elements as unknown as Record<string, unknown>[])
          : block.type === 'section' && block.accessory
            ? [block.accessory as unknown as Record<string, unknown>]
            : [];
      return elements.map((element) => ({ blockId: block.block_id ?? '', element }));
    })
    .find(({ element }) => element.action_id === options.actionId && (options.value === undefined || element.value === options.value));
  if (!located) throw new Error(`payloads: no button ${options.actionId}${options.value ? ` (${options.value})` : ''} on the Home tab`);
  const { element, blockId } = located;
  const viewId = options.viewId ?? 'V0HOME';
  return {
    ...envelope('block_actions', options.user),
    container: { type: 'view', view_id: viewId },
    trigger_id: `${Date.now()}.1.home`,
    view: { id: viewId, team_id: TEAM.id, type: 'home', blocks, private_metadata: '', callback_id: '', state: { values: {} }, hash: 'h0', root_view_id: viewId, previous_view_id: null, app_id: 'A0TKEOPS', bot_id: 'B0BOT' },
    actions: [{ type: 'button', action_id: options.actionId, block_id: blockId, text: element.text, value: element.value, action_ts: `${Date.now() / 1000}` }],
    is_enterprise_install: false,
    enterprise: null,
  };
}
