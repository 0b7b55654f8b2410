/* global window, document */
// Block Kit → DOM for messages and modals: every block and element type tkeops uses.
import { h } from './dom.js';
import { textObject } from './mrkdwn.js';

/**
 * @typedef {{ type: string, value?: string | null, selected?: { value: string, text?: string }[] }} RawInput
 * @typedef {Record<string, any>} Json
 * @typedef {Object} RenderContext
 * @property {'message' | 'modal'} surface
 * @property {import('./mrkdwn.js').Names} names
 * @property {Record<string, string>} [errors] inline errors by block_id
 * @property {(blockId: string, actionId: string) => RawInput | undefined} valueOf what the user entered so far
 * @property {(blockId: string, actionId: string, input: RawInput) => void} onInput the user changed a value
 * @property {(blockId: string, element: Json, input?: RawInput) => void} onAction a block_actions payload is due
 * @property {(blockId: string, actionId: string, query: string) => Promise<{ options: Json[], option_groups?: Json[] }>} [suggest]
 * @property {(confirm: Json) => Promise<boolean>} confirm shows a confirmation dialog
 * @property {string} idPrefix makes DOM ids unique per surface
 */

const TEXT_INPUTS = ['plain_text_input', 'number_input', 'email_text_input', 'url_text_input'];
const SINGLE = ['static_select', 'external_select', 'radio_buttons'];
const MULTI = ['multi_static_select', 'multi_external_select', 'checkboxes'];

/** @param {Json} element @returns {Json[]} */
export function optionsOf(element) {
  const direct = Array.isArray(element.options) ? element.options : [];
  const grouped = Array.isArray(element.option_groups) ? element.option_groups.flatMap((/** @type {Json} */ g) => g.options ?? []) : [];
  return [...direct, ...grouped];
}

/** What an element holds before the user touches it. @param {Json} element @returns {RawInput} */
export function initialOf(element) {
  const type = element.type;
  if (TEXT_INPUTS.includes(type)) return { type, value: typeof element.initial_value === 'string' ? element.initial_value : null };
  if (SINGLE.includes(type)) {
    const o = element.initial_option;
    return { type, selected: o ? [{ value: o.value, text: o.text?.text }] : [] };
  }
  const list = Array.isArray(element.initial_options) ? element.initial_options : [];
  return { type, selected: list.map((/** @type {Json} */ o) => ({ value: o.value, text: o.text?.text })) };
}

/**
 * The element's current value: what the user entered, unless it no longer fits the element
 * (an option that disappeared after views.update), else the initial value.
 * @param {Json} element @param {RawInput | undefined} entered @returns {RawInput}
 */
export function currentOf(element, entered) {
  if (!entered || entered.type !== element.type) return initialOf(element);
  const external = element.type === 'external_select' || element.type === 'multi_external_select';
  if (entered.selected && !external) {
    const values = new Set(optionsOf(element).map((o) => o.value));
    if (!entered.selected.every((s) => values.has(s.value))) return initialOf(element);
  }
  return entered;
}

export const isStateful = (/** @type {Json} */ element) => TEXT_INPUTS.includes(element.type) || SINGLE.includes(element.type) || MULTI.includes(element.type);

/** @param {Json[]} blocks @param {RenderContext} ctx */
export function renderBlocks(blocks, ctx) {
  return h('div', { class: 'blocks' }, blocks.map((block) => renderBlock(block, ctx)));
}

/** @param {Json} block @param {RenderContext} ctx */
function renderBlock(block, ctx) {
  const text = (/** @type {Json | undefined} */ t) => h('span', { html: textObject(t, ctx.names) });
  const blockId = String(block.block_id ?? '');
  switch (block.type) {
    case 'header':
      return h('div', { class: 'block header', dataset: { blockId } }, text(block.text));
    case 'divider':
      return h('hr', { class: 'block divider' });
    case 'context':
      return h(
        'div',
        { class: 'block context', dataset: { blockId } },
        (block.elements ?? []).map((/** @type {Json} */ el) =>
          el.type === 'image' ? h('img', { src: el.image_url, alt: el.alt_text ?? '', class: 'context-image' }) : text(el),
        ),
      );
    case 'section':
      return h(
        'div',
        { class: 'block section', dataset: { blockId } },
        h(
          'div',
          { class: 'section-main' },
          block.text ? h('div', { class: 'section-text' }, text(block.text)) : null,
          Array.isArray(block.fields) ? h('div', { class: 'section-fields' }, block.fields.map((/** @type {Json} */ f) => h('div', { class: 'field' }, text(f)))) : null,
        ),
        block.accessory ? h('div', { class: 'accessory' }, renderElement(block.accessory, blockId, true, ctx)) : null,
      );
    case 'actions':
      return h('div', { class: 'block actions', dataset: { blockId } }, (block.elements ?? []).map((/** @type {Json} */ el) => renderElement(el, blockId, true, ctx)));
    case 'input':
      return renderInput(block, ctx);
    case 'image':
      return h(
        'figure',
        { class: 'block image', dataset: { blockId } },
        block.title ? h('figcaption', null, text(block.title)) : null,
        h('img', { src: block.image_url, alt: block.alt_text ?? '' }),
      );
    case 'rich_text':
      return h('div', { class: 'block rich-text' }, richText(block));
    default:
      return h('div', { class: 'block unsupported' }, `Unsupported block: ${block.type}`);
  }
}

/** rich_text, flattened to its words (tkeops sends none; bots that do still read). @param {Json} block */
function richText(block) {
  /** @param {Json} node @returns {string} */
  const flatten = (node) => (typeof node.text === 'string' ? node.text : (node.elements ?? []).map(flatten).join(''));
  return flatten(block);
}

/** @param {Json} block @param {RenderContext} ctx */
function renderInput(block, ctx) {
  const blockId = String(block.block_id ?? '');
  const element = block.element ?? {};
  const id = `${ctx.idPrefix}-${blockId}-${element.action_id}`;
  const error = ctx.errors?.[blockId];
  const choice = element.type === 'checkboxes' || element.type === 'radio_buttons';
  return h(
    'div',
    { class: `block input${error ? ' has-error' : ''}`, dataset: { blockId }, role: choice ? 'group' : null, 'aria-label': choice ? block.label?.text : null },
    h(
      choice ? 'div' : 'label',
      { class: 'input-label', for: choice ? null : id },
      h('span', { html: textObject(block.label, ctx.names) }),
      block.optional ? h('span', { class: 'optional' }, ' (optional)') : null,
    ),
    renderElement(element, blockId, block.dispatch_action === true, ctx, id),
    block.hint ? h('div', { class: 'hint', html: textObject(block.hint, ctx.names) }) : null,
    error ? h('div', { class: 'field-error', role: 'alert' }, `⚠ ${error}`) : null,
  );
}

/**
 * @param {Json} element @param {string} blockId
 * @param {boolean} dispatch whether a change sends block_actions (always outside input blocks)
 * @param {RenderContext} ctx @param {string} [domId]
 */
function renderElement(element, blockId, dispatch, ctx, domId) {
  const actionId = String(element.action_id ?? '');
  const current = isStateful(element) ? currentOf(element, ctx.valueOf(blockId, actionId)) : undefined;
  const changed = (/** @type {RawInput} */ input) => {
    ctx.onInput(blockId, actionId, input);
    if (dispatch) ctx.onAction(blockId, element, input);
  };
  const placeholder = element.placeholder?.text ?? '';
  const common = { id: domId, dataset: { actionId, blockId } };
  switch (element.type) {
    case 'button':
      return renderButton(element, blockId, ctx);
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input': {
      const triggers = element.dispatch_action_config?.trigger_actions_on ?? ['on_enter_pressed'];
      const read = (/** @type {HTMLInputElement | HTMLTextAreaElement} */ el) => ({ type: element.type, value: el.value === '' ? null : el.value });
      const props = {
        ...common,
        class: 'text-input',
        placeholder,
        value: current?.value ?? '',
        maxlength: element.max_length,
        inputmode: element.type === 'number_input' ? (element.is_decimal_allowed ? 'decimal' : 'numeric') : null,
        oninput: (/** @type {Event} */ e) => {
          const input = read(/** @type {HTMLInputElement} */ (e.target));
          ctx.onInput(blockId, actionId, input);
          if (dispatch && triggers.includes('on_character_entered')) ctx.onAction(blockId, element, input);
        },
        onkeydown: (/** @type {KeyboardEvent} */ e) => {
          if (e.key === 'Enter' && !element.multiline && dispatch && triggers.includes('on_enter_pressed')) {
            e.preventDefault();
            ctx.onAction(blockId, element, read(/** @type {HTMLInputElement} */ (e.target)));
          }
        },
      };
      if (element.multiline) {
        const area = /** @type {HTMLTextAreaElement} */ (h('textarea', { ...props, value: null, rows: 4 }));
        area.value = current?.value ?? '';
        return area;
      }
      return h('input', { ...props, type: element.type === 'email_text_input' ? 'email' : 'text' });
    }
    case 'static_select':
      return renderSelect(element, current, false, common, placeholder, changed);
    case 'multi_static_select':
      return renderSelect(element, current, true, common, placeholder, changed);
    case 'external_select':
    case 'multi_external_select':
      return renderExternalSelect(element, blockId, current, common, placeholder, changed, ctx);
    case 'checkboxes':
    case 'radio_buttons':
      return renderChoices(element, blockId, current, changed, ctx);
    case 'overflow':
      return renderOverflow(element, blockId, ctx);
    case 'image':
      return h('img', { class: 'accessory-image', src: element.image_url, alt: element.alt_text ?? '' });
    default:
      return h('span', { class: 'unsupported' }, `Unsupported element: ${element.type}`);
  }
}

/** @param {Json} element @param {string} blockId @param {RenderContext} ctx */
function renderButton(element, blockId, ctx) {
  return h(
    'button',
    {
      type: 'button',
      class: `sk-button${element.style ? ` ${element.style}` : ''}`,
      dataset: { actionId: String(element.action_id ?? ''), blockId },
      onclick: async () => {
        if (element.confirm && !(await ctx.confirm(element.confirm))) return;
        if (element.url) window.open(element.url, '_blank', 'noreferrer');
        ctx.onAction(blockId, element);
      },
    },
    h('span', { html: textObject(element.text, ctx.names) }),
  );
}

/**
 * @param {Json} element @param {RawInput | undefined} current @param {boolean} multiple
 * @param {Json} common @param {string} placeholder @param {(input: RawInput) => void} changed
 */
function renderSelect(element, current, multiple, common, placeholder, changed) {
  const chosen = new Set((current?.selected ?? []).map((s) => s.value));
  const option = (/** @type {Json} */ o) => h('option', { value: o.value, selected: chosen.has(o.value) }, o.text?.text ?? o.value);
  const groups = Array.isArray(element.option_groups)
    ? element.option_groups.map((/** @type {Json} */ g) => h('optgroup', { label: g.label?.text ?? '' }, (g.options ?? []).map(option)))
    : (element.options ?? []).map(option);
  const select = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      {
        ...common,
        class: `select${multiple ? ' multi' : ''}`,
        multiple,
        size: multiple ? Math.min(6, Math.max(2, optionsOf(element).length)) : null,
        onchange: () => {
          const picked = [...select.selectedOptions].filter((o) => o.value !== '').map((o) => ({ value: o.value, text: o.textContent ?? '' }));
          changed({ type: element.type, selected: picked });
        },
      },
      multiple ? null : h('option', { value: '', disabled: true, selected: chosen.size === 0 }, placeholder || 'Select an option'),
      groups,
    )
  );
  return select;
}

/**
 * A select whose options come from the app (block_suggestion) as the user types.
 * @param {Json} element @param {string} blockId @param {RawInput | undefined} current @param {Json} common
 * @param {string} placeholder @param {(input: RawInput) => void} changed @param {RenderContext} ctx
 */
function renderExternalSelect(element, blockId, current, common, placeholder, changed, ctx) {
  const minQuery = element.min_query_length ?? 3;
  const chosen = current?.selected?.[0];
  const input = /** @type {HTMLInputElement} */ (h('input', { ...common, class: 'text-input', placeholder, value: chosen?.text ?? '', autocomplete: 'off', role: 'combobox' }));
  const menu = h('ul', { class: 'menu', role: 'listbox', hidden: true });
  const load = async () => {
    if (input.value.length < minQuery || !ctx.suggest) {
      menu.hidden = true;
      return;
    }
    const answer = await ctx.suggest(blockId, String(element.action_id), input.value);
    const options = [...answer.options, ...(answer.option_groups ?? []).flatMap((g) => g.options ?? [])];
    menu.replaceChildren(
      ...options.map((o) =>
        h(
          'li',
          {
            role: 'option',
            onmousedown: (/** @type {Event} */ e) => {
              e.preventDefault();
              input.value = o.text?.text ?? o.value;
              menu.hidden = true;
              changed({ type: element.type, selected: [{ value: o.value, text: o.text?.text ?? o.value }] });
            },
          },
          o.text?.text ?? o.value,
        ),
      ),
    );
    menu.hidden = options.length === 0;
  };
  input.addEventListener('input', () => void load());
  input.addEventListener('focus', () => void load());
  input.addEventListener('blur', () => (menu.hidden = true));
  return h('div', { class: 'external-select' }, input, menu);
}

/**
 * @param {Json} element @param {string} blockId @param {RawInput | undefined} current
 * @param {(input: RawInput) => void} changed @param {RenderContext} ctx
 */
function renderChoices(element, blockId, current, changed, ctx) {
  const radio = element.type === 'radio_buttons';
  const chosen = new Set((current?.selected ?? []).map((s) => s.value));
  const name = `${ctx.idPrefix}-${blockId}-${element.action_id}`;
  const group = h(
    'div',
    { class: `choices${radio ? ' radio' : ''}`, dataset: { actionId: String(element.action_id ?? ''), blockId } },
    (element.options ?? []).map((/** @type {Json} */ o) =>
      h(
        'label',
        { class: 'choice' },
        h('input', {
          type: radio ? 'radio' : 'checkbox',
          name,
          value: o.value,
          checked: chosen.has(o.value),
          onchange: () => {
            const picked = [...group.querySelectorAll('input:checked')].map((el) => {
              const value = /** @type {HTMLInputElement} */ (el).value;
              const option = (element.options ?? []).find((/** @type {Json} */ x) => x.value === value);
              return { value, text: option?.text?.text };
            });
            changed({ type: element.type, selected: picked });
          },
        }),
        h(
          'span',
          { class: 'choice-text' },
          h('span', { html: textObject(o.text, ctx.names) }),
          o.description ? h('span', { class: 'choice-description', html: textObject(o.description, ctx.names) }) : null,
        ),
      ),
    ),
  );
  return group;
}

/** @param {Json} element @param {string} blockId @param {RenderContext} ctx */
function renderOverflow(element, blockId, ctx) {
  const menu = h(
    'ul',
    { class: 'menu overflow-menu', role: 'menu', hidden: true },
    (element.options ?? []).map((/** @type {Json} */ o) =>
      h(
        'li',
        {
          role: 'menuitem',
          onclick: async () => {
            menu.hidden = true;
            if (element.confirm && !(await ctx.confirm(element.confirm))) return;
            ctx.onAction(blockId, element, { type: 'overflow', selected: [{ value: o.value, text: o.text?.text }] });
          },
        },
        o.text?.text ?? o.value,
      ),
    ),
  );
  const button = h('button', { type: 'button', class: 'sk-button overflow', 'aria-label': 'More actions', onclick: () => (menu.hidden = !menu.hidden) }, '⋯');
  document.addEventListener('click', (e) => {
    if (!button.contains(/** @type {Node} */ (e.target))) menu.hidden = true;
  });
  return h('div', { class: 'overflow-wrap' }, button, menu);
}

/**
 * What Slack checks in the browser before it sends a submission: required inputs and number/length bounds.
 * @param {Json[]} blocks @param {(blockId: string, actionId: string) => RawInput | undefined} valueOf
 * @returns {Record<string, string>} errors by block_id
 */
export function clientSideErrors(blocks, valueOf) {
  /** @type {Record<string, string>} */
  const errors = {};
  for (const block of blocks) {
    if (block.type !== 'input' || !block.element) continue;
    const element = block.element;
    const value = currentOf(element, valueOf(String(block.block_id), String(element.action_id)));
    const empty = value.selected ? value.selected.length === 0 : value.value === null || value.value === undefined || value.value === '';
    if (empty) {
      if (!block.optional) errors[block.block_id] = 'Please fill out this field.';
      continue;
    }
    const text = value.value ?? '';
    if (element.type === 'number_input') {
      const pattern = element.is_decimal_allowed ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/;
      const n = Number(text);
      if (!pattern.test(text)) errors[block.block_id] = element.is_decimal_allowed ? 'Please enter a number.' : 'Please enter a whole number.';
      else if (element.min_value !== undefined && n < Number(element.min_value)) errors[block.block_id] = `Please enter a number of ${element.min_value} or more.`;
      else if (element.max_value !== undefined && n > Number(element.max_value)) errors[block.block_id] = `Please enter a number of ${element.max_value} or less.`;
    }
    if (element.type === 'plain_text_input' && element.min_length && text.length < element.min_length) {
      errors[block.block_id] = `Please enter at least ${element.min_length} characters.`;
    }
  }
  return errors;
}
