/** The parts of Slack's interaction payloads the handlers read, each parsed by one schema. */
import { z } from 'zod';
import { stateValuesSchema, type StateValues } from '../views/view-state.js';

/** The state values of a view, or none when Slack sent something else. */
export function stateValuesOf(values: unknown): StateValues {
  const parsed = stateValuesSchema.safeParse(values);
  return parsed.success ? parsed.data : {};
}

/** The text a user typed in one plain_text_input of a submitted view ('' when empty or absent). */
export function typedText(values: unknown, blockId: string, actionId: string): string {
  return stateValuesOf(values)[blockId]?.[actionId]?.value ?? '';
}

/** The value of the option picked in one select or radio group, if any. */
export function pickedValue(values: unknown, blockId: string, actionId: string): string | undefined {
  return stateValuesOf(values)[blockId]?.[actionId]?.selected_option?.value;
}

/** A click on a cluster button (thread or overview): whose, where, which cluster (the button's value). */
export interface ClusterClick {
  user: string;
  channel: string;
  clusterId: string;
  triggerId: string;
  /** The clicked message's response_url (a private answer that works where tkeops cannot post). */
  responseUrl?: string;
  /** The button was in an ephemeral message (an overview), not in a channel message (the thread). */
  ephemeral: boolean;
  /** The button was on the App Home tab: `channel` is then the cluster's, and answers go to the direct message. */
  fromHome?: true;
}

const clusterClickSchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  trigger_id: z.string().min(1),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional(), is_ephemeral: z.boolean().optional() }).optional(),
  actions: z.array(z.object({ value: z.string().min(1) })).min(1),
  response_url: z.string().optional(),
});

/** The click, or undefined when the payload lacks a user, channel, trigger or cluster id. */
export function parseClusterClick(body: unknown): ClusterClick | undefined {
  const parsed = clusterClickSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const channel = parsed.data.channel?.id ?? parsed.data.container?.channel_id;
  const clusterId = parsed.data.actions[0]?.value;
  if (!channel || !clusterId) return undefined;
  const { response_url: responseUrl } = parsed.data;
  const ephemeral = parsed.data.container?.is_ephemeral ?? false;
  return { user: parsed.data.user.id, channel, clusterId, triggerId: parsed.data.trigger_id, ephemeral, ...(responseUrl ? { responseUrl } : {}) };
}

const homeClickSchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  trigger_id: z.string().min(1),
  view: z.object({ type: z.literal('home') }),
  actions: z.array(z.object({ value: z.string().min(1) })).min(1),
});

/**
 * A click on a cluster button of the App Home tab, which has no channel: the cluster's channel
 * stands for it (the policy reads the project from it), found by the cluster id at the start of
 * the button's value (`<id>` or `<id>:<more>`). Undefined for any other payload or an unknown cluster.
 */
export async function parseHomeClusterClick(body: unknown, clusters: { get(id: string): Promise<{ channel: string } | undefined> }): Promise<ClusterClick | undefined> {
  const parsed = homeClickSchema.safeParse(body);
  const value = parsed.data?.actions[0]?.value;
  if (!parsed.success || !value) return undefined;
  const cluster = await clusters.get(value.split(':')[0] ?? '');
  if (!cluster) return undefined;
  return { user: parsed.data.user.id, channel: cluster.channel, clusterId: value, triggerId: parsed.data.trigger_id, ephemeral: false, fromHome: true };
}

/** A cluster button's click, in a message or on the App Home tab. */
export async function clusterClickOf(body: unknown, clusters: { get(id: string): Promise<{ channel: string } | undefined> }): Promise<ClusterClick | undefined> {
  return parseClusterClick(body) ?? (await parseHomeClusterClick(body, clusters));
}
