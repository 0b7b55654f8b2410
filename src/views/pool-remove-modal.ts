import type { ModalView } from '@slack/types';
import type { WorkerPoolSpec } from '../services/domain/index.js';
import { section } from './blocks.js';
import { clip, escapeMrkdwn } from './cluster-format.js';
import { ActionIds, BlockIds, CallbackIds } from './ids.js';
import { poolModal } from './scale-modal.js';

/** The remove modal carries the same pointer as the scale modal (cluster, pool, channel): see parseScaleMetadata. */
export function poolRemoveModal(input: { clusterId: string; clusterName: string; channel: string; pool: WorkerPoolSpec }): ModalView {
  const { pool } = input;
  return poolModal({ clusterId: input.clusterId, pool: pool.name, channel: input.channel }, {
    callbackId: CallbackIds.poolRemove,
    title: 'Remove worker pool',
    submit: 'Remove pool',
    blocks: [
      section(
        `:warning: This removes worker pool *${escapeMrkdwn(pool.name)}* from *${escapeMrkdwn(input.clusterName)}*: Tencent terminates its ` +
          `${pool.desiredSize} ${escapeMrkdwn(pool.instanceType)} node${pool.desiredSize === 1 ? '' : 's'} and their ${pool.diskGb} GB system disks. ` +
          'Workloads on them are rescheduled on the other pools.',
      ),
      {
        type: 'input',
        block_id: BlockIds.poolRemoveName,
        label: { type: 'plain_text', text: 'Type the pool name to confirm' },
        hint: { type: 'plain_text', text: clip(`Exactly ${pool.name}: case and spaces matter.`, 2000) },
        element: { type: 'plain_text_input', action_id: ActionIds.poolRemoveName, max_length: 200, placeholder: { type: 'plain_text', text: clip(pool.name, 150) } },
      },
    ],
  });
}

/** The typed name's problem, or undefined when it is the pool's name exactly. */
export const typedPoolNameProblem = (typed: string, pool: string): string | undefined =>
  typed === pool ? undefined : `Type ${pool} exactly to remove this pool.`;
