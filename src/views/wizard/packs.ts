import type { KnownBlock, ModalView } from '@slack/types';
import { listPacks } from '../../services/domain/profile.js';
import { OS_IMAGES, PACK_VALUES_MAX_CHARS, PVC_MIN_GB, PVC_STEP_GB } from '../../services/domain/rules.js';
import type { Profile } from '../../services/profiles.js';
import type { WizardForm } from '../../services/domain/index.js';
import { section } from '../blocks.js';
import { escapeMrkdwn } from '../cluster-format.js';
import { ActionIds } from '../ids.js';
import { textInput } from './basics.js';
import { notice, wizardModal } from './common.js';
import { blockIdFor } from './fields.js';
import type { WizardNotice } from '../../services/wizard.js';

export interface PacksViewInput {
  draftId: string;
  form: WizardForm;
  profile: Profile;
  notice?: WizardNotice | undefined;
}

/** `containerd`, or `containerd 1.6.9` when the profile names the runtime's version. */
export function runtimeSummary(profile: Profile): string {
  const { containerRuntime, runtimeVersion } = profile.layers.kubernetes;
  return runtimeVersion === undefined ? containerRuntime : `${containerRuntime} ${runtimeVersion}`;
}

export function networkSummary(profile: Profile): string {
  const network = profile.layers.network;
  const service = network.serviceCidr ? `, services ${network.serviceCidr}` : '';
  return network.mode === 'GR'
    ? `GlobalRouter (pods ${network.clusterCidr}${service})`
    : `VPC-CNI (pods take addresses from the VPC's subnets${service})`;
}

/** Packs shown as editable fields; a profile with more keeps the others' values as they are. */
export const MAX_EDITABLE_PACKS = 90;

/** Step 2: one editable YAML field per pack, pre-filled with the profile's values (or the user's edits). */
export function packsView(input: PacksViewInput): ModalView {
  const { profile } = input;
  const packs = listPacks(profile);
  const hidden = packs.length - MAX_EDITABLE_PACKS;
  const packBlocks = packs.slice(0, MAX_EDITABLE_PACKS).map((pack): KnownBlock => {
    const addon = profile.layers.addons.find((a) => a.name === pack.packName);
    return textInput({
      blockId: blockIdFor(`pack:${pack.packName}`),
      actionId: ActionIds.wizardPackValues,
      label:
        pack.kind === 'os'
          ? `OS pack · ${pack.packName} ${profile.layers.os.version}`
          : `Add-on pack · ${pack.packName} (${addon?.chart ?? ''} ${addon?.version ?? ''})`,
      value: input.form.packs[pack.packName] ?? pack.values,
      maxLength: PACK_VALUES_MAX_CHARS,
      multiline: true,
      optional: pack.kind === 'addon',
      hint:
        pack.kind === 'os'
          ? `OsName must be one of: ${OS_IMAGES.join(', ')}.`
          : `Helm values (YAML). Every persistent volume size must be at least ${PVC_MIN_GB}Gi and a multiple of ${PVC_STEP_GB}.`,
    });
  });
  return wizardModal({
    draftId: input.draftId,
    step: 'packs',
    blocks: [
      ...notice(input.notice),
      section(
        `*${escapeMrkdwn(profile.name)}* — ${escapeMrkdwn(profile.description)}\nKubernetes ${profile.layers.kubernetes.version} on ${runtimeSummary(profile)} · network ${networkSummary(profile)}\n` +
          'Review the pack parameters below; edit them to override the cluster profile for this cluster.',
      ),
      ...packBlocks,
      ...(hidden > 0 ? [section(`${hidden} more packs keep the cluster profile's values.`)] : []),
    ],
  });
}
