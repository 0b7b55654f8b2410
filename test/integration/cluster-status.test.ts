import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds } from '../../src/views/ids.js';
import { CHANNELS, ON_CALL_GROUP, startTestBot, USERS, type TestBot } from '../support/bot.js';
import { aCluster, aSpec } from '../support/clusters.js';
import type { SlackCall } from '../support/fake-slack.js';
import { messageBlockAction } from '../support/payloads.js';

let t: TestBot;
beforeEach(async () => {
  t = await startTestBot();
});
afterEach(async () => {
  await t.stop();
});

const inPlatform = (name: string, overrides: Partial<ClusterRecord> = {}) =>
  aCluster({ spec: aSpec({ name }), project: 'platform', channel: CHANNELS.platform, thread: { channel: CHANNELS.platform, ts: '1700000001.000100' }, ...overrides });

async function seed(...clusters: ClusterRecord[]) {
  await t.bot.store.update((data) => {
    data.clusters.push(...clusters);
  });
}

const shown = (json: Record<string, unknown> | undefined) => JSON.stringify(json ?? {});

/** What the bot posted to the command's response_url after its ack, and when. */
async function answered(): Promise<{ body: Record<string, unknown>; at: number }> {
  const calls = await t.slack.waitFor((all) => all.some((c) => c.method === 'response_url'));
  const call = calls.find((c) => c.method === 'response_url');
  return { body: call?.body ?? {}, at: call?.at ?? 0 };
}

describe('/tke status', () => {
  it("answers with the cluster's overview, only to the asker, after acknowledging", async () => {
    await seed(inPlatform('prod-1', { progress: { controlPlaneRunningAt: '2026-01-01T09:01:00.000Z', pools: [], addons: [] } }));
    const reply = await t.send.command('status prod-1', { channel: CHANNELS.platform });
    expect(reply).toMatchObject({ status: 200, text: '' });
    const json = (await answered()).body;
    expect(json.response_type).toBe('ephemeral');
    expect(shown(json)).toContain('prod-1');
    expect(shown(json)).toContain(':white_check_mark: Control plane running — after 1m 00s');
    expect(shown(json)).toContain('Worker pools');
    expect(shown(json)).toContain('https://slack.com/archives/C0PLATFORM/p1700000001000100');
  });

  it("finds the name only among the channel's project clusters", async () => {
    await seed(inPlatform('prod-1'));
    const { json } = await t.send.command('status prod-1', { channel: CHANNELS.data });
    expect(json?.text).toBe('There is no cluster called prod-1 in project data. See `/tke list`.');
  });

  it('acknowledges at once when Slack rate-limits the on-call lookup, and the overview follows through the response URL', async () => {
    // Deleting for 20 minutes: the overview asks whether the member is on-call, to offer force delete.
    const requestedAt = new Date(t.clock.now().getTime() - 20 * 60_000).toISOString();
    await seed(inPlatform('prod-1', { status: 'Deleting', deletion: { requestedBy: USERS.projectAdmin, requestedAt } }));
    t.slack.fail('usergroups.users.list', { status: 429, retryAfterSeconds: 2 });

    const sentAt = Date.now();
    const reply = await t.send.command('status prod-1', { user: USERS.member, channel: CHANNELS.platform });
    const ackMs = Date.now() - sentAt;
    const { body, at } = await answered();

    expect(reply).toMatchObject({ status: 200, text: '' });
    expect(ackMs).toBeLessThan(1_000);
    expect(at - sentAt).toBeLessThan(1_000);
    expect(shown(body)).toContain('prod-1');
    expect(shown(body)).toContain('Deleting');
    expect(t.slack.calls('usergroups.users.list (HTTP 429)').map((c) => c.body.usergroup)).toEqual([ON_CALL_GROUP]);
    expect(t.slack.calls('usergroups.users.list')).toEqual([]);
    expect(t.logs.some((l) => l.includes('could not list the on-call user group; treating it as empty'))).toBe(true);
  });

  it('explains the usage when the name is missing', async () => {
    const { json } = await t.send.command('status', { channel: CHANNELS.platform });
    expect(json?.text).toContain('Usage: `/tke status &lt;cluster&gt;`');
  });
});

describe('/tke list', () => {
  it("lists the channel's project clusters with their status, leaving deleted ones out", async () => {
    await seed(
      inPlatform('prod-1'),
      inPlatform('stage', { status: 'Running' }),
      inPlatform('old', { status: 'Deleted' }),
      aCluster({ spec: aSpec({ name: 'elsewhere' }), project: 'data', channel: CHANNELS.data }),
    );
    const { json } = await t.send.command('list', { channel: CHANNELS.platform });
    expect(json?.response_type).toBe('ephemeral');
    expect(shown(json)).toContain('Clusters in project platform* (2)');
    expect(shown(json)).toContain('prod-1');
    expect(shown(json)).toContain('|stage>* — Running');
    expect(shown(json)).not.toContain('old');
    expect(shown(json)).not.toContain('elsewhere');
  });

  it('answers words after /tke list with the usage, ephemerally, instead of ignoring them', async () => {
    await seed(inPlatform('prod-1'));
    const { json } = await t.send.command('list extra', { channel: CHANNELS.platform });
    expect(json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Usage: `/tke list`') });
    expect(shown(json)).not.toContain('prod-1');
  });

  it('refuses a member in a channel that belongs to no project', async () => {
    const { json } = await t.send.command('list', { channel: CHANNELS.noProject, user: USERS.member });
    expect(json?.response_type).toBe('ephemeral');
    expect(json?.text).toContain('belongs to no project');
    expect(shown(json)).not.toContain('Clusters in');
  });
});

describe('the Overview button of the root message', () => {
  it("shows the overview as an ephemeral message to whoever clicked, through the click's response URL", async () => {
    const cluster = inPlatform('prod-1');
    await seed({ ...cluster, thread: undefined });
    await t.bot.services.threads.announce(cluster.id);
    await t.bot.services.threads.idle();
    const root = t.slack.calls('chat.postMessage')[0];
    const ts = t.bot.store.read((data) => data.clusters[0]?.thread?.ts) ?? '';

    await t.send.blockActions(
      messageBlockAction({
        user: USERS.projectAdmin,
        channel: CHANNELS.platform,
        message: root?.body ?? {},
        messageTs: ts,
        actionId: ActionIds.clusterOverview,
        responseUrl: `${t.slack.url}/response/overview`,
      }),
    );
    const answered = (c: SlackCall) => c.method === 'response_url' && c.body.response_url === '/response/overview';
    const ephemeral = (await t.slack.waitFor((calls) => calls.some(answered))).find(answered);
    expect(ephemeral?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(ephemeral?.body.blocks)).toContain('Worker pools');
    expect(JSON.stringify(ephemeral?.body.blocks)).toContain('prod-1');
    expect(t.slack.calls('chat.postEphemeral')).toEqual([]);
  });

  it('sends the overview as an ephemeral message in the channel when Slack no longer takes the response URL', async () => {
    const cluster = inPlatform('prod-1');
    await seed({ ...cluster, thread: undefined });
    await t.bot.services.threads.announce(cluster.id);
    await t.bot.services.threads.idle();
    const root = t.slack.calls('chat.postMessage')[0];
    t.slack.fail('response_url', { status: 404, error: 'expired_url' });

    await t.send.blockActions(
      messageBlockAction({
        user: USERS.projectAdmin,
        channel: CHANNELS.platform,
        message: root?.body ?? {},
        messageTs: t.bot.store.read((data) => data.clusters[0]?.thread?.ts) ?? '',
        actionId: ActionIds.clusterOverview,
        responseUrl: `${t.slack.url}/response/overview`,
      }),
    );

    const [ephemeral] = (await t.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'))).filter((c) => c.method === 'chat.postEphemeral');
    expect(ephemeral?.body).toMatchObject({ channel: CHANNELS.platform, user: USERS.projectAdmin });
    expect(JSON.stringify(ephemeral?.body.blocks)).toContain('prod-1');
    expect(t.slack.calls('response_url')).toHaveLength(1);
  });
});
