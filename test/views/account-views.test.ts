import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { messageProblems, viewProblems } from '../../src/sandbox/slack/limits.js';
import type { AccountSummary } from '../../src/services/accounts.js';
import { accountListMessage } from '../../src/views/account-list.js';
import { accountModal, accountModalExpired, parseAccountModalMetadata } from '../../src/views/account-modal.js';
import { ActionIds, BlockIds } from '../../src/views/ids.js';

const LONG_PROJECT = 'p'.repeat(40);

const anAccount = (n: number): AccountSummary => ({
  id: `acct-${n}`,
  name: `account-${n}`,
  description: 'd'.repeat(300),
  scope: { kind: 'project', project: LONG_PROJECT },
  secretIdMasked: 'AKID****abcd',
  addedBy: 'U0TENANT1',
  addedAt: '2026-01-01T09:00:00.000Z',
  validatedAt: '2026-01-01T09:00:00.000Z',
});

describe('the cloud account modal', () => {
  const views = [
    accountModal({ origin: { kind: 'command', channel: 'C0PLATFORM' }, scopes: [{ kind: 'tenant' }, { kind: 'project', project: LONG_PROJECT }] }),
    accountModal({ origin: { kind: 'wizard', draftId: 'd'.repeat(200) }, scopes: [{ kind: 'project', project: LONG_PROJECT }] }),
    accountModalExpired(),
  ];

  it.each(views.map((view, i) => [i, view] as const))('view %i stays within Slack limits', (_i, view) => {
    expect(viewProblems(view)).toEqual([]);
  });

  it('starts with every text field empty, so no Secret Key can be sent back to Slack', () => {
    const inputs = (views[0]?.blocks as KnownBlock[]).filter((b) => b.type === 'input');
    for (const block of inputs) {
      if (block.type === 'input' && block.element.type === 'plain_text_input') expect(block.element.initial_value).toBeUndefined();
    }
    expect(inputs.map((b) => b.block_id)).toEqual([
      BlockIds.accountName,
      BlockIds.accountDescription,
      BlockIds.accountSecretId,
      BlockIds.accountSecretKey,
      BlockIds.accountScope,
    ]);
  });

  it('preselects the scope asked for', () => {
    const view = accountModal({ origin: { kind: 'command', channel: 'C0PLATFORM' }, scopes: [{ kind: 'tenant' }, { kind: 'project', project: 'platform' }], selectedScope: 'project' });
    const scope = (view.blocks as KnownBlock[]).find((b) => b.block_id === BlockIds.accountScope);
    expect(scope?.type === 'input' && scope.element.type === 'radio_buttons' && scope.element.action_id).toBe(ActionIds.accountScope);
    expect(scope?.type === 'input' && scope.element.type === 'radio_buttons' && scope.element.initial_option?.value).toBe('project');
  });

  it('reads back the origin it wrote, and nothing from unknown metadata', () => {
    const origin = { kind: 'wizard', draftId: 'draft-1' } as const;
    expect(parseAccountModalMetadata(accountModal({ origin, scopes: [{ kind: 'tenant' }] }).private_metadata ?? '')).toEqual(origin);
    expect(parseAccountModalMetadata('{"v":2,"origin":{"kind":"wizard","draftId":"x"}}')).toBeUndefined();
    expect(parseAccountModalMetadata('not json')).toBeUndefined();
  });
});

describe('the cloud account list', () => {
  it('stays within 50 blocks and says how many more there are', () => {
    const message = accountListMessage(Array.from({ length: 120 }, (_, i) => anAccount(i)), { channel: 'C0PLATFORM' });
    expect(messageProblems(message.blocks)).toEqual([]);
    expect(JSON.stringify(message.blocks.at(-1))).toContain('…and 75 more.');
  });

  it('escapes the name and description its adder typed, so they cannot become links or mentions', () => {
    const message = accountListMessage([{ ...anAccount(1), name: 'a&b', description: '<!here> see <https://evil.example|console>' }], { channel: 'C0PLATFORM' });
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain('*a&amp;b*');
    expect(shown).toContain('&lt;!here&gt; see &lt;https://evil.example|console&gt;');
  });

  it('says how to add one when there is none', () => {
    expect(accountListMessage([], { channel: 'C0DATA' }).text).toBe(
      'No cloud accounts can be used in <#C0DATA> yet. Add one with `/tke account add`.',
    );
  });
});
