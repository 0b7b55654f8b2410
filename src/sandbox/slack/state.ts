import { randomId, type Json } from './block-ids.js';
import type { Workspace, WorkspaceChannel, WorkspaceUser } from './workspace.js';

/** A message as Slack stores it (conversations.history shape), plus who sees it when it is ephemeral. */
export interface SlackMessage {
  type: 'message';
  channel: string;
  ts: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  text: string;
  blocks?: Json[];
  attachments?: Json[];
  thread_ts?: string;
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  edited?: { user: string; ts: string };
  metadata?: unknown;
  /** Ephemeral: the one user who sees it ("Only visible to you"). */
  ephemeral_to?: string;
  /** Files shared with the message (files.completeUploadExternal). */
  files?: { id: string; name: string; title: string; content: string }[];
}

/** The message as Slack shows it to apps (API answers, payloads): no channel field, no sandbox bookkeeping. */
export function publicMessage(message: SlackMessage): Json {
  const { channel: _channel, ephemeral_to: _to, ...rest } = message;
  return rest;
}

/** One view of a user's modal stack, as Slack answers it, with the inline errors it shows. */
export interface ModalRecord {
  user: string;
  view: Json & { id: string; hash: string };
  /** Inline errors from `response_action: errors`, by block_id. */
  errors: Record<string, string>;
  /** A problem Slack shows at the top of the modal (the app did not answer, or answered with a bad view). */
  alert?: string;
}

/** Where a response_url posts: the channel, the user it answers, the message it came from. */
export interface ResponseTarget {
  channel: string;
  user: string;
  threadTs?: string;
  source?: { ts: string; ephemeral: boolean };
}

export type SlackStateEvent =
  | { type: 'message'; message: SlackMessage }
  | { type: 'message_deleted'; channel: string; ts: string }
  | { type: 'modals'; user: string; stack: ModalRecord[] }
  /** views.publish: the user's App Home tab shows `view`. */
  | { type: 'home'; user: string; view: Json };

export const SLACKBOT = 'USLACKBOT';
/** The id of a person's direct messages with the bot (the page finds them the same way). */
export const directChannelId = (user: string): string => `D${user}`;
/** Slack allows a root view and two pushed views. */
export const MAX_STACK = 3;
const TRIGGER_LIFETIME_MS = 3_000;

type TriggerCheck = { ok: true; user: string } | { ok: false; error: 'invalid_trigger_id' | 'expired_trigger_id' | 'exchanged_trigger_id' };

/**
 * Everything the local Slack remembers: channels with their messages and threads, ephemeral
 * messages, each user's modal stack, trigger ids and response URLs. Every change is announced to
 * listeners (the page's live updates).
 */
export class SlackState {
  private readonly messages = new Map<string, SlackMessage[]>();
  private readonly views = new Map<string, ModalRecord>();
  private readonly stacks = new Map<string, string[]>();
  private readonly externalIds = new Map<string, string>();
  private readonly triggers = new Map<string, { user: string; at: number; used: boolean }>();
  private readonly responseTargets = new Map<string, ResponseTarget>();
  /** Each user's published App Home view (views.publish). */
  private readonly homes = new Map<string, Json & { id: string; hash: string }>();
  private readonly listeners = new Set<(event: SlackStateEvent) => void>();
  readonly userGroups = new Map<string, string[]>();
  private lastMicros = 0;
  private viewCounter = 0;
  private triggerCounter = 0;

  constructor(
    readonly workspace: Workspace,
    /** Strict: unknown channels, users and messages are errors, as in Slack; else they appear on first use. */
    readonly strict: boolean,
  ) {
    for (const group of workspace.userGroups) this.userGroups.set(group.id, [...group.users]);
    for (const channel of workspace.channels) this.messages.set(channel.id, []);
  }

  onChange(listener: (event: SlackStateEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: SlackStateEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Message timestamps are unique and increasing: seconds and microseconds of the wall clock. */
  nextTs(): string {
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    return `${Math.floor(this.lastMicros / 1e6)}.${String(this.lastMicros % 1e6).padStart(6, '0')}`;
  }

  /** A channel of the workspace, or a person's direct messages with the bot (`D<user id>`). */
  channel(id: string): WorkspaceChannel | undefined {
    const known = this.workspace.channels.find((c) => c.id === id);
    if (known || !id) return known;
    const person = id.startsWith('D') ? this.user(id.slice(1)) : undefined;
    if (person) return this.directChannel(person.id);
    if (this.strict) return undefined;
    return { id, name: id.toLowerCase(), topic: '', private: false, botIsMember: true };
  }

  /** The bot's direct messages with a person (chat.postMessage with `channel: <user id>` posts there). */
  directChannel(user: string): WorkspaceChannel {
    return { id: directChannelId(user), name: this.workspace.bot.name, topic: '', private: true, botIsMember: true };
  }

  /** Adds a channel to the workspace, or changes one (tests: a private channel the bot is not in). */
  putChannel(channel: WorkspaceChannel): void {
    const index = this.workspace.channels.findIndex((c) => c.id === channel.id);
    if (index >= 0) this.workspace.channels[index] = channel;
    else this.workspace.channels.push(channel);
    if (!this.messages.has(channel.id)) this.messages.set(channel.id, []);
  }

  user(id: string): WorkspaceUser | undefined {
    const known = this.workspace.users.find((u) => u.id === id);
    if (id === this.workspace.bot.userId) return { id, name: this.workspace.bot.name, realName: this.workspace.bot.name, title: 'App' };
    if (known || this.strict || !id) return known;
    return { id, name: id.toLowerCase(), realName: id, title: '' };
  }

  allMessages(): SlackMessage[] {
    return [...this.messages.values()].flat();
  }

  /** A channel's messages (not ephemeral ones), oldest first. */
  channelMessages(channel: string): SlackMessage[] {
    return (this.messages.get(channel) ?? []).filter((m) => !m.ephemeral_to);
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    return this.messages.get(channel)?.find((m) => m.ts === ts);
  }

  post(message: Omit<SlackMessage, 'type' | 'ts'>): SlackMessage {
    const stored: SlackMessage = { type: 'message', ts: this.nextTs(), ...message };
    const list = this.messages.get(message.channel) ?? [];
    list.push(stored);
    this.messages.set(message.channel, list);
    this.emit({ type: 'message', message: stored });
    const root = stored.thread_ts && !stored.ephemeral_to ? this.message(stored.channel, stored.thread_ts) : undefined;
    if (root && root !== stored) {
      root.reply_count = (root.reply_count ?? 0) + 1;
      root.reply_users = [...new Set([...(root.reply_users ?? []), stored.user])];
      root.latest_reply = stored.ts;
      root.thread_ts = root.ts;
      this.emit({ type: 'message', message: root });
    }
    return stored;
  }

  /** Replaces the given fields of a message in place (chat.update, replace_original). */
  edit(message: SlackMessage, changes: Partial<Pick<SlackMessage, 'text' | 'blocks' | 'attachments' | 'metadata'>>, editor: string): SlackMessage {
    Object.assign(message, changes);
    if (!message.ephemeral_to) message.edited = { user: editor, ts: this.nextTs() };
    this.emit({ type: 'message', message });
    return message;
  }

  remove(message: SlackMessage): void {
    const list = this.messages.get(message.channel) ?? [];
    this.messages.set(
      message.channel,
      list.filter((m) => m !== message),
    );
    this.emit({ type: 'message_deleted', channel: message.channel, ts: message.ts });
  }

  // --- modals -------------------------------------------------------------------------------

  stackOf(user: string): ModalRecord[] {
    return (this.stacks.get(user) ?? []).flatMap((id) => this.views.get(id) ?? []);
  }

  allStacks(): Record<string, ModalRecord[]> {
    return Object.fromEntries([...this.stacks.keys()].map((user) => [user, this.stackOf(user)]));
  }

  view(id: string): ModalRecord | undefined {
    return this.views.get(id);
  }

  viewByExternalId(externalId: string): ModalRecord | undefined {
    const id = this.externalIds.get(externalId);
    return id ? this.views.get(id) : undefined;
  }

  private newHash(): string {
    return `${Math.floor(Date.now() / 1000)}.${randomId(8)}`;
  }

  private viewObject(view: Json, id: string, user: string): ModalRecord['view'] {
    const stack = this.stacks.get(user) ?? [];
    const index = stack.indexOf(id);
    const previous = index > 0 ? stack[index - 1] : undefined;
    return {
      type: 'modal',
      private_metadata: '',
      callback_id: '',
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      external_id: '',
      ...view,
      id,
      team_id: this.workspace.team.id,
      state: { values: {} },
      hash: this.newHash(),
      previous_view_id: previous ?? null,
      root_view_id: stack[0] ?? id,
      app_id: this.workspace.bot.appId,
      app_installed_team_id: this.workspace.team.id,
      bot_id: this.workspace.bot.botId,
    };
  }

  /** The Home tab `user` sees, as views.publish last set it. */
  home(user: string): (Json & { id: string; hash: string }) | undefined {
    return this.homes.get(user);
  }

  /** Every published Home view, by user (the page's snapshot). */
  allHomes(): Record<string, Json> {
    return Object.fromEntries(this.homes);
  }

  /** views.publish: replaces `user`'s Home view (its id stays; a new hash each time). */
  publishHome(user: string, view: Json): Json & { id: string; hash: string } {
    const id = this.homes.get(user)?.id ?? `V${String(++this.viewCounter).padStart(8, '0')}`;
    const published = {
      private_metadata: '',
      callback_id: '',
      external_id: '',
      ...view,
      type: 'home',
      id,
      team_id: this.workspace.team.id,
      state: { values: {} },
      hash: this.newHash(),
      previous_view_id: null,
      root_view_id: id,
      app_id: this.workspace.bot.appId,
      app_installed_team_id: this.workspace.team.id,
      bot_id: this.workspace.bot.botId,
    };
    this.homes.set(user, published);
    this.emit({ type: 'home', user, view: published });
    return published;
  }

  /** Opens a new modal (`stack: 'new'`) or pushes onto the user's stack. */
  openView(user: string, view: Json, stack: 'new' | 'push'): ModalRecord {
    const id = `V${String(++this.viewCounter).padStart(8, '0')}`;
    if (stack === 'new') this.dropStack(user);
    this.stacks.set(user, [...(this.stacks.get(user) ?? []), id]);
    const record: ModalRecord = { user, view: this.viewObject(view, id, user), errors: {} };
    this.views.set(id, record);
    if (typeof view.external_id === 'string' && view.external_id) this.externalIds.set(view.external_id, id);
    this.emitStack(user);
    return record;
  }

  updateView(record: ModalRecord, view: Json): ModalRecord {
    record.view = this.viewObject(view, record.view.id, record.user);
    record.errors = {};
    delete record.alert;
    if (typeof view.external_id === 'string' && view.external_id) this.externalIds.set(view.external_id, record.view.id);
    this.emitStack(record.user);
    return record;
  }

  setErrors(record: ModalRecord, errors: Record<string, string>, alert?: string): void {
    record.errors = errors;
    if (alert === undefined) delete record.alert;
    else record.alert = alert;
    this.emitStack(record.user);
  }

  /** Closes the top view (the one below shows again), or the whole stack. */
  closeView(user: string, which: 'top' | 'all'): void {
    if (which === 'all') this.dropStack(user);
    else this.stacks.set(user, (this.stacks.get(user) ?? []).slice(0, -1));
    this.emitStack(user);
  }

  private dropStack(user: string): void {
    this.stacks.set(user, []);
  }

  private emitStack(user: string): void {
    this.emit({ type: 'modals', user, stack: this.stackOf(user) });
  }

  // --- trigger ids and response URLs ---------------------------------------------------------

  issueTrigger(user: string): string {
    const id = `${++this.triggerCounter}.${Date.now()}.${randomId(12).toLowerCase()}`;
    this.triggers.set(id, { user, at: Date.now(), used: false });
    return id;
  }

  /** A trigger id works once, for 3 seconds, as in Slack. */
  useTrigger(id: string): TriggerCheck {
    const trigger = this.triggers.get(id);
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
    if (Date.now() - trigger.at > TRIGGER_LIFETIME_MS) return { ok: false, error: 'expired_trigger_id' };
    trigger.used = true;
    return { ok: true, user: trigger.user };
  }

  /** The user a trigger id was issued to, whether or not it was already used. */
  triggerUser(id: string): string | undefined {
    return this.triggers.get(id)?.user;
  }

  issueResponseTarget(target: ResponseTarget): string {
    const id = `${target.channel}/${randomId(10)}`;
    this.responseTargets.set(id, target);
    return id;
  }

  responseTarget(id: string): ResponseTarget | undefined {
    return this.responseTargets.get(id);
  }
}
