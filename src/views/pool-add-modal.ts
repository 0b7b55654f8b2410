import type { Button, ModalView } from '@slack/types';
import type { WizardOptions, WizardPoolForm, WorkerPoolSpec } from '../services/domain/index.js';
import { section } from './blocks.js';
import { escapeMrkdwn } from './cluster-format.js';
import { ActionIds, CallbackIds } from './ids.js';
import { poolModal } from './scale-modal.js';
import { poolFormBlocks } from './wizard/pools.js';

/** The add-pool form's one pool key: its fields' block ids are the wizard's (`wizard_pool:new:<field>`). */
export const ADD_POOL_KEY = 'new';

/** The form an add-pool modal opens with: the wizard's defaults for a second pool, beside the cluster's pools. */
export function newAddedPoolForm(pools: readonly Pick<WorkerPoolSpec, 'name' | 'zones' | 'diskGb'>[]): WizardPoolForm {
  const last = pools.at(-1);
  return {
    key: ADD_POOL_KEY,
    name: `pool-${pools.length + 1}`,
    minSize: '1',
    desiredSize: '2',
    maxSize: '3',
    instanceType: '',
    zones: [...(last?.zones ?? [])],
    diskGb: String(last?.diskGb ?? 50),
  };
}

/**
 * "Add worker pool": the wizard's pool form (name, sizes, zones, instance type, disk) for a running
 * cluster, the zones of its VPC and the instance types sold there. The pointer is the scale modal's
 * (cluster, channel; `pool` is the form's pool key).
 */
export function poolAddModal(input: { clusterId: string; clusterName: string; channel: string; vpcId: string; pools: readonly string[]; form: WizardPoolForm; options: WizardOptions }): ModalView {
  return poolModal({ clusterId: input.clusterId, pool: input.form.key, channel: input.channel }, {
    callbackId: CallbackIds.poolAdd,
    title: 'Add worker pool',
    submit: 'Add pool',
    blocks: [
      section(
        `A new worker pool for *${escapeMrkdwn(input.clusterName)}* (its pools: ${input.pools.map(escapeMrkdwn).join(', ')}). ` +
          'The same rules as the wizard; the cluster’s thread follows it until Tencent reports its nodes ready.',
      ),
      ...poolFormBlocks(input.form, 'New worker pool', { vpcId: input.vpcId }, input.options, false),
    ],
  });
}

/** The overview's "Add worker pool" button. */
export const addPoolButton = (clusterId: string): Button => ({
  type: 'button',
  action_id: ActionIds.clusterAddPool,
  text: { type: 'plain_text', text: 'Add worker pool' },
  value: clusterId,
});
