/**
 * The `/tke create` wizard's listeners. Steps move forward with `response_action: 'update'` on
 * submit (one modal whose content changes, so Slack's 3-view stack limit never matters and the
 * view id stays the same), with inline `errors` when a step's rules fail. Block actions (region,
 * VPC, endpoint access, pool zones, retry loading, add/remove pool, back) ack at once, save the
 * typed values in the draft, load choices from Tencent when needed and redraw with views.update
 * (passing the view's hash, so a slow redraw never overwrites a newer one); "+ Cloud account"
 * pushes the account modal. The step a view shows is its callback id.
 */
import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import type { ModalView } from '@slack/types';
import { z } from 'zod';
import { DeployError } from '../services/deploy.js';
import { formOf, newPoolForm, optionsOf } from '../services/drafts.js';
import type { Services } from '../services/services.js';
import type { ClusterRecord, DraftRecord, WizardForm } from '../services/store-schema.js';
import { accountModal } from '../views/account-modal.js';
import { ActionIds } from '../views/ids.js';
import { parseWizardMetadata, stepOfCallback, wizardCallbackId, wizardDeployedView, wizardExpiredView } from '../views/wizard/common.js';
import { stateValuesSchema, type StateValues } from '../views/view-state.js';
import { applyState, errorsForBlocks, WIZARD_STEPS } from '../views/wizard/fields.js';
import type { WizardStep } from '../views/wizard/fields.js';
import { tellUser } from './tell-user.js';
import { checkStep, nextStep, previousStep, renderStep } from './wizard-steps.js';

/** The part of a view payload the wizard reads. */
const viewSchema = z.object({
  id: z.string().min(1),
  callback_id: z.string(),
  hash: z.string().optional(),
  private_metadata: z.string().optional(),
  state: z.object({ values: stateValuesSchema }).optional(),
  blocks: z.array(z.object({ block_id: z.string().optional() }).loose()).default([]),
});
type ViewPayload = z.infer<typeof viewSchema>;

const stateOf = (view: ViewPayload): StateValues => view.state?.values ?? {};
const blockIdsOf = (view: ViewPayload): string[] => view.blocks.flatMap((b) => (b.block_id ? [b.block_id] : []));

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** The wizard's draft, or the view to show instead: expired (gone, someone else's) or already deployed. */
type Opened = { draft: DraftRecord } | { closed: ModalView };

const deployedView = (cluster: ClusterRecord): ModalView =>
  wizardDeployedView({ name: cluster.spec.name, channel: cluster.channel, thread: cluster.thread });

/**
 * Slack's answers to views.update that mean "this redraw has nowhere to go": the view changed since
 * `hash` (a newer redraw won), or it is gone (`not_found`: the user closed the modal meanwhile).
 */
const VIEW_MOVED_ON = new Set(['hash_conflict', 'not_found']);

/**
 * Redraws a wizard view; resolves with the view's new hash, or undefined when the redraw is dropped
 * because the view changed since `hash` or was closed.
 */
async function updateView(client: WebClient, viewId: string, view: ModalView, hash: string | undefined): Promise<string | undefined> {
  try {
    const answer = await client.views.update({ view_id: viewId, view, ...(hash ? { hash } : {}) });
    return answer.view?.hash ?? '';
  } catch (error) {
    if (error instanceof WebAPIPlatformError && VIEW_MOVED_ON.has(error.data.error)) return undefined;
    throw error;
  }
}

export function register(app: App, services: Services): void {
  const { drafts, logger, policy, accounts } = services;

  /** The draft, only for the user who opened the wizard and only until it is deployed. */
  function openDraft(draftId: string | undefined, user: string): Opened {
    const draft = draftId === undefined ? undefined : drafts.get(draftId);
    if (!draft || draft.userId !== user) return { closed: wizardExpiredView() };
    if (!draft.clusterId) return { draft };
    const cluster = services.clusterLookup.get(draft.clusterId);
    return { closed: cluster ? deployedView(cluster) : wizardExpiredView() };
  }

  /** The draft a view points at (its private_metadata). */
  const openView = (view: ViewPayload | undefined, user: string): Opened => openDraft(parseWizardMetadata(view?.private_metadata)?.draftId, user);

  /** What a view shows when its draft could not be saved: it expired, or was deployed meanwhile. */
  const closedView = (draftId: string, user: string): ModalView => {
    const opened = openDraft(draftId, user);
    return 'closed' in opened ? opened.closed : wizardExpiredView();
  };

  /** Saves the form (and the view showing it), loads choices the form now needs, redraws the view. */
  async function redraw(client: WebClient, view: { id: string; hash?: string | undefined }, draft: DraftRecord, step: WizardStep, form: WizardForm, notice?: string) {
    let current = await drafts.update(draft.id, (d) => {
      d.form = form;
      d.viewId = view.id;
    });
    if (!current) return;
    let hash = view.hash;
    const show = async (record: DraftRecord): Promise<boolean> => {
      const next = await updateView(client, view.id, (await renderStep(services, record, step, notice)).view, hash);
      if (next === undefined) logger.debug({ draft: draft.id, viewId: view.id }, 'wizard redraw dropped: the view changed or was closed meanwhile');
      hash = next || undefined;
      return next !== undefined;
    };
    const options = optionsOf(current);
    const needsLoading = services.wizardChoices.needsLoading(form, options);
    if (!needsLoading && !options.error) {
      await show(current);
      return;
    }
    // "Loading …" while Tencent answers (a retry hides the old error meanwhile).
    if (needsLoading && !(await show({ ...current, options: { ...options, error: undefined } }))) return;
    const loaded = await services.wizardChoices.load(form, options);
    current = await drafts.update(draft.id, (d) => {
      d.options = loaded;
    });
    if (current) await show(current);
  }

  /** A step's submission: its rules pass → the next step; else inline errors. */
  async function submitStep({ ack, body, view: rawView, client }: SubmitArgs, step: WizardStep): Promise<void> {
    const parsed = viewSchema.safeParse(rawView);
    const opened = openView(parsed.data, body.user.id);
    if (!parsed.success || 'closed' in opened) {
      await ack({ response_action: 'update', view: 'closed' in opened ? opened.closed : wizardExpiredView() });
      return;
    }
    const view = parsed.data;
    const { draft } = opened;
    const form = applyState(formOf(draft), stateOf(view));
    const checked = await checkStep(services, draft, step, form);
    if (!checked.ok) {
      const saved = (await drafts.update(draft.id, (d) => (d.form = form))) ?? draft;
      const shown = errorsForBlocks(checked.errors, blockIdsOf(view));
      await ack(
        'inline' in shown
          ? { response_action: 'errors', errors: shown.inline }
          : { response_action: 'update', view: (await renderStep(services, saved, step, shown.notice)).view },
      );
      return;
    }
    const saved = await drafts.update(draft.id, (d) => {
      d.form = form;
      d.viewId = view.id;
    });
    if (!saved) {
      await ack({ response_action: 'update', view: closedView(draft.id, body.user.id) });
      return;
    }
    const shown = await renderStep(services, saved, nextStep(step));
    await ack({ response_action: 'update', view: shown.view });
    // Placement and worker pools show choices from Tencent (regions, key pairs, subnets...): load them after the ack.
    const options = optionsOf(saved);
    const showsChoices = shown.step === 'placement' || shown.step === 'pools';
    if (showsChoices && (services.wizardChoices.needsLoading(form, options) || options.error)) {
      await redraw(client, { id: view.id }, saved, shown.step, form);
    }
  }

  /** Why the draft's user may not deploy it now: the policy on creating clusters there, and on the chosen cloud account. */
  async function deployRefusal(draft: DraftRecord): Promise<string | undefined> {
    const subject = { user: draft.userId, channel: draft.channel };
    const create = await policy.check('cluster.create', { ...subject, project: draft.project });
    if (!create.allowed) return create.message;
    const accountId = formOf(draft).accountId;
    const use = accountId ? await accounts.checkUse(accountId, subject, policy) : undefined;
    return use && !use.allowed ? use.message : undefined;
  }

  /** An ephemeral message to the deployer in the wizard's channel; a direct message when tkeops cannot post there. */
  async function tellDeployer(client: WebClient, draft: DraftRecord, text: string): Promise<void> {
    const delivery = await tellUser(client, services, { user: draft.userId, channel: draft.channel }, { text });
    if (!delivery) logger.warn({ draft: draft.id }, 'could not tell the deployer either way');
  }

  /**
   * Deploy: the policy and the whole spec checked again (the wizard may have been open for hours),
   * ack (closes the modal), then the cluster is created and its provisioning thread opened.
   */
  async function submitDeploy({ ack, body, view: rawView, client, context }: SubmitArgs): Promise<void> {
    const parsed = viewSchema.safeParse(rawView);
    if (context.retryNum !== undefined) logger.info({ viewId: parsed.data?.id, retryNum: context.retryNum }, 'Deploy submission retried by Slack');
    // A second click or a Slack retry finds the draft deployed: it shows the cluster instead.
    const opened = openView(parsed.data, body.user.id);
    if ('closed' in opened) {
      await ack({ response_action: 'update', view: opened.closed });
      return;
    }
    const { draft } = opened;
    const refusal = await deployRefusal(draft);
    if (refusal) {
      await ack();
      await tellDeployer(client, draft, `Deploy did not start: ${refusal}`);
      return;
    }
    const checked = await checkStep(services, draft, 'review', formOf(draft));
    if (!checked.ok) {
      // A Deploy of the same view that just went through takes the cluster name: show that cluster, not the name rule.
      const now = openDraft(draft.id, body.user.id);
      await ack({ response_action: 'update', view: 'closed' in now ? now.closed : (await renderStep(services, draft, 'review')).view });
      return;
    }
    await drafts.update(draft.id, (d) => (d.spec = checked.spec));
    await ack();
    try {
      const result = await services.deploy.deploy(draft.id, body.user.id);
      const { cluster } = result;
      // The provisioning thread (its root message, then the replies due); idempotent, and the watcher retries it.
      const announced = await services.threads.announce(cluster.id);
      if (!announced && result.created) {
        await tellDeployer(
          client,
          draft,
          `Cluster *${cluster.spec.name}* is being created, but tkeops could not post its provisioning thread in <#${draft.channel}>. ` +
            `Invite @tkeops to the channel (\`/invite @tkeops\`) and the thread will appear there. ` +
            `Provisioning goes on meanwhile; \`/tke status ${cluster.spec.name}\` shows where it is.`,
        );
      }
      logger.info({ cluster: cluster.id, created: result.created, status: cluster.status, announced }, 'Deploy handled');
    } catch (error) {
      const text =
        error instanceof DeployError ? `Deploy did not start: ${error.message}` : 'Deploy did not start: tkeops hit an unexpected error; try again.';
      if (!(error instanceof DeployError)) logger.error({ err: error, draft: draft.id }, 'Deploy failed');
      await tellDeployer(client, draft, text);
    }
  }

  for (const step of WIZARD_STEPS) {
    app.view<ViewSubmitAction>(wizardCallbackId(step), (args) => (step === 'review' ? submitDeploy(args) : submitStep(args, step)));
  }

  /** A block action inside the wizard: the view and its draft, or undefined once the view has been answered. */
  async function actionTarget(args: ActionArgs): Promise<{ view: ViewPayload; draft: DraftRecord; step: WizardStep } | undefined> {
    await args.ack();
    const parsed = viewSchema.safeParse(args.body.view);
    if (!parsed.success) return undefined;
    const view = parsed.data;
    const opened = openView(view, args.body.user.id);
    const step = stepOfCallback(view.callback_id);
    if ('closed' in opened || !step) {
      await updateView(args.client, view.id, 'closed' in opened ? opened.closed : wizardExpiredView(), view.hash);
      return undefined;
    }
    return { view, draft: opened.draft, step };
  }

  /**
   * A block action inside the wizard: ack, apply the typed values, let `change` edit the form
   * (add a pool, go back...), then redraw. `change` returns the step to show.
   */
  const onAction = (change?: (form: WizardForm, args: ActionArgs, step: WizardStep) => WizardStep | void) => async (args: ActionArgs) => {
    const target = await actionTarget(args);
    if (!target) return;
    const form = applyState(formOf(target.draft), stateOf(target.view));
    const step = change?.(form, args, target.step) ?? target.step;
    await redraw(args.client, target.view, target.draft, step, form);
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
      form.pools.push(newPoolForm(form));
      form.nextPoolKey += 1;
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
    const target = await actionTarget(args);
    if (!target) return;
    const { view, draft } = target;
    const user = args.body.user.id;
    const form = applyState(formOf(draft), stateOf(view));
    await drafts.update(draft.id, (d) => {
      d.form = form;
      d.viewId = view.id;
    });
    const subject = { user, channel: draft.channel };
    const scopes = await accounts.addableScopes(subject, policy);
    if (scopes.length === 0) {
      const decision = await policy.check('account.addProject', { ...subject, project: draft.project });
      const reason = decision.allowed ? 'This channel belongs to no project.' : decision.message;
      await redraw(args.client, view, draft, 'basics', form, `You cannot add a cloud account here. ${reason}`);
      return;
    }
    try {
      await args.client.views.push({ trigger_id: args.body.trigger_id, view: accountModal({ origin: { kind: 'wizard', draftId: draft.id }, scopes }) });
    } catch (error) {
      // Typically expired_trigger_id: the trigger lives 3 s. The wizard says so instead of doing nothing.
      logger.error({ err: error, draft: draft.id }, 'could not push the cloud account form');
      await redraw(args.client, view, draft, 'basics', form, 'Slack did not open the form in time; click *+ Cloud account* again.');
    }
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
  const view: ModalView = (await renderStep(services, draft, 'basics')).view;
  if ((await updateView(args.client, draft.viewId, view, undefined)) === undefined) {
    services.logger.debug({ draft: draft.id }, 'the wizard was closed before the new cloud account could be selected in it');
  }
}
