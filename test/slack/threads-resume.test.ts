import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { createLogger } from '../../src/services/logger.js';
import { createLowdbRepositories } from '../../src/services/repositories/lowdb.js';
import type { Repositories } from '../../src/services/repositories/repositories.js';
import { openStore } from '../../src/services/store.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { createSlackOutbox, type MessageEdit, type OutgoingMessage } from '../../src/slack/outbox.js';
import { createPostedMessages, type SlackHistoryClient } from '../../src/slack/posted-messages.js';
import { createProvisioningThreads } from '../../src/slack/threads.js';
import { aCluster } from '../support/clusters.js';
import { refused } from '../support/recording-chat.js';
import { until } from '../support/until.js';

const CHANNEL = 'C0PLATFORM';
const logger = createLogger({ level: 'silent' });

interface Stored {
  ts: string;
  thread_ts?: string | undefined;
  metadata?: OutgoingMessage['metadata'];
  text: string;
}

/**
 * A channel as Slack keeps it, for the threads and the lookups. `hangPosts()`: Slack takes every
 * later post but never answers (the bot is killed before it hears back).
 */
function slackChannel() {
  const messages: Stored[] = [];
  const posts: OutgoingMessage[] = [];
  const updates: MessageEdit[] = [];
  let ts = 1_767_258_000;
  let hang = false;
  let readFailure: object | undefined;
  const read = (pick: (m: Stored) => boolean) => {
    if (readFailure) return Promise.reject(Object.assign(new Error('slack call failed'), readFailure));
    return Promise.resolve({ ok: true, messages: messages.filter(pick).map((m) => ({ ts: m.ts, ...(m.metadata ? { metadata: m.metadata } : {}) })), has_more: false });
  };
  const client: SlackHistoryClient & { chat: { postMessage(args: OutgoingMessage): Promise<{ ok: boolean; ts: string }>; update(args: MessageEdit): Promise<{ ok: boolean }> } } = {
    chat: {
      postMessage(args) {
        posts.push(args);
        const message = { ts: `${++ts}.000100`, thread_ts: args.thread_ts, metadata: args.metadata, text: args.text };
        messages.push(message);
        return hang ? new Promise(() => undefined) : Promise.resolve({ ok: true, ts: message.ts });
      },
      update(args) {
        updates.push(args);
        return Promise.resolve({ ok: true });
      },
    },
    conversations: {
      history: () => read((m) => m.thread_ts === undefined),
      replies: (args) => read((m) => m.thread_ts === args.ts),
    },
  };
  return {
    client,
    messages,
    posts,
    updates,
    hangPosts: () => (hang = true),
    failReads: (error: object) => (readFailure = error),
  };
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tkeops-threads-'));
  file = path.join(dir, 'db.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The threads of one bot process over the data file, talking to `slack`. */
async function botOn(slack: ReturnType<typeof slackChannel>, clock: ManualClock): Promise<{ repos: Repositories; threads: ReturnType<typeof createProvisioningThreads> }> {
  const repos = createLowdbRepositories(await openStore(file, { clock }));
  const threads = createProvisioningThreads({
    clusters: repos.clusters,
    accounts: { nameOf: () => 'acme-prod' },
    outbox: createSlackOutbox({ client: slack.client, logger, sleep: async () => undefined }),
    clock,
    logger,
    sent: { log: repos.outbox, posted: createPostedMessages({ client: slack.client, logger }) },
  });
  return { repos, threads };
}

const provisioning = (overrides: Partial<ClusterRecord> = {}) => aCluster({ status: 'Provisioning', channel: CHANNEL, posted: [], ...overrides });
const roots = (slack: ReturnType<typeof slackChannel>) => slack.messages.filter((m) => m.thread_ts === undefined);

describe('thread messages left pending by a kill, after a restart', () => {
  it('finds the root message Slack took by its metadata and keeps it: no second root, and it is edited to the current state', async () => {
    const clock = new ManualClock();
    const slack = slackChannel();
    const first = await botOn(slack, clock);
    const cluster = provisioning();
    await first.repos.clusters.insert(cluster);
    slack.hangPosts();
    void first.threads.announce(cluster.id);
    await until(() => (slack.posts.length === 1 ? true : undefined), 'Slack taking the root message');

    // Restarted: Slack answers again; the cluster moved on meanwhile.
    const restarted = slackChannelAfter(slack);
    const second = await botOn(restarted, clock);
    await second.repos.clusters.update(cluster.id, (c) => void (c.progress.controlPlaneRunningAt = clock.now().toISOString()));
    await second.threads.resume();
    await second.threads.idle();

    expect(roots(slack)).toHaveLength(1);
    const [root] = roots(slack);
    expect(root?.metadata).toEqual({ event_type: 'tkeops_cluster', event_payload: { cluster_id: cluster.id, step: 'root' } });
    expect((await second.repos.clusters.get(cluster.id))?.thread).toEqual({ channel: CHANNEL, ts: root?.ts });
    expect(slack.updates.map((u) => u.ts)).toEqual([root?.ts]);
    expect(await second.repos.outbox.pending()).toEqual([]);
  });

  it('posts a recorded reply Slack never took, once, in its thread', async () => {
    const clock = new ManualClock();
    const slack = slackChannel();
    const { repos, threads } = await botOn(slack, clock);
    const cluster = provisioning({ thread: { channel: CHANNEL, ts: '1767257000.000100' }, posted: ['created'] });
    await repos.clusters.insert(cluster);
    await repos.outbox.record([
      { clusterId: cluster.id, step: 'created', channel: CHANNEL, threadTs: '1767257000.000100', recordedAt: clock.now().toISOString(), event: { kind: 'clusterCreated', tkeClusterId: 'cls-1', region: 'ap-guangzhou' } },
    ]);

    await threads.resume();
    await threads.idle();
    await threads.resume();
    await threads.idle();

    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]).toMatchObject({ channel: CHANNEL, thread_ts: '1767257000.000100', metadata: { event_payload: { cluster_id: cluster.id, step: 'created' } } });
    expect(slack.posts[0]?.text).toContain('cls-1');
    expect(await repos.outbox.pending()).toEqual([]);
  });

  it('posts no second root when the channel cannot be read (the bot is not in it): the cluster goes on without a thread', async () => {
    const clock = new ManualClock();
    const slack = slackChannel();
    const first = await botOn(slack, clock);
    const cluster = provisioning();
    await first.repos.clusters.insert(cluster);
    slack.hangPosts();
    void first.threads.announce(cluster.id);
    await until(() => (slack.posts.length === 1 ? true : undefined), 'Slack taking the root message');

    const restarted = slackChannelAfter(slack);
    restarted.failReads(refused('not_in_channel'));
    const second = await botOn(restarted, clock);
    await second.threads.resume();
    await second.threads.idle();

    expect(slack.posts).toHaveLength(1);
    const stored = await second.repos.clusters.get(cluster.id);
    expect(stored?.thread).toBeUndefined();
    expect(stored?.threadLostAt).toBe(clock.now().toISOString());
    expect(await second.repos.outbox.pending()).toEqual([]);
  });
});

/** The same channel, answering again (a new connection after the restart). */
function slackChannelAfter(before: ReturnType<typeof slackChannel>): ReturnType<typeof slackChannel> {
  const after = slackChannel();
  after.messages.push(...before.messages);
  // Posts and edits land in the one channel both processes talk to.
  after.client.chat.postMessage = async (args) => {
    before.posts.push(args);
    const message = { ts: `${1_767_259_000 + before.posts.length}.000100`, thread_ts: args.thread_ts, metadata: args.metadata, text: args.text };
    before.messages.push(message);
    after.messages.push(message);
    return { ok: true, ts: message.ts };
  };
  after.client.chat.update = async (args) => {
    before.updates.push(args);
    return { ok: true };
  };
  return { ...after, posts: before.posts, updates: before.updates, messages: before.messages };
}
