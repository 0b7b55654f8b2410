import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { rotateMasterKey } from '../../src/services/key-rotation.js';
import type { SlackCall } from '../support/fake-slack.js';
import { CHANNELS, startTestBot, TENCENT, TEST_MASTER_KEY, USERS, type TestBot } from '../support/bot.js';
import { addPlatformAccount, deleteThroughSlack, deployThroughSlack, findCluster, tickUntil } from '../support/cluster-flow.js';

/** The whole bot on PostgreSQL (DATABASE_URL): real Bolt app over signed HTTP, the Tencent SDK against the emulator, a ManualClock. */
let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});
const bot = () => t as TestBot;
const text = (call: SlackCall | undefined) => String(call?.body.text ?? '');
const statusOf = async (name: string) => (await findCluster(bot(), name))?.status;

describe('a bot on PostgreSQL', () => {
  it('creates a cluster from Slack, follows it to Running, deletes it, and a restarted bot remembers it: one CreateCluster, one DeleteCluster', async () => {
    t = await startTestBot({ store: 'postgres' });
    const accountId = await addPlatformAccount(bot());
    const cluster = await deployThroughSlack(bot(), accountId, 'prod-1');
    expect(bot().tencent.requestsFor('CreateCluster')).toHaveLength(1);

    await tickUntil(bot(), async () => (await statusOf('prod-1')) === 'Running');
    const replies = bot().slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === cluster.thread?.ts);
    expect(replies.map(text).join('\n')).toContain('prod-1');

    // A restart on the same database: the cluster, its posted steps and the account are still there.
    t = await bot().restart();
    await deleteThroughSlack(bot(), 'prod-1');
    expect(bot().tencent.requestsFor('DeleteCluster')).toEqual([expect.objectContaining({ params: expect.objectContaining({ ClusterId: cluster.tkeClusterId }) })]);
    await tickUntil(bot(), async () => (await statusOf('prod-1')) === 'Deleted');

    expect(text(bot().slack.calls('chat.postMessage').at(-1))).toContain('Cluster *prod-1* deleted');
    expect(text(bot().slack.calls('chat.update').at(-1))).toContain('prod-1: Deleted');
    // /tke status answers through the response URL, from the database.
    const before = bot().slack.calls('response_url').length;
    await bot().send.command('status prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
    expect(JSON.stringify(calls.filter((c) => c.method === 'response_url').at(-1)?.body)).toContain('Deleted');
    expect(bot().tencent.requestsFor('CreateCluster')).toHaveLength(1);
    // Every thread step went out once, restart or not.
    const threadTexts = bot().slack.calls('chat.postMessage').filter((c) => c.body.thread_ts === cluster.thread?.ts).map(text);
    expect(new Set(threadTexts).size).toBe(threadTexts.length);
    expect((await bot().bot.repositories.audit.list({ target: cluster.id })).map((e) => e.action)).toEqual(expect.arrayContaining(['cluster.delete', 'cluster.deleted']));
  });

  it('refuses to start with another master key, saying it differs from the one the database was written with', async () => {
    t = await startTestBot({ store: 'postgres' });
    await addPlatformAccount(bot());
    await bot().stopBot();
    const other = Buffer.alloc(32, 3).toString('base64');
    expect(other).not.toBe(TEST_MASTER_KEY);
    await expect(bot().restart({ TKEOPS_MASTER_KEY: other })).rejects.toThrow(/^The master key \(TKEOPS_MASTER_KEY\) differs from the one the store PostgreSQL 127\.0\.0\.1:\d+\/tkeops_\w+ was written with/);
  });

  it('rotates the master key in the database (npm run rotate-key): the old key is refused, the new one starts, and Tencent accepts the account\'s requests', async () => {
    t = await startTestBot({ store: 'postgres' });
    const accountId = await addPlatformAccount(bot());
    const cluster = await deployThroughSlack(bot(), accountId, 'prod-1');
    await tickUntil(bot(), async () => (await statusOf('prod-1')) === 'Running');
    await bot().stopBot();
    const newKey = Buffer.alloc(32, 4).toString('base64');

    const rotation = await rotateMasterKey({ dataFile: bot().dataFile, databaseUrl: bot().databaseUrl, masterKey: TEST_MASTER_KEY, newMasterKey: newKey });

    expect(rotation.accounts).toBe(1);
    expect(rotation.message).toContain('under a new master key (one transaction)');
    expect(await storedText(bot().databaseUrl ?? '')).not.toContain(TENCENT.secretKey);
    await expect(bot().restart({ TKEOPS_MASTER_KEY: TEST_MASTER_KEY })).rejects.toThrow('differs from the one the store PostgreSQL');
    t = await bot().restart({ TKEOPS_MASTER_KEY: newKey });
    await deleteThroughSlack(bot(), 'prod-1');
    // The emulator checks each request's TC3 signature: DeleteCluster was signed with the decrypted Secret Key.
    expect(bot().tencent.requestsFor('DeleteCluster')).toEqual([expect.objectContaining({ params: expect.objectContaining({ ClusterId: cluster.tkeClusterId }) })]);
  });
});

/** Every row of the accounts and settings tables, as text. */
async function storedText(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT data::text AS t FROM accounts UNION ALL SELECT value::text FROM settings');
    return rows.map((r: { t: string }) => r.t).join('\n');
  } finally {
    await client.end();
  }
}
