import { describe, expect, it } from 'vitest';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds } from '../../src/views/ids.js';
import { CHANNELS, startTestBot, USERS } from '../support/bot.js';
import { addPlatformAccount, deployThroughSlack, tickUntil } from '../support/cluster-flow.js';
import type { SlackCall } from '../support/fake-slack.js';
import { messageBlockAction } from '../support/payloads.js';
import { until } from '../support/until.js';
import { botPerTest } from '../support/running-cluster.js';

const { use, bot, prod } = botPerTest();
const text = (call: SlackCall) => String(call.body.text ?? '');
const threadPosts = () => bot().slack.calls('chat.postMessage').filter((c) => c.body.thread_ts !== undefined);
const repliesMatching = (pattern: RegExp) => threadPosts().map(text).filter((reply) => pattern.test(reply));
const failedReply = () => threadPosts().filter((c) => text(c).includes('Provisioning failed')).at(-1);

/** prod-1 deployed by the member, with Tencent refusing its first CreateClusterNodePool (`code`): Failed. */
async function failedCluster(action: string, code: string): Promise<ClusterRecord> {
  use(await startTestBot());
  const accountId = await addPlatformAccount(bot());
  bot().tencent.failNext(action, { code, message: `${action} refused for the test.` });
  await deployThroughSlack(bot(), accountId, 'prod-1');
  await tickUntil(bot(), () => prod().status === 'Failed');
  await bot().bot.services.threads.idle();
  return prod();
}

/** Waits for what the user sees once a retry started: the thread's reply. */
const retried = () => until(() => (repliesMatching(/retries the failed step/).length > 0 ? true : undefined), 'the retry reply');

function clickRetry(message: SlackCall, user: string = USERS.member, ephemeral = false) {
  return bot().send.blockActions(
    messageBlockAction({
      user,
      channel: CHANNELS.platform,
      message: message.body,
      messageTs: '1700000009.000100',
      actionId: ActionIds.clusterRetryStep,
      responseUrl: `${bot().slack.url}/response/C0PLATFORM/retry`,
      ephemeral,
    }),
  );
}

describe('Retry the failed step', () => {
  it('runs a refused worker pool creation again once, however many clicks, and the cluster goes on to Running', async () => {
    await failedCluster('CreateClusterNodePool', 'ResourceInsufficient.SpecifiedInstanceType');
    const failed = failedReply() as SlackCall;
    expect(JSON.stringify(failed.body.blocks)).toContain(ActionIds.clusterRetryStep);
    expect(JSON.stringify(failed.body.blocks)).toContain('Create the worker pools (CreateClusterNodePool)');
    expect(bot().tencent.requestsFor('CreateClusterNodePool')).toHaveLength(1);

    // A double click (or Slack's retry of the payload): one retry; the second click is told it is under way.
    await Promise.all([clickRetry(failed), clickRetry(failed)]);
    await retried();
    const told = await bot().slack.waitFor((all) => all.some((c) => c.method === 'response_url' && text(c).includes('not Failed')));
    expect(told.filter((c) => c.method === 'response_url' && text(c).includes('prod-1 is Provisioning, not Failed'))).toHaveLength(1);
    expect(prod().status).toBe('Provisioning');
    await tickUntil(bot(), () => prod().status === 'Running');
    await bot().bot.services.threads.idle();

    expect(bot().tencent.requestsFor('CreateClusterNodePool')).toHaveLength(2);
    expect(repliesMatching(/^:repeat: <@U0MEMBER> retries the failed step: Create the worker pools \(CreateClusterNodePool\)\. It had failed with .*ResourceInsufficient\.SpecifiedInstanceType/)).toHaveLength(1);
    expect(repliesMatching(/Worker pool \*default\* ready/)).toHaveLength(1);
    expect(repliesMatching(/is ready/)).toHaveLength(1);
    expect(prod().failure).toBeUndefined();
    expect(prod().progress.pools[0]?.nodePoolId).toMatch(/^np-/);
    const audit = bot().bot.store.read((data) => data.audit.filter((e) => e.action === 'cluster.retryStep'));
    expect(audit).toEqual([expect.objectContaining({ actor: USERS.member, target: prod().id, detail: { step: 'Create the worker pools (CreateClusterNodePool)', code: 'ResourceInsufficient.SpecifiedInstanceType' } })]);

    // The button of the old failure reply now says why there is nothing to retry.
    const before = bot().slack.calls('response_url').length;
    await clickRetry(failed);
    const answers = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
    expect(text(answers.filter((c) => c.method === 'response_url').at(-1) as SlackCall)).toContain('prod-1 is Running, not Failed');
  });

  it('posts a second failure of the retried step with its own reply and offers the retry again', async () => {
    await failedCluster('CreateClusterNodePool', 'ResourceInsufficient.SpecifiedInstanceType');
    bot().tencent.failNext('CreateClusterNodePool', { code: 'LimitExceeded', message: 'node pool quota exceeded' });
    await clickRetry(failedReply() as SlackCall);
    await retried();
    await tickUntil(bot(), () => prod().status === 'Failed');
    await bot().bot.services.threads.idle();

    const failures = threadPosts().filter((c) => text(c).includes('Provisioning failed'));
    expect(failures.map(text)).toEqual([expect.stringContaining('ResourceInsufficient.SpecifiedInstanceType'), expect.stringContaining('LimitExceeded')]);
    expect(JSON.stringify(failures[1]?.body.blocks)).toContain(ActionIds.clusterRetryStep);
    expect(prod().failure?.code).toBe('LimitExceeded');
  });

  it('offers the retry in the overview of the Failed cluster to a member of its project, and the button there retries it', async () => {
    await failedCluster('CreateClusterNodePool', 'ResourceInsufficient.SpecifiedInstanceType');
    const before = bot().slack.calls('response_url').length;
    await bot().send.command('status prod-1', { user: USERS.member, channel: CHANNELS.platform });
    const calls = await bot().slack.waitFor((all) => all.filter((c) => c.method === 'response_url').length > before);
    const shown = calls.filter((c) => c.method === 'response_url').at(-1) as SlackCall;
    expect(JSON.stringify(shown.body)).toContain(ActionIds.clusterRetryStep);

    await clickRetry(shown, USERS.member, true);
    await retried();
    expect(prod().status).toBe('Provisioning');
  });

  it('offers no retry for a failure the lifecycle does not mark retryable (an endpoint Tencent could not create)', async () => {
    await failedCluster('CreateClusterEndpoint', 'FailedOperation.ClusterState');
    const failed = failedReply() as SlackCall;
    expect(text(failed)).toContain('FailedOperation.ClusterState');
    expect(JSON.stringify(failed.body.blocks)).not.toContain(ActionIds.clusterRetryStep);
    expect(JSON.stringify(failed.body.blocks)).toContain(ActionIds.clusterDelete);
  });
});
