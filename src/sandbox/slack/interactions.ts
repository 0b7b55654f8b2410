import { isJson, viewWithGeneratedIds, type Json } from './block-ids.js';
import type { BotAck, BotLink } from './bot-link.js';
import { messageBodyProblems, viewProblems } from './limits.js';
import {
  appHomeOpenedBody,
  blockActionsPayload,
  blockSuggestionPayload,
  payloadBody,
  slashCommandBody,
  viewClosedPayload,
  viewSubmissionPayload,
  type Actor,
} from './payloads.js';
import { SLACKBOT, type ModalRecord, type SlackState } from './state.js';
import { actionOf, findElement, type RawInput, type RawValues } from './state-values.js';

/**
 * What a person does on the page, turned into the requests Slack sends the app (signed by the
 * bot link), and the app's acknowledgement applied the way Slack applies it.
 */

export interface CommandInput {
  user: string;
  channel: string;
  /** What was typed in the composer: `/tke create`, or a plain message. */
  text: string;
  threadTs?: string;
}
export interface ActionInput {
  user: string;
  /** `home`: the acting person's App Home tab. */
  container: { type: 'view'; viewId: string } | { type: 'message'; channel: string; ts: string } | { type: 'home' };
  blockId: string;
  actionId: string;
  /** The element's new value (selects, checkboxes, dispatched inputs); none for buttons. */
  input?: RawInput;
  /** Everything entered on the surface (the modal, or the message's own selects). */
  values?: RawValues;
}
export interface ViewInput {
  user: string;
  viewId: string;
  values?: RawValues;
}
export interface SuggestInput extends ViewInput {
  blockId: string;
  actionId: string;
  value: string;
}

export type InteractionResult = { ok: true } | { ok: false; error: string };

export interface Interactions {
  /** The slash commands the app declares (its manifest). */
  readonly commands: readonly string[];
  send(input: CommandInput): Promise<InteractionResult>;
  /** The person opens the app's Home tab: Slack sends `app_home_opened`; the app publishes the view. */
  openHome(input: { user: string }): Promise<InteractionResult>;
  action(input: ActionInput): Promise<InteractionResult>;
  submit(input: ViewInput): Promise<InteractionResult>;
  close(input: ViewInput): Promise<InteractionResult>;
  suggest(input: SuggestInput): Promise<{ options: Json[]; option_groups?: Json[] }>;
}

export interface InteractionsOptions {
  state: SlackState;
  bot: BotLink;
  /** Base URL of the local Slack, for response_url values. */
  baseUrl: () => string;
  commands?: readonly string[];
}

const failed = (error: string): InteractionResult => ({ ok: false, error });
const OK: InteractionResult = { ok: true };

export function createInteractions(options: InteractionsOptions): Interactions {
  const { state, bot } = options;
  const { workspace } = state;
  const commands = options.commands ?? ['/tke'];

  const actor = (id: string): Actor | undefined => {
    const user = state.user(id);
    return user ? { id: user.id, name: user.name } : undefined;
  };

  /** What Slackbot says to the user when the app failed to answer. */
  function slackbotSays(channel: string, user: string, text: string, threadTs?: string): void {
    state.post({ channel, user: SLACKBOT, text, ephemeral_to: user, ...(threadTs ? { thread_ts: threadTs } : {}) });
  }

  /** A channel's name as payloads give it: Slack calls a direct message conversation "directmessage". */
  const payloadChannelName = (id: string): string => (id.startsWith('D') ? 'directmessage' : (state.channel(id)?.name ?? id));

  const topOf = (user: string): ModalRecord | undefined => state.stackOf(user).at(-1);

  /** Slack checks a view the app answers with, as it checks views.open. */
  function acceptableView(view: unknown): Json | undefined {
    if (!isJson(view)) return undefined;
    return viewProblems(view).length > 0 ? undefined : viewWithGeneratedIds(view);
  }

  async function send(input: CommandInput): Promise<InteractionResult> {
    const user = actor(input.user);
    const channel = state.channel(input.channel);
    if (!user) return failed('user_not_found');
    if (!channel) return failed('channel_not_found');
    const text = input.text.trim();
    if (!text) return failed('no_text');
    const thread = input.threadTs ? { thread_ts: input.threadTs } : {};
    if (!text.startsWith('/')) {
      state.post({ channel: channel.id, user: user.id, text, ...thread });
      return OK;
    }
    const [command = '', ...rest] = text.split(/\s+/);
    if (!commands.includes(command)) {
      slackbotSays(channel.id, user.id, `\`${command}\` is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.`, input.threadTs);
      return OK;
    }
    const responseId = state.issueResponseTarget({ channel: channel.id, user: user.id, ...(input.threadTs ? { threadTs: input.threadTs } : {}) });
    const ack = await bot.send(
      slashCommandBody({
        workspace,
        user,
        channel: { id: channel.id, name: payloadChannelName(channel.id) },
        command,
        text: rest.join(' '),
        responseUrl: `${options.baseUrl()}/response/${responseId}`,
        triggerId: state.issueTrigger(user.id),
      }),
    );
    if (!ack.ok) {
      slackbotSays(channel.id, user.id, `${command} failed with the error "${ack.error}"`, input.threadTs);
      return failed(ack.error);
    }
    const reply = ack.json ?? (ack.text ? { text: ack.text } : undefined);
    if (!reply || (!reply.text && !reply.blocks)) return OK;
    const blocks = Array.isArray(reply.blocks) ? reply.blocks.filter(isJson) : undefined;
    if (messageBodyProblems(reply).length > 0) {
      slackbotSays(channel.id, user.id, `${command} failed with the error "invalid_blocks"`, input.threadTs);
      return failed('invalid_blocks');
    }
    const inChannel = reply.response_type === 'in_channel';
    if (inChannel) state.post({ channel: channel.id, user: user.id, text, ...thread });
    state.post({
      channel: channel.id,
      user: workspace.bot.userId,
      bot_id: workspace.bot.botId,
      app_id: workspace.bot.appId,
      text: typeof reply.text === 'string' ? reply.text : '',
      ...(blocks ? { blocks } : {}),
      ...thread,
      ...(inChannel ? {} : { ephemeral_to: user.id }),
    });
    return OK;
  }

  function alertFor(ack: Extract<BotAck, { ok: false }>): string {
    return `We had some trouble connecting to ${workspace.bot.name}: ${ack.error}.`;
  }

  async function action(input: ActionInput): Promise<InteractionResult> {
    const user = actor(input.user);
    if (!user) return failed('user_not_found');
    const values = input.values ?? {};
    const actionTs = state.nextTs();
    if (input.container.type === 'home') {
      const home = state.home(user.id);
      if (!home) return failed('view_not_found');
      const element = findElement((home.blocks ?? []) as Json[], input.blockId, input.actionId);
      if (!element) return failed('element_not_found');
      // A Home tab is a view like a modal's, without a channel or a response_url.
      const record: ModalRecord = { user: user.id, view: home, errors: {} };
      const payload = blockActionsPayload(workspace, user, { kind: 'view', record, values }, actionOf(element, input.blockId, input.input, actionTs), state.issueTrigger(user.id));
      const ack = await bot.send(payloadBody(payload));
      return ack.ok ? OK : failed(ack.error);
    }
    if (input.container.type === 'view') {
      const record = state.view(input.container.viewId);
      if (!record || record.user !== user.id) return failed('view_not_found');
      const element = findElement((record.view.blocks ?? []) as Json[], input.blockId, input.actionId);
      if (!element) return failed('element_not_found');
      const payload = blockActionsPayload(
        workspace,
        user,
        { kind: 'view', record, values },
        actionOf(element, input.blockId, input.input, actionTs),
        state.issueTrigger(user.id),
      );
      const ack = await bot.send(payloadBody(payload));
      if (!ack.ok) {
        state.setErrors(record, record.errors, alertFor(ack));
        return failed(ack.error);
      }
      return OK;
    }
    const message = state.message(input.container.channel, input.container.ts);
    if (!message || (message.ephemeral_to && message.ephemeral_to !== user.id)) return failed('message_not_found');
    const element = findElement((message.blocks ?? []) as Json[], input.blockId, input.actionId);
    if (!element) return failed('element_not_found');
    const responseId = state.issueResponseTarget({
      channel: message.channel,
      user: user.id,
      ...(message.thread_ts ? { threadTs: message.thread_ts } : {}),
      source: { ts: message.ts, ephemeral: message.ephemeral_to !== undefined },
    });
    const payload = blockActionsPayload(
      workspace,
      user,
      {
        kind: 'message',
        message,
        channelName: payloadChannelName(message.channel),
        values,
        responseUrl: `${options.baseUrl()}/response/${responseId}`,
      },
      actionOf(element, input.blockId, input.input, actionTs),
      state.issueTrigger(user.id),
    );
    const ack = await bot.send(payloadBody(payload));
    if (!ack.ok) {
      slackbotSays(message.channel, user.id, `${workspace.bot.name} did not respond to that button ("${ack.error}").`, message.thread_ts);
      return failed(ack.error);
    }
    return OK;
  }

  async function submit(input: ViewInput): Promise<InteractionResult> {
    const user = actor(input.user);
    const record = topOf(input.user);
    if (!user) return failed('user_not_found');
    if (!record || record.view.id !== input.viewId) return failed('view_not_found');
    const ack = await bot.send(payloadBody(viewSubmissionPayload(workspace, user, record, input.values ?? {}, state.issueTrigger(user.id))));
    if (!ack.ok) {
      state.setErrors(record, record.errors, alertFor(ack));
      return failed(ack.error);
    }
    const answer = ack.json ?? {};
    switch (answer.response_action) {
      case 'errors': {
        const errors = isJson(answer.errors) ? Object.fromEntries(Object.entries(answer.errors).map(([k, v]) => [k, String(v)])) : {};
        const blockIds = new Set(((record.view.blocks ?? []) as Json[]).map((b) => String(b.block_id)));
        const unknown = Object.keys(errors).filter((id) => !blockIds.has(id));
        // Slack refuses errors for blocks that are not input blocks of the view; say so instead of hiding it.
        state.setErrors(record, errors, unknown.length > 0 ? `The app sent errors for unknown blocks: ${unknown.join(', ')}` : undefined);
        return OK;
      }
      case 'update':
      case 'push': {
        const view = acceptableView(answer.view);
        if (!view) {
          state.setErrors(record, {}, `${workspace.bot.name} answered with a view Slack would refuse: ${viewProblems(answer.view).join('; ')}`);
          return failed('invalid_view');
        }
        if (answer.response_action === 'update') state.updateView(record, view);
        else state.openView(user.id, view, 'push');
        return OK;
      }
      case 'clear':
        state.closeView(user.id, 'all');
        return OK;
      default:
        state.closeView(user.id, 'top');
        return OK;
    }
  }

  async function close(input: ViewInput): Promise<InteractionResult> {
    const user = actor(input.user);
    const record = topOf(input.user);
    if (!user) return failed('user_not_found');
    if (!record || record.view.id !== input.viewId) return failed('view_not_found');
    const clearAll = record.view.clear_on_close === true;
    state.closeView(user.id, clearAll ? 'all' : 'top');
    if (record.view.notify_on_close === true) {
      const ack = await bot.send(payloadBody(viewClosedPayload(workspace, user, record, input.values ?? {}, clearAll)));
      if (!ack.ok) return failed(ack.error);
    }
    return OK;
  }

  async function suggest(input: SuggestInput): Promise<{ options: Json[]; option_groups?: Json[] }> {
    const user = actor(input.user);
    const record = state.view(input.viewId);
    if (!user || !record) return { options: [] };
    const ack = await bot.send(
      payloadBody(blockSuggestionPayload(workspace, user, record, input.values ?? {}, { blockId: input.blockId, actionId: input.actionId, value: input.value })),
    );
    const answer = ack.ok ? (ack.json ?? {}) : {};
    const list = (value: unknown) => (Array.isArray(value) ? value.filter(isJson) : []);
    return {
      options: list(answer.options),
      ...(Array.isArray(answer.option_groups) ? { option_groups: list(answer.option_groups) } : {}),
    };
  }

  async function openHome(input: { user: string }): Promise<InteractionResult> {
    const user = actor(input.user);
    if (!user) return failed('user_not_found');
    const ack = await bot.send(appHomeOpenedBody(workspace, user, state.nextTs()), 'application/json');
    return ack.ok ? OK : failed(ack.error);
  }

  return { commands, send, openHome, action, submit, close, suggest };
}
