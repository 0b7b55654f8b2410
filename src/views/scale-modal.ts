import type { Button, KnownBlock, ModalView } from '@slack/types';
import { z } from 'zod';
import type { PoolNow } from '../services/pool-changes.js';
import { section } from './blocks.js';
import { clip, escapeMrkdwn } from './cluster-format.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { parsePrivateMetadata } from './private-metadata.js';

/** The scale modal's pointer: which cluster and pool, and the channel to answer in. */
const metadataSchema = z.object({ v: z.literal(1), clusterId: z.string().min(1), pool: z.string().min(1), channel: z.string().min(1) });
export type ScaleModalPointer = Omit<z.infer<typeof metadataSchema>, 'v'>;

/** A worker pool modal (scale, remove): its callback, the pointer parseScaleMetadata reads back, title and submit. */
export function poolModal(pointer: ScaleModalPointer, frame: { callbackId: string; title: string; submit: string; blocks: KnownBlock[] }): ModalView {
  return {
    type: 'modal',
    callback_id: frame.callbackId,
    private_metadata: JSON.stringify({ v: 1, ...pointer }),
    title: { type: 'plain_text', text: frame.title },
    submit: { type: 'plain_text', text: frame.submit },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: frame.blocks,
  };
}

export function parseScaleMetadata(text: string | undefined): ScaleModalPointer | undefined {
  const parsed = parsePrivateMetadata(metadataSchema, text);
  return parsed && { clusterId: parsed.clusterId, pool: parsed.pool, channel: parsed.channel };
}

/** The blocks of the three size fields, by the field the pool rules name. */
export const SCALE_FIELDS = {
  minSize: { blockId: BlockIds.poolScaleMin, actionId: ActionIds.poolScaleMin, label: 'Minimum nodes' },
  desiredSize: { blockId: BlockIds.poolScaleDesired, actionId: ActionIds.poolScaleDesired, label: 'Desired nodes' },
  maxSize: { blockId: BlockIds.poolScaleMax, actionId: ActionIds.poolScaleMax, label: 'Maximum nodes' },
} as const;

function sizeInput(field: keyof typeof SCALE_FIELDS, value: number): KnownBlock {
  const { blockId, actionId, label } = SCALE_FIELDS[field];
  return {
    type: 'input',
    block_id: blockId,
    label: { type: 'plain_text', text: label },
    element: { type: 'plain_text_input', action_id: actionId, initial_value: String(value), max_length: 4 },
  };
}

function tencentLine(pool: PoolNow): string {
  const t = pool.tencent;
  if (!t) return 'Tencent did not report this pool.';
  const range = t.minNodes !== undefined && t.maxNodes !== undefined ? `, min ${t.minNodes}, max ${t.maxNodes}` : '';
  return `Tencent reports *${t.readyNodes}* ready of ${t.totalNodes} node${t.totalNodes === 1 ? '' : 's'} (desired ${t.desired}${range}; ${escapeMrkdwn(t.lifeState)}).`;
}

/** "Scale worker pool": the pool's current sizes and Tencent's nodes, and the new min / desired / max. */
export function scaleModal(input: { clusterId: string; clusterName: string; channel: string; pool: PoolNow }): ModalView {
  const { spec } = input.pool;
  return poolModal({ clusterId: input.clusterId, pool: spec.name, channel: input.channel }, {
    callbackId: CallbackIds.poolScale,
    title: 'Scale worker pool',
    submit: 'Scale',
    blocks: [
      section(
        clip(
          `Worker pool *${escapeMrkdwn(spec.name)}* of *${escapeMrkdwn(input.clusterName)}* (${escapeMrkdwn(spec.instanceType)}): ` +
            `now min ${spec.minSize} · desired ${spec.desiredSize} · max ${spec.maxSize}.\n${tencentLine(input.pool)}`,
          3000,
        ),
      ),
      sizeInput('minSize', spec.minSize),
      sizeInput('desiredSize', spec.desiredSize),
      sizeInput('maxSize', spec.maxSize),
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'min ≤ desired ≤ max. The cluster’s thread follows the change until Tencent reports the new node count.' }] },
    ],
  });
}

/** The overview's "Scale <pool>" button of each worker pool (the pool in the action id, the cluster id as value). */
export function scalePoolButtons(clusterId: string, pools: readonly string[]): Button[] {
  return pools.map((pool) => ({
    type: 'button',
    action_id: `${ActionIds.clusterScalePool}:${pool}`,
    text: { type: 'plain_text', text: clip(`Scale ${pool}`, 75) },
    value: clusterId,
  }));
}

/** The pool of a scale button's action id, or undefined for another id. */
export function poolOfScaleAction(actionId: string): string | undefined {
  const prefix = `${ActionIds.clusterScalePool}:`;
  return actionId.startsWith(prefix) && actionId.length > prefix.length ? actionId.slice(prefix.length) : undefined;
}

export const SCALE_ACTION_PATTERN = new RegExp(`^${ActionIds.clusterScalePool}:`);
