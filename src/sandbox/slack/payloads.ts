import type { Json } from './block-ids.js';
import { publicMessage, type ModalRecord, type SlackMessage } from './state.js';
import { stateValues, type RawValues } from './state-values.js';
import type { Workspace } from './workspace.js';

/**
 * The requests Slack sends an app, built field for field like Slack's own: the slash command form
 * body, and the `payload` JSON of block_actions, view_submission, view_closed and block_suggestion.
 */

/** Slack sends a legacy verification token in every request; Bolt ignores it. */
const VERIFICATION_TOKEN = 'sandbox-verification-token';

export interface Actor {
  id: string;
  name: string;
}

export interface SlashCommandFields {
  workspace: Workspace;
  user: Actor;
  channel: { id: string; name: string };
  command: string;
  text: string;
  responseUrl: string;
  triggerId: string;
}

export function slashCommandBody(fields: SlashCommandFields): string {
  return new URLSearchParams({
    token: VERIFICATION_TOKEN,
    team_id: fields.workspace.team.id,
    team_domain: fields.workspace.team.domain,
    channel_id: fields.channel.id,
    channel_name: fields.channel.name,
    user_id: fields.user.id,
    user_name: fields.user.name,
    command: fields.command,
    text: fields.text,
    api_app_id: fields.workspace.bot.appId,
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: fields.triggerId,
  }).toString();
}

/** The Events API callback Slack sends when `user` opens the app's Home tab (a JSON body). */
export function appHomeOpenedBody(workspace: Workspace, user: Actor, eventTs: string): string {
  return JSON.stringify({
    token: VERIFICATION_TOKEN,
    team_id: workspace.team.id,
    api_app_id: workspace.bot.appId,
    event: { type: 'app_home_opened', user: user.id, channel: `D${user.id}`, tab: 'home', event_ts: eventTs },
    type: 'event_callback',
    event_id: `Ev${eventTs.replace('.', '')}`,
    event_time: Math.floor(Number(eventTs)),
    authorizations: [{ enterprise_id: null, team_id: workspace.team.id, user_id: workspace.bot.userId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}

/** Interactive payloads travel as one form field, `payload`, holding JSON. */
export const payloadBody = (payload: Json): string => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

const envelope = (workspace: Workspace, user: Actor): Json => ({
  team: { id: workspace.team.id, domain: workspace.team.domain },
  user: { id: user.id, username: user.name, name: user.name, team_id: workspace.team.id },
  api_app_id: workspace.bot.appId,
  token: VERIFICATION_TOKEN,
  is_enterprise_install: false,
  enterprise: null,
});

/** The view as payloads carry it: Slack's view object with the entered values in `state.values`. */
export function viewWithState(record: ModalRecord, values: RawValues): Json {
  const blocks = Array.isArray(record.view.blocks) ? (record.view.blocks as Json[]) : [];
  return { ...record.view, state: { values: stateValues(blocks, values) } };
}

export function viewSubmissionPayload(workspace: Workspace, user: Actor, record: ModalRecord, values: RawValues, triggerId: string): Json {
  return {
    type: 'view_submission',
    ...envelope(workspace, user),
    trigger_id: triggerId,
    view: viewWithState(record, values),
    response_urls: [],
  };
}

export function viewClosedPayload(workspace: Workspace, user: Actor, record: ModalRecord, values: RawValues, isCleared: boolean): Json {
  return { type: 'view_closed', ...envelope(workspace, user), view: viewWithState(record, values), is_cleared: isCleared };
}

export type ActionSource =
  | { kind: 'view'; record: ModalRecord; values: RawValues }
  | { kind: 'message'; message: SlackMessage; channelName: string; values: RawValues; responseUrl: string };

export function blockActionsPayload(workspace: Workspace, user: Actor, source: ActionSource, action: Json, triggerId: string): Json {
  const common = { type: 'block_actions', ...envelope(workspace, user), trigger_id: triggerId, actions: [action] };
  if (source.kind === 'view') {
    return { ...common, container: { type: 'view', view_id: source.record.view.id }, view: viewWithState(source.record, source.values) };
  }
  const { message } = source;
  const ephemeral = message.ephemeral_to !== undefined;
  const blocks = (message.blocks ?? []) as Json[];
  return {
    ...common,
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: message.channel,
      is_ephemeral: ephemeral,
      ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    },
    channel: { id: message.channel, name: source.channelName },
    // Slack does not send the content of an ephemeral message back.
    ...(ephemeral ? {} : { message: publicMessage(message) }),
    state: { values: stateValues(blocks, source.values) },
    response_url: source.responseUrl,
  };
}

export function blockSuggestionPayload(
  workspace: Workspace,
  user: Actor,
  record: ModalRecord,
  values: RawValues,
  target: { blockId: string; actionId: string; value: string },
): Json {
  return {
    type: 'block_suggestion',
    ...envelope(workspace, user),
    container: { type: 'view', view_id: record.view.id },
    action_id: target.actionId,
    block_id: target.blockId,
    value: target.value,
    view: viewWithState(record, values),
  };
}
