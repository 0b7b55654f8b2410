import { isJson, viewWithGeneratedIds, withGeneratedIds, type Json } from './block-ids.js';
import { homeViewProblems, messageProblems, SLACK_LIMITS, viewProblems } from './limits.js';
import { MAX_STACK, publicMessage, type ModalRecord, type ResponseTarget, type SlackMessage, type SlackState } from './state.js';
import type { WorkspaceChannel } from './workspace.js';

/** One Web API call (or response_url post) the bot made, with JSON-encoded fields decoded. */
export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  token: string | undefined;
  at: number;
}

export interface InjectedFailure {
  /** A Slack error answered with HTTP 200 and `ok: false`, e.g. `channel_not_found`. */
  error?: string;
  /** An HTTP status instead, e.g. 429 (answered `ratelimited`, with Retry-After when given). */
  status?: number;
  retryAfterSeconds?: number;
  /** How many of the next calls fail (default 1). */
  times?: number;
}

/** A call Slack refused because what the bot sent breaks Block Kit's limits (see limits.ts). */
export interface LimitViolation {
  method: string;
  error: string;
  messages: string[];
  body: Record<string, unknown>;
}

export interface ApiAnswer {
  status: number;
  body: Json;
  headers: Record<string, string>;
  /** How long the server waits before answering (latency()). */
  delayMs?: number;
}

const ok = (fields: Json = {}): Json => ({ ok: true, ...fields });
const error = (code: string, messages?: string[]): Json =>
  messages && messages.length > 0 ? { ok: false, error: code, response_metadata: { messages } } : { ok: false, error: code };

const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));
const jsonArray = (value: unknown): Json[] | undefined => (Array.isArray(value) ? value.filter(isJson) : undefined);

export interface WebApi {
  readonly calls: SlackCall[];
  /** Calls refused for breaking Slack's limits: checked in strict and lenient mode alike. */
  readonly violations: LimitViolation[];
  fail(method: string, failure: InjectedFailure): void;
  /** Every later call of `method` is answered `ms` later (0: at once again). */
  latency(method: string, ms: number): void;
  /** `POST /api/<method>` with the decoded body and the token (Authorization: Bearer, or `token` in the body). */
  call(method: string, body: Json, token: string | undefined): ApiAnswer;
  /** A POST to a response_url `/response/<id>`. */
  respond(path: string, body: Json): ApiAnswer;
  /** A POST of a file's bytes to the upload_url files.getUploadURLExternal gave (`/upload/<file id>`). */
  upload(path: string, content: string): ApiAnswer;
}

export interface WebApiOptions {
  botToken: string;
  /** Base URL of the local Slack (permalinks, auth.test). */
  baseUrl: () => string;
}

/**
 * Slack's Web API over the local state: the methods tkeops calls, answered with Slack's fields
 * and errors. Every call is logged, including refused ones.
 */
export function createWebApi(state: SlackState, options: WebApiOptions): WebApi {
  const calls: SlackCall[] = [];
  const violations: LimitViolation[] = [];
  const failures: (InjectedFailure & { method: string; times: number })[] = [];
  const latencies = new Map<string, number>();
  const { team, bot } = state.workspace;
  const strict = state.strict;

  const viewOf = (body: Json): Json | undefined => {
    const view = typeof body.view === 'string' ? (JSON.parse(body.view) as unknown) : body.view;
    return isJson(view) ? view : undefined;
  };
  /** Slack's answer to something over its limits, kept so a test can fail on it. */
  const refuse = (method: string, code: string, messages: string[], body: Json): Json => {
    violations.push({ method, error: code, messages, body });
    return error(code, messages);
  };
  /** A message body's blocks and text over Slack's limits: Slack's refusal, else undefined. */
  const messageRefusal = (method: string, body: Json): Json | undefined => {
    const problems = messageProblems(jsonArray(body.blocks));
    if (problems.length > 0) return refuse(method, 'invalid_blocks', problems, body);
    if (str(body.text).length > SLACK_LIMITS.messageText) return refuse(method, 'msg_too_long', [], body);
    return undefined;
  };

  /** views.open / views.push: the trigger decides whose modal it is. */
  function triggerUser(body: Json): { user: string } | { error: string } {
    const triggerId = str(body.trigger_id);
    if (!triggerId) return { error: 'invalid_arguments' };
    if (!strict) return { user: state.triggerUser(triggerId) ?? 'U0UNKNOWN' };
    const check = state.useTrigger(triggerId);
    return check.ok ? { user: check.user } : { error: check.error };
  }

  /**
   * The conversation a `channel` argument names, as the bot sees it: a user id means the bot's
   * direct messages with that person; a private channel the bot is not in does not exist for it.
   */
  function conversation(id: string): WorkspaceChannel | undefined {
    const person = /^[UW]/.test(id) ? state.user(id) : undefined;
    const channel = person ? state.directChannel(person.id) : state.channel(id);
    return channel && (!channel.private || channel.botIsMember) ? channel : undefined;
  }

  function postedMessage(method: string, body: Json, extra: Partial<SlackMessage>): { message?: Omit<SlackMessage, 'type' | 'ts'>; error?: Json } {
    const channel = conversation(str(body.channel));
    if (!channel) return { error: error('channel_not_found') };
    const blocks = jsonArray(body.blocks);
    const attachments = jsonArray(body.attachments);
    if (!str(body.text) && !blocks?.length && !attachments?.length) return { error: error('no_text') };
    const refused = messageRefusal(method, body);
    if (refused) return { error: refused };
    return {
      message: {
        channel: channel.id,
        user: bot.userId,
        bot_id: bot.botId,
        app_id: bot.appId,
        text: str(body.text),
        ...(blocks ? { blocks: withGeneratedIds(blocks) } : {}),
        ...(attachments ? { attachments } : {}),
        ...(str(body.thread_ts) ? { thread_ts: str(body.thread_ts) } : {}),
        ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
        ...extra,
      },
    };
  }

  /** Messages after the call's `oldest` (a Slack ts; none: all). */
  const after = (body: Json) => {
    const oldest = Number(str(body.oldest) || '0');
    return (m: SlackMessage) => Number(m.ts) > oldest;
  };
  /** A message as a conversations method answers it: its metadata only when the call asked for it. */
  const shown = (message: SlackMessage, body: Json): Json => {
    const { metadata: _metadata, ...rest } = message;
    const withMetadata = body.include_all_metadata === true || str(body.include_all_metadata) === 'true';
    return publicMessage(withMetadata ? message : (rest as SlackMessage));
  };

  /** Files announced by files.getUploadURLExternal: their bytes once uploaded, shared by files.completeUploadExternal. */
  const files = new Map<string, { name: string; length: number; content?: string }>();
  let fileSeq = 0;

  const methods: Record<string, (body: Json) => Json> = {
    /** The bot's direct message with one user (`users`); Slack answers the same channel every time. */
    'conversations.open': (body) => {
      const users = str(body.users).split(',').filter(Boolean);
      if (users.length === 0) return error('users_list_not_supplied');
      if (users.length > 1) return error('not_implemented');
      const person = state.user(users[0] ?? '');
      if (!person) return error('user_not_found');
      return ok({ channel: { id: state.directChannel(person.id).id } });
    },

    'files.getUploadURLExternal': (body) => {
      const name = str(body.filename);
      const length = Number(str(body.length));
      if (!name || !Number.isInteger(length) || length < 1) return error('invalid_arguments');
      fileSeq += 1;
      const id = `F${String(fileSeq).padStart(8, '0')}`;
      files.set(id, { name, length });
      return ok({ upload_url: `${options.baseUrl()}/upload/${id}`, file_id: id });
    },

    'files.completeUploadExternal': (body) => {
      const entries = Array.isArray(body.files) ? body.files.filter(isJson) : [];
      if (entries.length === 0) return error('invalid_arguments');
      const shared: { id: string; name: string; title: string; content: string }[] = [];
      for (const entry of entries) {
        const id = str(entry.id);
        const file = files.get(id);
        if (!file) return error('file_not_found');
        if (file.content === undefined) return error('file_upload_not_found');
        shared.push({ id, name: file.name, title: str(entry.title) || file.name, content: file.content });
      }
      const channelId = str(body.channel_id);
      if (channelId) {
        const channel = conversation(channelId);
        if (!channel) return error('channel_not_found');
        state.post({
          channel: channel.id,
          user: bot.userId,
          bot_id: bot.botId,
          app_id: bot.appId,
          text: str(body.initial_comment),
          files: shared,
          ...(str(body.thread_ts) ? { thread_ts: str(body.thread_ts) } : {}),
        });
      }
      return ok({ files: shared.map(({ id, name, title }) => ({ id, name, title })) });
    },

    'auth.test': () =>
      ok({ url: `${options.baseUrl()}/`, team: team.name, user: bot.name, team_id: team.id, user_id: bot.userId, bot_id: bot.botId, is_enterprise_install: false }),

    'chat.postMessage': (body) => {
      const { message, error: refused } = postedMessage('chat.postMessage', body, {});
      if (!message) return refused as Json;
      const stored = state.post(message);
      return ok({ channel: stored.channel, ts: stored.ts, message: publicMessage(stored) });
    },

    'chat.update': (body) => {
      const channel = conversation(str(body.channel));
      if (!channel) return error('channel_not_found');
      const refused = messageRefusal('chat.update', body);
      if (refused) return refused;
      const ts = str(body.ts);
      const message = state.message(channel.id, ts);
      if (!message) return strict ? error('message_not_found') : ok({ channel: channel.id, ts, text: body.text });
      if (message.user !== bot.userId) return error('cant_update_message');
      const blocks = jsonArray(body.blocks);
      const changes: Partial<SlackMessage> = {};
      if (body.text !== undefined) changes.text = str(body.text);
      if (blocks) changes.blocks = withGeneratedIds(blocks);
      const attachments = jsonArray(body.attachments);
      if (attachments) changes.attachments = attachments;
      if (body.metadata !== undefined) changes.metadata = body.metadata;
      state.edit(message, changes, bot.userId);
      return ok({ channel: channel.id, ts, text: message.text, message: publicMessage(message) });
    },

    'chat.postEphemeral': (body) => {
      const user = state.user(str(body.user));
      if (!user) return error('user_not_found');
      const { message, error: refused } = postedMessage('chat.postEphemeral', body, { ephemeral_to: user.id });
      if (!message) return refused as Json;
      return ok({ message_ts: state.post(message).ts });
    },

    'chat.getPermalink': (body) => {
      const channel = conversation(str(body.channel));
      if (!channel) return error('channel_not_found');
      const ts = str(body.message_ts);
      const message = state.message(channel.id, ts);
      if (!message && strict) return error('message_not_found');
      const thread = message?.thread_ts && message.thread_ts !== ts ? `?thread_ts=${message.thread_ts}&cid=${channel.id}` : '';
      return ok({ channel: channel.id, permalink: `${options.baseUrl()}/archives/${channel.id}/p${ts.replace('.', '')}${thread}` });
    },

    'views.open': (body) => openOrPush('views.open', body, 'new'),
    'views.push': (body) => openOrPush('views.push', body, 'push'),

    'views.update': (body) => {
      const view = viewOf(body);
      const problems = viewProblems(view);
      if (!view || problems.length > 0) return refuse('views.update', 'invalid_arguments', problems, body);
      const record: ModalRecord | undefined = body.view_id
        ? state.view(str(body.view_id))
        : body.external_id
          ? state.viewByExternalId(str(body.external_id))
          : undefined;
      if (!body.view_id && !body.external_id) return error('invalid_arguments');
      if (!record) return error('not_found');
      if (strict && body.hash !== undefined && str(body.hash) !== record.view.hash) return error('hash_conflict');
      return ok({ view: state.updateView(record, viewWithGeneratedIds(view)).view });
    },

    'views.publish': (body) => {
      const view = viewOf(body);
      const problems = homeViewProblems(view);
      if (!view || problems.length > 0) return refuse('views.publish', 'invalid_arguments', problems, body);
      const userId = str(body.user_id);
      const user = userId ? state.user(userId) : undefined;
      if (!user) return error(userId ? 'user_not_found' : 'invalid_arguments');
      const current = state.home(user.id);
      if (strict && body.hash !== undefined && current && str(body.hash) !== current.hash) return error('hash_conflict');
      return ok({ view: state.publishHome(user.id, viewWithGeneratedIds(view)) });
    },

    'usergroups.users.list': (body) => {
      const users = state.userGroups.get(str(body.usergroup));
      return users ? ok({ users: [...users] }) : error('no_such_subteam');
    },

    'users.info': (body) => {
      const user = state.user(str(body.user));
      if (!user) return error('user_not_found');
      const isBot = user.id === bot.userId;
      return ok({
        user: {
          id: user.id,
          team_id: team.id,
          name: user.name,
          real_name: user.realName,
          deleted: false,
          is_bot: isBot,
          is_admin: false,
          tz: 'UTC',
          profile: { real_name: user.realName, display_name: user.name, title: user.title, ...(isBot ? { bot_id: bot.botId } : {}) },
        },
      });
    },

    /** The channel's messages newest first (thread replies only in conversations.replies); metadata only with include_all_metadata. */
    'conversations.history': (body) => {
      const channel = conversation(str(body.channel));
      if (!channel) return error('channel_not_found');
      if (!channel.botIsMember) return error('not_in_channel');
      const messages = state
        .channelMessages(channel.id)
        .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
        .filter(after(body))
        .reverse();
      return ok({ messages: messages.map((m) => shown(m, body)), has_more: false });
    },

    /** A thread: its root message, then its replies oldest first (those after `oldest`). */
    'conversations.replies': (body) => {
      const channel = conversation(str(body.channel));
      if (!channel) return error('channel_not_found');
      if (!channel.botIsMember) return error('not_in_channel');
      const ts = str(body.ts);
      const root = state.message(channel.id, ts);
      if (!root) return error('thread_not_found');
      const replies = state.channelMessages(channel.id).filter((m) => m.thread_ts === ts && m !== root).filter(after(body));
      return ok({ messages: [root, ...replies].map((m) => shown(m, body)), has_more: false });
    },

    'conversations.info': (body) => {
      const channel = conversation(str(body.channel));
      if (!channel) return error('channel_not_found');
      return ok({
        channel: {
          id: channel.id,
          name: channel.name,
          is_channel: channel.id.startsWith('C'),
          is_group: channel.id.startsWith('G'),
          is_im: channel.id.startsWith('D'),
          is_private: channel.private || channel.id.startsWith('G'),
          is_archived: false,
          is_member: channel.botIsMember,
          context_team_id: team.id,
          topic: { value: channel.topic, creator: '', last_set: 0 },
          purpose: { value: '', creator: '', last_set: 0 },
        },
      });
    },
  };

  function openOrPush(method: string, body: Json, stack: 'new' | 'push'): Json {
    const who = triggerUser(body);
    if ('error' in who) return error(who.error);
    const view = viewOf(body);
    const problems = viewProblems(view);
    if (!view || problems.length > 0) return refuse(method, 'invalid_arguments', problems, body);
    if (stack === 'push' && strict && state.stackOf(who.user).length >= MAX_STACK) return error('push_limit_reached');
    if (strict && typeof view.external_id === 'string' && view.external_id && state.viewByExternalId(view.external_id)) {
      return error('duplicate_external_id');
    }
    return ok({ view: state.openView(who.user, viewWithGeneratedIds(view), stack).view });
  }

  const answer = (status: number, body: Json, headers: Record<string, string> = {}): ApiAnswer => ({ status, body, headers });

  /** The next injected failure of `method` (`response_url` for response URL posts), used up by one call. */
  function takeFailure(method: string): (InjectedFailure & { method: string; times: number }) | undefined {
    const failure = failures.find((f) => f.method === method && f.times > 0);
    if (failure) failure.times -= 1;
    return failure;
  }

  /** One Web API call, logged and answered (an injected failure first). */
  function answerCall(method: string, body: Json, token: string | undefined): ApiAnswer {
    const failure = takeFailure(method);
    if (failure) {
      if (failure.status) {
        calls.push({ method: `${method} (HTTP ${failure.status})`, body, token, at: Date.now() });
        const retryAfter: Record<string, string> =
          failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
        return answer(failure.status, error(failure.status === 429 ? 'ratelimited' : 'fatal_error'), retryAfter);
      }
      calls.push({ method, body, token, at: Date.now() });
      return answer(200, error(failure.error ?? 'fatal_error'));
    }
    calls.push({ method, body, token, at: Date.now() });
    if (!token) return answer(200, error('not_authed'));
    if (token !== options.botToken) return answer(200, error('invalid_auth'));
    const handler = methods[method];
    return answer(200, handler ? handler(body) : error('unknown_method'));
  }

  return {
    calls,
    violations,
    fail(method, failure) {
      failures.push({ method, ...failure, times: failure.times ?? 1 });
    },
    latency(method, ms) {
      latencies.set(method, ms);
    },
    call(method, body, token) {
      const delayMs = latencies.get(method) ?? 0;
      const answered = answerCall(method, body, token);
      return delayMs > 0 ? { ...answered, delayMs } : answered;
    },
    upload(path, content) {
      const id = path.replace(/^\/upload\//, '');
      calls.push({ method: 'file_upload', body: { file_id: id, content }, token: undefined, at: Date.now() });
      const file = files.get(id);
      if (!file) return answer(404, error('file_not_found'));
      file.content = content;
      return answer(200, ok());
    },
    respond(path, body) {
      calls.push({ method: 'response_url', body: { ...body, response_url: path }, token: undefined, at: Date.now() });
      const failure = takeFailure('response_url');
      // Slack answers a response URL it no longer takes (too old, used 5 times) with 404 expired_url.
      if (failure) return answer(failure.status ?? 404, error(failure.error ?? 'expired_url'));
      const deleting = body.delete_original === true || body.delete_original === 'true';
      const refused = deleting ? undefined : messageRefusal('response_url', { ...body, response_url: path });
      if (refused) return answer(200, refused);
      const target = state.responseTarget(path.replace(/^\/response\//, ''));
      if (!target) return strict ? answer(404, error('expired_url')) : answer(200, ok());
      applyResponse(target, body);
      return answer(200, ok());
    },
  };

  /** What Slack does with a response_url post: ephemeral by default, in_channel, or replace/delete the original. */
  function applyResponse(target: ResponseTarget, body: Json): void {
    const truthy = (value: unknown) => value === true || value === 'true';
    const original = target.source ? state.message(target.channel, target.source.ts) : undefined;
    if (truthy(body.delete_original)) {
      if (original) state.remove(original);
      return;
    }
    const blocks = jsonArray(body.blocks);
    if (truthy(body.replace_original) && original) {
      state.edit(original, { text: str(body.text), blocks: withGeneratedIds(blocks ?? []) ?? [], ...(body.attachments ? { attachments: jsonArray(body.attachments) ?? [] } : {}) }, bot.userId);
      return;
    }
    const inChannel = body.response_type === 'in_channel';
    const threadTs = str(body.thread_ts) || target.threadTs;
    state.post({
      channel: target.channel,
      user: bot.userId,
      bot_id: bot.botId,
      app_id: bot.appId,
      text: str(body.text),
      ...(blocks ? { blocks: withGeneratedIds(blocks) } : {}),
      ...(body.attachments ? { attachments: jsonArray(body.attachments) ?? [] } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(inChannel ? {} : { ephemeral_to: target.user }),
    });
  }
}
