import { afterEach, describe, expect, it } from 'vitest';
import { defaultLifecycle } from '../../src/lifecycle/index.js';
import type { Lifecycle, Step } from '../../src/lifecycle/operation.js';
import { withStep } from '../../src/lifecycle/provision.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { CHANNELS, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import type { SlackCall } from '../support/fake-slack.js';
import { seedClusters, specIn } from '../support/seed-clusters.js';

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/**
 * A step that exists only in this test: it waits until the test says the monitoring agent is up,
 * and is recorded in the record's generic step progress (no field, no view, no watcher code).
 */
let monitoringUp = false;
const monitoring: Step = {
  key: 'monitoring',
  label: () => 'Monitoring agent installed',
  after: ['pool'],
  records: 'progress.steps.monitoring',
  advance: () => Promise.resolve(monitoringUp ? { done: [''] } : undefined),
};
const withMonitoring = (): Lifecycle => {
  const provision = withStep(defaultLifecycle.provision, monitoring);
  return { provision, operations: defaultLifecycle.operations.map((op) => (op === defaultLifecycle.provision ? provision : op)) };
};

async function provisioningCluster(bot: TestBot): Promise<ClusterRecord> {
  const added = await bot.bot.services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error('account not added');
  const [record] = await seedClusters(
    { store: bot.bot.store, tke: bot.bot.tke },
    { credential: TENCENT, specs: [specIn('ap-guangzhou', 'prod-1', added.account.id)], createdAt: bot.clock.now() },
  );
  await bot.bot.store.update((data) => {
    const seeded = data.clusters.find((c) => c.id === record?.id);
    if (seeded) seeded.project = 'platform';
  });
  return record as ClusterRecord;
}

const cluster = (bot: TestBot, id: string) => bot.bot.store.read((data) => data.clusters.find((c) => c.id === id));
const replies = (bot: TestBot) => bot.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts !== undefined).map((c) => String(c.body.text));
const lastRoot = (bot: TestBot) => JSON.stringify(bot.slack.calls('chat.update').at(-1)?.body.blocks ?? []);

async function tick(bot: TestBot, times = 1): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    bot.clock.advance(15_000);
    await bot.bot.watcher.tick(bot.clock.now());
    await bot.bot.services.threads.idle();
  }
}

async function overview(bot: TestBot): Promise<string> {
  const before = bot.slack.calls('response_url').length;
  await bot.send.command('status prod-1', { channel: CHANNELS.platform, user: USERS.member });
  const calls = await bot.slack.waitFor((all: SlackCall[]) => all.filter((c) => c.method === 'response_url').length > before);
  return JSON.stringify(calls.filter((c) => c.method === 'response_url').at(-1)?.body ?? {});
}

describe('a step added to the lifecycle table', () => {
  it('shows in the overview, the thread and the percentage, and holds the cluster back until it is done', async () => {
    monitoringUp = false;
    t = await startTestBot({ lifecycle: withMonitoring() });
    const { id } = await provisioningCluster(t);

    // Everything of the production table comes up (control plane, endpoint, pool, add-ons)...
    for (let i = 0; i < 40 && cluster(t, id)?.progress.addonsReadyAt === undefined; i += 1) await tick(t);
    await tick(t, 2);
    expect(cluster(t, id)?.status).toBe('Provisioning');
    // ...and the cluster waits for the new step: 5 of 7 steps, not 5 of 6.
    expect(lastRoot(t)).toContain('71%');
    expect(await overview(t)).toContain(':hourglass_flowing_sand: Monitoring agent installed — in progress');
    expect(replies(t).some((r) => r.includes('Monitoring agent installed'))).toBe(false);

    monitoringUp = true;
    await tick(t);

    const after = cluster(t, id);
    expect(after?.status).toBe('Running');
    expect(after?.progress.steps?.monitoring).toBeDefined();
    const told = replies(t);
    const at = told.findIndex((r) => r === ':white_check_mark: Monitoring agent installed.');
    expect(at).toBeGreaterThan(told.findIndex((r) => r.startsWith(':package: Add-ons installed')));
    expect(told[at + 1]).toMatch(/^:tada: Cluster \*prod-1\* is ready/);
    expect(lastRoot(t)).toContain('100%');
    expect(await overview(t)).toMatch(/:white_check_mark: Monitoring agent installed — after \d/);
  });
});
