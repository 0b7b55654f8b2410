/** The day-two tests' shared steps: prod-1 Running, its overview, and the modals opened by a command or an overview button. */
import type { ModalView } from '@slack/types';
import { afterEach } from 'vitest';
import type { WizardPoolForm } from '../../src/services/domain/index.js';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { CHANNELS, startTestBot, USERS, type TestBot } from './bot.js';
import { addPlatformAccount, clusterNamed, deployThroughSlack, findCluster, tickUntil } from './cluster-flow.js';
import type { SlackCall } from './fake-slack.js';
import { messageBlockAction } from './payloads.js';

/**
 * The bot each test of a file starts (`use`, also after a restart), stopped after the test: `bot()`
 * is it, `prod()` its prod-1 as stored.
 */
export function botPerTest(): { use(started: TestBot): TestBot; bot(): TestBot; prod(): ClusterRecord } {
  let current: TestBot | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  const bot = () => {
    if (!current) throw new Error('this test started no bot');
    return current;
  };
  return { use: (started) => (current = started), bot, prod: () => clusterNamed(bot(), 'prod-1') as ClusterRecord };
}

/** A bot with prod-1 of project platform, deployed through Slack and followed until Running; the emulator's request log cleared. */
export async function runningProd(options: { policyYaml?: string | undefined; pools?: WizardPoolForm[] } = {}): Promise<TestBot> {
  const t = await startTestBot(options.policyYaml === undefined ? {} : { policyYaml: options.policyYaml });
  const accountId = await addPlatformAccount(t);
  await deployThroughSlack(t, accountId, 'prod-1', ...(options.pools ? [options.pools] : []));
  await tickUntil(t, async () => (await findCluster(t, 'prod-1'))?.status === 'Running');
  t.tencent.clearRequests();
  return t;
}

export const textOf = (call: SlackCall): string => String(call.body.text ?? '');
/** The provisioning threads' replies, oldest first. */
export const threadRepliesOf = (t: TestBot): string[] => t.slack.calls('chat.postMessage').filter((c) => c.body.thread_ts !== undefined).map(textOf);
/** The params of each request the emulator received for `action`. */
export const tencentParams = (t: TestBot, action: string): unknown[] => t.tencent.requestsFor(action).map((r) => r.params);

/** The modal views.open showed after `before` of them (waiting for it). */
async function openedAfter(t: TestBot, before: number): Promise<ModalView | undefined> {
  const calls = await t.slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
  return calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView | undefined;
}

/** `/tke <command>` in #platform as `user`: the modal the bot opened, or the ephemeral answer. */
export async function openByCommand(t: TestBot, command: string, user: string, viewIdPrefix: string): Promise<{ view?: ModalView; viewId: string; answer: string }> {
  const before = t.slack.calls('views.open').length;
  const reply = await t.send.command(command, { user, channel: CHANNELS.platform });
  const answer = String(reply.json?.text ?? reply.text ?? '');
  if (answer !== '') return { answer, viewId: '' };
  return { view: await openedAfter(t, before), viewId: `${viewIdPrefix}${before}`, answer };
}

/** The project admin's click on `actionId` in an overview (an ephemeral message): the modal it opened. */
export async function clickInOverview(t: TestBot, overview: Record<string, unknown>, actionId: string): Promise<ModalView | undefined> {
  const before = t.slack.calls('views.open').length;
  await t.send.blockActions(
    messageBlockAction({
      user: USERS.projectAdmin,
      channel: CHANNELS.platform,
      message: overview,
      messageTs: '1700000002.000100',
      actionId,
      responseUrl: `${t.slack.url}/response/C0PLATFORM/overview`,
      ephemeral: true,
    }),
  );
  return openedAfter(t, before);
}
