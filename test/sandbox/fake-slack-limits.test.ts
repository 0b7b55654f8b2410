import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel, WebClient, type Logger, type WebAPIPlatformError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBot } from '../support/bot.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { createSlackSender } from '../support/slack-requests.js';

const TOKEN = 'xoxb-limits-test';
/** The refusals are what these tests ask for: the client need not log them. */
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, setLevel: () => {}, getLevel: () => LogLevel.ERROR, setName: () => {} };
const plain = (text: string) => ({ type: 'plain_text' as const, text });
const overLongTitle = { type: 'modal' as const, title: plain('A title longer than twenty-four'), blocks: [] };
const tooManyBlocks = Array.from({ length: 51 }, () => ({ type: 'divider' as const }));
const TITLE_PROBLEM = '[ERROR] must be less than 25 characters [json-pointer:/view/title/text]';
const BLOCKS_PROBLEM = '[ERROR] must provide no more than 50 items [json-pointer:/blocks]';

/** Slack's error and messages from a refused Web API call. */
async function refusal(call: Promise<unknown>): Promise<{ error: string; messages: string[] | undefined }> {
  try {
    await call;
  } catch (error) {
    const { data } = error as WebAPIPlatformError;
    return { error: data.error, messages: data.response_metadata?.messages };
  }
  throw new Error('Slack accepted the call');
}

describe("the tests' fake Slack, lenient about channels and views, still enforces Slack's limits", () => {
  let slack: FakeSlack;
  let client: WebClient;
  let closed = false;
  beforeEach(async () => {
    slack = await startFakeSlack({ botToken: TOKEN });
    client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
    closed = false;
  });
  afterEach(async () => {
    if (!closed) await slack.close().catch(() => undefined);
  });

  it('refuses views.open over the limits with invalid_arguments and records it', async () => {
    expect(await refusal(client.views.open({ trigger_id: '1.2.any', view: overLongTitle }))).toEqual({ error: 'invalid_arguments', messages: [TITLE_PROBLEM] });
    expect(slack.violations()).toEqual([expect.objectContaining({ method: 'views.open', error: 'invalid_arguments', messages: [TITLE_PROBLEM] })]);
  });

  it('refuses views.push and views.update over the limits, even for a view it never opened', async () => {
    expect((await refusal(client.views.push({ trigger_id: '1.2.any', view: overLongTitle }))).error).toBe('invalid_arguments');
    expect(await refusal(client.views.update({ view_id: 'V0NEVERSEEN', view: overLongTitle }))).toEqual({ error: 'invalid_arguments', messages: [TITLE_PROBLEM] });
    expect(slack.violations().map((v) => v.method)).toEqual(['views.push', 'views.update']);
  });

  it('refuses chat.postMessage, chat.update and chat.postEphemeral over the limits with invalid_blocks', async () => {
    const message = { channel: 'C0ANY', text: 't', blocks: tooManyBlocks };
    expect(await refusal(client.chat.postMessage(message))).toEqual({ error: 'invalid_blocks', messages: [BLOCKS_PROBLEM] });
    expect(await refusal(client.chat.update({ ...message, ts: '1700000000.000100' }))).toEqual({ error: 'invalid_blocks', messages: [BLOCKS_PROBLEM] });
    expect(await refusal(client.chat.postEphemeral({ ...message, user: 'U0ANY' }))).toEqual({ error: 'invalid_blocks', messages: [BLOCKS_PROBLEM] });
    expect(slack.violations().map((v) => v.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);
  });

  it('refuses a response_url message over the limits', async () => {
    const response = await fetch(`${slack.url}/response/C0ANY/1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 't', blocks: tooManyBlocks }) });
    expect(await response.json()).toEqual({ ok: false, error: 'invalid_blocks', response_metadata: { messages: [BLOCKS_PROBLEM] } });
    expect(slack.violations().map((v) => v.method)).toEqual(['response_url']);
  });

  it('fails waitFor at once, naming the method and the limit, when the bot sent something over the limits', async () => {
    await refusal(client.views.open({ trigger_id: '1.2.any', view: overLongTitle }));
    await expect(slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'))).rejects.toThrow(`views.open → invalid_arguments:\n  ${TITLE_PROBLEM}`);
  });

  it('fails close(), so the test fails, when the bot sent something over the limits', async () => {
    await refusal(client.chat.postMessage({ channel: 'C0ANY', text: 't', blocks: tooManyBlocks }));
    closed = true;
    await expect(slack.close()).rejects.toThrow(`chat.postMessage → invalid_blocks:\n  ${BLOCKS_PROBLEM}`);
  });
});

describe("the signed sender checks the bot's HTTP answers against Slack's limits", () => {
  let server: Server;
  let answer: unknown;
  beforeEach(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  const sender = () => createSlackSender({ botUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, signingSecret: 's', responseBaseUrl: 'http://127.0.0.1:1' });

  it("fails on a command's ephemeral reply over the limits", async () => {
    answer = { response_type: 'ephemeral', text: 't', blocks: tooManyBlocks };
    await expect(sender().command('help')).rejects.toThrow(BLOCKS_PROBLEM);
  });

  it('fails on a response_action view over the limits', async () => {
    answer = { response_action: 'update', view: overLongTitle };
    await expect(sender().viewSubmission({ view: { id: 'V1' } })).rejects.toThrow(TITLE_PROBLEM);
  });

  it('fails on response_action errors without messages', async () => {
    answer = { response_action: 'errors', errors: { name: '' } };
    await expect(sender().viewSubmission({ view: { id: 'V1' } })).rejects.toThrow('[json-pointer:/errors]');
  });

  it('passes an answer within the limits through', async () => {
    answer = { response_action: 'errors', errors: { name: 'Use lowercase letters' } };
    expect((await sender().viewSubmission({ view: { id: 'V1' } })).json).toEqual(answer);
  });
});

describe('the real bot', () => {
  it('answers /tke with a 4,000-character unknown subcommand within Slack limits', async () => {
    const t = await startTestBot();
    try {
      const reply = await t.send.command('x'.repeat(4000));
      expect(reply.status).toBe(200);
      expect(reply.json?.text).toMatch(/^I don't know `\/tke x+…`/);
    } finally {
      await t.stop();
    }
  });
});
