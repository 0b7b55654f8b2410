import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { viewProblems } from '../../src/sandbox/slack/limits.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds } from '../../src/views/ids.js';
import { CHANNELS, USERS } from '../support/bot.js';
import { tickUntil } from '../support/cluster-flow.js';
import { viewBlockAction, viewSubmission, type UserInput } from '../support/payloads.js';
import { botPerTest, clickInOverview, openByCommand, runningProd, tencentParams, threadRepliesOf } from '../support/running-cluster.js';

const MINUTE = 60_000;

const { use, bot, prod } = botPerTest();
const repliesMatching = (pattern: RegExp) => threadRepliesOf(bot()).filter((reply) => pattern.test(reply));
const params = (action: string) => tencentParams(bot(), action);

/** prod-1 (profile ubuntu-mariadb: a non-GPU image) of project platform, Running with its pool `default`. */
async function runningCluster(): Promise<ClusterRecord> {
  use(await runningProd());
  return prod();
}

/** `/tke pool add prod-1` as `user`: the modal the bot opened, or the ephemeral answer. */
const openAdd = (user: string = USERS.projectAdmin) => openByCommand(bot(), 'pool add prod-1', user, 'V0ADDPOOL');

const GPU_POOL: UserInput = {
  [ActionIds.wizardPoolName]: 'gpu',
  [ActionIds.wizardPoolMin]: '0',
  [ActionIds.wizardPoolDesired]: '1',
  [ActionIds.wizardPoolMax]: '2',
  [ActionIds.wizardPoolZones]: ['ap-guangzhou-3'],
  [ActionIds.wizardPoolInstanceType]: 'GN7.2XLARGE32',
  [ActionIds.wizardPoolDisk]: '100',
};
const BATCH_POOL: UserInput = { ...GPU_POOL, [ActionIds.wizardPoolName]: 'batch', [ActionIds.wizardPoolInstanceType]: 'S5.LARGE8' };

function submitAdd(modal: { view?: ModalView; viewId: string }, input: UserInput, user: string = USERS.projectAdmin) {
  return bot().send.viewSubmission(viewSubmission({ user, view: modal.view as ModalView, viewId: modal.viewId, input }));
}

describe('/tke pool add', () => {
  it('adds a pool end to end: the wizard’s pool form, CreateClusterNodePool as Deploy sends it, the thread and the record follow', async () => {
    const cluster = await runningCluster();
    const modal = await openAdd();
    const shown = JSON.stringify(modal.view?.blocks);
    expect(shown).toContain('New worker pool');
    expect(viewProblems(modal.view as ModalView)).toEqual([]);
    expect(shown).toContain('ap-guangzhou-6');
    expect(shown).toContain('GN7.2XLARGE32 · 8 vCPU · 32 GB · 1 GPU');

    expect((await submitAdd(modal, BATCH_POOL)).json).toBeUndefined();
    await tickUntil(bot(), () => prod().change === undefined);

    const created = params('CreateClusterNodePool')[0] as Record<string, unknown> | undefined;
    expect(params('CreateClusterNodePool')).toHaveLength(1);
    expect(created).toMatchObject({ ClusterId: cluster.tkeClusterId, Name: 'batch', EnableAutoscale: true, NodePoolOs: 'ubuntu18.04.1x86_64', ContainerRuntime: 'containerd' });
    expect(JSON.parse(String(created?.AutoScalingGroupPara))).toMatchObject({ MinSize: 0, MaxSize: 2, DesiredCapacity: 1, VpcId: 'vpc-gzdemo01' });
    expect(JSON.parse(String(created?.LaunchConfigurePara))).toMatchObject({ InstanceType: 'S5.LARGE8', SystemDisk: { DiskSize: 100 }, LoginSettings: { KeyIds: ['skey-demo0001'] } });
    expect(created?.Tags).toEqual(expect.arrayContaining([{ Key: 'tkeops-cluster', Value: cluster.id }]));

    expect(repliesMatching(/Adding worker pool \*batch\*: S5\.LARGE8 in ap-guangzhou-3, min 0 · desired 1 · max 2/)).toHaveLength(1);
    expect(repliesMatching(/^:white_check_mark: <@U0PADMIN1> worker pool \*batch\* is added with 1 ready node\./)).toHaveLength(1);
    expect(prod().status).toBe('Running');
    expect(prod().spec.workerPools.map((p) => p.name)).toEqual(['default', 'batch']);
    const nodePoolId = prod().progress.pools.find((p) => p.name === 'batch')?.nodePoolId;
    expect(nodePoolId).toMatch(/^np-/);
    const audit = bot().bot.store.read((data) => data.audit.map((e) => e.action));
    expect(audit).toEqual(expect.arrayContaining(['cluster.addPool', 'cluster.addPool.done']));
  });

  it("refuses a GPU instance type with the cluster's non-GPU image, naming both and the images that fit, and a taken name", async () => {
    await runningCluster();
    const modal = await openAdd();
    const gpu = await submitAdd(modal, GPU_POOL);
    const errors = Object.values((gpu.json as { errors: Record<string, string> }).errors);
    expect(errors).toEqual([
      "GN7.2XLARGE32 is a GPU instance type; the cluster's OS image ubuntu18.04.1x86_64 has no GPU driver (GPU types need ubuntu18.04.1x86_64 GPU, centos7.6.0_x64 GPU). Pick a non-GPU instance type.",
    ]);
    const taken = await submitAdd(modal, { ...BATCH_POOL, [ActionIds.wizardPoolName]: 'Default' });
    expect(Object.values((taken.json as { errors: Record<string, string> }).errors)).toEqual(['The cluster already has a worker pool named Default']);
    expect(prod().change).toBeUndefined();
    expect(params('CreateClusterNodePool')).toEqual([]);
  });

  it('offers only the instance types sold in every chosen zone once the zones change', async () => {
    await runningCluster();
    const modal = await openAdd();
    const updates = bot().slack.calls('views.update').length;
    await bot().send.blockActions(
      viewBlockAction({
        user: USERS.projectAdmin,
        view: modal.view as ModalView,
        viewId: modal.viewId,
        actionId: ActionIds.wizardPoolZones,
        values: ['ap-guangzhou-4'],
        input: { [ActionIds.wizardPoolZones]: ['ap-guangzhou-4'] },
      }),
    );
    const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'views.update').length > updates);
    const redrawn = JSON.stringify(calls.filter((c) => c.method === 'views.update').at(-1)?.body.view);
    expect(redrawn).toContain('S5.LARGE8');
    expect(redrawn).not.toContain('GN7.2XLARGE32');
  });

  it("offers Add worker pool in the overview to the project's admin, not to a member, and refuses a member's command by the policy", async () => {
    await runningCluster();
    const before = bot().slack.calls('response_url').length;
    await bot().send.command('status prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    const overviews = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
    const shown = overviews.filter((c) => c.method === 'response_url').at(-1)?.body ?? {};
    expect(JSON.stringify(shown)).toContain(ActionIds.clusterAddPool);

    expect(JSON.stringify(await clickInOverview(bot(), shown, ActionIds.clusterAddPool))).toContain('New worker pool');

    const member = await openAdd(USERS.member);
    expect(member.answer).toContain("change this cluster's worker pools");
  });

  it('refuses while another operation runs, naming who started it and when', async () => {
    await runningCluster();
    await submitAdd(await openAdd(), BATCH_POOL);
    bot().clock.advance(4 * MINUTE);
    const second = await openAdd(USERS.tenantAdmin);
    expect(second.answer).toBe('Worker pool addition in progress, started by <@U0PADMIN1> 4 min ago. Try again when it is done.');
  });

  it('finishes an addition interrupted by a restart after CreateClusterNodePool without sending it again or repeating a reply', async () => {
    await runningCluster();
    await submitAdd(await openAdd(), BATCH_POOL);
    // The call is on record as sent, Tencent has the pool, but its id never reached the store.
    bot().clock.advance(15_000);
    await bot().bot.watcher.tick(bot().clock.now());
    await bot().bot.services.threads.idle();
    await bot().bot.settled();
    expect(params('CreateClusterNodePool')).toHaveLength(1);
    await bot().bot.store.update((data) => {
      const change = data.clusters.find((c) => c.id === prod().id)?.change;
      if (change?.kind !== 'addPool') return;
      change.params.nodePoolId = undefined;
      delete change.steps['add-requested'];
      change.calls.CreateClusterNodePool = { sentAt: change.startedAt };
    });

    use(await bot().restart());
    await tickUntil(bot(), () => prod().change === undefined);

    expect(params('CreateClusterNodePool')).toHaveLength(1);
    expect(repliesMatching(/Adding worker pool \*batch\*/)).toHaveLength(1);
    expect(repliesMatching(/worker pool \*batch\* is added/)).toHaveLength(1);
    expect(prod().progress.pools.find((p) => p.name === 'batch')?.nodePoolId).toMatch(/^np-/);
  });

  it('posts Tencent’s refusal with its code and leaves the cluster Running with its pools', async () => {
    await runningCluster();
    bot().tencent.failNext('CreateClusterNodePool', { code: 'LimitExceeded', message: 'node pool quota exceeded' });
    await submitAdd(await openAdd(), BATCH_POOL);
    await tickUntil(bot(), () => prod().change === undefined);

    const failed = repliesMatching(/worker pool addition failed/);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('<@U0PADMIN1>');
    expect(failed[0]).toContain('LimitExceeded');
    expect(prod().status).toBe('Running');
    expect(prod().spec.workerPools.map((p) => p.name)).toEqual(['default']);
    expect((await openAdd()).view).toBeDefined();
  });
});
