import type { Services } from '../services/services.js';
import { usageText } from '../views/help.js';
import { profileListMessage, profileMessage } from '../views/profile.js';
import type { Subcommand } from './tke-command.js';

const USAGE = usageText('Usage: `/tke profile list` · `/tke profile show <name>`');

/** `/tke profile list | show <name>`: the shipped cluster profiles, answered ephemerally. */
export function profileSubcommand(services: Pick<Services, 'profiles'>): Subcommand {
  return async (request) => {
    const [verb = '', name, ...rest] = request.args;
    if (verb.toLowerCase() === 'list' && name === undefined) {
      await request.ack({ response_type: 'ephemeral', ...profileListMessage(services.profiles.list()) });
      return;
    }
    if (verb.toLowerCase() === 'show' && name !== undefined && rest.length === 0) {
      const profile = services.profiles.get(name);
      await request.ack(
        profile
          ? { response_type: 'ephemeral', ...profileMessage(profile) }
          : { response_type: 'ephemeral', text: `There is no cluster profile named ${name}. \`/tke profile list\` shows them.` },
      );
      return;
    }
    await request.ack({ response_type: 'ephemeral', text: USAGE });
  };
}
