import type { KnownBlock, ModalView } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_LEVEL_PRICES, DEFAULT_SYSTEM_DISK_PRICES, DEMO_INSTANCE_PRICES } from '../../src/sandbox/tke/seed.js';
import type { RecordedRequest } from '../../src/sandbox/tke/index.js';
import { osImageId } from '../../src/sandbox/tke/actions/prices.js';
import type { WizardPoolForm } from '../../src/services/store-schema.js';
import { wizardView } from '../../src/views/wizard/screen.js';
import { CHANNELS, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import { viewSubmission } from '../support/payloads.js';
import { aPoolForm, aWizardForm, aWizardOptions } from '../support/wizard-forms.js';

const GENERAL = aPoolForm({ key: 'p1', name: 'general', minSize: '1', desiredSize: '2', maxSize: '4', instanceType: 'S5.LARGE8', zones: ['ap-guangzhou-3', 'ap-guangzhou-4'], diskGb: '60' });
const BIG = aPoolForm({ key: 'p2', name: 'big', minSize: '0', desiredSize: '1', maxSize: '2', instanceType: 'S5.2XLARGE16', zones: ['ap-guangzhou-3', 'ap-guangzhou-6'], diskGb: '100' });

/** One node of a pool, from the emulator's Guangzhou table: the instance after discount and its system disk (CLOUD_PREMIUM). */
const nodePrice = (pool: WizardPoolForm): number =>
  (DEMO_INSTANCE_PRICES[pool.instanceType]?.unitPriceDiscount ?? NaN) + (DEFAULT_SYSTEM_DISK_PRICES.CLOUD_PREMIUM ?? NaN) * Number(pool.diskGb);

let t: TestBot;
afterEach(async () => {
  await t.stop();
});

const text = (view: ModalView | { blocks?: unknown }) => JSON.stringify(view.blocks ?? []);
const params = (r: RecordedRequest | undefined) => (r?.params ?? {}) as Record<string, unknown>;

/**
 * The bot with a cloud account of project platform and a member's wizard on the worker pools step,
 * every field filled in (GENERAL and BIG in Guangzhou); returns what the pools step's Next sends.
 */
async function wizardOnPools(pools: WizardPoolForm[] = [GENERAL, BIG]) {
  t = await startTestBot();
  const added = await t.bot.services.accounts.add(
    { name: 'prod', description: 'Production', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(JSON.stringify(added.errors));
  const accountId = added.account.id;
  await t.send.command('create', { user: USERS.member, channel: CHANNELS.platform });
  await t.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
  await t.slack.waitFor(() => t.bot.store.read((d) => d.drafts[0]?.viewId) !== undefined);
  const draftId = t.bot.store.read((d) => d.drafts[0]?.id) ?? '';
  const viewId = t.bot.store.read((d) => d.drafts[0]?.viewId) ?? '';
  const instanceTypes = ['ap-guangzhou-3', 'ap-guangzhou-4', 'ap-guangzhou-6'].flatMap((zone) => [
    { instanceType: 'S5.LARGE8', zone, cpu: 4, memoryGb: 8, gpu: 0 },
    { instanceType: 'S5.2XLARGE16', zone, cpu: 8, memoryGb: 16, gpu: 0 },
  ]);
  await t.bot.store.update((d) => {
    const draft = d.drafts[0];
    if (!draft) return;
    draft.form = aWizardForm({ accountId, pools, nextPoolKey: pools.length + 1 });
    draft.options = aWizardOptions({ accountId, instanceTypes: [...(aWizardOptions().instanceTypes ?? []), ...instanceTypes] });
  });
  const screen = await t.bot.services.wizard.screen(draftId, USERS.member, 'pools');
  if (screen.kind !== 'screen') throw new Error('the draft is gone');
  t.tencent.clearRequests();
  return { draftId, viewId, view: wizardView(screen.screen) };
}

/** Next on the pools step: the review at once (the ack), then the priced review (views.update). */
async function submitPools(pools?: WizardPoolForm[]) {
  const { viewId, view } = await wizardOnPools(pools);
  const reply = await t.send.viewSubmission(viewSubmission({ user: USERS.member, view, viewId, input: {} }));
  const acked = reply.json?.view as ModalView;
  const updates = await t.slack.waitFor((calls) => calls.some((c) => c.method === 'views.update' && c.body.view_id === viewId));
  const priced = updates.find((c) => c.method === 'views.update')?.body.view as ModalView;
  return { reply, acked, priced, viewId };
}

/** Deploy on the priced review; resolves with the cluster's root message once posted. */
async function deploy(viewId: string, review: ModalView) {
  const reply = await t.send.viewSubmission(viewSubmission({ user: USERS.member, view: review, viewId, input: {} }));
  expect(reply.text).toBe('');
  const calls = await t.slack.waitFor((all) => all.some((c) => c.method === 'chat.postMessage'));
  // The root message is posted before CreateCluster: Deploy's work after the ack is done once the bot settles.
  await t.bot.settled();
  return calls.find((c) => c.method === 'chat.postMessage')?.body ?? {};
}

describe('cost estimate', () => {
  it('shows "estimating…" with the ack, then the price of every pool and the control plane from the emulator\'s table', async () => {
    const { reply, acked, priced } = await submitPools();

    expect(reply.json?.response_action).toBe('update');
    expect(acked.callback_id).toBe(priced.callback_id);
    expect(text(acked)).toContain('*Estimated price*: estimating…');
    // The emulator's table: S5.LARGE8 0.64 + 60 GB × 0.0005 = 0.67; S5.2XLARGE16 1.28 + 100 GB × 0.0005 = 1.33; L20 20 分 = 0.20.
    expect(nodePrice(GENERAL)).toBeCloseTo(0.67, 10);
    expect(nodePrice(BIG)).toBeCloseTo(1.33, 10);
    expect(DEFAULT_CLUSTER_LEVEL_PRICES.L20).toBe(20);
    const shown = text(priced);
    expect(shown).not.toContain('estimating');
    expect(shown).toContain('• *general*: 2 × CNY 0.67/h = CNY 1.34/h · up to 4 nodes: CNY 2.68/h');
    expect(shown).toContain('• *big*: 1 × CNY 1.33/h = CNY 1.33/h · up to 2 nodes: CNY 2.66/h');
    expect(shown).toContain('• Control plane (L20): CNY 0.20/h');
    // 1.34 + 1.33 + 0.20 = 2.87 an hour, × 720 h; up to 2.68 + 2.66 + 0.20 = 5.54.
    expect(shown).toContain('*Total*: CNY 2.87/h · CNY 2,066.40 per 30 days — up to CNY 5.54/h · CNY 3,988.80 per 30 days');
  });

  it('asks Tencent in the SDK\'s field names: each pool\'s instance type, first zone and system disk, pay-as-you-go, and the level holding every pool at its max', async () => {
    await submitPools();

    const inquiries = t.tencent.requestsFor('InquiryPriceRunInstances').map(params);
    expect(inquiries.sort((a, b) => String(a.InstanceType).localeCompare(String(b.InstanceType)))).toEqual([
      {
        Placement: { Zone: 'ap-guangzhou-3' },
        ImageId: osImageId('ubuntu18.04.1x86_64'),
        InstanceChargeType: 'POSTPAID_BY_HOUR',
        InstanceType: 'S5.2XLARGE16',
        SystemDisk: { DiskType: 'CLOUD_PREMIUM', DiskSize: 100 },
        InstanceCount: 1,
      },
      {
        Placement: { Zone: 'ap-guangzhou-3' },
        ImageId: osImageId('ubuntu18.04.1x86_64'),
        InstanceChargeType: 'POSTPAID_BY_HOUR',
        InstanceType: 'S5.LARGE8',
        SystemDisk: { DiskType: 'CLOUD_PREMIUM', DiskSize: 60 },
        InstanceCount: 1,
      },
    ]);
    expect(t.tencent.requestsFor('GetClusterLevelPrice').map(params)).toEqual([{ ClusterLevel: 'L20' }]);
    expect(t.tencent.requestsFor('DescribeOSImages').map((r) => r.region)).toEqual(['ap-guangzhou']);
    expect(t.tencent.requests.filter((r) => r.errorCode !== undefined)).toEqual([]);
  });

  it('keeps the estimate on the cluster at Deploy: the root message shows it', async () => {
    const { priced, viewId } = await submitPools();

    const root = await deploy(viewId, priced);

    expect(JSON.stringify(root.blocks)).toContain(
      ':moneybag: Estimated price at creation: CNY 2.87/h · CNY 2,066.40 per 30 days — up to CNY 5.54/h · CNY 3,988.80 per 30 days',
    );
    const [cluster] = t.bot.store.read((d) => d.clusters);
    expect(cluster?.estimate?.total).toEqual({ perHour: 2.87, upToPerHour: 5.54, per30Days: 2066.4, upToPer30Days: 3988.8, missing: [] });
  });

  it('shows "price unavailable (code)" when an inquiry fails, and Deploy still creates the cluster', async () => {
    const { viewId, view } = await wizardOnPools();
    t.tencent.failNext('InquiryPriceRunInstances', { code: 'ResourceInsufficient.SpecifiedInstanceType', message: 'Sold out in ap-guangzhou-3.', times: 2 });
    await t.send.viewSubmission(viewSubmission({ user: USERS.member, view, viewId, input: {} }));
    const updates = await t.slack.waitFor((calls) => calls.some((c) => c.method === 'views.update' && c.body.view_id === viewId));
    const priced = updates.find((c) => c.method === 'views.update')?.body.view as ModalView;

    const shown = text(priced);
    expect(shown).toContain('• *general*: price unavailable (ResourceInsufficient.SpecifiedInstanceType)');
    expect(shown).toContain('• *big*: price unavailable (ResourceInsufficient.SpecifiedInstanceType)');
    expect(shown).toContain('• Control plane (L20): CNY 0.20/h');
    expect(shown).toContain(
      '*Total*: CNY 0.20/h · CNY 144.00 per 30 days _(without worker pool general: ResourceInsufficient.SpecifiedInstanceType, worker pool big: ResourceInsufficient.SpecifiedInstanceType)_',
    );
    expect(priced.submit?.text).toBe('Deploy');

    const root = await deploy(viewId, priced);
    expect(t.tencent.requestsFor('CreateCluster')).toHaveLength(1);
    expect(t.bot.store.read((d) => d.clusters.map((c) => c.status))).toEqual(['Provisioning']);
    expect(JSON.stringify(root.blocks)).toContain('Estimated price at creation: CNY 0.20/h');
  });

  it('shows the overview of a running cluster priced for its current pools, and a cluster still provisioning as of Deploy', async () => {
    const { priced, viewId } = await submitPools();
    await deploy(viewId, priced);
    const overview = async () => {
      const before = t.slack.calls('response_url').length;
      await t.send.command('status payments-prod', { user: USERS.member, channel: CHANNELS.platform });
      const calls = await t.slack.waitFor(() => t.slack.calls('response_url').length > before);
      return JSON.stringify(calls.filter((c) => c.method === 'response_url').at(-1)?.body.blocks as KnownBlock[]);
    };

    const provisioning = await overview();
    expect(provisioning).toContain('*Estimated price* (pay-as-you-go, as of Deploy, ');
    expect(provisioning).toContain('*Total*: CNY 2.87/h');

    // Running, and its general pool grown to 3 nodes since.
    await t.bot.store.update((d) => {
      const cluster = d.clusters[0];
      const pool = cluster?.spec.workerPools[0];
      if (!cluster || !pool) return;
      cluster.status = 'Running';
      pool.desiredSize = 3;
    });
    t.tencent.clearRequests();
    const running = await overview();
    expect(running).toContain('*Estimated price* (pay-as-you-go, for its current pools, now)');
    expect(running).toContain('• *general*: 3 × CNY 0.67/h = CNY 2.01/h · up to 4 nodes: CNY 2.68/h');
    // 2.01 + 1.33 + 0.20
    expect(running).toContain('*Total*: CNY 3.54/h · CNY 2,548.80 per 30 days');
    expect(t.tencent.requestsFor('InquiryPriceRunInstances')).toHaveLength(2);
  });
});
