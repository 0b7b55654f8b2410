import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/services/logger.js';
import { createSlackOutbox, type Sleep } from '../../src/slack/outbox.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { connectionLost, connectionRefused, rateLimited, recordingChat, refused, serverError, timedOut } from '../support/recording-chat.js';

const logger = createLogger({ level: 'silent' });
const edit = (text: string) => ({ channel: 'C1', ts: '1.000100', text });

/** A sleep that returns at once and remembers what it was asked to wait. */
function recordingSleep(): Sleep & { waits: number[] } {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  return Object.assign(sleep, { waits });
}

describe('slack outbox', () => {
  it('posts replies in the order they were queued, each once', async () => {
    const chat = recordingChat();
    const outbox = createSlackOutbox({ client: chat, logger });
    const answers = await Promise.all(['one', 'two', 'three'].map((text) => outbox.post({ channel: 'C1', thread_ts: '1.0', text })));
    expect(chat.posts().map((p) => p.text)).toEqual(['one', 'two', 'three']);
    expect(new Set(answers.map((a) => (a.status === 'posted' ? a.ts : a.status))).size).toBe(3);
  });

  it('collapses pending root updates for one cluster into one chat.update with the latest state', async () => {
    const chat = recordingChat();
    const outbox = createSlackOutbox({ client: chat, logger });
    chat.hold();
    void outbox.post({ channel: 'C1', thread_ts: '1.0', text: 'reply' });
    outbox.update('root:a', edit('a 10%'));
    outbox.update('root:b', edit('b 10%'));
    outbox.update('root:a', edit('a 20%'));
    outbox.update('root:a', edit('a 30%'));
    chat.release();
    await outbox.idle();
    expect(chat.calls.map((c) => `${c.method} ${c.args.text}`)).toEqual(['chat.postMessage reply', 'chat.update a 30%', 'chat.update b 10%']);
  });

  it('waits Retry-After on a 429 and then sends the same message', async () => {
    const chat = recordingChat();
    const sleep = recordingSleep();
    const outbox = createSlackOutbox({ client: chat, logger, sleep });
    chat.failNext(rateLimited(3));
    await outbox.post({ channel: 'C1', text: 'root' });
    await outbox.post({ channel: 'C1', text: 'after' });
    expect(sleep.waits).toEqual([3000]);
    expect(chat.posts().map((p) => p.text)).toEqual(['root', 'after']);
  });

  it('sends the latest content when an update arrives while a rate-limited one waits', async () => {
    const chat = recordingChat();
    const outbox = createSlackOutbox({
      client: chat,
      logger,
      sleep: async () => {
        outbox.update('root:a', edit('a 40%'));
      },
    });
    chat.failNext(rateLimited(1));
    outbox.update('root:a', edit('a 30%'));
    await outbox.idle();
    expect(chat.updates().map((u) => u.text)).toEqual(['a 40%']);
  });

  it('retries a post that never reached Slack (connection refused) with a doubling backoff and delivers it once', async () => {
    const chat = recordingChat();
    const sleep = recordingSleep();
    const outbox = createSlackOutbox({ client: chat, logger, sleep, backoffMs: 500 });
    chat.failNext(connectionRefused());
    chat.failNext(connectionRefused());
    const outcome = await outbox.post({ channel: 'C1', thread_ts: '1.0', text: 'eventually' });
    expect(sleep.waits).toEqual([500, 1000]);
    expect(chat.posts().map((p) => p.text)).toEqual(['eventually']);
    expect(outcome.status).toBe('posted');
  });

  it('does not post a reply again after Slack answered 503, since Slack may already show it', async () => {
    const chat = recordingChat();
    const outbox = createSlackOutbox({ client: chat, logger, sleep: recordingSleep() });
    chat.failNext(serverError(503));
    const lost = await outbox.post({ channel: 'C1', thread_ts: '1.0', text: 'step 3' });
    await outbox.post({ channel: 'C1', thread_ts: '1.0', text: 'step 4' });
    expect(chat.attempts.map((c) => c.args.text)).toEqual(['step 3', 'step 4']);
    expect(lost).toEqual({ status: 'unknown' });
  });

  it('does not post a reply again after the call timed out', async () => {
    const chat = recordingChat();
    const outbox = createSlackOutbox({ client: chat, logger, sleep: recordingSleep() });
    chat.failNext(timedOut());
    const lost = await outbox.post({ channel: 'C1', thread_ts: '1.0', text: 'step 3' });
    expect(chat.attempts.map((c) => c.args.text)).toEqual(['step 3']);
    expect(lost).toEqual({ status: 'unknown' });
  });

  it('does not post a reply again after the connection closed before Slack answered', async () => {
    const chat = recordingChat();
    const outbox = createSlackOutbox({ client: chat, logger, sleep: recordingSleep() });
    chat.failNext(connectionLost());
    await outbox.post({ channel: 'C1', thread_ts: '1.0', text: 'step 3' });
    expect(chat.attempts.map((c) => c.args.text)).toEqual(['step 3']);
  });

  it('retries a root message edit after a timeout, since sending an edit twice shows the same message', async () => {
    const chat = recordingChat();
    const outbox = createSlackOutbox({ client: chat, logger, sleep: recordingSleep() });
    chat.failNext(timedOut());
    outbox.update('root:a', edit('a 30%'));
    await outbox.idle();
    expect(chat.attempts.map((c) => `${c.method} ${c.args.text}`)).toEqual(['chat.update a 30%', 'chat.update a 30%']);
  });

  it('gives an edit up after 5 failed attempts during a Slack outage, logs it, and sends the next message', async () => {
    const chat = recordingChat();
    const sleep = recordingSleep();
    const lines: string[] = [];
    const logged = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const outbox = createSlackOutbox({ client: chat, logger: logged, sleep });
    for (let i = 0; i < 5; i += 1) chat.failNext(serverError(503));

    outbox.update('root:a', edit('a 10% during the outage'));
    const next = await outbox.post({ channel: 'C1', thread_ts: '1.0', text: 'after the outage' });

    expect(next.status).toBe('posted');
    expect(sleep.waits).toEqual([1000, 2000, 4000, 8000]);
    expect(chat.calls.map((c) => c.args.text)).toEqual(['after the outage']);
    expect(lines.filter((line) => line.includes('given up'))).toHaveLength(1);
  });

  it('caps the wait between retries at maxBackoffMs', async () => {
    const chat = recordingChat();
    const sleep = recordingSleep();
    const outbox = createSlackOutbox({ client: chat, logger, sleep, backoffMs: 1000, maxBackoffMs: 3000, maxAttempts: 6 });
    for (let i = 0; i < 5; i += 1) chat.failNext(connectionRefused());

    await outbox.post({ channel: 'C1', text: 'eventually' });

    expect(sleep.waits).toEqual([1000, 2000, 3000, 3000, 3000]);
    expect(chat.posts().map((p) => p.text)).toEqual(['eventually']);
  });

  it('drops a message Slack refuses for good and goes on with the next', async () => {
    const chat = recordingChat();
    const outbox = createSlackOutbox({ client: chat, logger, sleep: recordingSleep() });
    chat.failNext(refused('channel_not_found'));
    const refusedTs = await outbox.post({ channel: 'C404', text: 'lost' });
    const nextTs = await outbox.post({ channel: 'C1', text: 'next' });
    expect(refusedTs).toEqual({ status: 'not-posted' });
    expect(nextTs.status).toBe('posted');
    expect(chat.posts().map((p) => p.text)).toEqual(['next']);
  });

  it('sends what is queued before it closes', async () => {
    const chat = recordingChat();
    const outbox = createSlackOutbox({ client: chat, logger });
    chat.hold();
    void outbox.post({ channel: 'C1', text: 'one' });
    outbox.update('root:a', edit('a 50%'));
    setTimeout(() => chat.release(), 20);
    await outbox.close(1_000);
    expect(chat.calls.map((c) => c.args.text)).toEqual(['one', 'a 50%']);
    expect(await outbox.post({ channel: 'C1', text: 'too late' })).toEqual({ status: 'not-posted' });
  });

  describe('with the Web API client tkeops uses, against a local Slack', () => {
    let slack: FakeSlack | undefined;
    let silent: Server | undefined;
    afterEach(async () => {
      await slack?.close();
      slack = undefined;
      silent?.closeAllConnections();
      await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
      silent = undefined;
    });

    /** The client as src/app.ts configures it for the outbox: no retries of its own, 429s handed over. */
    const webClient = (apiUrl: string, timeout = 10_000, fetchFn?: typeof fetch) =>
      new WebClient('xoxb-test-token', {
        slackApiUrl: apiUrl,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        timeout,
        logLevel: LogLevel.ERROR,
        ...(fetchFn ? { fetch: fetchFn } : {}),
      });

    /** A server that takes requests and never answers, as Slack might during an incident; `arrived` resolves on the first. */
    async function startSilentSlack(): Promise<{ apiUrl: string; received: IncomingMessage[]; arrived: Promise<void> }> {
      const received: IncomingMessage[] = [];
      let arrive = () => {};
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      silent = createServer((req) => {
        received.push(req);
        arrive();
      });
      await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
      return { apiUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/`, received, arrived };
    }

    /**
     * The real fetch, whose request times out the way the client's `timeout` ends it
     * (AbortSignal.timeout: a TimeoutError), but only once `arrived` says Slack has it. A real
     * 50 ms timer raced the local server: on a cold or busy process it fired before the request
     * was even written, and Slack never saw the message the test is about.
     */
    const timingOutOnceArrived =
      (arrived: Promise<void>): typeof fetch =>
      async (input, init) => {
        const timedOut = new AbortController();
        const response = fetch(input, { ...init, signal: timedOut.signal });
        await arrived;
        timedOut.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
        return response;
      };

    /** What the client throws when nothing listens on Slack's address (a port just closed). */
    async function connectionRefusedByWebClient(): Promise<object> {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise((resolve) => closed.close(resolve));
      return webClient(`http://127.0.0.1:${port}/api/`)
        .chat.postMessage({ channel: 'C1', text: 'probe' })
        .then(() => {
          throw new Error('expected the connection to be refused');
        }, (error: unknown) => error as object);
    }

    it('does not post a reply again after Slack answered HTTP 503', async () => {
      slack = await startFakeSlack();
      const outbox = createSlackOutbox({ client: webClient(slack.apiUrl), logger, sleep: recordingSleep() });
      slack.fail('chat.postMessage', { status: 503 });
      const lost = await outbox.post({ channel: 'C1', thread_ts: '1.000100', text: 'step 3' });
      await outbox.post({ channel: 'C1', thread_ts: '1.000100', text: 'step 4' });

      expect(slack.calls().map((c) => `${c.method} ${String(c.body.text)}`)).toEqual(['chat.postMessage (HTTP 503) step 3', 'chat.postMessage step 4']);
      expect(lost).toEqual({ status: 'unknown' });
    });

    it('does not post a message again after the client timed out waiting for Slack', async () => {
      const silentSlack = await startSilentSlack();
      const client = webClient(silentSlack.apiUrl, 10_000, timingOutOnceArrived(silentSlack.arrived));
      const outbox = createSlackOutbox({ client, logger, sleep: recordingSleep() });
      const lost = await outbox.post({ channel: 'C1', text: 'root' });

      expect(silentSlack.received).toHaveLength(1);
      expect(lost).toEqual({ status: 'unknown' });
    });

    it('posts a message again when the connection to Slack was refused, and it arrives once', async () => {
      const chat = recordingChat();
      chat.failNext(await connectionRefusedByWebClient());
      const outbox = createSlackOutbox({ client: chat, logger, sleep: recordingSleep() });
      const outcome = await outbox.post({ channel: 'C1', thread_ts: '1.000100', text: 'step 3' });

      expect(chat.attempts.map((c) => c.args.text)).toEqual(['step 3', 'step 3']);
      expect(chat.posts().map((p) => p.text)).toEqual(['step 3']);
      expect(outcome.status).toBe('posted');
    });

    it('sends a root message edit again after Slack answered HTTP 503, with the latest state', async () => {
      slack = await startFakeSlack();
      const outbox = createSlackOutbox({
        client: webClient(slack.apiUrl),
        logger,
        sleep: async () => {
          outbox.update('root:a', edit('a 20%'));
        },
      });
      slack.fail('chat.update', { status: 503 });
      outbox.update('root:a', edit('a 10%'));
      await outbox.idle();

      expect(slack.calls().map((c) => `${c.method} ${String(c.body.text)}`)).toEqual(['chat.update (HTTP 503) a 10%', 'chat.update a 20%']);
    });

    it('holds the queue for Retry-After on an HTTP 429 and loses no update', async () => {
      slack = await startFakeSlack();
      const outbox = createSlackOutbox({ client: webClient(slack.apiUrl), logger });
      slack.fail('chat.update', { status: 429, retryAfterSeconds: 1 });
      outbox.update('root:a', edit('a 10%'));
      void outbox.post({ channel: 'C1', thread_ts: '1.000100', text: 'queued behind the update' });
      outbox.update('root:a', edit('a 20%'));
      await outbox.idle();

      const calls = slack.calls();
      // The retry carries the newest root state (the second update collapsed into it), then the reply.
      expect(calls.map((c) => `${c.method} ${String(c.body.text)}`)).toEqual([
        'chat.update (HTTP 429) a 10%',
        'chat.update a 20%',
        'chat.postMessage queued behind the update',
      ]);
      const [limited, retried] = calls;
      expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    });
  });
});
