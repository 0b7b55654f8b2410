import { interactiveElements, isJson, type Json } from './block-ids.js';

/**
 * What the page sends for one element: a typed value (text and number inputs) or the chosen
 * options (selects, checkboxes, radio buttons); `text` carries an external_select option's label,
 * which is not in the view.
 */
export interface RawInput {
  type: string;
  value?: string | null;
  selected?: { value: string; text?: string }[];
}
/** block_id → action_id → what the user entered, as the page collected it. */
export type RawValues = Record<string, Record<string, RawInput>>;

const TEXT_INPUTS = new Set(['plain_text_input', 'number_input', 'email_text_input', 'url_text_input']);
const SINGLE_CHOICE = new Set(['static_select', 'external_select', 'radio_buttons', 'overflow']);
const MULTI_CHOICE = new Set(['multi_static_select', 'multi_external_select', 'checkboxes']);

export const isStateful = (element: Json): boolean =>
  TEXT_INPUTS.has(String(element.type)) ||
  (SINGLE_CHOICE.has(String(element.type)) && element.type !== 'overflow') ||
  MULTI_CHOICE.has(String(element.type));

function optionsOf(element: Json): Json[] {
  const direct = Array.isArray(element.options) ? element.options.filter(isJson) : [];
  const grouped = Array.isArray(element.option_groups)
    ? element.option_groups.filter(isJson).flatMap((g) => (Array.isArray(g.options) ? g.options.filter(isJson) : []))
    : [];
  return [...direct, ...grouped];
}

/** The option object Slack sends back: the one from the view, or (external selects) rebuilt from its label. */
function optionFor(element: Json, chosen: { value: string; text?: string }): Json {
  const known = optionsOf(element).find((o) => o.value === chosen.value);
  if (known) return known;
  const initial = [element.initial_option, ...(Array.isArray(element.initial_options) ? element.initial_options : [])]
    .filter(isJson)
    .find((o) => o.value === chosen.value);
  return initial ?? { text: { type: 'plain_text', text: chosen.text ?? chosen.value, emoji: true }, value: chosen.value };
}

/** The value an element holds before the user touches it. */
function initialOf(element: Json): RawInput {
  const type = String(element.type);
  if (TEXT_INPUTS.has(type)) return { type, value: typeof element.initial_value === 'string' ? element.initial_value : null };
  if (SINGLE_CHOICE.has(type)) {
    return { type, selected: isJson(element.initial_option) ? [{ value: String(element.initial_option.value) }] : [] };
  }
  const initial = Array.isArray(element.initial_options) ? element.initial_options.filter(isJson) : [];
  return { type, selected: initial.map((o) => ({ value: String(o.value) })) };
}

/** One element's value in Slack's shape: `{type, value}`, `{type, selected_option}` or `{type, selected_options}`. */
export function slackValue(element: Json, raw: RawInput | undefined): Json {
  const type = String(element.type);
  const input = raw ?? initialOf(element);
  if (TEXT_INPUTS.has(type)) return { type, value: input.value === undefined || input.value === '' ? null : input.value };
  const chosen = (input.selected ?? []).map((s) => optionFor(element, s));
  if (SINGLE_CHOICE.has(type)) return { type, selected_option: chosen[0] ?? null };
  return { type, selected_options: chosen };
}

/** `view.state.values` (or a message's `state.values`): every stateful element, entered or initial. */
export function stateValues(blocks: readonly Json[], raw: RawValues = {}): Record<string, Record<string, Json>> {
  const values: Record<string, Record<string, Json>> = {};
  for (const { blockId, element } of interactiveElements(blocks)) {
    if (!isStateful(element)) continue;
    const actionId = String(element.action_id);
    values[blockId] = { ...values[blockId], [actionId]: slackValue(element, raw[blockId]?.[actionId]) };
  }
  return values;
}

/** One entry of a block_actions payload's `actions`, as Slack builds it for this element. */
export function actionOf(element: Json, blockId: string, raw: RawInput | undefined, actionTs: string): Json {
  const type = String(element.type);
  const base: Json = { type, action_id: element.action_id, block_id: blockId, action_ts: actionTs };
  if (type === 'button') {
    return {
      ...base,
      text: element.text,
      ...(element.value !== undefined ? { value: element.value } : {}),
      ...(element.style !== undefined ? { style: element.style } : {}),
      ...(element.url !== undefined ? { url: element.url } : {}),
    };
  }
  const { type: _type, ...value } = slackValue(element, raw);
  return { ...base, ...value, ...(element.placeholder !== undefined ? { placeholder: element.placeholder } : {}) };
}

/** The element `action_id` in block `block_id` of these blocks. */
export function findElement(blocks: readonly Json[], blockId: string, actionId: string): Json | undefined {
  return interactiveElements(blocks).find((e) => e.blockId === blockId && e.element.action_id === actionId)?.element;
}
