import { SLACK_LIMITS } from '../../views/slack-limits.js';
import { isJson, type Json } from './block-ids.js';

/**
 * Slack's Block Kit limits — the one implementation tkeops has: the local Slack (sandbox and the
 * tests' fake Slack) refuses what breaks them, and the view tests check the builders with it.
 * Problems are reported the way Slack reports them in `response_metadata.messages`:
 * "[ERROR] <problem> [json-pointer:/view/title/text]".
 * Sources: docs.slack.dev Block Kit reference (blocks, block elements, composition objects, views)
 * and the limits documented in @slack/types.
 */
export { SLACK_LIMITS };

const L = SLACK_LIMITS;

class Problems {
  readonly messages: string[] = [];
  add(problem: string, pointer: string): void {
    this.messages.push(`[ERROR] ${problem} [json-pointer:${pointer}]`);
  }
  maxLength(value: unknown, max: number, pointer: string): void {
    if (typeof value === 'string' && value.length > max) this.add(`must be less than ${max + 1} characters`, pointer);
  }
  maxItems(items: unknown, max: number, pointer: string): void {
    if (Array.isArray(items) && items.length > max) this.add(`must provide no more than ${max} items`, pointer);
  }
  minItems(items: unknown, min: number, pointer: string): void {
    if (Array.isArray(items) && items.length < min) this.add(`must provide at least ${min} items`, pointer);
  }
  /**
   * A text object at `pointer` (when present): `{ type, text }` with 1..max characters, of type
   * plain_text where Slack only takes plain text.
   */
  text(value: unknown, max: number, pointer: string, { plainOnly = false, required = false } = {}): void {
    if (value === undefined) {
      if (required) this.add('missing required field: text', pointer);
      return;
    }
    if (!isJson(value) || typeof value.text !== 'string') {
      this.add('must be a text object', pointer);
      return;
    }
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn') this.add('must be "plain_text" or "mrkdwn"', `${pointer}/type`);
    if (plainOnly && value.type !== 'plain_text') this.add('must be "plain_text"', `${pointer}/type`);
    if (value.text.length === 0) this.add('must be more than 0 characters', `${pointer}/text`);
    this.maxLength(value.text, max, `${pointer}/text`);
  }
}

function checkConfirm(confirm: unknown, at: string, problems: Problems): void {
  if (!isJson(confirm)) return;
  problems.text(confirm.title, L.confirmTitle, `${at}/title`, { plainOnly: true });
  problems.text(confirm.text, L.confirmText, `${at}/text`, { required: true });
  problems.text(confirm.confirm, L.confirmButton, `${at}/confirm`, { plainOnly: true });
  problems.text(confirm.deny, L.confirmButton, `${at}/deny`, { plainOnly: true });
}

function checkOption(option: unknown, at: string, problems: Problems): void {
  if (!isJson(option)) {
    problems.add('must be an option object', at);
    return;
  }
  problems.text(option.text, L.optionText, `${at}/text`, { required: true });
  if (typeof option.value !== 'string') problems.add('missing required field: value', `${at}/value`);
  problems.maxLength(option.value, L.optionValue, `${at}/value`);
  problems.text(option.description, L.optionDescription, `${at}/description`);
  problems.maxLength(option.url, L.url, `${at}/url`);
}

/** options / option_groups of a menu or choice element, and its initial option(s) among them. */
function checkOptions(element: Json, at: string, max: number, problems: Problems): void {
  const { options, option_groups: groups } = element;
  if (Array.isArray(options) && Array.isArray(groups)) problems.add('must provide either options or option_groups, not both', at);
  if (!Array.isArray(options) && !Array.isArray(groups)) {
    problems.add('must provide options or option_groups', `${at}/options`);
    return;
  }
  const offered: unknown[] = [];
  if (Array.isArray(options)) {
    problems.minItems(options, 1, `${at}/options`);
    problems.maxItems(options, max, `${at}/options`);
    options.forEach((option, i) => checkOption(option, `${at}/options/${i}`, problems));
    offered.push(...options);
  }
  if (Array.isArray(groups)) {
    problems.minItems(groups, 1, `${at}/option_groups`);
    problems.maxItems(groups, L.optionGroups, `${at}/option_groups`);
    groups.forEach((group, i) => {
      const here = `${at}/option_groups/${i}`;
      if (!isJson(group)) return problems.add('must be an option group', here);
      problems.text(group.label, L.optionGroupLabel, `${here}/label`, { plainOnly: true, required: true });
      problems.minItems(group.options, 1, `${here}/options`);
      problems.maxItems(group.options, L.optionsPerSelect, `${here}/options`);
      if (Array.isArray(group.options)) {
        group.options.forEach((option, j) => checkOption(option, `${here}/options/${j}`, problems));
        offered.push(...group.options);
      }
    });
  }
  const values = new Set(offered.filter(isJson).map((o) => o.value));
  const initial = [
    ...(isJson(element.initial_option) ? [['initial_option', element.initial_option] as const] : []),
    ...(Array.isArray(element.initial_options) ? element.initial_options.map((o, i) => [`initial_options/${i}`, o] as const) : []),
  ];
  for (const [key, chosen] of initial) {
    if (!isJson(chosen) || !values.has(chosen.value)) problems.add('must match one of the options', `${at}/${key}`);
  }
}

function checkElement(element: unknown, at: string, problems: Problems): void {
  if (!isJson(element)) return;
  problems.maxLength(element.action_id, L.actionId, `${at}/action_id`);
  problems.text(element.placeholder, L.placeholder, `${at}/placeholder`, { plainOnly: true });
  checkConfirm(element.confirm, `${at}/confirm`, problems);
  switch (element.type) {
    case 'button':
      problems.text(element.text, L.buttonText, `${at}/text`, { plainOnly: true, required: true });
      problems.maxLength(element.value, L.buttonValue, `${at}/value`);
      problems.maxLength(element.url, L.url, `${at}/url`);
      problems.maxLength(element.accessibility_label, L.accessibilityLabel, `${at}/accessibility_label`);
      break;
    case 'static_select':
    case 'multi_static_select':
      checkOptions(element, at, L.optionsPerSelect, problems);
      if (typeof element.max_selected_items === 'number' && element.max_selected_items < 1) problems.add('must be at least 1', `${at}/max_selected_items`);
      break;
    case 'radio_buttons':
    case 'checkboxes':
      checkOptions(element, at, L.optionsPerChoice, problems);
      break;
    case 'overflow':
      checkOptions(element, at, L.optionsPerOverflow, problems);
      break;
    case 'plain_text_input': {
      const max = typeof element.max_length === 'number' ? element.max_length : L.plainTextInput;
      if (max < 1 || max > L.plainTextInput) problems.add(`must be between 1 and ${L.plainTextInput}`, `${at}/max_length`);
      if (typeof element.min_length === 'number' && (element.min_length < 0 || element.min_length > max)) {
        problems.add('must be between 0 and max_length', `${at}/min_length`);
      }
      if (element.initial_value === '') problems.add('must be more than 0 characters', `${at}/initial_value`);
      problems.maxLength(element.initial_value, max, `${at}/initial_value`);
      break;
    }
    case 'number_input': {
      const [min, max, initial] = [element.min_value, element.max_value, element.initial_value].map((v) => (typeof v === 'string' && v !== '' ? Number(v) : undefined));
      if (typeof element.is_decimal_allowed !== 'boolean') problems.add('missing required field: is_decimal_allowed', `${at}/is_decimal_allowed`);
      if (min !== undefined && max !== undefined && min > max) problems.add('min_value must not be greater than max_value', `${at}/min_value`);
      if (initial !== undefined && ((min !== undefined && initial < min) || (max !== undefined && initial > max))) {
        problems.add('must be between min_value and max_value', `${at}/initial_value`);
      }
      break;
    }
    case 'image':
      problems.maxLength(element.alt_text, L.altText, `${at}/alt_text`);
      problems.maxLength(element.image_url, L.url, `${at}/image_url`);
      break;
  }
}

function checkBlock(block: Json, at: string, problems: Problems): void {
  switch (block.type) {
    case 'section':
      if (block.text === undefined && !Array.isArray(block.fields)) problems.add('must provide text or fields', at);
      problems.text(block.text, L.sectionText, `${at}/text`);
      problems.maxItems(block.fields, L.sectionFields, `${at}/fields`);
      if (Array.isArray(block.fields)) block.fields.forEach((field, j) => problems.text(field, L.sectionFieldText, `${at}/fields/${j}`));
      checkElement(block.accessory, `${at}/accessory`, problems);
      break;
    case 'header':
      problems.text(block.text, L.headerText, `${at}/text`, { plainOnly: true, required: true });
      break;
    case 'context':
      problems.minItems(block.elements, 1, `${at}/elements`);
      problems.maxItems(block.elements, L.contextElements, `${at}/elements`);
      if (Array.isArray(block.elements)) block.elements.forEach((element, j) => checkElement(element, `${at}/elements/${j}`, problems));
      break;
    case 'actions':
      problems.minItems(block.elements, 1, `${at}/elements`);
      problems.maxItems(block.elements, L.actionsElements, `${at}/elements`);
      if (Array.isArray(block.elements)) block.elements.forEach((element, j) => checkElement(element, `${at}/elements/${j}`, problems));
      break;
    case 'input':
      problems.text(block.label, L.inputLabel, `${at}/label`, { plainOnly: true, required: true });
      problems.text(block.hint, L.inputHint, `${at}/hint`, { plainOnly: true });
      if (!isJson(block.element)) problems.add('missing required field: element', `${at}/element`);
      checkElement(block.element, `${at}/element`, problems);
      break;
    case 'image':
      problems.maxLength(block.alt_text, L.altText, `${at}/alt_text`);
      problems.maxLength(block.image_url, L.url, `${at}/image_url`);
      problems.text(block.title, L.altText, `${at}/title`, { plainOnly: true });
      break;
  }
}

function checkBlocks(blocks: unknown, at: string, max: number, problems: Problems): void {
  problems.maxItems(blocks, max, at);
  if (!Array.isArray(blocks)) return;
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const here = `${at}/${i}`;
    if (!isJson(block)) return problems.add('must be a block object', here);
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) problems.add(`duplicate block_id: ${block.block_id}`, `${here}/block_id`);
      blockIds.add(block.block_id);
      problems.maxLength(block.block_id, L.blockId, `${here}/block_id`);
    }
    checkBlock(block, here, problems);
  });
}

/** Problems of a modal view passed to views.open / views.push / views.update or answered with response_action, or [] when Slack would take it. */
export function viewProblems(view: unknown): string[] {
  const problems = new Problems();
  if (!isJson(view)) return ['[ERROR] failed to match all allowed schemas [json-pointer:/view]'];
  if (view.type !== 'modal') problems.add('must be "modal"', '/view/type');
  problems.text(view.title, L.modalTitle, '/view/title', { plainOnly: true, required: true });
  problems.text(view.submit, L.modalButton, '/view/submit', { plainOnly: true });
  problems.text(view.close, L.modalButton, '/view/close', { plainOnly: true });
  problems.maxLength(view.private_metadata, L.privateMetadata, '/view/private_metadata');
  problems.maxLength(view.callback_id, L.callbackId, '/view/callback_id');
  problems.maxLength(view.external_id, L.externalId, '/view/external_id');
  if (!Array.isArray(view.blocks)) problems.add('missing required field: blocks', '/view/blocks');
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isJson(b) && b.type === 'input');
  if (hasInput && view.submit === undefined) problems.add('must provide a submit button when an input block is present', '/view/submit');
  checkBlocks(view.blocks, '/view/blocks', L.blocksPerModal, problems);
  return problems.messages;
}

/** Problems of a Home tab view passed to views.publish (at most 100 blocks, as a modal), or [] when Slack would take it. */
export function homeViewProblems(view: unknown): string[] {
  const problems = new Problems();
  if (!isJson(view)) return ['[ERROR] failed to match all allowed schemas [json-pointer:/view]'];
  if (view.type !== 'home') problems.add('must be "home"', '/view/type');
  problems.maxLength(view.private_metadata, L.privateMetadata, '/view/private_metadata');
  problems.maxLength(view.callback_id, L.callbackId, '/view/callback_id');
  problems.maxLength(view.external_id, L.externalId, '/view/external_id');
  if (!Array.isArray(view.blocks)) problems.add('missing required field: blocks', '/view/blocks');
  checkBlocks(view.blocks, '/view/blocks', L.blocksPerModal, problems);
  return problems.messages;
}

/** Problems of a message's blocks (chat.postMessage, chat.update, chat.postEphemeral, response_url, a command's reply). */
export function messageProblems(blocks: unknown): string[] {
  const problems = new Problems();
  checkBlocks(blocks, '/blocks', L.blocksPerMessage, problems);
  return problems.messages;
}

/** Problems of a whole message body: its blocks and its top-level text. */
export function messageBodyProblems(body: Json): string[] {
  const problems = new Problems();
  problems.maxLength(body.text, L.messageText, '/text');
  return [...problems.messages, ...messageProblems(body.blocks)];
}
