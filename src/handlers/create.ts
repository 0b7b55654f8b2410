import type { Services } from '../services/services.js';
import { renderStep } from './wizard-steps.js';
import type { Subcommand } from './tke-command.js';

const USAGE = 'Usage: `/tke create [name]` — the name is one word (letters, digits, - and _); the wizard asks for the rest.';

/**
 * `/tke create [name]`: opens the cluster wizard on its first step. The draft is stored before
 * the modal opens, so everything typed survives a restart; `name` pre-fills the cluster name.
 */
export function createSubcommand(services: Services): Subcommand {
  const { policy, drafts, logger } = services;
  return async (request) => {
    if (request.args.length > 1) {
      await request.ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    const user = request.command.user_id;
    const channel = request.command.channel_id;
    const project = policy.projectForChannel(channel)?.name;
    const decision = await policy.check('cluster.create', { user, channel, project });
    if (!decision.allowed) {
      await request.ack({ response_type: 'ephemeral', text: decision.message });
      return;
    }
    await request.ack();
    const draft = await drafts.create({ userId: user, channel, project, name: request.args[0] });
    try {
      const opened = await request.client.views.open({ trigger_id: request.command.trigger_id, view: (await renderStep(services, draft, 'basics')).view });
      const viewId = opened.view?.id;
      if (viewId) await drafts.update(draft.id, (d) => (d.viewId = viewId));
    } catch (error) {
      logger.error({ err: error }, 'could not open the cluster wizard');
      await request.respond({ response_type: 'ephemeral', text: 'Slack did not open the wizard in time; run `/tke create` again.' });
    }
  };
}
