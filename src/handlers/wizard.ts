/**
 * The `/tke create` wizard's listeners. Steps move forward with `response_action: 'update'` on
 * submit (one modal whose content changes, so Slack's 3-view stack limit never matters and the
 * view id stays the same), with inline `errors` when a step's rules fail. Block actions (region,
 * VPC, zones, endpoint access, add/remove pool, back) ack at once, save the typed values in the
 * draft, load choices from Tencent when needed and redraw with views.update.
 */
import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ModalView } from '@slack/types';
import { z } from 'zod';
import { DeployError } from '../services/deploy.js';
import { formOf, optionsOf } from '../services/drafts.js';
import type { Services } from '../services/services.js';
import type { DraftRecord, WizardForm } from '../services/store-schema.js';
import { accountModal } from '../views/account-modal.js';
import { ActionIds } from '../views/ids.js';
import { parseWizardMetadata, wizardCallbackId, wizardExpiredView } from '../views/wizard/common.js';
import { applyState, errorsForBlocks, WIZARD_STEPS } from '../views/wizard/fields.js';
import type { StateValues, WizardStep } from '../views/wizard/fields.js';
import { checkStep, describeErrors, nextStep, previousStep, renderStep } from './wizard-steps.js';

const stateSchema = z.record(
  z.string(),
  z.record(
    z.string(),
    z.object({
      type: z.string().optional(),
      value: z.string().nullish(),
      selected_option: z.object({ value: z.string() }).nullish(),
      selected_options: z.array(z.object({ value: z.string() })).nullish(),
    }),
  ),
);

/** The part of a view payload the wizard reads. */
const viewSchema = z.object({
  id: z.string(),
  private_metadata: z.string().optional(),
  state: z.object({ values: stateSchema }).optional(),
  blocks: z.array(z.object({ block_id: z.string().optional() }).loose()).default([]),
});
type ViewPayload = z.infer<typeof viewSchema>;

const stateOf = (view: ViewPayload): StateValues => view.state?.values ?? {};
const blockIdsOf = (view: ViewPayload): string[] => view.blocks.flatMap((b) => (b.block_id ? [b.block_id] : []));

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

export function register(app: App, services: Services): void {
  const { drafts, logger } = services;

  /** The draft behind a view, only for the user who opened the wizard. */
  function draftOf(view: ViewPayload, user: string): { draft: DraftRecord; step: WizardStep } | undefined {
    const meta = parseWizardMetadata(view.private_metadata);
    const draft = meta && drafts.get(meta.draftId);
    return meta && draft && draft.userId === user ? { draft, step: meta.step } : undefined;
  }

  /** Saves the form (and the view showing it), loads choices the form now needs, redraws the view. */
  async function redraw(client: WebClient, viewId: string, draft: DraftRecord, step: WizardStep, form: WizardForm, notice?: string) {
    let current = await drafts.update(draft.id, (d) => {
      d.form = form;
      d.step = step;
      d.viewId = viewId;
    });
    if (!current) return;
    const options = optionsOf(current);
    const needsLoading = services.wizardChoices.needsLoading(form, options);
    const show = async (record: DraftRecord) => {
      await client.views.update({ view_id: viewId, view: renderStep(services, record, step, notice).view });
    };
    if (!needsLoading && !options.error) return show(current);
    // "Loading …" while Tencent answers (a retry hides the old error meanwhile).
    if (needsLoading) await show({ ...current, options: { ...options, error: undefined } });
    const loaded = await services.wizardChoices.load(form, options);
    current = await drafts.update(draft.id, (d) => {
      d.options = loaded;
    });
    if (current) await show(current);
  }

  /** A step's submission: its rules pass → the next step; else inline errors. */
  async function submitStep({ ack, body, view: rawView, client }: SubmitArgs, callbackStep: WizardStep): Promise<void> {
    const view = viewSchema.parse(rawView);
    const found = draftOf(view, body.user.id);
    if (!found || found.step !== callbackStep) {
      await ack({ response_action: 'update', view: wizardExpiredView() });
      return;
    }
    const { draft } = found;
    const form = applyState(formOf(draft), stateOf(view));
    const checked = checkStep(services, draft, callbackStep, form);
    if (!checked.ok) {
      const saved = (await drafts.update(draft.id, (d) => (d.form = form))) ?? draft;
      const errors = errorsForBlocks(checked.errors, blockIdsOf(view));
      await ack(
        errors
          ? { response_action: 'errors', errors }
          : { response_action: 'update', view: renderStep(services, saved, callbackStep, describeErrors(checked.errors)).view },
      );
      return;
    }
    const next = nextStep(callbackStep);
    const saved = await drafts.update(draft.id, (d) => {
      d.form = form;
      d.spec = { ...d.spec, ...checked.spec };
      d.viewId = view.id;
    });
    if (!saved) {
      await ack({ response_action: 'update', view: wizardExpiredView() });
      return;
    }
    const shown = renderStep(services, saved, next);
    await drafts.update(draft.id, (d) => (d.step = shown.step));
    await ack({ response_action: 'update', view: shown.view });
    // Placement and worker pools show choices from Tencent (regions, key pairs, subnets...): load them after the ack.
    const options = optionsOf(saved);
    const showsChoices = shown.step === 'placement' || shown.step === 'pools';
    if (showsChoices && (services.wizardChoices.needsLoading(form, options) || options.error)) {
      await redraw(client, view.id, saved, shown.step, form);
    }
  }

  /** Deploy: the whole spec checked again, ack (closes the modal), then the cluster is created. */
  async function submitDeploy({ ack, body, view: rawView, client, context }: SubmitArgs): Promise<void> {
    const view = viewSchema.parse(rawView);
    const user = body.user.id;
    const found = draftOf(view, user);
    if (!found) {
      await ack({ response_action: 'update', view: wizardExpiredView() });
      return;
    }
    const { draft } = found;
    if (context.retryNum !== undefined) logger.info({ draft: draft.id, retryNum: context.retryNum }, 'Deploy submission retried by Slack');
    // A second click or a Slack retry: the draft already became a cluster; deploy() returns it.
    if (!draft.clusterId) {
      const checked = checkStep(services, draft, 'review', formOf(draft));
      if (!checked.ok) {
        const shown = renderStep(services, draft, 'review');
        await drafts.update(draft.id, (d) => (d.step = shown.step));
        await ack({ response_action: 'update', view: shown.view });
        return;
      }
      await drafts.update(draft.id, (d) => (d.spec = checked.spec));
    }
    await ack();
    try {
      const result = await services.deploy.deploy(draft.id, user);
      // The provisioning thread (its root message, then the replies due); idempotent, and the watcher retries it.
      await services.threads.announce(result.cluster.id);
      logger.info({ cluster: result.cluster.id, created: result.created, status: result.cluster.status }, 'Deploy handled');
    } catch (error) {
      const text =
        error instanceof DeployError ? `Deploy did not start: ${error.message}` : 'Deploy did not start: tkeops hit an unexpected error; try again.';
      if (!(error instanceof DeployError)) logger.error({ err: error, draft: draft.id }, 'Deploy failed');
      await client.chat.postEphemeral({ channel: draft.channel, user, text });
    }
  }

  for (const step of WIZARD_STEPS) {
    app.view<ViewSubmitAction>(wizardCallbackId(step), (args) => (step === 'review' ? submitDeploy(args) : submitStep(args, step)));
  }

  /**
   * A block action inside the wizard: ack, apply the typed values, let `change` edit the form
   * (add a pool, go back...), then redraw. `change` returns the step to show.
   */
  const onAction = (change?: (form: WizardForm, args: ActionArgs, step: WizardStep) => WizardStep | void) => async (args: ActionArgs) => {
    await args.ack();
    const parsed = viewSchema.safeParse(args.body.view);
    if (!parsed.success) return;
    const view = parsed.data;
    const found = draftOf(view, args.body.user.id);
    if (!found) {
      await args.client.views.update({ view_id: view.id, view: wizardExpiredView() });
      return;
    }
    const form = applyState(formOf(found.draft), stateOf(view));
    const step = change?.(form, args, found.step) ?? found.step;
    await redraw(args.client, view.id, found.draft, step, form);
  };

  const clickedValue = (args: ActionArgs) => {
    const action = args.action;
    return action.type === 'button' ? action.value : undefined;
  };

  app.action(ActionIds.wizardRegion, onAction());
  app.action(ActionIds.wizardVpc, onAction());
  app.action(ActionIds.wizardEndpointAccess, onAction());
  app.action(ActionIds.wizardPoolZones, onAction());
  app.action(ActionIds.wizardRetryLoad, onAction());
  app.action(
    ActionIds.wizardAddPool,
    onAction((form) => {
      const last = form.pools[form.pools.length - 1];
      const key = `p${form.nextPoolKey}`;
      form.nextPoolKey += 1;
      form.pools.push({
        key,
        name: `pool-${form.pools.length + 1}`,
        minSize: last?.minSize ?? '1',
        desiredSize: last?.desiredSize ?? '1',
        maxSize: last?.maxSize ?? '3',
        instanceType: last?.instanceType ?? '',
        zones: [...(last?.zones ?? [])],
        diskGb: last?.diskGb ?? '50',
      });
    }),
  );
  app.action(
    ActionIds.wizardRemovePool,
    onAction((form, args) => {
      const key = clickedValue(args);
      form.pools = form.pools.filter((p) => p.key !== key);
    }),
  );
  app.action(
    ActionIds.wizardBack,
    onAction((_form, _args, step) => previousStep(step)),
  );

  // "+ Cloud account": the account modal is pushed on top; on success the account handler calls returnToWizardWithAccount.
  app.action(ActionIds.wizardAddAccount, async (args: ActionArgs) => {
    await args.ack();
    const parsed = viewSchema.safeParse(args.body.view);
    if (!parsed.success) return;
    const view = parsed.data;
    const user = args.body.user.id;
    const found = draftOf(view, user);
    if (!found) {
      await args.client.views.update({ view_id: view.id, view: wizardExpiredView() });
      return;
    }
    const { draft } = found;
    const form = applyState(formOf(draft), stateOf(view));
    await drafts.update(draft.id, (d) => {
      d.form = form;
      d.viewId = view.id;
    });
    const subject = { user, channel: draft.channel };
    const scopes = await services.accounts.addableScopes(subject, services.policy);
    if (scopes.length === 0) {
      const decision = await services.policy.check('account.addProject', { ...subject, project: draft.project });
      const reason = decision.allowed ? 'This channel belongs to no project.' : decision.message;
      await redraw(args.client, view.id, draft, 'basics', form, `You cannot add a cloud account here. ${reason}`);
      return;
    }
    await args.client.views.push({ trigger_id: args.body.trigger_id, view: accountModal({ origin: { kind: 'wizard', draftId: draft.id }, scopes }) });
  });
}

/**
 * Called by the account handler once an account created from "+ Cloud account" is saved: the
 * wizard underneath selects it and is redrawn.
 */
export async function returnToWizardWithAccount(
  services: Services,
  args: { client: WebClient; draftId: string; accountId: string },
): Promise<void> {
  const draft = await services.drafts.update(args.draftId, (d) => {
    d.form = { ...formOf(d), accountId: args.accountId };
  });
  if (!draft?.viewId) return;
  const view: ModalView = renderStep(services, draft, 'basics').view;
  await args.client.views.update({ view_id: draft.viewId, view });
}
