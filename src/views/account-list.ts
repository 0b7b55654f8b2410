import type { KnownBlock } from '@slack/types';
import type { AccountSummary } from '../services/accounts.js';
import { scopeLabel } from '../services/domain/rules.js';
import { escapeMrkdwn, slackTime } from './cluster-format.js';

/** Room for the header and the "more" line under Slack's 50 blocks per message. */
const MAX_ACCOUNTS = 45;

function accountBlock(account: AccountSummary): KnownBlock {
  const lines = [
    `*${escapeMrkdwn(account.name)}* · ${scopeLabel(account.scope)} · \`${account.secretIdMasked}\``,
    ...(account.description ? [escapeMrkdwn(account.description)] : []),
    `Added by <@${account.addedBy}> · validated with Tencent ${slackTime(account.validatedAt)}`,
  ];
  return { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 3000) } };
}

/** `/tke account list`: the cloud accounts usable in the channel (never a Secret Key, the Secret ID masked). */
export function accountListMessage(accounts: AccountSummary[], where: { channel: string }): { text: string; blocks: KnownBlock[] } {
  if (accounts.length === 0) {
    const text = `No cloud accounts can be used in <#${where.channel}> yet. Add one with \`/tke account add\`.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const shown = accounts.slice(0, MAX_ACCOUNTS);
  const header = `Cloud accounts usable in <#${where.channel}> (${accounts.length}):`;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: header } }, ...shown.map(accountBlock)];
  if (accounts.length > shown.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${accounts.length - shown.length} more.` }] });
  }
  return { text: header, blocks };
}
