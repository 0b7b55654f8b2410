/**
 * A Slack request whose listener fails on a store write (a full disk) before it acked gets a clear
 * answer instead of an HTTP 500 ("We had some trouble connecting"): a modal keeps what was typed and
 * shows the problem on its first field, a slash command answers privately, a button is acked (its
 * listener tells the user, or nothing changed). Nothing was changed: the store refused the write.
 */
import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';
import { StoreWriteError } from '../services/store.js';

export const STORE_WRITE_PROBLEM = 'tkeops could not save this: its store cannot be written (the disk may be full). Nothing was changed; try again in a moment.';

type Ackable = { ack?: (response?: unknown) => Promise<void> };

/** The block id of the first input of a submitted modal, to show the problem under it. */
function firstInput(body: AnyMiddlewareArgs['body']): string | undefined {
  if (body.type !== 'view_submission') return undefined;
  const blocks = (body.view.blocks ?? []) as { type?: string; block_id?: string }[];
  return blocks.find((b) => b.type === 'input' && b.block_id)?.block_id;
}

const answerStoreWriteErrors: Middleware<AnyMiddlewareArgs> = async (args) => {
  try {
    await args.next();
  } catch (error) {
    const { ack } = args as AnyMiddlewareArgs & Ackable;
    if (!(error instanceof StoreWriteError) || !ack) throw error;
    const field = firstInput(args.body);
    const answer =
      args.body.type === 'view_submission'
        ? field
          ? { response_action: 'errors', errors: { [field]: STORE_WRITE_PROBLEM } }
          : undefined
        : 'command' in args.body
          ? { response_type: 'ephemeral', text: STORE_WRITE_PROBLEM }
          : undefined;
    try {
      await ack(answer);
    } catch {
      // Acked already (the failure came after the ack): the listener's own handling applies.
    }
    args.logger.error({ err: error.message }, 'a Slack request failed on a store write');
  }
};

/** Registers the answer to store write failures for every request (global middleware wraps every listener). */
export function answerStoreWriteFailures(app: App): void {
  app.use(answerStoreWriteErrors);
}
