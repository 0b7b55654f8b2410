import { z } from 'zod';

/** A click on a cluster button (thread or overview): whose, where, which cluster (the button's value). */
export interface ClusterClick {
  user: string;
  channel: string;
  clusterId: string;
  triggerId: string;
}

const clickSchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  trigger_id: z.string().min(1),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
  actions: z.array(z.object({ value: z.string().min(1) })).min(1),
});

/** The click, or undefined when the payload lacks a user, channel, trigger or cluster id. */
export function parseClusterClick(body: unknown): ClusterClick | undefined {
  const parsed = clickSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const channel = parsed.data.channel?.id ?? parsed.data.container?.channel_id;
  const clusterId = parsed.data.actions[0]?.value;
  if (!channel || !clusterId) return undefined;
  return { user: parsed.data.user.id, channel, clusterId, triggerId: parsed.data.trigger_id };
}

const stateSchema = z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() })));

/** The text a user typed in one plain_text_input of a submitted view ('' when empty or absent). */
export function typedText(values: unknown, blockId: string, actionId: string): string {
  const parsed = stateSchema.safeParse(values);
  return (parsed.success ? parsed.data[blockId]?.[actionId]?.value : undefined) ?? '';
}
