import { randomBytes } from 'node:crypto';

/** A Block Kit block or element as JSON: only the fields the local Slack reads are typed. */
export type Json = Record<string, unknown>;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A short random id such as Slack gives blocks and elements that have none ("Ykx9c"). */
export function randomId(length = 5): string {
  return [...randomBytes(length)].map((byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

export const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const elementsOf = (block: Json): Json[] => {
  const found: Json[] = [];
  if (isJson(block.accessory)) found.push(block.accessory);
  if (isJson(block.element)) found.push(block.element);
  if (Array.isArray(block.elements) && block.type === 'actions') found.push(...block.elements.filter(isJson));
  return found;
};

/**
 * Slack gives every block a `block_id` and every interactive element an `action_id` when the app
 * sent none, and answers with the filled-in blocks; payloads then carry those ids.
 */
export function withGeneratedIds(blocks: unknown): Json[] | undefined {
  if (!Array.isArray(blocks)) return undefined;
  return blocks.filter(isJson).map((original) => {
    const block: Json = { ...original, block_id: original.block_id ?? randomId() };
    for (const key of ['accessory', 'element'] as const) {
      if (isJson(block[key])) block[key] = withActionId(block[key]);
    }
    if (block.type === 'actions' && Array.isArray(block.elements)) block.elements = block.elements.filter(isJson).map(withActionId);
    return block;
  });
}

function withActionId(element: Json): Json {
  return element.type === 'image' ? element : { ...element, action_id: element.action_id ?? randomId() };
}

/** Every interactive element of `blocks` with the id of the block holding it. */
export function interactiveElements(blocks: readonly Json[]): { blockId: string; element: Json }[] {
  return blocks.flatMap((block) =>
    elementsOf(block)
      .filter((element) => typeof element.action_id === 'string')
      .map((element) => ({ blockId: String(block.block_id), element })),
  );
}

/** A view with Slack's generated ids filled in. */
export function viewWithGeneratedIds(view: Json): Json {
  return Array.isArray(view.blocks) ? { ...view, blocks: withGeneratedIds(view.blocks) } : view;
}
