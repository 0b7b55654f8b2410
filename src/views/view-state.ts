/** `view.state.values` of a submitted view, as Slack sends it: {block_id: {action_id: the element's state}}. */
import { z } from 'zod';

export const stateValuesSchema = z.record(
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
export type StateValues = z.infer<typeof stateValuesSchema>;
/** One element's state. */
export type StateValue = StateValues[string][string];
