import type { ModalView } from '@slack/types';
import type { ClusterRecord } from '../../src/services/store-schema.js';
import { ActionIds } from '../../src/views/ids.js';
import { wizardView } from '../../src/views/wizard/screen.js';
import { CHANNELS, TENCENT, USERS, type TestBot } from './bot.js';
import { viewSubmission } from './payloads.js';
import { aPoolForm, aWizardForm, aWizardOptions } from './wizard-forms.js';
import { until } from './until.js';

/**
 * A cluster's whole life through Slack, for tests about the bot as a whole (metrics, shutdown):
 * signed requests for `/tke create`, Deploy, `/tke delete` and its typed-name confirmation, and
 * watcher ticks on the ManualClock in between. The wizard's own steps are covered by its tests:
 * here the completed form is stored in the draft, as those steps would have left it.
 */

const TICK_MS = 15_000;

/** A cloud account of project platform, added (and checked against the emulator) as its admin would. */
export async function addPlatformAccount(t: TestBot): Promise<string> {
  const added = await t.bot.services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(`account not added: ${JSON.stringify(added.errors)}`);
  return added.account.id;
}

export function clusterNamed(t: TestBot, name: string): ClusterRecord | undefined {
  return t.bot.store.read((data) => data.clusters.find((c) => c.spec.name === name));
}

/** The cluster called `name`, through the repositories: on lowdb and PostgreSQL alike. */
export async function findCluster(t: TestBot, name: string): Promise<ClusterRecord | undefined> {
  return (await t.bot.repositories.clusters.list()).find((c) => c.spec.name === name);
}

/** `/tke create <name>`, then Deploy of the review step; resolves once the provisioning thread is open. */
export async function deployThroughSlack(t: TestBot, accountId: string, name: string, pools = [aPoolForm({ name: 'default' })]): Promise<ClusterRecord> {
  await t.send.command(`create ${name}`, { channel: CHANNELS.platform, user: USERS.member });
  const opened = await until(async () => (await t.bot.repositories.drafts.list({ userId: USERS.member })).find((d) => d.viewId && !d.clusterId), 'the wizard');
  const draft = await t.bot.services.drafts.update(opened.id, (d) => {
    d.form = aWizardForm({ name, accountId, pools });
    d.options = aWizardOptions({ accountId });
  });
  if (!draft?.viewId) throw new Error('the wizard draft has no view');
  const review = await t.bot.services.wizard.screen(draft.id, USERS.member, 'review');
  if (review.kind !== 'screen') throw new Error('the wizard draft is gone');
  const view = wizardView(review.screen);
  await t.send.viewSubmission(viewSubmission({ user: USERS.member, view, viewId: draft.viewId, input: {} }));
  const cluster = await until(async () => {
    const found = await findCluster(t, name);
    return found?.thread ? found : undefined;
  }, `the provisioning thread of ${name}`);
  await t.bot.settled();
  // The root message is posted before CreateCluster: the cluster as it is once Tencent answered.
  return (await findCluster(t, name)) ?? cluster;
}

/** Ticks the watcher every 15 s of the ManualClock until `done` (at most `maxTicks` ticks). */
export async function tickUntil(t: TestBot, done: () => boolean | Promise<boolean>, maxTicks = 60): Promise<void> {
  for (let i = 0; i < maxTicks && !(await done()); i += 1) {
    t.clock.advance(TICK_MS);
    await t.bot.watcher.tick(t.clock.now());
    await t.bot.services.threads.idle();
  }
  if (!(await done())) throw new Error(`not done after ${maxTicks} ticks`);
}

/** `/tke delete <name>` as the project's admin, and the cluster's name typed back. */
export async function deleteThroughSlack(t: TestBot, name: string): Promise<void> {
  const before = t.slack.calls('views.open').length;
  await t.send.command(`delete ${name}`, { user: USERS.projectAdmin, channel: CHANNELS.platform });
  const calls = await t.slack.waitFor((all) => all.filter((c) => c.method === 'views.open').length > before);
  const view = calls.filter((c) => c.method === 'views.open').at(-1)?.body.view as ModalView;
  await t.send.viewSubmission(viewSubmission({ user: USERS.projectAdmin, view, viewId: `V0DELETE${before}`, input: { [ActionIds.deleteConfirmName]: name } }));
  await until(async () => ((await findCluster(t, name))?.status === 'Deleting' ? true : undefined), `${name} Deleting`);
  await t.bot.settled();
}
