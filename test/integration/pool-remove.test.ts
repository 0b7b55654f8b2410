import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds, BlockIds } from '../../src/views/ids.js';
import { CHANNELS, startTestBot, USERS } from '../support/bot.js';
import { addPlatformAccount, deployThroughSlack, tickUntil } from '../support/cluster-flow.js';
import type { SlackCall } from '../support/fake-slack.js';
import { viewSubmission } from '../support/payloads.js';
import { aPoolForm } from '../support/wizard-forms.js';
import { botPerTest } from '../support/running-cluster.js';

const { use, bot, prod } = botPerTest();
const text = (call: SlackCall) => String(call.body.text ?? '');
const repliesMatching = (pattern: RegExp) =>
  bot().slack.calls('chat.postMessage').filter((c) => c.body.thread_ts !== undefined).map(text).filter((reply) => pattern.test(reply));

/** prod-1 Running with the pools given (default: `default` and `batch`). */
async function runningCluster(pools = [aPoolForm({ key: 'p1', name: 'default' }), aPoolForm({ key: 'p2', name: 'batch', minSize: '0', desiredSize: '1' })]): Promise<ClusterRecord> {
  use(await startTestBot());
  const accountId = await addPlatformAccount(bot());
  await deployThroughSlack(bot(), accountId, 'prod-1', pools);
  await tickUntil(bot(), () => prod().status === 'Running');
  bot().tencent.clearRequests();
  return prod();
}

async function openRemove(pool: string, user: string = USERS.projectAdmin): Promise<{ view?: ModalView; viewId: string; answer: string }> {
  const before = bot().slack.calls('views.open').length;
  const reply = await bot().send.command(`pool remove prod-1 ${pool}`, { user, channel: CHANNELS.platform });
  const answer = String(reply.json?.text ?? reply.text ?? '');
  if (answer !== '') return { answer, viewId: '' };
  const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
  return { view: calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView, viewId: `V0REMOVE${before}`, answer };
}

const confirm = (modal: { view?: ModalView; viewId: string }, typed: string) =>
  bot().send.viewSubmission(viewSubmission({ user: USERS.projectAdmin, view: modal.view as ModalView, viewId: modal.viewId, input: { [ActionIds.poolRemoveName]: typed } }));

describe('/tke pool remove', () => {
  it('removes a pool once its name is typed exactly, follows it until Tencent no longer lists it, and the overview drops it', async () => {
    const cluster = await runningCluster();
    const batchId = cluster.progress.pools.find((p) => p.name === 'batch')?.nodePoolId;
    const modal = await openRemove('batch');
    expect(JSON.stringify(modal.view?.blocks)).toContain('terminates its 1 S5.MEDIUM4 node');

    expect((await confirm(modal, 'Batch')).json).toEqual({ response_action: 'errors', errors: { [BlockIds.poolRemoveName]: 'Type batch exactly to remove this pool.' } });
    expect(prod().change).toBeUndefined();

    await confirm(modal, 'batch');
    await tickUntil(bot(), () => prod().change === undefined);

    expect(bot().tencent.requestsFor('DeleteClusterNodePool').map((r) => r.params)).toEqual([{ ClusterId: cluster.tkeClusterId, NodePoolIds: [batchId], KeepInstance: false }]);
    expect(repliesMatching(/Removing worker pool \*batch\*/)).toHaveLength(1);
    expect(repliesMatching(/^:white_check_mark: <@U0PADMIN1> worker pool \*batch\* is removed/)).toHaveLength(1);
    expect(prod().spec.workerPools.map((p) => p.name)).toEqual(['default']);
    expect(prod().progress.pools.map((p) => p.name)).toEqual(['default']);
    expect(prod().status).toBe('Running');

    const before = bot().slack.calls('response_url').length;
    await bot().send.command('status prod-1', { user: USERS.projectAdmin, channel: CHANNELS.platform });
    const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
    const overview = JSON.stringify(calls.filter((c) => c.method === 'response_url').at(-1)?.body ?? {});
    expect(overview).toContain('*default*');
    expect(overview).not.toContain('*batch*');
  });

  it("refuses the cluster's last pool", async () => {
    await runningCluster([aPoolForm({ name: 'default' })]);
    const answer = await openRemove('default');
    expect(answer.answer).toBe("default is the cluster's last worker pool; a cluster keeps at least one. Add another pool first.");
    expect(bot().tencent.requestsFor('DeleteClusterNodePool')).toEqual([]);
  });
});
