import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/services/logger.js';
import { createSlackOutbox, type Sleep } from '../../src/services/slack-outbox.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { networkDown, rateLimited, recordingChat, refused, serverError } from '../support/recording-chat.js';

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
    expect(new Set(answers).size).toBe(3);
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

  it('retries network errors with a doubling backoff', async () => {
    const chat = recordingChat();
    const sleep = recordingSleep();
    const outbox = createSlackOutbox({ client: chat, logger, sleep, backoffMs: 500 });
    chat.failNext(networkDown());
    chat.failNext(networkDown());
    await outbox.post({ channel: 'C1', text: 'eventually' });
    expect(sleep.waits).toEqual([500, 1000]);
    expect(chat.posts().map((p) => p.text)).toEqual(['eventually']);
  });

  it('gives a message up after 5 failed attempts during a Slack outage, logs it, and sends the next', async () => {
    const chat = recordingChat();
    const sleep = recordingSleep();
    const lines: string[] = [];
    const logged = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const outbox = createSlackOutbox({ client: chat, logger: logged, sleep });
    for (let i = 0; i < 5; i += 1) chat.failNext(serverError(503));

    const lost = await outbox.post({ channel: 'C1', thread_ts: '1.0', text: 'during the outage' });
    const next = await outbox.post({ channel: 'C1', thread_ts: '1.0', text: 'after the outage' });

    expect(lost).toBeUndefined();
    expect(next).toBeDefined();
    expect(sleep.waits).toEqual([1000, 2000, 4000, 8000]);
    expect(chat.posts().map((p) => p.text)).toEqual(['after the outage']);
    expect(lines.filter((line) => line.includes('given up'))).toHaveLength(1);
  });

  it('caps the wait between retries at maxBackoffMs', async () => {
    const chat = recordingChat();
    const sleep = recordingSleep();
    const outbox = createSlackOutbox({ client: chat, logger, sleep, backoffMs: 1000, maxBackoffMs: 3000, maxAttempts: 6 });
    for (let i = 0; i < 5; i += 1) chat.failNext(networkDown());

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
    expect(refusedTs).toBeUndefined();
    expect(nextTs).toBeDefined();
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
    expect(await outbox.post({ channel: 'C1', text: 'too late' })).toBeUndefined();
  });

  describe('with the Web API client tkeops uses, against the fake Slack', () => {
    let slack: FakeSlack | undefined;
    afterEach(async () => {
      await slack?.close();
    });

    it('holds the queue for Retry-After on an HTTP 429 and loses no update', async () => {
      slack = await startFakeSlack();
      const client = new WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
      const outbox = createSlackOutbox({ client, logger });
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
