import type { KnownBlock } from '@slack/types';
import { listPacks, osImageOf } from '../services/domain/profile.js';
import type { Profile } from '../services/profiles.js';
import { section, SECTION_TEXT_MAX } from './blocks.js';
import { escapeMrkdwn, escapeWithin } from './cluster-format.js';
import { networkSummary, runtimeSummary } from './wizard/packs.js';

/** Room for the header and the "more" line under Slack's 50 blocks per message. */
const MAX_PROFILES = 45;

function layers(profile: Profile): string {
  const addons = profile.layers.addons.map((a) => `\`${a.name}\` (${a.chart} ${a.version})`).join(', ');
  return (
    `OS \`${osImageOf(profile)}\` · Kubernetes ${profile.layers.kubernetes.version} on ${runtimeSummary(profile)} · network ${networkSummary(profile)}\n` +
    `Add-ons: ${addons || '_none_'}`
  );
}

/** `/tke profile list`: every cluster profile with its layers. */
export function profileListMessage(profiles: readonly Profile[]): { text: string; blocks: KnownBlock[] } {
  if (profiles.length === 0) {
    const text = 'No cluster profile is installed. An operator adds them to data/profiles.';
    return { text, blocks: [section(text)] };
  }
  const header = `Cluster profiles (${profiles.length}) — \`/tke profile show &lt;name&gt;\` shows a profile's pack values:`;
  const shown = profiles.slice(0, MAX_PROFILES);
  const blocks: KnownBlock[] = [section(header), ...shown.map((p) => section(`*${escapeMrkdwn(p.name)}* — ${escapeMrkdwn(p.description)}\n${layers(p)}`))];
  if (profiles.length > shown.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${profiles.length - shown.length} more.` }] });
  }
  return { text: header, blocks };
}

/** `/tke profile show <name>`: one profile, each pack with its default values (what the wizard pre-fills). */
export function profileMessage(profile: Profile): { text: string; blocks: KnownBlock[] } {
  const header = `*${escapeMrkdwn(profile.name)}* — ${escapeMrkdwn(profile.description)}`;
  const packs = listPacks(profile).slice(0, MAX_PROFILES).map((pack) => {
    const title = pack.kind === 'os' ? `OS pack \`${pack.packName}\`` : `Add-on pack \`${pack.packName}\``;
    const fence = '```';
    const room = SECTION_TEXT_MAX - title.length - 2 * fence.length - 10;
    const values = pack.values.trim() === '' ? '_(chart defaults)_' : `${fence}${escapeWithin(pack.values.replace(/`/g, "'"), room)}${fence}`;
    return section(`${title}\n${values}`);
  });
  return { text: `Cluster profile ${profile.name}`, blocks: [section(`${header}\n${layers(profile)}`), ...packs] };
}
