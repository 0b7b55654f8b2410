/**
 * `/tke create [name]` and its resume prompt. The command opens the wizard on its first step, or —
 * when the user left a draft in this channel (closed the wizard) — a small modal offering "Resume
 * draft <name>" or "Start over". Either is opened with the command's trigger_id right after the ack
 * (Slack's 3 seconds); the prompt's buttons then turn that same modal into the wizard with
 * views.update, which needs no trigger. The draft is stored before the modal opens, so everything
 * typed survives a restart.
 */
import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../services/services.js';
import { ActionIds } from '../views/ids.js';
import { parseResumeMetadata, resumeDraftView, wizardRefusedView } from '../views/wizard/resume.js';
import { wizardGoneView, wizardView } from '../views/wizard/screen.js';
import type { Subcommand, SubcommandRequest } from './tke-command.js';
import { showRedraw, type WizardHandlerServices } from './wizard.js';
import { policyRefusalText } from '../views/policy-refusals.js';

const USAGE = 'Usage: `/tke create [name]` — the name is one word (letters, digits, - and _); the wizard asks for the rest.';

export type CreateServices = Pick<Services, 'wizard' | 'logger'>;

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** Opens the modal `/tke create` answers with; tells the user when Slack refuses (an expired trigger). Resolves with the view id. */
async function openModal(request: SubcommandRequest, services: CreateServices, view: Parameters<SubcommandRequest['client']['views']['open']>[0]['view']) {
  try {
    const opened = await request.client.views.open({ trigger_id: request.command.trigger_id, view });
    return opened.view?.id;
  } catch (error) {
    services.logger.error({ err: error }, 'could not open the cluster wizard');
    await request.respond({ response_type: 'ephemeral', text: 'Slack did not open the wizard in time; run `/tke create` again.' });
    return undefined;
  }
}

export function createSubcommand(services: CreateServices): Subcommand {
  return async (request) => {
    if (request.args.length > 1) {
      await request.ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    const input = { user: request.command.user_id, channel: request.command.channel_id, name: request.args[0] };
    const begun = await services.wizard.begin(input);
    if (begun.kind === 'refused') {
      await request.ack({ response_type: 'ephemeral', text: policyRefusalText(begun.refusal) });
      return;
    }
    await request.ack();
    if (begun.kind === 'resumable') {
      await openModal(request, services, resumeDraftView({ draftId: begun.draftId, channel: input.channel, name: begun.name, step: begun.step, newName: input.name }));
      return;
    }
    const { draftId } = begun.screen;
    const viewId = await openModal(request, services, wizardView(begun.screen));
    // A wizard Slack never showed holds nothing typed: it is not offered for resuming.
    if (viewId) await services.wizard.attachView(draftId, viewId);
    else await services.wizard.discard(draftId, input.user);
  };
}

/**
 * The App Home tab's Create cluster: what `/tke create` opens (the wizard, or the resume prompt
 * for a draft left in that channel), for `channel`, with the click's trigger. Home has no channel
 * of its own: the button carries the channel of the person's latest draft or cluster. A refusal
 * (e.g. no longer a member of that project) is shown in the modal, as there is no channel to answer in.
 */
export async function openWizardFromHome(
  client: SubcommandRequest['client'],
  services: CreateServices,
  input: { user: string; channel: string; triggerId: string },
): Promise<void> {
  const begun = await services.wizard.begin({ user: input.user, channel: input.channel });
  const open = async (view: Parameters<SubcommandRequest['client']['views']['open']>[0]['view']) => {
    try {
      return (await client.views.open({ trigger_id: input.triggerId, view })).view?.id;
    } catch (error) {
      services.logger.error({ err: error }, 'could not open the cluster wizard from App Home');
      return undefined;
    }
  };
  if (begun.kind === 'refused') {
    await open(wizardRefusedView(policyRefusalText(begun.refusal)));
    return;
  }
  if (begun.kind === 'resumable') {
    await open(resumeDraftView({ draftId: begun.draftId, channel: input.channel, name: begun.name, step: begun.step }));
    return;
  }
  const { draftId } = begun.screen;
  const viewId = await open(wizardView(begun.screen));
  if (viewId) await services.wizard.attachView(draftId, viewId);
  else await services.wizard.discard(draftId, input.user);
}

/** The prompt's view, the left draft and the clicking user; undefined (after the ack) for a payload without them. */
async function promptTarget(args: ActionArgs) {
  await args.ack();
  const view = args.body.view;
  const pointer = parseResumeMetadata(view?.private_metadata);
  if (!view || !pointer) return undefined;
  return { viewId: view.id, hash: view.hash, pointer, user: args.body.user.id };
}

/** "Resume draft": the wizard, in the prompt's modal, on the step the draft was left at, with everything typed. */
function onResume(services: WizardHandlerServices) {
  return async (args: ActionArgs): Promise<void> => {
    const target = await promptTarget(args);
    if (!target) return;
    const { viewId, hash, pointer, user } = target;
    // A draft gone meanwhile (expired, deployed, discarded by Start over elsewhere) shows why.
    const redraw = await services.wizard.resume(pointer.draftId, user, viewId);
    await showRedraw(services, args.client, { id: viewId, hash }, pointer.draftId, redraw);
  };
}

/** "Start over": the left draft is discarded and a fresh wizard takes the prompt's place. */
function onStartOver(services: WizardHandlerServices) {
  return async (args: ActionArgs): Promise<void> => {
    const target = await promptTarget(args);
    if (!target) return;
    const { viewId, hash, pointer, user } = target;
    const begun = await services.wizard.startOver({ user, channel: pointer.channel, name: pointer.name, discard: pointer.draftId });
    if (begun.kind !== 'fresh') {
      const view = begun.kind === 'refused' ? wizardRefusedView(policyRefusalText(begun.refusal)) : wizardGoneView({ kind: 'expired' });
      await args.client.views.update({ view_id: viewId, view, hash });
      return;
    }
    await services.wizard.attachView(begun.screen.draftId, viewId);
    await args.client.views.update({ view_id: viewId, view: wizardView(begun.screen), hash });
  };
}

/** The resume prompt's buttons. */
export function register(app: App, services: WizardHandlerServices): void {
  app.action(ActionIds.wizardResumeDraft, onResume(services));
  app.action(ActionIds.wizardStartOver, onStartOver(services));
}
