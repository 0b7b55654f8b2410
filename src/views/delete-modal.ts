import type { KnownBlock, ModalView } from '@slack/types';
import { z } from 'zod';
import type { WorkerPoolSpec } from '../services/domain/index.js';
import { section } from './blocks.js';
import { clip, escapeMrkdwn } from './cluster-format.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { parsePrivateMetadata, savedResponseUrlSchema } from './private-metadata.js';

/**
 * The pointer both deletion modals carry: which cluster, the channel to answer in, and the
 * response_url of the command or click that opened the modal (to answer where tkeops cannot post).
 * `from`: the message whose button opened it (the ephemeral overview, or the thread's force-delete
 * offer), which that response_url replaces once the deletion is done, so its button is not offered again.
 */
const metadataSchema = z.object({
  v: z.literal(1),
  clusterId: z.string().min(1),
  channel: z.string().min(1),
  responseUrl: savedResponseUrlSchema.optional(),
  from: z.enum(['overview', 'thread']).optional(),
});
export type DeletionModalPointer = Omit<z.infer<typeof metadataSchema>, 'v'>;

export const deletionMetadata = (pointer: DeletionModalPointer): string => JSON.stringify({ v: 1, ...pointer });

/** The pointer written by deletionMetadata, or undefined for anything else (an old or foreign view). */
export function parseDeletionMetadata(text: string | undefined): DeletionModalPointer | undefined {
  const parsed = parsePrivateMetadata(metadataSchema, text);
  return parsed && pointerOf(parsed);
}

/** Just the pointer of a modal's input (which carries more). */
export const pointerOf = ({ clusterId, channel, responseUrl, from }: DeletionModalPointer): DeletionModalPointer => ({
  clusterId,
  channel,
  ...(responseUrl ? { responseUrl } : {}),
  ...(from ? { from } : {}),
});

export interface DeleteModalInput extends DeletionModalPointer {
  name: string;
  tkeClusterId?: string;
  region: string;
  workerPools: readonly WorkerPoolSpec[];
}

/** The confirmation text input; the same block in both modals' builders. */
export function confirmNameInput(blockId: string, actionId: string, name: string): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: { type: 'plain_text', text: 'Type the cluster name to confirm' },
    hint: { type: 'plain_text', text: clip(`Exactly ${name}: case and spaces matter.`, 2000) },
    element: { type: 'plain_text_input', action_id: actionId, max_length: 200, placeholder: { type: 'plain_text', text: clip(name, 150) } },
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function poolLine(pool: WorkerPoolSpec): string {
  return (
    `• Worker pool *${escapeMrkdwn(pool.name)}*: its VMs (${plural(pool.desiredSize, 'VM')} desired, at most ${pool.maxSize}, ` +
    `${escapeMrkdwn(pool.instanceType)}) and their ${pool.diskGb} GB system disks`
  );
}

/** "Delete cluster": what goes, and the typed name that confirms it. */
export function deleteModal(input: DeleteModalInput): ModalView {
  const tke = input.tkeClusterId ? ` (TKE cluster \`${input.tkeClusterId}\`, ${escapeMrkdwn(input.region)})` : '';
  const pools = input.workerPools.map(poolLine).join('\n');
  return {
    type: 'modal',
    callback_id: CallbackIds.deleteConfirm,
    private_metadata: deletionMetadata(pointerOf(input)),
    title: { type: 'plain_text', text: 'Delete cluster' },
    submit: { type: 'plain_text', text: 'Delete cluster' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`:warning: This deletes *${escapeMrkdwn(input.name)}*${tke} and cannot be undone. Tencent removes:`),
      section(`• The cluster and its control plane\n${pools}\n• The storage disks of those VMs (CBS disks are terminated, not kept)`),
      confirmNameInput(BlockIds.deleteConfirmName, ActionIds.deleteConfirmName, input.name),
    ],
  };
}

/** A deletion modal that only tells something (the cluster went away...), titled as the flow it belongs to. */
export function deletionNoticeModal(text: string, title = 'Delete cluster'): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.deleteExpired,
    title: { type: 'plain_text', text: title },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [section(text)],
  };
}

/** Shown instead of a deletion modal whose pointer can no longer be read. */
export const deletionExpiredModal = (): ModalView =>
  deletionNoticeModal('This form has expired. Start again with `/tke delete &lt;cluster&gt;` or the cluster overview.');
