import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/services/clock.js';
import { startTestBot, CHANNELS, type TestBot } from '../support/bot.js';
import { FIXTURE_CLOCK_END, FIXTURE_MASTER_KEY, STORE_V1_FIXTURE } from '../support/store-fixture.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** The real bot started on the store file tkeops' schema-v1 code wrote (test/fixtures/store-v1.json). */
async function botOnV1Store(): Promise<TestBot> {
  t = await startTestBot({ storeFile: STORE_V1_FIXTURE, env: { TKEOPS_MASTER_KEY: FIXTURE_MASTER_KEY }, clock: new ManualClock(FIXTURE_CLOCK_END) });
  return t;
}

const shown = (body: Record<string, unknown> | undefined) => JSON.stringify(body ?? {});

async function statusOf(bot: TestBot, name: string): Promise<string> {
  const before = bot.slack.calls('response_url').length;
  await bot.send.command(`status ${name}`, { channel: CHANNELS.platform });
  const calls = await bot.slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
  return shown(calls.filter((c) => c.method === 'response_url').at(-1)?.body);
}

describe('the bot on a store written by schema v1', () => {
  it('migrates it at start, says so in its log, and keeps the original beside it', async () => {
    const bot = await botOnV1Store();
    expect(JSON.parse(await readFile(bot.dataFile, 'utf8'))).toMatchObject({ version: 2 });
    expect((await readFile(`${bot.dataFile}.v1.bak`)).equals(await readFile(STORE_V1_FIXTURE))).toBe(true);
    expect(bot.logs.join('')).toContain('store migrated from schema version 1 to 2');
  });

  it('shows its clusters in /tke status and /tke list; a cluster left with a pre-Helm add-on plan is Failed, saying what to do', async () => {
    const bot = await botOnV1Store();
    const running = await statusOf(bot, 'prod-running');
    expect(running).toContain('prod-running');
    expect(running).toContain('Running');
    expect(running).toContain('acme-prod');

    const legacy = await statusOf(bot, 'legacy-addons');
    expect(legacy).toContain('Failed');
    expect(legacy).toContain('AddonPlanOutdated');
    expect(legacy).toContain('install them by hand (helm install) or delete the cluster and create it again');

    const { json } = await bot.send.command('list', { channel: CHANNELS.platform });
    for (const name of ['prod-running', 'prod-deleting', 'prod-provisioning', 'legacy-addons']) expect(shown(json)).toContain(name);
  });

  it('finishes the deletion it had asked for: the watcher, with the v1 account\'s credential, finds the cluster gone and says so in its thread', async () => {
    const bot = await botOnV1Store();
    const v1 = JSON.parse(await readFile(STORE_V1_FIXTURE, 'utf8')) as { clusters: { id: string; spec: { name: string }; tkeClusterId: string; thread: { ts: string } }[] };
    const deleting = v1.clusters.find((c) => c.spec.name === 'prod-deleting');
    // The emulator of this test never had the cluster: as Tencent once the deletion is over.
    bot.clock.advance(15_000);
    await bot.bot.watcher.tick(bot.clock.now());
    await bot.bot.services.threads.idle();

    // DescribeClusters was signed with the Secret Key decrypted from the v1 file (the emulator verifies it).
    expect(bot.tencent.requestsFor('DescribeClusters').length).toBeGreaterThan(0);
    const record = await bot.bot.services.clusterLookup.get(deleting?.id ?? '');
    expect(record?.status).toBe('Deleted');
    const reply = bot.slack.calls('chat.postMessage').find((c) => c.body.thread_ts === deleting?.thread.ts);
    expect(String(reply?.body.text)).toContain(`Cluster *prod-deleting* deleted: Tencent no longer has \`${deleting?.tkeClusterId}\``);
    expect(bot.slack.calls('chat.update').map((c) => c.body.ts)).toContain(deleting?.thread.ts);
  });
});
