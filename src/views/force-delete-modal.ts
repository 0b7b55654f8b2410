import type { KnownBlock, ModalView } from '@slack/types';
import { TKE_CLUSTER_TAG } from '../services/deletion-rules.js';
import type { TencentFailure } from '../services/store-schema.js';
import type { LeftoverResources } from '../services/tke.js';
import { section } from './blocks.js';
import { escapeMrkdwn } from './cluster-format.js';
import { confirmNameInput, deletionMetadata, type DeletionModalPointer } from './delete-modal.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { leftoverCount, leftoverLookupFailed, leftoverSections } from './leftover-resources.js';

const TITLE = { type: 'plain_text', text: 'Force delete cluster' } as const;

/** Opened at once on the button click (the trigger expires in 3 s); updated when Tencent has answered. */
export function forceDeleteLoadingModal(input: DeletionModalPointer & { name: string }): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.forceDeleteLoading,
    private_metadata: deletionMetadata({ clusterId: input.clusterId, channel: input.channel }),
    title: TITLE,
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [section(`:mag: Looking up leftover resources of *${escapeMrkdwn(input.name)}*…`)],
  };
}

export interface ForceDeleteModalInput extends DeletionModalPointer {
  name: string;
  tkeClusterId: string;
  /** What Tencent still has for the cluster; absent when the lookup failed. */
  leftovers?: LeftoverResources;
  lookupFailure?: TencentFailure;
}

/** "Force delete cluster": the resources still present, the warning, and the name typed again. */
export function forceDeleteModal(input: ForceDeleteModalInput): ModalView {
  const name = escapeMrkdwn(input.name);
  const found: KnownBlock[] = [];
  if (input.leftovers && leftoverCount(input.leftovers) > 0) {
    found.push(
      section(
        `:warning: These cloud resources tagged \`${TKE_CLUSTER_TAG}=${escapeMrkdwn(input.tkeClusterId)}\` are still present. ` +
          'Force delete does not guarantee they go: *clean them up* in the Tencent Cloud console if they are still listed in the thread afterwards.',
      ),
      ...leftoverSections(input.leftovers),
    );
  } else if (input.leftovers) {
    found.push(section(`No instances, disks or load balancers tagged \`${TKE_CLUSTER_TAG}=${escapeMrkdwn(input.tkeClusterId)}\` are left.`));
  } else {
    found.push(section(leftoverLookupFailed(input.tkeClusterId, input.lookupFailure)));
  }
  return {
    type: 'modal',
    callback_id: CallbackIds.forceDeleteConfirm,
    private_metadata: deletionMetadata({ clusterId: input.clusterId, channel: input.channel }),
    title: TITLE,
    submit: { type: 'plain_text', text: 'Force delete' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `*${name}* is stuck in Deleting. Force delete asks Tencent to delete TKE cluster \`${escapeMrkdwn(input.tkeClusterId)}\` ` +
          'once more with every instance and disk terminated and deletion protection skipped, then marks it *Deleted (forced)*.',
      ),
      ...found,
      confirmNameInput(BlockIds.forceDeleteConfirmName, ActionIds.forceDeleteConfirmName, input.name),
    ],
  };
}
