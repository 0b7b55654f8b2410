import { EXPIRY_LABELS } from '../../services/domain/expiry.js';
import type { KnownBlock, ModalView } from '@slack/types';
import type { Profile } from '../../services/profiles.js';
import { listPacks } from '../../services/domain/profile.js';
import { includesPublic } from '../../services/domain/rules.js';
import type { ClusterSpec, CostEstimate, WizardOptions } from '../../services/domain/index.js';
import { section } from '../blocks.js';
import { endpointLabel, escapeMrkdwn } from '../cluster-format.js';
import { costText, ESTIMATING_TEXT } from '../cost.js';
import { context, notice, wizardModal } from './common.js';
import { networkSummary } from './packs.js';
import type { WizardNotice } from '../../services/wizard.js';

export interface ReviewViewInput {
  draftId: string;
  spec: ClusterSpec;
  accountName: string;
  /** The profile with the user's overrides applied. */
  profile: Profile;
  /** The OS image (ClusterOs) the OS pack selects. */
  os: string;
  options: WizardOptions;
  notice?: WizardNotice | undefined;
  /** The spec's price, or 'estimating' while Tencent is asked; absent: no price shown. */
  estimate?: CostEstimate | 'estimating' | undefined;
}

const code = (text: string) => `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;

/** Step 5: the whole spec on one screen, then Deploy. */
export function reviewView(input: ReviewViewInput): ModalView {
  const { spec, options, profile } = input;
  const named = <T>(list: readonly T[] | undefined, match: (item: T) => boolean, label: (item: T) => string, id: string) => {
    const item = list?.find(match);
    return item ? `${escapeMrkdwn(label(item))} (${code(id)})` : code(id);
  };
  const region = named(options.regions, (r) => r.region === spec.region, (r) => r.name, spec.region);
  const keyPair = named(options.keyPairs, (k) => k.keyId === spec.keyPairId, (k) => k.keyName, spec.keyPairId);
  const vpc = named(options.vpcs, (v) => v.vpcId === spec.vpcId, (v) => `${v.name} ${v.cidr}`, spec.vpcId);
  const subnet = named(options.subnets, (s) => s.subnetId === spec.subnetId, (s) => `${s.name} ${s.zone} ${s.cidr}`, spec.subnetId);
  const packs = listPacks(profile)
    .map((pack) => `${code(pack.packName)} ${spec.packOverrides[pack.packName] !== undefined ? 'edited' : "profile's values"}`)
    .join(' · ');
  const endpoint = includesPublic(spec.endpointAccess)
    ? `${escapeMrkdwn(endpointLabel(spec.endpointAccess))}, public access from ${spec.publicCidrs.map(code).join(', ')}`
    : escapeMrkdwn(endpointLabel(spec.endpointAccess));
  const pools: KnownBlock[] = spec.workerPools.map((pool) =>
    section(
      `*${escapeMrkdwn(pool.name)}* — min ${pool.minSize} · desired ${pool.desiredSize} · max ${pool.maxSize} nodes\n` +
        `${code(pool.instanceType)} in ${pool.zones.map(code).join(', ')} · ${pool.diskGb} GB system disk`,
    ),
  );
  return wizardModal({
    draftId: input.draftId,
    step: 'review',
    submit: 'Deploy',
    blocks: [
      ...notice(input.notice),
      section(
        `*Basic information*\nName: *${escapeMrkdwn(spec.name)}*\nDescription: ${spec.description ? escapeMrkdwn(spec.description) : '_none_'}\n` +
          `Tags: ${spec.tags.length > 0 ? spec.tags.map((t) => code(`${t.key}:${t.value}`)).join(' ') : '_none_'}\n` +
          `Delete automatically after: ${EXPIRY_LABELS[spec.expiry ?? 'never']}`,
      ),
      section(
        `*Cloud account:* ${escapeMrkdwn(input.accountName)}\n*Cluster profile:* ${escapeMrkdwn(profile.name)} — Kubernetes ${profile.layers.kubernetes.version}, ` +
          `${code(input.os)}, network ${networkSummary(profile)}\n*Packs:* ${packs}`,
      ),
      section(`*Placement*\nRegion: ${region}\nSSH key pair: ${keyPair}\nVPC: ${vpc}\nSubnet: ${subnet}\nEndpoint access: ${endpoint}`),
      section(
        `*Worker pools* (${spec.workerPools.length}), ${spec.parallelPoolUpdates ? 'created and updated in parallel' : 'created and updated one after another'}`,
      ),
      ...pools,
      ...(input.estimate === undefined ? [] : [section(input.estimate === 'estimating' ? ESTIMATING_TEXT : costText(input.estimate))]),
      context('Deploy creates the cluster in Tencent Cloud and follows it in a provisioning thread in this channel.'),
    ],
  });
}
