/* global document, window, fetch, EventSource, localStorage, requestAnimationFrame, location, setTimeout, URLSearchParams */
// The local Slack page: sidebar, channel, thread pane, composer, modals, live updates (SSE).
import { renderBlocks } from './blocks.js';
import { colorOf, h, timeOf } from './dom.js';
import { mrkdwn } from './mrkdwn.js';
import { confirmDialog, createModalHost } from './modal.js';

/**
 * @typedef {import('./blocks.js').Json} Json
 * @typedef {import('./blocks.js').RawInput} RawInput
 * @typedef {{ channel: string, ts: string, user: string, bot_id?: string, text: string, blocks?: Json[], attachments?: Json[],
 *   thread_ts?: string, reply_count?: number, latest_reply?: string, edited?: Json, ephemeral_to?: string,
 *   files?: { id: string, name: string, title: string, content: string }[] }} Message
 */

const SLACKBOT = 'USLACKBOT';
const SUBCOMMAND_HINT = 'create · list · status <cluster> · delete <cluster> · account add | list | remove <name> · help';

const app = {
  /** @type {Json} */ workspace: {},
  /** @type {Map<string, Message>} */ messages: new Map(),
  /** @type {Record<string, Json[]>} */ modals: {},
  /** @type {Record<string, Json>} each person's App Home view, as views.publish last set it */ homes: {},
  me: '',
  channel: '',
  /** @type {string | null} */ thread: null,
  /** @type {string | null} */ highlight: null,
  /** @type {Map<string, Record<string, Record<string, RawInput>>>} values of selects inside messages */
  entered: new Map(),
};

const key = (/** @type {string} */ channel, /** @type {string} */ ts) => `${channel}/${ts}`;
/** `app.channel` while the app's Home tab is open instead of a conversation. */
const HOME = 'HOME';
/** The acting person's direct messages with the bot (the local Slack's `D<user id>`). */
const directChannel = () => `D${app.me}`;

/** The open conversation: a channel of the workspace, or the direct messages with the bot. @returns {{ id: string, name: string, topic: string, private: boolean, direct: boolean }} */
function conversation() {
  if (app.channel === directChannel()) return { id: app.channel, name: app.workspace.bot.name, topic: 'Direct messages with the app', private: true, direct: true };
  const channel = app.workspace.channels?.find((/** @type {Json} */ c) => c.id === app.channel);
  return { id: app.channel, name: channel?.name ?? app.channel, topic: channel?.topic ?? '', private: channel?.private === true, direct: false };
}

/** How a conversation is named in the header and the composer: `# name`, `🔒 name`, or the app's name. @param {{ name: string, private: boolean, direct: boolean }} c */
const titleOf = (c) => (c.direct ? c.name : `${c.private ? '🔒' : '#'} ${c.name}`);
const composerName = (/** @type {{ name: string, direct: boolean }} */ c) => (c.direct ? c.name : `#${c.name}`);
const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {string} path @param {Json} body */
async function post(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

function toast(/** @type {string} */ text) {
  const note = h('div', { class: 'toast', role: 'status' }, text);
  byId('toasts').append(note);
  setTimeout(() => note.remove(), 6000);
}

/** @type {import('./mrkdwn.js').Names} */
const names = {
  userName: (id) => userOf(id).realName,
  channelName: (id) => app.workspace.channels?.find((/** @type {Json} */ c) => c.id === id)?.name ?? id,
  groupHandle: (id) => app.workspace.userGroups?.find((/** @type {Json} */ g) => g.id === id)?.handle ?? id,
};

/** @param {string} id @returns {{ id: string, name: string, realName: string, title: string, bot: boolean }} */
function userOf(id) {
  if (id === app.workspace.bot?.userId) return { id, name: app.workspace.bot.name, realName: app.workspace.bot.name, title: 'App', bot: true };
  if (id === SLACKBOT) return { id, name: 'slackbot', realName: 'Slackbot', title: '', bot: true };
  const user = app.workspace.users?.find((/** @type {Json} */ u) => u.id === id);
  return user ? { ...user, bot: false } : { id, name: id, realName: id, title: '', bot: false };
}

const visible = (/** @type {Message} */ m) => !m.ephemeral_to || m.ephemeral_to === app.me;
const isRoot = (/** @type {Message} */ m) => !m.thread_ts || m.thread_ts === m.ts;
const sorted = (/** @type {Message[]} */ list) => list.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));

// --- rendering ---------------------------------------------------------------------------------

/** @param {Message} m @param {{ inThread: boolean }} where */
function messageView(m, where) {
  const author = userOf(m.user);
  const values = app.entered.get(key(m.channel, m.ts)) ?? {};
  app.entered.set(key(m.channel, m.ts), values);
  const ctx = {
    surface: /** @type {const} */ ('message'),
    names,
    idPrefix: `m${m.ts.replace('.', '')}`,
    valueOf: (/** @type {string} */ b, /** @type {string} */ a) => values[b]?.[a],
    onInput: (/** @type {string} */ b, /** @type {string} */ a, /** @type {RawInput} */ input) => {
      values[b] = { ...values[b], [a]: input };
    },
    onAction: (/** @type {string} */ blockId, /** @type {Json} */ element, /** @type {RawInput | undefined} */ input) =>
      void post('/sandbox/action', {
        user: app.me,
        container: { type: 'message', channel: m.channel, ts: m.ts },
        blockId,
        actionId: element.action_id,
        input,
        values,
      }).then((answer) => answer.ok === false && toast(`Slack: ${answer.error}`)),
    confirm: (/** @type {Json} */ confirm) => confirmDialog(confirm, names),
  };
  const content = m.blocks?.length ? renderBlocks(m.blocks, ctx) : h('div', { class: 'text', html: mrkdwn(m.text, names) });
  const replies = !where.inThread && m.reply_count
    ? h(
        'button',
        { type: 'button', class: 'thread-summary', onclick: () => openThread(m.channel, m.ts) },
        h('span', { class: 'reply-count' }, `${m.reply_count} ${m.reply_count === 1 ? 'reply' : 'replies'}`),
        m.latest_reply ? h('span', { class: 'last-reply' }, `Last reply ${timeOf(m.latest_reply)}`) : null,
      )
    : null;
  return h(
    'div',
    {
      class: `message${m.ephemeral_to ? ' ephemeral' : ''}${app.highlight === m.ts ? ' highlighted' : ''}`,
      dataset: { ts: m.ts },
      'data-testid': 'message',
    },
    h('div', { class: 'avatar', style: `background:${author.id === SLACKBOT ? '#1d9bd1' : colorOf(author.id)}` }, author.realName.slice(0, 1).toUpperCase()),
    h(
      'div',
      { class: 'message-body' },
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'author' }, author.realName),
        author.bot && author.id !== SLACKBOT ? h('span', { class: 'app-badge' }, 'APP') : null,
        h('span', { class: 'time', title: m.ts }, timeOf(m.ts)),
        m.edited ? h('span', { class: 'edited' }, '(edited)') : null,
      ),
      content,
      (m.attachments ?? []).map((a) => attachmentView(a, ctx)),
      (m.files ?? []).map(fileView),
      replies,
      m.ephemeral_to
        ? h(
            'div',
            { class: 'ephemeral-note' },
            'Only visible to you · ',
            h('button', { type: 'button', class: 'link', onclick: () => dismiss(m) }, 'Dismiss'),
          )
        : null,
    ),
    !where.inThread && !m.ephemeral_to
      ? h('div', { class: 'hover-actions' }, h('button', { type: 'button', title: 'Reply in thread', 'aria-label': 'Reply in thread', onclick: () => openThread(m.channel, m.ts) }, '💬'))
      : null,
  );
}

/** A file shared with the message (files.uploadV2): its title and name, its text content on demand. @param {{ id: string, name: string, title: string, content: string }} f */
function fileView(f) {
  const lines = f.content.split('\n').length;
  return h(
    'figure',
    { class: 'file', 'data-testid': 'file', 'aria-label': `File ${f.name}` },
    h('div', { class: 'file-icon', 'aria-hidden': 'true' }, '📄'),
    h(
      'figcaption',
      null,
      h('div', { class: 'file-title' }, f.title),
      h('div', { class: 'file-meta' }, `${f.name} · ${lines} line${lines === 1 ? '' : 's'} · ${f.content.length} bytes`),
      h('details', null, h('summary', null, 'Show content'), h('pre', { class: 'file-content' }, f.content)),
    ),
  );
}

/** Legacy attachments: a colored bar with text, fields and blocks. @param {Json} a @param {Json} ctx */
function attachmentView(a, ctx) {
  const color = typeof a.color === 'string' ? (a.color.startsWith('#') ? a.color : { good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' }[a.color] ?? '#ddd') : '#ddd';
  return h(
    'div',
    { class: 'attachment', style: `border-left-color:${color}` },
    a.pretext ? h('div', { html: mrkdwn(a.pretext, names) }) : null,
    a.title ? h('div', { class: 'attachment-title' }, a.title) : null,
    a.text ? h('div', { html: mrkdwn(a.text, names) }) : null,
    Array.isArray(a.fields) ? h('div', { class: 'section-fields' }, a.fields.map((/** @type {Json} */ f) => h('div', { class: 'field' }, h('b', null, f.title), h('div', { html: mrkdwn(String(f.value ?? ''), names) })))) : null,
    Array.isArray(a.blocks) ? renderBlocks(a.blocks, ctx) : null,
  );
}

function dismiss(/** @type {Message} */ m) {
  app.messages.delete(key(m.channel, m.ts));
  render();
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

/** Re-renders a list, staying at the bottom if the reader was there. @param {HTMLElement} list @param {Node[]} nodes */
function fill(list, nodes) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const scroll = list.scrollTop;
  list.replaceChildren(...nodes);
  list.scrollTop = atBottom ? list.scrollHeight : scroll;
}

/** The app's Home tab: the view it published for the acting person (it publishes on app_home_opened). */
function renderHome() {
  const name = app.workspace.bot?.name ?? 'app';
  document.title = `${name} Home — ${app.workspace.team?.name ?? 'Slack'}`;
  byId('channel-name').textContent = `${name} — Home`;
  byId('channel-topic').textContent = 'App Home';
  byId('composer').hidden = true;
  byId('thread-pane').hidden = true;
  const view = app.homes[app.me];
  const ctx = {
    surface: /** @type {const} */ ('message'),
    names,
    idPrefix: 'home',
    valueOf: () => undefined,
    onInput: () => undefined,
    onAction: (/** @type {string} */ blockId, /** @type {Json} */ element, /** @type {RawInput | undefined} */ input) =>
      void post('/sandbox/action', { user: app.me, container: { type: 'home' }, blockId, actionId: element.action_id, input, values: {} }).then(
        (answer) => answer.ok === false && toast(`Slack: ${answer.error}`),
      ),
    confirm: (/** @type {Json} */ confirm) => confirmDialog(confirm, names),
  };
  fill(byId('messages'), [
    view?.blocks?.length
      ? h('div', { class: 'home-view', 'data-testid': 'home', 'data-view-hash': view.hash }, renderBlocks(view.blocks, ctx))
      : h('div', { class: 'empty' }, `Loading ${name}'s Home…`),
  ]);
  const stack = app.modals[app.me] ?? [];
  /** @type {HTMLElement} */ (document.querySelector('.layout')).inert = stack.length > 0;
  modalHost.render(stack);
}

/** Opens the app's Home tab: Slack tells the app (app_home_opened), which publishes the view. */
function openHome() {
  app.channel = HOME;
  app.thread = null;
  render();
  void post('/sandbox/home', { user: app.me }).then((answer) => answer.ok === false && toast(`Slack: ${answer.error}`));
}

function render() {
  for (const button of document.querySelectorAll('.home-link')) button.classList.toggle('active', app.channel === HOME);
  if (app.channel === HOME) {
    renderDirectLink();
    for (const button of document.querySelectorAll('.channel-link')) button.classList.remove('active');
    renderHome();
    return;
  }
  byId('composer').hidden = false;
  const channel = conversation();
  document.title = `${composerName(channel)} — ${app.workspace.team?.name ?? 'Slack'}`;
  renderDirectLink();
  for (const button of document.querySelectorAll('.channel-link')) {
    button.classList.toggle('active', /** @type {HTMLElement} */ (button).dataset.channel === app.channel);
  }
  byId('channel-name').textContent = titleOf(channel);
  byId('channel-topic').textContent = channel.topic;
  byId('composer-input').setAttribute('placeholder', `Message ${composerName(channel)} — try /tke create`);
  byId('composer-input').setAttribute('aria-label', `Message ${composerName(channel)}`);
  const all = [...app.messages.values()].filter((m) => m.channel === app.channel && visible(m));
  const roots = sorted(all.filter(isRoot));
  fill(byId('messages'), roots.length ? roots.map((m) => messageView(m, { inThread: false })) : [h('div', { class: 'empty' }, 'No messages yet. Type /tke help below.')]);

  const pane = byId('thread-pane');
  const root = app.thread ? app.messages.get(key(app.channel, app.thread)) : undefined;
  pane.hidden = !root;
  if (root) {
    const replies = sorted(all.filter((m) => m.thread_ts === root.ts && m.ts !== root.ts));
    byId('thread-channel').textContent = composerName(channel);
    fill(byId('thread-messages'), [
      messageView(root, { inThread: true }),
      h('div', { class: 'reply-divider' }, `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`),
      ...replies.map((m) => messageView(m, { inThread: true })),
    ]);
  }
  const stack = app.modals[app.me] ?? [];
  // Like Slack, nothing behind an open modal can be used.
  /** @type {HTMLElement} */ (document.querySelector('.layout')).inert = stack.length > 0;
  modalHost.render(stack);
}

function openConversation(/** @type {string} */ id) {
  app.channel = id;
  app.thread = null;
  render();
}

/** The sidebar's "Direct messages" entry: the acting person's conversation with the app. */
function renderDirectLink() {
  const id = directChannel();
  byId('direct-list').replaceChildren(
    h('button', { type: 'button', class: 'channel-link', dataset: { channel: id }, onclick: () => openConversation(id) }, app.workspace.bot?.name ?? 'app'),
  );
}

function openThread(/** @type {string} */ channel, /** @type {string} */ ts) {
  app.channel = channel;
  app.thread = ts;
  render();
  byId('thread-input').focus();
}

// --- sidebar and composers ---------------------------------------------------------------------------

function renderSidebar() {
  const { workspace } = app;
  byId('team-name').textContent = workspace.team.name;
  byId('channel-list').replaceChildren(
    ...workspace.channels.map((/** @type {Json} */ c) =>
      h(
        'button',
        { type: 'button', class: 'channel-link', dataset: { channel: c.id }, title: c.private ? 'Private channel' : undefined, onclick: () => openConversation(c.id) },
        titleOf({ name: c.name, private: c.private === true, direct: false }),
      ),
    ),
  );
  byId('app-list').replaceChildren(h('button', { type: 'button', class: 'channel-link home-link', onclick: openHome }, `${workspace.bot.name} — Home`));
  const picker = /** @type {HTMLSelectElement} */ (byId('acting-as'));
  picker.replaceChildren(
    ...workspace.users.map((/** @type {Json} */ u) => h('option', { value: u.id, selected: u.id === app.me }, `${u.realName}${u.title ? ` — ${u.title}` : ''}`)),
  );
  picker.onchange = () => {
    const inDirect = app.channel === directChannel();
    app.me = picker.value;
    if (inDirect) app.channel = directChannel();
    localStorage.setItem('sandbox.user', app.me);
    renderMe();
    if (app.channel === HOME) openHome();
    else render();
  };
  renderMe();
  byId('controls').replaceChildren(
    ...workspace.controls.map((/** @type {Json} */ c) =>
      h(
        'div',
        { class: 'control' },
        h('button', { type: 'button', class: 'sk-button control-button', dataset: { control: c.id }, onclick: async () => toast((await post(`/sandbox/controls/${c.id}`, {})).message ?? 'Done') }, c.label),
        c.hint ? h('div', { class: 'hint' }, c.hint) : null,
      ),
    ),
  );
}

function renderMe() {
  const me = userOf(app.me);
  byId('me').replaceChildren(
    h('div', { class: 'avatar small', style: `background:${colorOf(me.id)}` }, me.realName.slice(0, 1)),
    h('div', null, h('div', { class: 'me-name' }, me.realName), h('div', { class: 'me-title' }, me.title || 'member')),
  );
}

/** @param {HTMLFormElement} form @param {HTMLTextAreaElement} input @param {() => string | undefined} threadTs */
function wireComposer(form, input, threadTs) {
  const hint = form.querySelector('.slash-hint');
  const send = async () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    if (hint) /** @type {HTMLElement} */ (hint).hidden = true;
    const answer = await post('/sandbox/send', { user: app.me, channel: app.channel, text, threadTs: threadTs() });
    if (answer.ok === false) toast(`Slack: ${answer.error}`);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void send();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send();
    }
  });
  input.addEventListener('input', () => {
    if (hint) /** @type {HTMLElement} */ (hint).hidden = !input.value.startsWith('/');
  });
}

// --- live updates --------------------------------------------------------------------------------

/** @param {Json} event */
function apply(event) {
  if (event.type === 'message' && event.message.channel === directChannel() && app.channel !== directChannel() && !app.messages.has(key(event.message.channel, event.message.ts))) {
    toast(`${app.workspace.bot.name} sent you a direct message`);
  }
  if (event.type === 'message') app.messages.set(key(event.message.channel, event.message.ts), event.message);
  else if (event.type === 'message_deleted') app.messages.delete(key(event.channel, event.ts));
  else if (event.type === 'modals') app.modals[event.user] = event.stack;
  else if (event.type === 'home') app.homes[event.user] = event.view;
  scheduleRender();
}

async function loadSnapshot() {
  const snapshot = await (await fetch('/sandbox/state')).json();
  app.workspace = snapshot;
  app.messages = new Map(snapshot.messages.map((/** @type {Message} */ m) => [key(m.channel, m.ts), m]));
  app.modals = snapshot.modals;
  app.homes = snapshot.homes ?? {};
}

/** Permalinks: /archives/<channel>/p<ts without the dot>[?thread_ts=…]. */
function openPermalink() {
  const match = /^\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})/.exec(location.pathname);
  if (!match) return;
  const [, channel = '', seconds, micros] = match;
  const ts = `${seconds}.${micros}`;
  const threadTs = new URLSearchParams(location.search).get('thread_ts');
  app.channel = channel;
  app.highlight = ts;
  const message = app.messages.get(key(channel, ts));
  if (threadTs) app.thread = threadTs;
  else if (message?.reply_count) app.thread = ts;
}

const modalHost = createModalHost({ root: byId('modal-root'), names, post, user: () => app.me, toast });

async function main() {
  /** @type {Json[]} */
  const early = [];
  let loaded = false;
  const events = new EventSource('/sandbox/events');
  let lost = false;
  events.onmessage = (e) => (loaded ? apply(JSON.parse(e.data)) : early.push(JSON.parse(e.data)));
  events.onerror = () => {
    lost = true;
    byId('connection').hidden = false;
  };
  events.onopen = async () => {
    byId('connection').hidden = true;
    if (lost) {
      lost = false;
      await loadSnapshot();
      scheduleRender();
    }
  };
  await loadSnapshot();
  const asked = new URLSearchParams(location.search).get('as');
  const stored = localStorage.getItem('sandbox.user');
  const users = app.workspace.users.map((/** @type {Json} */ u) => u.id);
  app.me = [asked, stored].find((id) => id && users.includes(id)) ?? users[0] ?? '';
  app.channel = app.workspace.channels[0]?.id ?? '';
  openPermalink();
  renderSidebar();
  byId('thread-close').onclick = () => ((app.thread = null), render());
  wireComposer(/** @type {HTMLFormElement} */ (byId('composer')), /** @type {HTMLTextAreaElement} */ (byId('composer-input')), () => undefined);
  wireComposer(/** @type {HTMLFormElement} */ (byId('thread-composer')), /** @type {HTMLTextAreaElement} */ (byId('thread-input')), () => app.thread ?? undefined);
  byId('slash-hint-text').replaceChildren(
    ...app.workspace.commands.map((/** @type {string} */ c) => h('div', null, h('b', null, c), ' ', h('span', { class: 'hint' }, SUBCOMMAND_HINT))),
  );
  loaded = true;
  early.forEach(apply);
  render();
  window.sandboxReady = true;
}

void main();
