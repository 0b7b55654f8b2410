import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { helpMessage } from '../views/help.js';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** What a `/tke <subcommand>` handler receives: the Bolt arguments plus the parsed words. */
export interface SubcommandRequest extends CommandArgs {
  /** Words after the subcommand, e.g. ["remove", "prod"] for `/tke account remove prod`. */
  args: string[];
}

/** A subcommand handler must ack() itself, first, before any slow work. */
export type Subcommand = (request: SubcommandRequest) => Promise<void>;

export function parseTkeText(text: string): { subcommand: string; args: string[] } {
  const [subcommand = 'help', ...args] = text.trim().split(/\s+/).filter(Boolean);
  return { subcommand: subcommand.toLowerCase(), args };
}

const help: Subcommand = async ({ ack }) => {
  await ack({ response_type: 'ephemeral', ...helpMessage() });
};

/**
 * The handler of a typed subcommand: only the table's own entries count, so `constructor` or
 * `__proto__` (an Object's inherited members) find none and get the help.
 */
function subcommandHandler(subcommands: Readonly<Record<string, Subcommand>>, subcommand: string): Subcommand | undefined {
  if (subcommand === 'help') return help;
  return Object.hasOwn(subcommands, subcommand) ? subcommands[subcommand] : undefined;
}

/** `/tke` routes to one handler per subcommand; help (and anything unknown) answers with the help. */
export function register(app: App, subcommands: Record<string, Subcommand>): void {
  app.command('/tke', async (args) => {
    const { subcommand, args: words } = parseTkeText(args.command.text);
    const handler = subcommandHandler(subcommands, subcommand);
    if (!handler) {
      await args.ack({ response_type: 'ephemeral', ...helpMessage(subcommand) });
      return;
    }
    await handler({ ...args, args: words });
  });
}
