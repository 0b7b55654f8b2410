import type { ModalView } from '@slack/types';
import type { LeftoverLookup } from '../services/deletion-rules.js';
import { section } from './blocks.js';
import { escapeMrkdwn } from './cluster-format.js';
import { confirmNameInput, deletionMetadata, deletionNoticeModal, pointerOf, type DeletionModalPointer } from './delete-modal.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { leftoverBlocks, leftoverTagsText } from './leftover-resources.js';

const TITLE_TEXT = 'Force Delete Cluster';
const TITLE = { type: 'plain_text', text: TITLE_TEXT } as const;

/** Opened at once on the button click (the trigger expires in 3 s); updated when Tencent has answered. */
export function forceDeleteLoadingModal(input: DeletionModalPointer & { name: string }): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.forceDeleteLoading,
    private_metadata: deletionMetadata(pointerOf(input)),
    title: TITLE,
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [section(`:mag: Looking up leftover resources of *${escapeMrkdwn(input.name)}*…`)],
  };
}

/** The cluster, and what Tencent still has for it (or why that lookup failed). */
export type ForceDeleteModalInput = DeletionModalPointer & { name: string; tkeClusterId: string } & LeftoverLookup;

/** A force-delete modal that only tells something (force delete is no longer possible...). */
export const forceDeleteNoticeModal = (text: string): ModalView => deletionNoticeModal(text, TITLE_TEXT);

/** "Force Delete Cluster": the resources still present, the warning, and the name typed again. */
export function forceDeleteModal(input: ForceDeleteModalInput): ModalView {
  const name = escapeMrkdwn(input.name);
  const owner = { id: input.clusterId, tkeClusterId: input.tkeClusterId };
  const tag = leftoverTagsText(owner);
  const found = leftoverBlocks(input, owner, {
    present: () =>
      `:warning: These cloud resources tagged ${tag} are still present. ` +
      'Force delete does not guarantee they go: *clean them up* in the Tencent Cloud console if they are still listed in the thread afterwards.',
    none: `No instances, disks or load balancers tagged ${tag} are left.`,
  }).blocks;
  return {
    type: 'modal',
    callback_id: CallbackIds.forceDeleteConfirm,
    private_metadata: deletionMetadata(pointerOf(input)),
    title: TITLE,
    submit: { type: 'plain_text', text: 'Force delete' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `*${name}* is stuck in Deleting. Force delete asks Tencent to delete TKE cluster \`${escapeMrkdwn(input.tkeClusterId)}\` ` +
          'once more with every instance, disk and load balancer terminated, even those under deletion protection, then marks it *Deleted (forced)*.',
      ),
      ...found,
      confirmNameInput(BlockIds.forceDeleteConfirmName, ActionIds.forceDeleteConfirmName, input.name),
    ],
  };
}
