import { describe, expect, it } from 'vitest';
import { messageBodyProblems, messageProblems, viewProblems } from '../../src/sandbox/slack/limits.js';

type Json = Record<string, unknown>;

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const option = (text: string, value: string) => ({ text: plain(text), value });
const x = (n: number) => 'x'.repeat(n);
const options = (n: number) => Array.from({ length: n }, (_, i) => option(`Option ${i}`, `v${i}`));
const button = (fields: Json = {}) => ({ type: 'button', action_id: 'go', text: plain('Go'), value: 'go', ...fields });

/** A modal at every limit it uses, which Slack takes. */
function aModal(): Json {
  return {
    type: 'modal',
    callback_id: x(255),
    title: plain(x(24)),
    submit: plain(x(24)),
    close: plain(x(24)),
    private_metadata: x(3000),
    blocks: [
      { type: 'header', text: plain(x(150)) },
      { type: 'section', block_id: x(255), text: mrkdwn(x(3000)), accessory: button({ text: plain(x(75)), value: x(2000) }) },
      { type: 'section', fields: Array.from({ length: 10 }, () => mrkdwn(x(2000))) },
      { type: 'context', elements: Array.from({ length: 10 }, () => mrkdwn('c')) },
      { type: 'actions', elements: Array.from({ length: 25 }, (_, i) => button({ action_id: `b${i}` })) },
      { type: 'input', block_id: 'text', label: plain(x(2000)), hint: plain(x(2000)), element: { type: 'plain_text_input', action_id: 'a', max_length: 3000, initial_value: x(3000) } },
      { type: 'input', block_id: 'select', label: plain('Select'), element: { type: 'static_select', action_id: 'a', options: options(100), initial_option: option('Option 7', 'v7') } },
      {
        type: 'input',
        block_id: 'groups',
        label: plain('Groups'),
        element: { type: 'static_select', action_id: 'a', option_groups: [{ label: plain(x(75)), options: [option(x(75), x(150))] }] },
      },
      { type: 'input', block_id: 'radio', label: plain('Radio'), element: { type: 'radio_buttons', action_id: 'a', options: options(10) } },
      { type: 'input', block_id: 'number', label: plain('Number'), element: { type: 'number_input', action_id: 'a', is_decimal_allowed: false, min_value: '1', max_value: '9', initial_value: '3' } },
      { type: 'divider' },
    ],
  };
}

/** Changes `aModal()` at a path and returns the modal. */
function modalWith(change: (view: Json & { blocks: Json[] }) => void): Json {
  const view = aModal() as Json & { blocks: Json[] };
  change(view);
  return view;
}
const block = (view: { blocks: Json[] }, i: number) => view.blocks[i] as Json & { element: Json; elements: Json[]; accessory: Json };

describe("Slack's limits on a modal", () => {
  it('takes a modal at every limit', () => {
    expect(viewProblems(aModal())).toEqual([]);
  });

  it.each<[string, (view: Json & { blocks: Json[] }) => void, string]>([
    ['a title over 24 characters', (v) => (v.title = plain(x(25))), '[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'],
    ['a missing title', (v) => delete v.title, '[ERROR] missing required field: text [json-pointer:/view/title]'],
    ['a mrkdwn title', (v) => (v.title = mrkdwn('Title')), '[ERROR] must be "plain_text" [json-pointer:/view/title/type]'],
    ['a submit over 24 characters', (v) => (v.submit = plain(x(25))), '[ERROR] must be less than 25 characters [json-pointer:/view/submit/text]'],
    ['a close over 24 characters', (v) => (v.close = plain(x(25))), '[ERROR] must be less than 25 characters [json-pointer:/view/close/text]'],
    ['input blocks without a submit button', (v) => delete v.submit, '[ERROR] must provide a submit button when an input block is present [json-pointer:/view/submit]'],
    ['private_metadata over 3000 characters', (v) => (v.private_metadata = x(3001)), '[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]'],
    ['a callback_id over 255 characters', (v) => (v.callback_id = x(256)), '[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]'],
    ['more than 100 blocks', (v) => v.blocks.push(...Array.from({ length: 90 }, () => ({ type: 'divider' }))), '[ERROR] must provide no more than 100 items [json-pointer:/view/blocks]'],
    ['a header over 150 characters', (v) => (block(v, 0).text = plain(x(151))), '[ERROR] must be less than 151 characters [json-pointer:/view/blocks/0/text/text]'],
    ['a block_id over 255 characters', (v) => (block(v, 1).block_id = x(256)), '[ERROR] must be less than 256 characters [json-pointer:/view/blocks/1/block_id]'],
    ['a section text over 3000 characters', (v) => (block(v, 1).text = mrkdwn(x(3001))), '[ERROR] must be less than 3001 characters [json-pointer:/view/blocks/1/text/text]'],
    ['an empty section text', (v) => (block(v, 1).text = mrkdwn('')), '[ERROR] must be more than 0 characters [json-pointer:/view/blocks/1/text/text]'],
    ['button text over 75 characters', (v) => (block(v, 1).accessory = button({ text: plain(x(76)) })), '[ERROR] must be less than 76 characters [json-pointer:/view/blocks/1/accessory/text/text]'],
    ['a button value over 2000 characters', (v) => (block(v, 1).accessory = button({ value: x(2001) })), '[ERROR] must be less than 2001 characters [json-pointer:/view/blocks/1/accessory/value]'],
    ['an action_id over 255 characters', (v) => (block(v, 1).accessory = button({ action_id: x(256) })), '[ERROR] must be less than 256 characters [json-pointer:/view/blocks/1/accessory/action_id]'],
    [
      'a confirm dialog text over 300 characters',
      (v) => (block(v, 1).accessory = button({ confirm: { title: plain('Sure?'), text: mrkdwn(x(301)), confirm: plain('Yes'), deny: plain('No') } })),
      '[ERROR] must be less than 301 characters [json-pointer:/view/blocks/1/accessory/confirm/text/text]',
    ],
    ['more than 10 section fields', (v) => (block(v, 2).fields as Json[]).push(mrkdwn('f')), '[ERROR] must provide no more than 10 items [json-pointer:/view/blocks/2/fields]'],
    ['a section field over 2000 characters', (v) => ((block(v, 2).fields as Json[])[3] = mrkdwn(x(2001))), '[ERROR] must be less than 2001 characters [json-pointer:/view/blocks/2/fields/3/text]'],
    ['more than 10 context elements', (v) => block(v, 3).elements.push(mrkdwn('c')), '[ERROR] must provide no more than 10 items [json-pointer:/view/blocks/3/elements]'],
    ['more than 25 actions', (v) => block(v, 4).elements.push(button({ action_id: 'b25' })), '[ERROR] must provide no more than 25 items [json-pointer:/view/blocks/4/elements]'],
    ['an input label over 2000 characters', (v) => (block(v, 5).label = plain(x(2001))), '[ERROR] must be less than 2001 characters [json-pointer:/view/blocks/5/label/text]'],
    ['an input hint over 2000 characters', (v) => (block(v, 5).hint = plain(x(2001))), '[ERROR] must be less than 2001 characters [json-pointer:/view/blocks/5/hint/text]'],
    ['a placeholder over 150 characters', (v) => (block(v, 5).element.placeholder = plain(x(151))), '[ERROR] must be less than 151 characters [json-pointer:/view/blocks/5/element/placeholder/text]'],
    ['a max_length over 3000', (v) => (block(v, 5).element.max_length = 3001), '[ERROR] must be between 1 and 3000 [json-pointer:/view/blocks/5/element/max_length]'],
    ['an initial_value over max_length', (v) => (block(v, 5).element.max_length = 10), '[ERROR] must be less than 11 characters [json-pointer:/view/blocks/5/element/initial_value]'],
    ['an empty initial_value', (v) => (block(v, 5).element.initial_value = ''), '[ERROR] must be more than 0 characters [json-pointer:/view/blocks/5/element/initial_value]'],
    ['more than 100 options', (v) => (block(v, 6).element.options = options(101)), '[ERROR] must provide no more than 100 items [json-pointer:/view/blocks/6/element/options]'],
    ['a select without options', (v) => (block(v, 6).element = { type: 'static_select', action_id: 'a', options: [] }), '[ERROR] must provide at least 1 items [json-pointer:/view/blocks/6/element/options]'],
    ['option text over 75 characters', (v) => ((block(v, 6).element.options as Json[])[2] = option(x(76), 'v2')), '[ERROR] must be less than 76 characters [json-pointer:/view/blocks/6/element/options/2/text/text]'],
    ['an option value over 150 characters', (v) => ((block(v, 6).element.options as Json[])[2] = option('o', x(151))), '[ERROR] must be less than 151 characters [json-pointer:/view/blocks/6/element/options/2/value]'],
    ['an initial option that is not offered', (v) => (block(v, 6).element.initial_option = option('Gone', 'gone')), '[ERROR] must match one of the options [json-pointer:/view/blocks/6/element/initial_option]'],
    [
      'an option group label over 75 characters',
      (v) => ((block(v, 7).element.option_groups as Json[])[0] = { label: plain(x(76)), options: options(1) }),
      '[ERROR] must be less than 76 characters [json-pointer:/view/blocks/7/element/option_groups/0/label/text]',
    ],
    [
      'more than 100 options in a group',
      (v) => ((block(v, 7).element.option_groups as Json[])[0] = { label: plain('G'), options: options(101) }),
      '[ERROR] must provide no more than 100 items [json-pointer:/view/blocks/7/element/option_groups/0/options]',
    ],
    ['options and option_groups together', (v) => (block(v, 7).element.options = options(1)), '[ERROR] must provide either options or option_groups, not both [json-pointer:/view/blocks/7/element]'],
    ['more than 10 radio buttons', (v) => (block(v, 8).element.options = options(11)), '[ERROR] must provide no more than 10 items [json-pointer:/view/blocks/8/element/options]'],
    ['a number initial value outside min..max', (v) => (block(v, 9).element.initial_value = '10'), '[ERROR] must be between min_value and max_value [json-pointer:/view/blocks/9/element/initial_value]'],
    ['a duplicate block_id', (v) => (block(v, 6).block_id = 'text'), '[ERROR] duplicate block_id: text [json-pointer:/view/blocks/6/block_id]'],
  ])('refuses %s', (_what, change, problem) => {
    expect(viewProblems(modalWith(change))).toEqual([problem]);
  });
});

describe("Slack's limits on a message", () => {
  it('takes 50 blocks and 40,000 characters of text', () => {
    expect(messageBodyProblems({ text: x(40_000), blocks: Array.from({ length: 50 }, () => ({ type: 'section', text: mrkdwn(x(3000)) })) })).toEqual([]);
  });

  it('refuses more than 50 blocks', () => {
    expect(messageProblems(Array.from({ length: 51 }, () => ({ type: 'divider' })))).toEqual(['[ERROR] must provide no more than 50 items [json-pointer:/blocks]']);
  });

  it('refuses text over 40,000 characters', () => {
    expect(messageBodyProblems({ text: x(40_001) })).toEqual(['[ERROR] must be less than 40001 characters [json-pointer:/text]']);
  });

  it('checks the blocks of a message as in a modal', () => {
    expect(messageProblems([{ type: 'actions', elements: [button({ text: plain(x(76)) })] }])).toEqual([
      '[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ]);
  });
});
