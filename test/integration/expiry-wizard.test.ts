import type { KnownBlock, ModalView } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { ActionIds, BlockIds } from '../../src/views/ids.js';
import { wizardView } from '../../src/views/wizard/screen.js';
import { CHANNELS, DEFAULT_POLICY_YAML, EXPIRING_PLATFORM_POLICY_YAML, startTestBot, TENCENT, USERS, type TestBot } from '../support/bot.js';
import { viewSubmission } from '../support/payloads.js';
import { until } from '../support/until.js';
import { aPoolForm, aWizardForm, aWizardOptions } from '../support/wizard-forms.js';

const HOUR = 3_600_000;

const POLICY = EXPIRING_PLATFORM_POLICY_YAML;

let t: TestBot | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});
const bot = () => t as TestBot;

type Select = { block_id?: string; element: { options: { value: string }[]; initial_option?: { value: string } } };
const expirySelect = (view: ModalView) => (view.blocks as KnownBlock[]).find((b) => b.block_id === BlockIds.wizardExpiry) as unknown as Select | undefined;

/** The bot with a platform cloud account, and the member's `/tke create` wizard open on its first step. */
async function openWizard(policyYaml: string): Promise<{ view: ModalView; viewId: string; accountId: string }> {
  t = await startTestBot({ policyYaml });
  const added = await t.bot.services.accounts.add(
    { name: 'acme-prod', description: '', secretId: TENCENT.secretId, secretKey: TENCENT.secretKey, scope: { kind: 'project', project: 'platform' } },
    USERS.projectAdmin,
  );
  if (!added.ok) throw new Error(JSON.stringify(added.errors));
  await t.send.command('create', { channel: CHANNELS.platform, user: USERS.member });
  await t.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
  const view = t.slack.calls('views.open').at(-1)?.body.view as ModalView;
  const viewId = await until(() => bot().bot.store.read((d) => d.drafts.at(-1)?.viewId), 'the wizard view id');
  return { view, viewId, accountId: added.account.id };
}

describe('the wizard asks "Delete automatically after"', () => {
  it('offers every duration and Never where the project sets no maximum', async () => {
    const { view } = await openWizard(DEFAULT_POLICY_YAML);
    const select = expirySelect(view);
    expect(select?.element.options.map((o) => o.value)).toEqual(['never', '8h', '1d', '3d', '7d']);
    expect(select?.element.initial_option?.value).toBe('never');
  });

  it("offers only what the project's maximum allows, starting at its default, and refuses more on Next", async () => {
    const { view, viewId, accountId } = await openWizard(POLICY);
    const select = expirySelect(view);
    expect(select?.element.options.map((o) => o.value)).toEqual(['8h', '1d', '3d']);
    expect(select?.element.initial_option?.value).toBe('1d');

    // A basics form still offering 7 days (opened before the policy lowered the maximum) is refused inline.
    const stale = structuredClone(view);
    expirySelect(stale)?.element.options.push({ text: { type: 'plain_text', text: '7 days' }, value: '7d' } as never);
    const answer = await bot().send.viewSubmission(
      viewSubmission({
        user: USERS.member,
        view: stale,
        viewId,
        input: {
          [ActionIds.wizardName]: 'sandbox-1',
          [ActionIds.wizardAccount]: accountId,
          [ActionIds.wizardProfile]: 'ubuntu-mariadb',
          [ActionIds.wizardExpiry]: '7d',
        },
      }),
    );
    expect(answer.json?.response_action).toBe('errors');
    expect(String((answer.json?.errors as Record<string, string>)[BlockIds.wizardExpiry])).toContain("beyond this project's maximum");
  });

  it('shows the choice on the review, and Deploy stores the expiry counted from Deploy, set by the requester', async () => {
    const { accountId } = await openWizard(POLICY);
    const draft = await until(() => bot().bot.store.read((d) => d.drafts.find((x) => x.viewId && !x.clusterId)), 'the draft');
    await bot().bot.services.drafts.update(draft.id, (d) => {
      d.form = { ...aWizardForm({ name: 'sandbox-1', accountId, pools: [aPoolForm({ name: 'default' })] }), expiry: '8h' };
      d.options = aWizardOptions({ accountId });
    });
    const review = await bot().bot.services.wizard.screen(draft.id, USERS.member, 'review');
    if (review.kind !== 'screen') throw new Error('the draft is gone');
    const view = wizardView(review.screen);
    expect(JSON.stringify(view.blocks)).toContain('Delete automatically after: 8 hours');

    bot().clock.advance(HOUR);
    const deployAt = bot().clock.now().getTime();
    await bot().send.viewSubmission(viewSubmission({ user: USERS.member, view, viewId: draft.viewId as string, input: {} }));
    const cluster = await until(() => bot().bot.store.read((d) => d.clusters.find((c) => c.spec.name === 'sandbox-1')), 'the cluster');
    expect(cluster.spec.expiry).toBe('8h');
    expect(Date.parse(cluster.expiresAt as string)).toBe(deployAt + 8 * HOUR);
    expect(cluster.expirySetBy).toBe(USERS.member);
    await bot().bot.settled();
  });
});
