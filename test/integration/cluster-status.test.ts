import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds } from '../../src/views/ids.js';
import { CHANNELS, startTestBot, USERS, type TestBot } from '../support/bot.js';
import { aCluster, aSpec } from '../support/clusters.js';
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
  await t.bot.services.store.update((data) => {
    data.clusters.push(...clusters);
  });
}

const shown = (json: Record<string, unknown> | undefined) => JSON.stringify(json ?? {});

describe('/tke status', () => {
  it("answers with the cluster's overview, only to the asker", async () => {
    await seed(inPlatform('prod-1', { progress: { controlPlaneRunningAt: '2026-01-01T09:01:00.000Z', pools: [], addons: [] } }));
    const { json } = await t.send.command('status prod-1', { channel: CHANNELS.platform });
    expect(json?.response_type).toBe('ephemeral');
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

  it('explains the usage when the name is missing', async () => {
    const { json } = await t.send.command('status', { channel: CHANNELS.platform });
    expect(json?.text).toContain('Usage: `/tke status <cluster>`');
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

  it('refuses a member in a channel that belongs to no project', async () => {
    const { json } = await t.send.command('list', { channel: CHANNELS.noProject, user: USERS.member });
    expect(json?.response_type).toBe('ephemeral');
    expect(json?.text).toContain('belongs to no project');
    expect(shown(json)).not.toContain('Clusters in');
  });
});

describe('the Overview button of the root message', () => {
  it('shows the overview as an ephemeral message to whoever clicked', async () => {
    const cluster = inPlatform('prod-1');
    await seed({ ...cluster, thread: undefined });
    await t.bot.services.threads.announce(cluster.id);
    await t.bot.services.threads.idle();
    const root = t.slack.calls('chat.postMessage')[0];
    const ts = t.bot.services.store.read((data) => data.clusters[0]?.thread?.ts) ?? '';

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
    const [ephemeral] = await t.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral')).then((calls) => calls.filter((c) => c.method === 'chat.postEphemeral'));
    expect(ephemeral?.body).toMatchObject({ channel: CHANNELS.platform, user: USERS.projectAdmin });
    expect(JSON.stringify(ephemeral?.body.blocks)).toContain('Worker pools');
    expect(JSON.stringify(ephemeral?.body.blocks)).toContain('prod-1');
  });
});
