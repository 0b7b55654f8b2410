import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { DISK_MAX_GB, DISK_MIN_GB, instanceTypesFor, MAX_POOL_NODES, MAX_WORKER_POOLS, POOL_NAME_MAX, poolField, poolZones, type PoolField } from '../../services/domain/rules.js';
import type { WizardForm, WizardOptions, WizardPoolForm } from '../../services/domain/index.js';
import { ActionIds, BlockIds } from '../ids.js';
import { textInput } from './basics.js';
import { button, context, divider, inputBlock, loadErrorBlocks, notice, option, plain, wizardModal } from './common.js';
import { SLACK_LIMITS } from '../slack-limits.js';
import { blockIdFor, variantOf } from './fields.js';
import type { WizardNotice } from '../../services/wizard.js';

export interface PoolsViewInput {
  draftId: string;
  form: WizardForm;
  options: WizardOptions;
  notice?: WizardNotice | undefined;
}

type InstanceType = NonNullable<WizardOptions['instanceTypes']>[number];

export const instanceTypeLabel = (t: InstanceType): string =>
  `${t.instanceType} · ${t.cpu} vCPU · ${t.memoryGb} GB${(t.gpu ?? 0) > 0 ? ` · ${t.gpu ?? 0} GPU` : ''}`;

/** Up to 100 options; a longer list is grouped by instance family (each group up to 100). */
export function instanceTypeChoices(types: readonly InstanceType[]): { options: PlainTextOption[] } | { option_groups: { label: { type: 'plain_text'; text: string }; options: PlainTextOption[] }[] } {
  const sorted = [...types].sort((a, b) => a.instanceType.localeCompare(b.instanceType, 'en', { numeric: true }));
  const options = sorted.map((t) => option(instanceTypeLabel(t), t.instanceType));
  if (options.length <= SLACK_LIMITS.optionsPerSelect) return { options };
  const families = new Map<string, PlainTextOption[]>();
  for (const [i, t] of sorted.entries()) {
    const family = t.instanceType.split('.')[0] ?? t.instanceType;
    const group = families.get(family) ?? [];
    const entry = options[i];
    if (entry && group.length < SLACK_LIMITS.optionsPerSelect) group.push(entry);
    families.set(family, group);
  }
  return {
    option_groups: [...families.entries()]
      .slice(0, SLACK_LIMITS.optionsPerSelect)
      .map(([family, group]) => ({ label: plain(family, SLACK_LIMITS.optionText), options: group })),
  };
}

/**
 * A whole-number field. What the user typed is shown again only when it is within min..max: Slack
 * refuses a view whose number_input starts out of range (views.update fails, the click does
 * nothing); left out, Slack keeps what was typed in the unchanged block, and Next reports the field.
 */
function numberInput(pool: WizardPoolForm, field: PoolField, actionId: string, label: string, min: number, max: number): KnownBlock {
  const value = pool[field as 'minSize' | 'desiredSize' | 'maxSize' | 'diskGb'];
  const shown = /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max;
  return inputBlock(
    { blockId: blockIdFor(poolField(pool.key, field)), label },
    {
      type: 'number_input',
      action_id: actionId,
      is_decimal_allowed: false,
      min_value: String(min),
      max_value: String(max),
      ...(shown ? { initial_value: value } : {}),
    },
  );
}

/**
 * One worker pool's fields, as the wizard's pools step shows them and the add-pool modal of a
 * running cluster reuses them (`form` gives the VPC; `removable`: the wizard's Remove button).
 */
export function poolFormBlocks(pool: WizardPoolForm, heading: string, form: Pick<WizardForm, 'vpcId'>, options: WizardOptions, removable = true): KnownBlock[] {
  const usableZones = poolZones(options, form.vpcId);
  const zoneName = (zone: string) => options.zones?.find((z) => z.zone === zone)?.name ?? zone;
  const zoneOptions = usableZones.slice(0, SLACK_LIMITS.optionsPerSelect).map((zone) => option(`${zoneName(zone)} (${zone})`, zone));
  const chosenZones = zoneOptions.filter((o) => pool.zones.includes(o.value ?? ''));
  const types = instanceTypesFor(options, pool.zones.filter((z) => usableZones.includes(z)));
  const typeChoices = instanceTypeChoices(types);
  const allTypeOptions = 'options' in typeChoices ? typeChoices.options : typeChoices.option_groups.flatMap((g) => g.options);
  const chosenType = allTypeOptions.find((o) => o.value === pool.instanceType);

  return [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*${heading}*` },
      ...(removable ? { accessory: button('Remove', ActionIds.wizardRemovePool, pool.key, 'danger') } : {}),
    },
    textInput({
      blockId: blockIdFor(poolField(pool.key, 'name')),
      actionId: ActionIds.wizardPoolName,
      label: 'Name',
      value: pool.name,
      maxLength: POOL_NAME_MAX,
      placeholder: 'e.g. workers',
    }),
    numberInput(pool, 'minSize', ActionIds.wizardPoolMin, 'Minimum size (nodes)', 0, MAX_POOL_NODES),
    numberInput(pool, 'desiredSize', ActionIds.wizardPoolDesired, 'Desired size (nodes)', 0, MAX_POOL_NODES),
    numberInput(pool, 'maxSize', ActionIds.wizardPoolMax, 'Maximum size (nodes)', 1, MAX_POOL_NODES),
    zoneOptions.length > 0
      ? {
          type: 'input',
          block_id: blockIdFor(poolField(pool.key, 'zones'), form.vpcId),
          dispatch_action: true,
          label: plain('Availability zones'),
          hint: plain("Zones with a subnet in the chosen VPC; the instance types below are those sold in every chosen zone."),
          element: {
            type: 'multi_static_select',
            action_id: ActionIds.wizardPoolZones,
            placeholder: plain('Choose zones', SLACK_LIMITS.placeholder),
            options: zoneOptions,
            ...(chosenZones.length > 0 ? { initial_options: chosenZones } : {}),
          },
        }
      : context(':hourglass_flowing_sand: Availability zones appear once the subnets of the chosen VPC are loaded.'),
    allTypeOptions.length > 0
      ? {
          type: 'input',
          block_id: blockIdFor(poolField(pool.key, 'instanceType'), variantOf(pool.zones)),
          label: plain('Instance type'),
          element: {
            type: 'static_select',
            action_id: ActionIds.wizardPoolInstanceType,
            placeholder: plain('Choose an instance type', SLACK_LIMITS.placeholder),
            ...typeChoices,
            ...(chosenType ? { initial_option: chosenType } : {}),
          },
        }
      : context(
          options.instanceTypes
            ? ':warning: No instance type is sold in every chosen zone; choose other zones.'
            : ':hourglass_flowing_sand: Instance types appear once they are loaded from Tencent Cloud.',
        ),
    numberInput(pool, 'diskGb', ActionIds.wizardPoolDisk, 'System disk size (GB)', DISK_MIN_GB, DISK_MAX_GB),
    divider(),
  ];
}

/** Step 4: "update in parallel", then each worker pool, with Add / Remove. */
export function poolsView(input: PoolsViewInput): ModalView {
  const { form, options } = input;
  const parallel = { text: plain('Update worker pools in parallel', SLACK_LIMITS.optionText), description: plain('Create and patch every worker pool at the same time', SLACK_LIMITS.optionText), value: 'parallel' };
  return wizardModal({
    draftId: input.draftId,
    step: 'pools',
    blocks: [
      ...notice(input.notice),
      ...loadErrorBlocks(options),
      {
        type: 'input',
        block_id: blockIdFor('workerPools'),
        optional: true,
        label: plain('Worker pools'),
        element: {
          type: 'checkboxes',
          action_id: ActionIds.wizardParallel,
          options: [parallel],
          ...(form.parallelPoolUpdates ? { initial_options: [parallel] } : {}),
        },
      },
      ...(form.pools.length === 0 ? [context('No worker pool yet: a cluster needs at least one. Add one below.')] : []),
      ...form.pools.slice(0, MAX_WORKER_POOLS).flatMap((pool, i) => poolFormBlocks(pool, `Worker pool ${i + 1}`, form, options)),
      ...(form.pools.length < MAX_WORKER_POOLS
        ? [{ type: 'actions' as const, block_id: BlockIds.wizardPoolActions, elements: [button('Add worker pool', ActionIds.wizardAddPool)] }]
        : [context(`${MAX_WORKER_POOLS} worker pools is the most one cluster can get from this wizard.`)]),
    ],
  });
}
