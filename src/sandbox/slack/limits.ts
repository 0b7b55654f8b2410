import { isJson, type Json } from './block-ids.js';

/**
 * The Block Kit limits Slack enforces, reported the way Slack reports them
 * (`response_metadata.messages`: "[ERROR] <problem> [json-pointer:/view/title/text]").
 */

const textOf = (value: unknown): string | undefined => (isJson(value) && typeof value.text === 'string' ? value.text : undefined);

class Problems {
  readonly messages: string[] = [];
  maxLength(value: unknown, max: number, pointer: string): void {
    const text = typeof value === 'string' ? value : textOf(value);
    if (text !== undefined && text.length > max) this.messages.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${pointer}]`);
  }
  maxItems(items: unknown, max: number, pointer: string): void {
    if (Array.isArray(items) && items.length > max) this.messages.push(`[ERROR] must provide no more than ${max} items [json-pointer:${pointer}]`);
  }
  add(problem: string, pointer: string): void {
    this.messages.push(`[ERROR] ${problem} [json-pointer:${pointer}]`);
  }
}

function checkOptions(options: unknown, at: string, problems: Problems): void {
  problems.maxItems(options, 100, `${at}/options`);
  if (!Array.isArray(options)) return;
  options.forEach((option, i) => {
    if (isJson(option)) {
      problems.maxLength(option.text, 75, `${at}/options/${i}/text/text`);
      problems.maxLength(option.value, 150, `${at}/options/${i}/value`);
    }
  });
}

function checkElement(element: Json, at: string, problems: Problems): void {
  problems.maxLength(element.action_id, 255, `${at}/action_id`);
  if (element.type === 'button') {
    problems.maxLength(element.text, 75, `${at}/text/text`);
    problems.maxLength(element.value, 2000, `${at}/value`);
  }
  if (Array.isArray(element.options)) checkOptions(element.options, at, problems);
  if (Array.isArray(element.option_groups)) {
    problems.maxItems(element.option_groups, 100, `${at}/option_groups`);
    element.option_groups.forEach((group, i) => {
      if (isJson(group)) checkOptions(group.options, `${at}/option_groups/${i}`, problems);
    });
  }
  problems.maxLength(element.placeholder, 150, `${at}/placeholder/text`);
}

function checkBlocks(blocks: unknown, at: string, problems: Problems): void {
  if (!Array.isArray(blocks)) return;
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    if (!isJson(block)) return;
    const here = `${at}/${i}`;
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) problems.add(`duplicate block_id: ${block.block_id}`, `${here}/block_id`);
      blockIds.add(block.block_id);
      problems.maxLength(block.block_id, 255, `${here}/block_id`);
    }
    problems.maxLength(block.text, block.type === 'header' ? 150 : 3000, `${here}/text/text`);
    problems.maxItems(block.fields, 10, `${here}/fields`);
    if (Array.isArray(block.fields)) block.fields.forEach((field, j) => problems.maxLength(field, 2000, `${here}/fields/${j}/text`));
    if (block.type === 'input') {
      problems.maxLength(block.label, 2000, `${here}/label/text`);
      problems.maxLength(block.hint, 2000, `${here}/hint/text`);
      if (!isJson(block.element)) problems.add('input block needs an element', `${here}/element`);
    }
    if (block.type === 'actions') problems.maxItems(block.elements, 25, `${here}/elements`);
    if (block.type === 'context') problems.maxItems(block.elements, 10, `${here}/elements`);
    for (const [key, element] of [
      ['accessory', block.accessory],
      ['element', block.element],
    ] as const) {
      if (isJson(element)) checkElement(element, `${here}/${key}`, problems);
    }
    if (block.type === 'actions' && Array.isArray(block.elements)) {
      block.elements.forEach((element, j) => {
        if (isJson(element)) checkElement(element, `${here}/elements/${j}`, problems);
      });
    }
  });
}

/** Problems of a modal view passed to views.open / views.push / views.update, or [] when Slack would take it. */
export function viewProblems(view: unknown): string[] {
  const problems = new Problems();
  if (!isJson(view)) return ['[ERROR] failed to match all allowed schemas [json-pointer:/view]'];
  if (view.type !== 'modal') problems.add('must be "modal"', '/view/type');
  if (textOf(view.title) === undefined) problems.add('missing required field: title', '/view/title');
  problems.maxLength(view.title, 24, '/view/title/text');
  problems.maxLength(view.submit, 24, '/view/submit/text');
  problems.maxLength(view.close, 24, '/view/close/text');
  problems.maxLength(view.private_metadata, 3000, '/view/private_metadata');
  problems.maxLength(view.callback_id, 255, '/view/callback_id');
  problems.maxItems(view.blocks, 100, '/view/blocks');
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isJson(b) && b.type === 'input');
  if (hasInput && textOf(view.submit) === undefined) problems.add('must provide a submit button when an input block is present', '/view/submit');
  checkBlocks(view.blocks, '/view/blocks', problems);
  return problems.messages;
}

/** Problems of a message's blocks (chat.postMessage, chat.update, chat.postEphemeral, response_url). */
export function messageProblems(blocks: unknown): string[] {
  const problems = new Problems();
  problems.maxItems(blocks, 50, '/blocks');
  checkBlocks(blocks, '/blocks', problems);
  return problems.messages;
}
