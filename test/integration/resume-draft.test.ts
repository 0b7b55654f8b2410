import type { KnownBlock, ModalView } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldKey } from '../../src/services/cluster-spec.js';
import type { RecordedRequest } from '../../src/sandbox/tke/index.js';
import { ActionIds, CallbackIds } from '../../src/views/ids.js';
import { fieldOfBlock } from '../../src/views/wizard/fields.js';
import { CHANNELS, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import { viewBlockAction, viewClosed, viewSubmission, type UserInput } from '../support/payloads.js';

const LOADING = ':hourglass_flowing_sand:';
const TICK_MS = 15_000;

/** A modal as Slack shows it to the user: the view the bot sent and the id Slack gave it. */
interface Shown {
  view: ModalView;
  viewId: string;
}

describe('/tke create: a closed wizard keeps its draft, and the next /tke create offers to resume it', () => {
  let t: TestBot;
  let accountId: string;
  afterEach(async () => {
    await t?.stop();
  });

  async function start(): Promise<void> {
    t = await startTestBot();
    const added = await t.bot.services.accounts.add(
      { name: 'prod', description: 'Production', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
      USERS.projectAdmin,
    );
    if (!added.ok) throw new Error(JSON.stringify(added.errors));
    accountId = added.account.id;
  }

  const drafts = () => t.bot.store.read((d) => d.drafts);
  const modalIdOf = (): string => {
    const id = t.slack.latestModalId();
    if (!id) throw new Error('no modal is open');
    return id;
  };

  /** `/tke create` in the platform channel, as the member; the modal it opens. */
  async function create(text = 'create'): Promise<Shown> {
    const before = t.slack.calls('views.open').length;
    const reply = await t.send.command(text, { user: USERS.member, channel: CHANNELS.platform });
    expect(reply).toMatchObject({ status: 200, text: '' });
    const calls = await t.slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
    const view = calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView;
    return { view, viewId: modalIdOf() };
  }

  /** The latest redraw of the modal once nothing in it is loading, after `before` updates. */
  async function redrawn(viewId: string, before: number): Promise<ModalView> {
    const settled = () =>
      t.slack
        .calls('views.update')
        .filter((c) => c.body.view_id === viewId)
        .slice(before)
        .map((c) => c.body.view as ModalView)
        .filter((v) => !JSON.stringify(v.blocks).includes(LOADING))
        .at(-1);
    await t.slack.waitFor(() => settled() !== undefined);
    return settled() as ModalView;
  }

  /** Clicks a button (or changes a dispatching input) in the modal; the modal as the bot redraws it. */
  async function click(shown: Shown, actionId: string, options: { value?: string; values?: string[]; blockId?: string; input?: UserInput } = {}): Promise<Shown> {
    const before = t.slack.calls('views.update').filter((c) => c.body.view_id === shown.viewId).length;
    const reply = await t.send.blockActions(viewBlockAction({ user: USERS.member, view: shown.view, viewId: shown.viewId, actionId, ...options }));
    expect(reply.status).toBe(200);
    return { view: await redrawn(shown.viewId, before), viewId: shown.viewId };
  }

  /** Next (or Deploy) with these fields; the step the bot answers with. */
  async function submit(shown: Shown, input: UserInput = {}): Promise<Shown> {
    const before = t.slack.calls('views.update').filter((c) => c.body.view_id === shown.viewId).length;
    const reply = await t.send.viewSubmission(viewSubmission({ user: USERS.member, view: shown.view, viewId: shown.viewId, input }));
    expect(reply.status).toBe(200);
    expect(reply.json?.response_action).toBe('update');
    const view = reply.json?.view as ModalView;
    // A step showing choices from Tencent is redrawn once they are loaded.
    return { view: JSON.stringify(view.blocks).includes(LOADING) ? await redrawn(shown.viewId, before) : view, viewId: shown.viewId };
  }

  /** Cancel, with these fields typed: Slack sends view_closed (the wizard asked with notify_on_close). */
  async function close(shown: Shown, input: UserInput = {}): Promise<void> {
    expect(shown.view.notify_on_close).toBe(true);
    const reply = await t.send.viewClosed(viewClosed({ user: USERS.member, view: shown.view, viewId: shown.viewId, input }));
    expect(reply).toMatchObject({ status: 200, text: '' });
  }

  const blockOf = (view: ModalView, key: FieldKey) => (view.blocks as KnownBlock[]).find((b) => b.block_id !== undefined && fieldOfBlock(b.block_id) === key);
  const blockIdOf = (view: ModalView, key: FieldKey): string => blockOf(view, key)?.block_id ?? '';
  const typedName = (view: ModalView) => {
    const block = blockOf(view, 'name');
    return block?.type === 'input' && block.element.type === 'plain_text_input' ? block.element.initial_value : undefined;
  };
  const buttons = (view: ModalView) =>
    (view.blocks as KnownBlock[]).flatMap((b) => (b.type === 'actions' ? b.elements.flatMap((e) => (e.type === 'button' ? [e.text.text] : [])) : []));

  const basics: () => UserInput = () => ({
    [ActionIds.wizardName]: 'payments-prod',
    [ActionIds.wizardDescription]: 'Payments API',
    [ActionIds.wizardTags]: 'team:payments',
    [ActionIds.wizardAccount]: accountId,
    [ActionIds.wizardProfile]: 'ubuntu-standard',
  });

  it('keeps what was typed when the wizard is closed, and offers "Resume draft <name>" or "Start over" on the next /tke create there', async () => {
    await start();
    const wizard = await create();
    await close(wizard, { [ActionIds.wizardName]: 'payments-prod' });

    const prompt = await create();

    expect(prompt.view.callback_id).toBe(CallbackIds.wizardResume);
    expect(buttons(prompt.view)).toEqual(['Resume draft payments-prod', 'Start over']);
    expect(JSON.stringify(prompt.view.blocks)).toContain('at *basic information*');
    expect(drafts()).toHaveLength(1);
    expect(drafts()[0]?.form?.name).toBe('payments-prod');
  });

  it('opens a fresh wizard for another user in the same channel', async () => {
    await start();
    await close(await create(), { [ActionIds.wizardName]: 'payments-prod' });
    await t.send.command('create', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    const [other] = (await t.slack.waitFor((calls) => calls.filter((c) => c.method === 'views.open').length === 2)).filter((c) => c.method === 'views.open').slice(1);
    expect((other?.body.view as ModalView).callback_id).toBe(CallbackIds.wizardBasics);
    expect(typedName(other?.body.view as ModalView)).toBeUndefined();
  });

  it('resumes the wizard in the prompt, on the step it was closed at, with the fields as typed', async () => {
    await start();
    const wizard = await create();
    await close(wizard, { [ActionIds.wizardName]: 'payments-prod', [ActionIds.wizardTags]: 'team:payments' });
    const prompt = await create();

    const resumed = await click(prompt, ActionIds.wizardResumeDraft, { value: drafts()[0]?.id ?? '' });

    expect(resumed.view.callback_id).toBe(CallbackIds.wizardBasics);
    expect(typedName(resumed.view)).toBe('payments-prod');
    const tags = blockOf(resumed.view, 'tags');
    expect(tags?.type === 'input' && tags.element.type === 'plain_text_input' && tags.element.initial_value).toBe('team:payments');
    // The prompt became the wizard: Next on it goes on from there.
    const packs = await submit(resumed, { ...basics(), [ActionIds.wizardName]: 'payments-prod' });
    expect(packs.view.callback_id).toBe(CallbackIds.wizardPacks);
  });

  it('resumes a wizard closed on a later step at that step', async () => {
    await start();
    let wizard = await create();
    wizard = await submit(wizard, basics());
    wizard = await submit(wizard);
    expect(wizard.view.callback_id).toBe(CallbackIds.wizardPlacement);
    await close(wizard);

    const resumed = await click(await create(), ActionIds.wizardResumeDraft);

    expect(resumed.view.callback_id).toBe(CallbackIds.wizardPlacement);
    const back = await click(resumed, ActionIds.wizardBack);
    expect(back.view.callback_id).toBe(CallbackIds.wizardPacks);
  });

  it('starts over with an empty form and forgets the old draft', async () => {
    await start();
    await close(await create(), { [ActionIds.wizardName]: 'payments-prod' });
    const old = drafts()[0]?.id;
    const prompt = await create('create billing-dev');

    const fresh = await click(prompt, ActionIds.wizardStartOver);

    expect(fresh.view.callback_id).toBe(CallbackIds.wizardBasics);
    // The name given to this /tke create, not the old draft's.
    expect(typedName(fresh.view)).toBe('billing-dev');
    expect(drafts().map((d) => d.id)).not.toContain(old);
    expect(drafts()).toMatchObject([{ viewId: prompt.viewId, form: { name: 'billing-dev', tags: '' } }]);
    expect(drafts()[0]?.form?.accountId).toBeUndefined();
  });

  it('answers an old Resume button politely once its draft is gone', async () => {
    await start();
    await close(await create(), { [ActionIds.wizardName]: 'payments-prod' });
    const prompt = await create();
    await click(prompt, ActionIds.wizardStartOver);

    const stale = await click(prompt, ActionIds.wizardResumeDraft);

    expect(stale.view.callback_id).toBe(CallbackIds.wizardExpired);
    expect(JSON.stringify(stale.view.blocks)).toContain('Run `/tke create` to start again');
  });

  it('deploys a resumed draft end to end: CreateCluster, then the worker pool with the sizes typed before closing', async () => {
    await start();
    let wizard = await create();
    wizard = await submit(wizard, basics());
    wizard = await submit(wizard);
    wizard = await click(wizard, ActionIds.wizardRegion, { value: 'ap-guangzhou', input: { [ActionIds.wizardRegion]: 'ap-guangzhou' } });
    wizard = await click(wizard, ActionIds.wizardVpc, { value: 'vpc-gzdemo01', input: { [ActionIds.wizardVpc]: 'vpc-gzdemo01' } });
    wizard = await submit(wizard, { [ActionIds.wizardKeyPair]: 'skey-demo0002', [ActionIds.wizardSubnet]: 'subnet-gz04dft1', [ActionIds.wizardPublicCidrs]: '203.0.113.0/24' });
    expect(wizard.view.callback_id).toBe(CallbackIds.wizardPools);
    const pool = (field: string) => blockIdOf(wizard.view, `pool:p1:${field}` as FieldKey);
    await close(wizard, {
      [pool('name')]: 'general',
      [pool('minSize')]: '1',
      [pool('desiredSize')]: '2',
      [pool('maxSize')]: '4',
      [pool('zones')]: ['ap-guangzhou-4'],
      [pool('instanceType')]: 'S5.MEDIUM4',
      [pool('diskGb')]: '60',
    });

    // Everything was typed: the wizard resumes on the review, and Deploy goes to Tencent.
    const review = await click(await create(), ActionIds.wizardResumeDraft);
    expect(review.view.callback_id).toBe(CallbackIds.wizardReview);
    const deployed = await t.send.viewSubmission(viewSubmission({ user: USERS.member, view: review.view, viewId: review.viewId, input: {} }));
    expect(deployed.text).toBe('');
    const cluster = await waitForCluster();
    const params = (r: RecordedRequest | undefined) => (r?.params ?? {}) as Record<string, unknown>;
    expect(params(t.tencent.requestsFor('CreateCluster')[0])).toMatchObject({ ClusterBasicSettings: { ClusterName: 'payments-prod', VpcId: 'vpc-gzdemo01' } });

    for (let i = 0; i < 60 && t.tencent.requestsFor('CreateClusterNodePool').length === 0; i += 1) {
      t.clock.advance(TICK_MS);
      await t.bot.watcher.tick(t.clock.now());
    }
    const [nodePool] = t.tencent.requestsFor('CreateClusterNodePool').map(params);
    expect(nodePool).toMatchObject({ ClusterId: cluster.tkeClusterId, Name: 'general' });
    expect(JSON.parse(String(nodePool?.AutoScalingGroupPara))).toMatchObject({ MinSize: 1, DesiredCapacity: 2, MaxSize: 4, SubnetIds: ['subnet-gz04dft1'] });
    expect(JSON.parse(String(nodePool?.LaunchConfigurePara))).toMatchObject({ InstanceType: 'S5.MEDIUM4', SystemDisk: { DiskSize: 60 } });
    await t.bot.services.threads.idle();
  });

  async function waitForCluster() {
    for (let i = 0; i < 500; i += 1) {
      const cluster = t.bot.store.read((d) => d.clusters[0]);
      if (cluster?.tkeClusterId) return cluster;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('Deploy recorded no cluster');
  }

  it('is offered only in the channel the draft was left in', async () => {
    await start();
    await close(await create(), { [ActionIds.wizardName]: 'payments-prod' });
    await t.send.command('create', { user: USERS.member, channel: CHANNELS.data });
    const opened = (await t.slack.waitFor((calls) => calls.filter((c) => c.method === 'views.open').length === 2)).filter((c) => c.method === 'views.open');
    expect((opened[1]?.body.view as ModalView).callback_id).toBe(CallbackIds.wizardBasics);
  });
});
