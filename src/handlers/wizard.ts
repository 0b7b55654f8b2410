/**
 * The `/tke create` wizard's listeners: each turns a Slack payload into a WizardService call, acks,
 * and draws what the service returns. Steps move forward with `response_action: 'update'` on
 * submit (one modal whose content changes, so Slack's 3-view stack limit never matters and the
 * view id stays the same), with inline `errors` when a step's rules fail. Block actions (region,
 * VPC, endpoint access, pool zones, retry loading, add/remove pool, back) ack at once, and the
 * step is redrawn with views.update (passing the view's hash, so a slow redraw never overwrites a
 * newer one); "+ Cloud account" pushes the account modal. Closing the wizard (view_closed) keeps
 * what was typed. The step a view shows is its callback id.
 */
import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewClosedAction, ViewSubmitAction } from '@slack/bolt';
import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import type { ModalView } from '@slack/types';
import { z } from 'zod';
import type { Services } from '../services/services.js';
import type { Deployer, Gone, Redraw, Typed, WizardEdit, WizardStep } from '../services/wizard.js';
import { WIZARD_STEPS } from '../services/wizard.js';
import { accountModal } from '../views/account-modal.js';
import { ActionIds } from '../views/ids.js';
import { stateValuesSchema, type StateValues } from '../views/view-state.js';
import { parseWizardMetadata, stepOfCallback, wizardCallbackId, wizardExpiredView } from '../views/wizard/common.js';
import { deployNotice } from '../views/wizard/deploy-notices.js';
import { applyState, errorsForBlocks } from '../views/wizard/fields.js';
import { wizardGoneView, wizardView } from '../views/wizard/screen.js';
import { tellUser } from './tell-user.js';

/** What the wizard's listeners use. */
export type WizardHandlerServices = Pick<Services, 'wizard' | 'logger' | 'clock'>;

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

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type ClosedArgs = SlackViewMiddlewareArgs<ViewClosedAction> & AllMiddlewareArgs;
type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** A wizard view as Slack sent it back: its id, step, draft pointer and typed values. */
interface WizardViewPayload {
  view: ViewPayload;
  draftId: string;
}

const stateOf = (view: ViewPayload): StateValues => view.state?.values ?? {};
const blockIdsOf = (view: ViewPayload): string[] => view.blocks.flatMap((b) => (b.block_id ? [b.block_id] : []));
/** The typed values of the view, applied to the stored form. */
const typedIn = (view: ViewPayload): Typed => (form) => applyState(form, stateOf(view));

/** The view and the draft it points at (its private_metadata), or undefined for a view that is not a wizard's. */
function wizardViewOf(raw: unknown): WizardViewPayload | undefined {
  const parsed = viewSchema.safeParse(raw);
  const draftId = parsed.success ? parseWizardMetadata(parsed.data.private_metadata)?.draftId : undefined;
  return parsed.success && draftId ? { view: parsed.data, draftId } : undefined;
}

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

/**
 * Draws what the service returned on the view: the gone notice, or the step now (loading, when
 * Tencent is asked for choices), then the step with the loaded choices — unless a newer redraw
 * changed the view meanwhile.
 */
export async function showRedraw(
  services: WizardHandlerServices,
  client: WebClient,
  view: { id: string; hash?: string | undefined },
  draftId: string,
  redraw: Redraw | Gone,
): Promise<void> {
  if (redraw.kind === 'gone') {
    await updateView(client, view.id, wizardGoneView(redraw.gone), view.hash);
    return;
  }
  let hash = view.hash;
  const show = async (next: ModalView): Promise<boolean> => {
    const answered = await updateView(client, view.id, next, hash);
    if (answered === undefined) services.logger.debug({ draft: draftId, viewId: view.id }, 'wizard redraw dropped: the view changed meanwhile');
    hash = answered || undefined;
    return answered !== undefined;
  };
  if (redraw.now && !(await show(wizardView(redraw.now)))) return;
  if (redraw.loadChoices) {
    const loaded = await services.wizard.loadChoices(draftId, redraw.step);
    if (loaded) await show(wizardView(loaded));
  }
  // The review's price ("estimating…" until Tencent answered).
  if (redraw.estimateCost) {
    const priced = await services.wizard.estimateCost(draftId);
    if (priced) await show(wizardView(priced));
  }
}

/** Next on a step: the service's errors inline (or as a notice when no field of the view shows them), else the next step. */
function submitStep(services: WizardHandlerServices, step: WizardStep) {
  return async ({ ack, body, view: raw, client }: SubmitArgs): Promise<void> => {
    const target = wizardViewOf(raw);
    if (!target) {
      await ack({ response_action: 'update', view: wizardExpiredView() });
      return;
    }
    const { view, draftId } = target;
    const user = body.user.id;
    const submitted = await services.wizard.submit(draftId, user, step, typedIn(view), view.id);
    switch (submitted.kind) {
      case 'gone':
        await ack({ response_action: 'update', view: wizardGoneView(submitted.gone) });
        return;
      case 'invalid': {
        const shown = errorsForBlocks(submitted.errors, blockIdsOf(view));
        if ('inline' in shown) {
          await ack({ response_action: 'errors', errors: shown.inline });
          return;
        }
        const redrawn = await services.wizard.screen(draftId, user, step, shown.notice);
        await ack({ response_action: 'update', view: redrawn.kind === 'gone' ? wizardGoneView(redrawn.gone) : wizardView(redrawn.screen) });
        return;
      }
      case 'next':
        await ack({ response_action: 'update', view: wizardView(submitted.screen) });
        // Placement and worker pools show choices from Tencent, the review its price: loaded after the ack.
        if (submitted.then) await showRedraw(services, client, { id: view.id }, draftId, submitted.then);
    }
  };
}

/** An ephemeral message to the deployer in the wizard's channel; a direct message when tkeops cannot post there. */
async function tellDeployer(services: WizardHandlerServices, client: WebClient, deployer: Deployer, text: string): Promise<void> {
  const delivery = await tellUser(client, services, { user: deployer.user, channel: deployer.channel }, { text });
  if (!delivery) services.logger.warn({ draft: deployer.draftId }, 'could not tell the deployer either way');
}

/**
 * Deploy: the policy and the whole spec checked (the wizard may have been open for hours), ack
 * (closes the modal), then the validated spec goes to Deploy and the provisioning thread opens.
 */
function submitDeploy(services: WizardHandlerServices) {
  return async ({ ack, body, view: raw, client, context }: SubmitArgs): Promise<void> => {
    const target = wizardViewOf(raw);
    if (context.retryNum !== undefined) services.logger.info({ viewId: target?.view.id, retryNum: context.retryNum }, 'Deploy submission retried by Slack');
    // A second click or a Slack retry finds the draft deployed: it shows the cluster instead.
    const checked = target ? await services.wizard.checkDeploy(target.draftId, body.user.id) : undefined;
    if (!checked || checked.kind === 'gone') {
      await ack({ response_action: 'update', view: checked ? wizardGoneView(checked.gone) : wizardExpiredView() });
      return;
    }
    if (checked.kind === 'invalid') {
      await ack({ response_action: 'update', view: wizardView(checked.screen) });
      return;
    }
    await ack();
    const outcome = checked.kind === 'refused' ? checked : await services.wizard.deploy(checked);
    const notice = deployNotice(outcome);
    if (notice) await tellDeployer(services, client, outcome.deployer, notice);
    if (outcome.kind === 'started') {
      const { cluster, created, announced } = outcome;
      services.logger.info({ cluster: cluster.id, created, status: cluster.status, announced }, 'Deploy handled');
    }
  };
}

/** Cancel or ×: what was typed on the step is kept, for the next /tke create to offer. */
function closeWizard(services: WizardHandlerServices) {
  return async ({ ack, body, view: raw }: ClosedArgs): Promise<void> => {
    await ack();
    const target = wizardViewOf(raw);
    if (target) await services.wizard.close(target.draftId, body.user.id, typedIn(target.view));
  };
}

/** A block action inside a wizard view: ack, then its view, draft and step (an unreadable view shows the expired notice). */
async function actionTarget(args: ActionArgs): Promise<(WizardViewPayload & { step: WizardStep }) | undefined> {
  await args.ack();
  const parsed = viewSchema.safeParse(args.body.view);
  if (!parsed.success) return undefined;
  const target = wizardViewOf(parsed.data);
  const step = stepOfCallback(parsed.data.callback_id);
  if (!target || !step) {
    await updateView(args.client, parsed.data.id, wizardExpiredView(), parsed.data.hash);
    return undefined;
  }
  return { ...target, step };
}

/** A button or dispatching input inside a step: the form as typed, `edit` applied, the step redrawn. */
function onEdit(services: WizardHandlerServices, editOf: (args: ActionArgs) => WizardEdit) {
  return async (args: ActionArgs): Promise<void> => {
    const target = await actionTarget(args);
    if (!target) return;
    const { view, draftId, step } = target;
    const redraw = await services.wizard.edit(draftId, args.body.user.id, step, typedIn(view), editOf(args), view.id);
    await showRedraw(services, args.client, view, draftId, redraw);
  };
}

const keep = (): WizardEdit => ({ kind: 'keep' });
const clickedValue = (args: ActionArgs) => (args.action.type === 'button' ? args.action.value : undefined);

/** "+ Cloud account": the account modal pushed on top; on success the account handler calls returnToWizardWithAccount. */
function onAddAccount(services: WizardHandlerServices) {
  return async (args: ActionArgs): Promise<void> => {
    const target = await actionTarget(args);
    if (!target) return;
    const { view, draftId } = target;
    const user = args.body.user.id;
    const adding = await services.wizard.addAccount(draftId, user, typedIn(view), view.id);
    if (adding.kind !== 'push') {
      await showRedraw(services, args.client, view, draftId, adding);
      return;
    }
    try {
      await args.client.views.push({ trigger_id: args.body.trigger_id, view: accountModal({ origin: { kind: 'wizard', draftId }, scopes: adding.scopes }) });
    } catch (error) {
      // Typically expired_trigger_id: the trigger lives 3 s. The wizard says so instead of doing nothing.
      services.logger.error({ err: error, draft: draftId }, 'could not push the cloud account form');
      const redraw = await services.wizard.redraw(draftId, user, 'basics', 'Slack did not open the form in time; click *+ Cloud account* again.');
      await showRedraw(services, args.client, view, draftId, redraw);
    }
  };
}

const WIZARD_CALLBACKS = new RegExp(`^(${WIZARD_STEPS.map(wizardCallbackId).join('|')})$`);

export function register(app: App, services: WizardHandlerServices): void {
  for (const step of WIZARD_STEPS) {
    app.view<ViewSubmitAction>(wizardCallbackId(step), step === 'review' ? submitDeploy(services) : submitStep(services, step));
    app.view<ViewClosedAction>({ callback_id: wizardCallbackId(step), type: 'view_closed' }, closeWizard(services));
  }
  app.action(ActionIds.wizardRegion, onEdit(services, keep));
  app.action(ActionIds.wizardVpc, onEdit(services, keep));
  app.action(ActionIds.wizardEndpointAccess, onEdit(services, keep));
  // The add-pool modal reuses the pool form (src/handlers/pools.ts): only the wizard's own views here.
  app.action<BlockAction>({ type: 'block_actions', action_id: ActionIds.wizardPoolZones, callback_id: WIZARD_CALLBACKS }, onEdit(services, keep));
  app.action(ActionIds.wizardRetryLoad, onEdit(services, keep));
  app.action(ActionIds.wizardAddPool, onEdit(services, () => ({ kind: 'addPool' })));
  app.action(ActionIds.wizardRemovePool, onEdit(services, (args) => ({ kind: 'removePool', key: clickedValue(args) ?? '' })));
  app.action(ActionIds.wizardBack, onEdit(services, () => ({ kind: 'back' })));
  app.action(ActionIds.wizardAddAccount, onAddAccount(services));
}

/**
 * Called by the account handler once an account created from "+ Cloud account" is saved: the
 * wizard underneath selects it and is redrawn.
 */
export async function returnToWizardWithAccount(
  services: Pick<Services, 'wizard' | 'logger'>,
  args: { client: WebClient; draftId: string; accountId: string },
): Promise<void> {
  const shown = await services.wizard.selectAccount(args.draftId, args.accountId);
  if (!shown) return;
  if ((await updateView(args.client, shown.viewId, wizardView(shown.screen), undefined)) === undefined) {
    services.logger.debug({ draft: args.draftId }, 'the wizard was closed before the new cloud account could be selected in it');
  }
}
