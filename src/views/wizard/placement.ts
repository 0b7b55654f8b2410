import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { includesPublic, MAX_PUBLIC_CIDRS } from '../../services/domain/rules.js';
import type { EndpointAccessChoice, WizardForm, WizardOptions } from '../../services/domain/index.js';
import { endpointLabel } from '../cluster-format.js';
import { ActionIds } from '../ids.js';
import { textInput } from './basics.js';
import { choices, context, inputBlock, loadErrorBlocks, notice, option, plain, wizardModal } from './common.js';
import { SLACK_LIMITS } from '../slack-limits.js';
import { blockIdFor } from './fields.js';
import type { WizardNotice } from '../../services/wizard.js';

export interface PlacementViewInput {
  draftId: string;
  form: WizardForm;
  options: WizardOptions;
  notice?: WizardNotice | undefined;
}

export const ENDPOINT_CHOICES: readonly { value: EndpointAccessChoice; text: string; description: string }[] = [
  { value: 'public', text: `${endpointLabel('public')} (recommended)`, description: 'Reachable from the internet, restricted to the CIDRs below' },
  { value: 'private', text: endpointLabel('private'), description: "Reachable only inside the VPC, through the chosen subnet" },
  { value: 'private-public', text: endpointLabel('private-public'), description: 'Both endpoints' },
];

function select(input: {
  field: 'region' | 'keyPairId' | 'vpcId' | 'subnetId';
  variant?: string | undefined;
  actionId: string;
  label: string;
  placeholder: string;
  options: PlainTextOption[];
  selected: string | undefined;
  dispatch?: boolean;
  hint?: string;
}): KnownBlock {
  return inputBlock(
    { ...input, blockId: blockIdFor(input.field, input.variant) },
    { type: 'static_select', action_id: input.actionId, placeholder: plain(input.placeholder, SLACK_LIMITS.placeholder), ...choices(input.options, input.selected) },
  );
}

const loading = (what: string) => context(`:hourglass_flowing_sand: Loading ${what} from Tencent Cloud…`);

function regionDependent(form: WizardForm, options: WizardOptions): KnownBlock[] {
  if (!form.region) return [context('Choose a region to list its SSH key pairs and VPCs.')];
  if (options.region !== form.region) return options.error ? [] : [loading(`key pairs and VPCs of ${form.region}`)];
  const keyPairs = options.keyPairs ?? [];
  const vpcs = options.vpcs ?? [];
  const blocks: KnownBlock[] = [
    keyPairs.length > 0
      ? select({
          field: 'keyPairId',
          variant: form.region,
          actionId: ActionIds.wizardKeyPair,
          label: 'SSH key pair',
          placeholder: 'Choose a key pair',
          options: keyPairs.map((k) => option(`${k.keyName} (${k.keyId})`, k.keyId)),
          selected: form.keyPairId,
          hint: 'Inserted into every worker node.',
        })
      : context(`:warning: No SSH key pair exists in ${form.region}; create one in the CVM console, then choose the region again.`),
    vpcs.length > 0
      ? select({
          field: 'vpcId',
          variant: form.region,
          actionId: ActionIds.wizardVpc,
          label: 'VPC',
          placeholder: 'Choose a VPC',
          options: vpcs.map((v) => option(`${v.name} · ${v.vpcId} · ${v.cidr}`, v.vpcId)),
          selected: form.vpcId,
          dispatch: true,
        })
      : context(`:warning: No VPC exists in ${form.region}; create one (with a subnet and a NAT gateway) first.`),
  ];
  if (!form.vpcId) return blocks;
  if (options.vpcId !== form.vpcId) return [...blocks, ...(options.error ? [] : [loading(`subnets of ${form.vpcId}`)])];
  const subnets = (options.subnets ?? []).filter((s) => s.vpcId === form.vpcId);
  blocks.push(
    subnets.length > 0
      ? select({
          field: 'subnetId',
          variant: form.vpcId,
          actionId: ActionIds.wizardSubnet,
          label: 'Subnet',
          placeholder: 'Choose a subnet',
          options: subnets.map((s) => option(`${s.name} · ${s.subnetId} · ${s.zone} · ${s.cidr}`, s.subnetId)),
          selected: form.subnetId,
          hint: "Used by the private endpoint and VPC-CNI pods; worker pools put their nodes in it when they use its zone.",
        })
      : context(`:warning: ${form.vpcId} has no subnet; create one first.`),
  );
  return blocks;
}

/** Step 3: region, SSH key pair, VPC and subnet (each loaded when the choice before it is made), endpoint access. */
export function placementView(input: PlacementViewInput): ModalView {
  const { form, options } = input;
  const regions = options.accountId === form.accountId ? options.regions : undefined;
  const endpointOptions = ENDPOINT_CHOICES.map((c) => ({ text: plain(c.text, SLACK_LIMITS.optionText), description: plain(c.description, SLACK_LIMITS.optionText), value: c.value }));
  const selectedEndpoint = endpointOptions.find((o) => o.value === form.endpointAccess) ?? endpointOptions[0];
  return wizardModal({
    draftId: input.draftId,
    step: 'placement',
    blocks: [
      ...notice(input.notice),
      ...loadErrorBlocks(options),
      regions && regions.length > 0
        ? select({
            field: 'region',
            variant: form.accountId,
            actionId: ActionIds.wizardRegion,
            label: 'Region',
            placeholder: 'Choose a region',
            options: regions.map((r) => option(`${r.name} (${r.region})`, r.region)),
            selected: form.region,
            dispatch: true,
          })
        : regions
          ? // A select without options is refused by Slack.
            context(':warning: Tencent reports no region available to this cloud account; check its permissions, or choose another cloud account.')
          : options.error
            ? context('Regions could not be listed.')
            : loading('regions'),
      ...(regions && regions.length > 0 ? regionDependent(form, options) : []),
      {
        type: 'input',
        block_id: blockIdFor('endpointAccess'),
        dispatch_action: true,
        label: plain('Cluster endpoint access'),
        element: {
          type: 'radio_buttons',
          action_id: ActionIds.wizardEndpointAccess,
          options: endpointOptions,
          ...(selectedEndpoint ? { initial_option: selectedEndpoint } : {}),
        },
      },
      ...(includesPublic(form.endpointAccess)
        ? [
            textInput({
              blockId: blockIdFor('publicCidrs'),
              actionId: ActionIds.wizardPublicCidrs,
              label: 'Public access CIDRs',
              value: form.publicCidrs,
              maxLength: SLACK_LIMITS.plainTextInput,
              multiline: true,
              placeholder: '203.0.113.0/24',
              hint: `Who may reach the public endpoint: IPv4 CIDRs, one per line (at most ${MAX_PUBLIC_CIDRS}). 0.0.0.0/0 allows any address.`,
            }),
          ]
        : []),
    ],
  });
}
