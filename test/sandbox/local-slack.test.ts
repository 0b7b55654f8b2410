import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel } from '@slack/bolt';
import type { KnownBlock, ModalView } from '@slack/types';
import { WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalSlack, workspaceSchema, type LocalSlack } from '../../src/sandbox/slack/index.js';

const BOT_TOKEN = 'xoxb-local-slack-test';
const SIGNING_SECRET = 'local-slack-signing-secret';
const MIA = 'U0MEMBER1';
const OWEN = 'U0ONCALL1';
const CHANNEL = 'C0PLATFORM';
/** A private channel the bot was not invited to; and one it was. */
const SECRET = 'C0SECRET';
const INVITED = 'C0INVITED';

const workspace = workspaceSchema.parse({
  team: { id: 'T0TKEOPS', name: 'tkeops sandbox', domain: 'tkeops-sandbox' },
  bot: { userId: 'U0BOT', botId: 'B0BOT', appId: 'A0TKEOPS', name: 'tkeops' },
  users: [
    { id: MIA, name: 'mia', realName: 'Mia Member' },
    { id: OWEN, name: 'owen', realName: 'Owen Oncall' },
  ],
  channels: [
    { id: CHANNEL, name: 'platform' },
    { id: SECRET, name: 'secret', private: true, botIsMember: false },
    { id: INVITED, name: 'invited', private: true },
  ],
  userGroups: [{ id: 'S0ONCALL', handle: 'oncall', name: 'On-call', users: [OWEN] }],
});

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const option = (text: string, value: string) => ({ text: plain(text), value });

/** A modal with every block and element type tkeops uses. */
const everyElement: ModalView = {
  type: 'modal',
  callback_id: 'every_element',
  title: plain('Every element'),
  submit: plain('Save'),
  close: plain('Cancel'),
  private_metadata: '{"v":1}',
  notify_on_close: true,
  blocks: [
    { type: 'header', text: plain('Header') },
    { type: 'section', text: { type: 'mrkdwn', text: '*bold*' }, accessory: { type: 'button', action_id: 'accessory_button', text: plain('Go'), value: 'go' } },
    { type: 'divider' },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'context' }] },
    { type: 'input', block_id: 'name', label: plain('Name'), element: { type: 'plain_text_input', action_id: 'name_input' } },
    {
      type: 'input',
      block_id: 'notes',
      optional: true,
      label: plain('Notes'),
      element: { type: 'plain_text_input', action_id: 'notes_input', multiline: true, initial_value: 'first line' },
    },
    { type: 'input', block_id: 'size', label: plain('Size'), element: { type: 'number_input', action_id: 'size_input', is_decimal_allowed: false, initial_value: '3' } },
    {
      type: 'input',
      block_id: 'region',
      dispatch_action: true,
      label: plain('Region'),
      element: { type: 'static_select', action_id: 'region_select', options: [option('Guangzhou', 'ap-guangzhou'), option('Shanghai', 'ap-shanghai')] },
    },
    {
      type: 'input',
      block_id: 'zones',
      label: plain('Zones'),
      element: { type: 'multi_static_select', action_id: 'zones_select', options: [option('Zone 3', 'gz-3'), option('Zone 4', 'gz-4')] },
    },
    { type: 'input', block_id: 'flags', optional: true, label: plain('Flags'), element: { type: 'checkboxes', action_id: 'flags_check', options: [option('Parallel', 'parallel')] } },
    {
      type: 'input',
      block_id: 'access',
      label: plain('Access'),
      element: { type: 'radio_buttons', action_id: 'access_radio', options: [option('Public', 'public'), option('Private', 'private')], initial_option: option('Public', 'public') },
    },
    { type: 'input', block_id: 'account', label: plain('Account'), element: { type: 'external_select', action_id: 'account_select', min_query_length: 0 } },
  ],
};

const threadMessage: KnownBlock[] = [
  { type: 'section', text: { type: 'mrkdwn', text: 'cluster *demo* is Deleting' } },
  { type: 'actions', block_id: 'force', elements: [{ type: 'button', action_id: 'force_delete', style: 'danger', text: plain('Force Delete Cluster'), value: 'demo' }] },
];

interface Recorded {
  commands: Record<string, unknown>[];
  bodies: Record<string, unknown>[];
}

let slack: LocalSlack;
let bolt: App;
let recorded: Recorded;
/** What the Bolt app answers to the next view submission. */
let nextSubmissionAnswer: Record<string, unknown> | undefined;
let client: WebClient;

async function waitUntil<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeEach(async () => {
  recorded = { commands: [], bodies: [] };
  nextSubmissionAnswer = undefined;
  slack = await startLocalSlack({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, workspace, ackTimeoutMs: 500 });
  client = new WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
  bolt = new App({ token: BOT_TOKEN, signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: slack.apiUrl } });
  bolt.command('/tke', async ({ ack, command, client: web }) => {
    recorded.commands.push({ ...command });
    if (command.text === 'modal') {
      await ack();
      await web.views.open({ trigger_id: command.trigger_id, view: everyElement });
    } else if (command.text === 'slow') {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await ack();
    } else if (command.text === 'thread') {
      await ack();
      await web.chat.postMessage({ channel: command.channel_id, text: 'cluster demo is Deleting', blocks: threadMessage });
    } else {
      await ack({ response_type: 'ephemeral', text: `you said ${command.text}` });
    }
  });
  bolt.view('every_element', async ({ ack, body }) => {
    recorded.bodies.push(body as unknown as Record<string, unknown>);
    await ack(nextSubmissionAnswer as never);
  });
  bolt.view({ type: 'view_closed', callback_id: 'every_element' }, async ({ ack, body }) => {
    recorded.bodies.push(body as unknown as Record<string, unknown>);
    await ack();
  });
  bolt.action(/.*/, async ({ ack, body, respond }) => {
    await ack();
    recorded.bodies.push(body as unknown as Record<string, unknown>);
    if (body.type === 'block_actions' && body.actions[0]?.action_id === 'force_delete') {
      await respond({ replace_original: true, text: 'Force deleted by <@U0ONCALL1>' });
    }
  });
  bolt.event('app_home_opened', async ({ event, client: web }) => {
    recorded.bodies.push({ event } as unknown as Record<string, unknown>);
    await web.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `Home of <@${event.user}>` } },
          { type: 'actions', elements: [{ type: 'button', action_id: 'home_button', text: plain('Overview'), value: 'c-1' }] },
        ],
      },
    });
  });
  bolt.options('account_select', async ({ ack, body }) => {
    recorded.bodies.push(body as unknown as Record<string, unknown>);
    await ack({ options: [option('sandbox-demo (tenant)', 'acct-1')] });
  });
  const server = (await bolt.start({ port: 0, host: '127.0.0.1' })) as Server;
  slack.connectBot(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
});

afterEach(async () => {
  await bolt.stop();
  await slack.close();
});

async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return (error as WebAPIPlatformError).data?.error ?? String(error);
  }
  throw new Error('the call succeeded');
}

const openModal = async () => {
  expect(await slack.interactions.send({ user: MIA, channel: CHANNEL, text: '/tke modal' })).toEqual({ ok: true });
  return waitUntil(() => slack.state.stackOf(MIA).at(-1), 'the modal');
};

describe('the Web API', () => {
  it('answers auth.test with the team and the bot user, through the real Web API client', async () => {
    const answer = await client.auth.test();
    expect(answer).toMatchObject({ ok: true, team: 'tkeops sandbox', team_id: 'T0TKEOPS', user_id: 'U0BOT', bot_id: 'B0BOT' });
  });

  it('refuses a wrong token with invalid_auth and a missing one with not_authed', async () => {
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
    expect(await slackError(wrong.auth.test())).toBe('invalid_auth');
    const response = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST' });
    expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('answers unknown_method for a method it does not have', async () => {
    expect(await slackError(client.apiCall('reactions.add', { channel: CHANNEL }))).toBe('unknown_method');
  });

  it('posts a message and a thread reply: ts, channel and message, and the root counts the reply', async () => {
    const root = await client.chat.postMessage({ channel: CHANNEL, text: 'root', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'root' } }] });
    expect(root).toMatchObject({ ok: true, channel: CHANNEL, message: { type: 'message', text: 'root', bot_id: 'B0BOT', user: 'U0BOT' } });
    expect(root.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(root.message?.blocks?.[0]?.block_id).toEqual(expect.any(String));
    const reply = await client.chat.postMessage({ channel: CHANNEL, text: 'step 1', thread_ts: root.ts as string });
    expect(reply.message).toMatchObject({ thread_ts: root.ts });
    expect(slack.state.message(CHANNEL, root.ts as string)).toMatchObject({ reply_count: 1, latest_reply: reply.ts });
  });

  it('refuses a message to an unknown channel and one with no text or blocks', async () => {
    expect(await slackError(client.chat.postMessage({ channel: 'C0NOWHERE', text: 'hi' }))).toBe('channel_not_found');
    expect(await slackError(client.chat.postMessage({ channel: CHANNEL, text: '' }))).toBe('no_text');
  });

  it('edits a message in place with chat.update and answers message_not_found for an unknown ts', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'Creating' });
    const updated = await client.chat.update({ channel: CHANNEL, ts: posted.ts as string, text: 'Running' });
    expect(updated).toMatchObject({ ok: true, channel: CHANNEL, ts: posted.ts, text: 'Running' });
    expect(slack.state.message(CHANNEL, posted.ts as string)).toMatchObject({ text: 'Running', edited: { user: 'U0BOT' } });
    expect(await slackError(client.chat.update({ channel: CHANNEL, ts: '1700000000.000001', text: 'x' }))).toBe('message_not_found');
  });

  it('posts an ephemeral message only the named user sees', async () => {
    const answer = await client.chat.postEphemeral({ channel: CHANNEL, user: MIA, text: 'only you' });
    expect(answer).toMatchObject({ ok: true, message_ts: expect.any(String) });
    expect(slack.state.message(CHANNEL, answer.message_ts as string)).toMatchObject({ ephemeral_to: MIA, text: 'only you' });
  });

  it('answers channel_not_found, as Slack does, to any post in a private channel the bot is not in, and sees an invited one', async () => {
    expect(await slackError(client.chat.postEphemeral({ channel: SECRET, user: MIA, text: 'only you' }))).toBe('channel_not_found');
    expect(await slackError(client.chat.postMessage({ channel: SECRET, text: 'hi' }))).toBe('channel_not_found');
    expect(await slackError(client.conversations.info({ channel: SECRET }))).toBe('channel_not_found');
    expect(slack.state.allMessages()).toEqual([]);
    expect((await client.chat.postEphemeral({ channel: INVITED, user: MIA, text: 'only you' })).ok).toBe(true);
    expect((await client.conversations.info({ channel: INVITED })).channel).toMatchObject({ is_private: true, is_member: true });
  });

  it("posts to a user id in the bot's direct messages with that person", async () => {
    const posted = await client.chat.postMessage({ channel: MIA, text: 'just for you' });
    expect(posted).toMatchObject({ ok: true, channel: `D${MIA}` });
    expect(slack.state.message(`D${MIA}`, posted.ts as string)).toMatchObject({ user: 'U0BOT', text: 'just for you' });
    expect((await client.conversations.info({ channel: `D${MIA}` })).channel).toMatchObject({ is_im: true, is_member: true });
    expect(await slackError(client.chat.postMessage({ channel: 'U0NOBODY', text: 'hi' }))).toBe('channel_not_found');
  });

  it('answers a response URL post with 404 expired_url when told to, as Slack does for one too old', async () => {
    slack.fail('response_url', {});
    const post = () => fetch(`${slack.url}/response/C0PLATFORM/any`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hi' }) });
    const refused = await post();
    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({ ok: false, error: 'expired_url' });
    expect(slack.calls('response_url')).toHaveLength(1);
  });

  it('answers a method later when given a latency', async () => {
    slack.latency('usergroups.users.list', 60);
    const startedAt = Date.now();
    expect((await client.usergroups.users.list({ usergroup: 'S0ONCALL' })).users).toEqual([OWEN]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(55);
  });

  it('answers a permalink that opens the message on the page', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'root' });
    const answer = await client.chat.getPermalink({ channel: CHANNEL, message_ts: posted.ts as string });
    expect(answer.permalink).toBe(`${slack.url}/archives/${CHANNEL}/p${(posted.ts as string).replace('.', '')}`);
    expect((await fetch(answer.permalink as string)).headers.get('content-type')).toContain('text/html');
  });

  it('answers users.info, conversations.info and usergroups.users.list from the workspace', async () => {
    expect((await client.users.info({ user: OWEN })).user).toMatchObject({ id: OWEN, name: 'owen', real_name: 'Owen Oncall' });
    expect(await slackError(client.users.info({ user: 'U0NOBODY' }))).toBe('user_not_found');
    expect((await client.conversations.info({ channel: CHANNEL })).channel).toMatchObject({ id: CHANNEL, name: 'platform' });
    expect((await client.usergroups.users.list({ usergroup: 'S0ONCALL' })).users).toEqual([OWEN]);
    expect(await slackError(client.usergroups.users.list({ usergroup: 'S0NONE' }))).toBe('no_such_subteam');
  });

  it('answers HTTP 429 ratelimited with Retry-After when asked to, then works again', async () => {
    slack.fail('chat.postMessage', { status: 429, retryAfterSeconds: 7 });
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: CHANNEL, text: 'hi' }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect((await client.chat.postMessage({ channel: CHANNEL, text: 'hi' })).ok).toBe(true);
  });

  it('refuses a trigger_id that is unknown or already used', async () => {
    expect(await slackError(client.views.open({ trigger_id: '1.2.unknown', view: everyElement }))).toBe('invalid_trigger_id');
    const trigger = slack.state.issueTrigger(MIA);
    await client.views.open({ trigger_id: trigger, view: everyElement });
    expect(await slackError(client.views.open({ trigger_id: trigger, view: everyElement }))).toBe('exchanged_trigger_id');
  });

  it("refuses a modal over Slack's limits with invalid_arguments and Slack's json-pointer messages", async () => {
    const view = { ...everyElement, title: plain('A title longer than twenty-four') };
    const response = await fetch(`${slack.apiUrl}views.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ trigger_id: slack.state.issueTrigger(MIA), view }),
    });
    expect(await response.json()).toEqual({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'] },
    });
  });

  it('updates a view by view_id or external_id, checks the hash, and answers not_found for an unknown view', async () => {
    const opened = await client.views.open({ trigger_id: slack.state.issueTrigger(MIA), view: { ...everyElement, external_id: 'draft-1' } });
    const id = opened.view?.id as string;
    expect(opened.view).toMatchObject({ id: expect.stringMatching(/^V/), hash: expect.any(String), callback_id: 'every_element', root_view_id: id });
    const byExternal = await client.views.update({ external_id: 'draft-1', view: { ...everyElement, title: plain('Step 2') } });
    expect(byExternal.view).toMatchObject({ id, title: { text: 'Step 2' } });
    expect(byExternal.view?.hash).not.toBe(opened.view?.hash);
    expect(await slackError(client.views.update({ view_id: id, hash: opened.view?.hash as string, view: everyElement }))).toBe('hash_conflict');
    expect(await slackError(client.views.update({ view_id: 'V404', view: everyElement }))).toBe('not_found');
  });

  it('pushes views onto the user’s stack with views.push, up to three views', async () => {
    const root = await client.views.open({ trigger_id: slack.state.issueTrigger(MIA), view: everyElement });
    const pushed = await client.views.push({ trigger_id: slack.state.issueTrigger(MIA), view: { ...everyElement, title: plain('Add account') } });
    expect(pushed.view).toMatchObject({ previous_view_id: root.view?.id, root_view_id: root.view?.id });
    await client.views.push({ trigger_id: slack.state.issueTrigger(MIA), view: everyElement });
    expect(slack.state.stackOf(MIA)).toHaveLength(3);
    expect(await slackError(client.views.push({ trigger_id: slack.state.issueTrigger(MIA), view: everyElement }))).toBe('push_limit_reached');
  });

  it('records every call, with JSON-encoded form fields decoded', async () => {
    await client.chat.postMessage({ channel: CHANNEL, text: 'hi', blocks: [{ type: 'divider' }] });
    expect(slack.calls('chat.postMessage')).toEqual([
      expect.objectContaining({ method: 'chat.postMessage', token: BOT_TOKEN, body: expect.objectContaining({ blocks: [{ type: 'divider' }] }) }),
    ]);
  });
});

describe('requests to the app', () => {
  it("sends a slash command the real Bolt app accepts, with Slack's form fields", async () => {
    await slack.interactions.send({ user: MIA, channel: CHANNEL, text: '/tke list all' });
    expect(recorded.commands[0]).toMatchObject({
      command: '/tke',
      text: 'list all',
      user_id: MIA,
      user_name: 'mia',
      channel_id: CHANNEL,
      channel_name: 'platform',
      team_id: 'T0TKEOPS',
      api_app_id: 'A0TKEOPS',
      trigger_id: expect.any(String),
      response_url: expect.stringMatching(new RegExp(`^${slack.url}/response/`)),
    });
  });

  it("shows the command's acknowledgement as an ephemeral message to that user only", async () => {
    await slack.interactions.send({ user: MIA, channel: CHANNEL, text: '/tke hello' });
    expect(slack.state.allMessages()).toEqual([expect.objectContaining({ text: 'you said hello', ephemeral_to: MIA, user: 'U0BOT' })]);
  });

  it('has Slackbot say operation_timeout when the app does not acknowledge in time', async () => {
    expect(await slack.interactions.send({ user: MIA, channel: CHANNEL, text: '/tke slow' })).toEqual({ ok: false, error: 'operation_timeout' });
    expect(slack.state.allMessages()).toEqual([
      expect.objectContaining({ user: 'USLACKBOT', ephemeral_to: MIA, text: '/tke failed with the error "operation_timeout"' }),
    ]);
  });

  it('opens the modal the app asks for in the user’s stack, with generated block ids', async () => {
    const modal = await openModal();
    expect(modal.view).toMatchObject({ callback_id: 'every_element', private_metadata: '{"v":1}' });
    const blocks = modal.view.blocks as { block_id?: string }[];
    expect(blocks.every((b) => typeof b.block_id === 'string' && b.block_id.length > 0)).toBe(true);
    expect(slack.state.stackOf(OWEN)).toEqual([]);
  });

  it("submits view.state.values in Slack's shape for every input type, entered or initial", async () => {
    const modal = await openModal();
    await slack.interactions.submit({
      user: MIA,
      viewId: modal.view.id,
      values: {
        name: { name_input: { type: 'plain_text_input', value: 'prod-1' } },
        region: { region_select: { type: 'static_select', selected: [{ value: 'ap-shanghai' }] } },
        zones: { zones_select: { type: 'multi_static_select', selected: [{ value: 'gz-3' }, { value: 'gz-4' }] } },
        flags: { flags_check: { type: 'checkboxes', selected: [{ value: 'parallel' }] } },
        account: { account_select: { type: 'external_select', selected: [{ value: 'acct-1', text: 'sandbox-demo (tenant)' }] } },
      },
    });
    const body = await waitUntil(() => recorded.bodies.find((b) => b.type === 'view_submission'), 'the submission');
    expect(body).toMatchObject({ user: { id: MIA, name: 'mia', team_id: 'T0TKEOPS' }, team: { id: 'T0TKEOPS' }, trigger_id: expect.any(String) });
    expect((body.view as { id: string }).id).toBe(modal.view.id);
    expect((body.view as { state: unknown }).state).toEqual({
      values: {
        name: { name_input: { type: 'plain_text_input', value: 'prod-1' } },
        notes: { notes_input: { type: 'plain_text_input', value: 'first line' } },
        size: { size_input: { type: 'number_input', value: '3' } },
        region: { region_select: { type: 'static_select', selected_option: option('Shanghai', 'ap-shanghai') } },
        zones: { zones_select: { type: 'multi_static_select', selected_options: [option('Zone 3', 'gz-3'), option('Zone 4', 'gz-4')] } },
        flags: { flags_check: { type: 'checkboxes', selected_options: [option('Parallel', 'parallel')] } },
        access: { access_radio: { type: 'radio_buttons', selected_option: option('Public', 'public') } },
        account: { account_select: { type: 'external_select', selected_option: { text: { type: 'plain_text', text: 'sandbox-demo (tenant)', emoji: true }, value: 'acct-1' } } },
      },
    });
    expect(slack.state.stackOf(MIA)).toEqual([]);
  });

  it('shows response_action errors inline and keeps the modal open', async () => {
    const modal = await openModal();
    nextSubmissionAnswer = { response_action: 'errors', errors: { name: 'A cluster called prod-1 exists.' } };
    await slack.interactions.submit({ user: MIA, viewId: modal.view.id });
    expect(slack.state.stackOf(MIA).at(-1)).toMatchObject({ view: { id: modal.view.id }, errors: { name: 'A cluster called prod-1 exists.' } });
  });

  it('replaces the view on response_action update, with a new hash', async () => {
    const modal = await openModal();
    const before = modal.view.hash;
    nextSubmissionAnswer = { response_action: 'update', view: { ...everyElement, title: plain('Review') } };
    await slack.interactions.submit({ user: MIA, viewId: modal.view.id });
    const top = slack.state.stackOf(MIA).at(-1);
    expect(top?.view).toMatchObject({ id: modal.view.id, title: { text: 'Review' } });
    expect(top?.view.hash).not.toBe(before);
  });

  it('stacks a pushed view, and closing it shows the view below again and tells the app', async () => {
    const modal = await openModal();
    nextSubmissionAnswer = { response_action: 'push', view: { ...everyElement, title: plain('Add account') } };
    await slack.interactions.submit({ user: MIA, viewId: modal.view.id });
    const stack = slack.state.stackOf(MIA);
    expect(stack.map((r) => r.view.title)).toEqual([plain('Every element'), plain('Add account')]);
    expect(stack[1]?.view).toMatchObject({ previous_view_id: modal.view.id, root_view_id: modal.view.id });
    await slack.interactions.close({ user: MIA, viewId: stack[1]?.view.id as string });
    expect(slack.state.stackOf(MIA).map((r) => r.view.id)).toEqual([modal.view.id]);
    expect(recorded.bodies.find((b) => b.type === 'view_closed')).toMatchObject({ is_cleared: false, view: { id: stack[1]?.view.id } });
  });

  it('clears the whole stack on response_action clear', async () => {
    const modal = await openModal();
    nextSubmissionAnswer = { response_action: 'clear' };
    await slack.interactions.submit({ user: MIA, viewId: modal.view.id });
    expect(slack.state.stackOf(MIA)).toEqual([]);
  });

  it("sends block_actions for a dispatched select with the selected option and the view's state", async () => {
    const modal = await openModal();
    await slack.interactions.action({
      user: MIA,
      container: { type: 'view', viewId: modal.view.id },
      blockId: 'region',
      actionId: 'region_select',
      input: { type: 'static_select', selected: [{ value: 'ap-guangzhou' }] },
      values: { name: { name_input: { type: 'plain_text_input', value: 'typed' } } },
    });
    const body = await waitUntil(() => recorded.bodies.find((b) => b.type === 'block_actions'), 'the action');
    expect(body).toMatchObject({
      container: { type: 'view', view_id: modal.view.id },
      actions: [{ type: 'static_select', action_id: 'region_select', block_id: 'region', selected_option: option('Guangzhou', 'ap-guangzhou') }],
      view: { id: modal.view.id, state: { values: { name: { name_input: { type: 'plain_text_input', value: 'typed' } } } } },
    });
  });

  it('asks the app for external select options with block_suggestion', async () => {
    const modal = await openModal();
    const answer = await slack.interactions.suggest({ user: MIA, viewId: modal.view.id, blockId: 'account', actionId: 'account_select', value: 'sand' });
    expect(answer.options).toEqual([option('sandbox-demo (tenant)', 'acct-1')]);
    expect(recorded.bodies.find((b) => b.type === 'block_suggestion')).toMatchObject({ action_id: 'account_select', block_id: 'account', value: 'sand' });
  });

  it('sends a message button click with container, message and response_url; replace_original edits the message', async () => {
    await slack.interactions.send({ user: MIA, channel: CHANNEL, text: '/tke thread' });
    const message = await waitUntil(() => slack.state.allMessages().find((m) => m.text === 'cluster demo is Deleting'), 'the thread message');
    await slack.interactions.action({ user: OWEN, container: { type: 'message', channel: CHANNEL, ts: message.ts }, blockId: 'force', actionId: 'force_delete' });
    const body = await waitUntil(() => recorded.bodies.find((b) => b.type === 'block_actions'), 'the click');
    expect(body).toMatchObject({
      user: { id: OWEN },
      container: { type: 'message', message_ts: message.ts, channel_id: CHANNEL, is_ephemeral: false },
      channel: { id: CHANNEL, name: 'platform' },
      message: { ts: message.ts, text: 'cluster demo is Deleting' },
      actions: [{ type: 'button', action_id: 'force_delete', block_id: 'force', value: 'demo', style: 'danger', text: plain('Force Delete Cluster') }],
      response_url: expect.stringMatching(new RegExp(`^${slack.url}/response/`)),
    });
    await waitUntil(() => slack.state.message(CHANNEL, message.ts)?.text === 'Force deleted by <@U0ONCALL1>', 'the replaced message');
  });
});

describe('the page', () => {
  it('serves the page, its scripts and the workspace state', async () => {
    const page = await fetch(slack.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    for (const asset of ['app.js', 'blocks.js', 'modal.js', 'mrkdwn.js', 'dom.js']) {
      expect((await fetch(`${slack.url}/${asset}`)).headers.get('content-type'), asset).toContain('text/javascript');
    }
    const state = (await (await fetch(`${slack.url}/sandbox/state`)).json()) as { users: unknown[]; channels: unknown[] };
    expect(state.channels).toEqual([
      expect.objectContaining({ id: CHANNEL, name: 'platform', private: false }),
      expect.objectContaining({ id: SECRET, name: 'secret', private: true, botIsMember: false }),
      expect.objectContaining({ id: INVITED, name: 'invited', private: true, botIsMember: true }),
    ]);
    expect(state.users).toHaveLength(2);
  });

  it('streams a message edited by chat.update to the page as a server-sent event', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'Creating' });
    const controller = new AbortController();
    const response = await fetch(`${slack.url}/sandbox/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await client.chat.update({ channel: CHANNEL, ts: posted.ts as string, text: 'Running' });
    let text = '';
    while (!text.includes('Running')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const event = JSON.parse(text.split('data: ')[1]?.split('\n')[0] ?? '{}') as { type: string; message: { ts: string; text: string } };
    expect(event).toMatchObject({ type: 'message', message: { ts: posted.ts, text: 'Running' } });
  });
});

describe('the App Home tab', () => {
  it('sends app_home_opened as a signed Events API callback, shows the view the app publishes, and its buttons reach the app as a home view', async () => {
    expect(await slack.interactions.openHome({ user: MIA })).toEqual({ ok: true });
    const home = await waitUntil(() => slack.state.home(MIA), 'the Home view');
    expect(home).toMatchObject({ type: 'home', id: expect.any(String), hash: expect.any(String) });
    expect(JSON.stringify(home.blocks)).toContain(`Home of <@${MIA}>`);
    expect(slack.state.home(OWEN)).toBeUndefined();

    const blockId = String((home.blocks as { block_id?: string }[])[1]?.block_id);
    expect(await slack.interactions.action({ user: MIA, container: { type: 'home' }, blockId, actionId: 'home_button' })).toEqual({ ok: true });
    const click = await waitUntil(() => recorded.bodies.find((b) => b.type === 'block_actions'), 'the click');
    expect(click).toMatchObject({ container: { type: 'view', view_id: home.id }, view: { type: 'home' }, actions: [{ action_id: 'home_button', value: 'c-1' }] });
    expect(click).not.toHaveProperty('channel');
    expect(click).not.toHaveProperty('response_url');
  });

  it("refuses views.publish of a view that is not a Home view or is over Slack's 100 blocks", async () => {
    const blocks = Array.from({ length: 101 }, () => ({ type: 'divider' }));
    expect(await slackError(client.views.publish({ user_id: MIA, view: { type: 'home', blocks } as never }))).toBe('invalid_arguments');
    expect(await slackError(client.views.publish({ user_id: MIA, view: { type: 'modal', title: plain('x'), blocks: [] } as never }))).toBe('invalid_arguments');
    expect(slack.state.home(MIA)).toBeUndefined();
  });
});
