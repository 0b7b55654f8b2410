/* global document, CSS */
// The modal: the top view of the acting user's stack, its inputs, inline errors, Submit and Close.
import { clientSideErrors, renderBlocks } from './blocks.js';
import { h } from './dom.js';
import { mrkdwn, textObject } from './mrkdwn.js';

/**
 * @typedef {import('./blocks.js').RawInput} RawInput
 * @typedef {import('./blocks.js').Json} Json
 * @typedef {{ user: string, view: Json, errors: Record<string, string>, alert?: string }} ModalRecord
 */

/**
 * A confirmation dialog (a button's `confirm` object). Resolves true when confirmed.
 * @param {Json} confirm @param {import('./mrkdwn.js').Names} names @returns {Promise<boolean>}
 */
export function confirmDialog(confirm, names) {
  return new Promise((resolve) => {
    const done = (/** @type {boolean} */ answer) => {
      backdrop.remove();
      resolve(answer);
    };
    const backdrop = h(
      'div',
      { class: 'modal-backdrop confirm-backdrop' },
      h(
        'div',
        { class: 'modal confirm', role: 'alertdialog', 'aria-label': confirm.title?.text ?? 'Are you sure?' },
        h('div', { class: 'modal-header' }, h('h2', { html: textObject(confirm.title ?? { type: 'plain_text', text: 'Are you sure?' }, names) })),
        h('div', { class: 'modal-body', html: textObject(confirm.text, names) }),
        h(
          'div',
          { class: 'modal-footer' },
          h('button', { type: 'button', class: 'sk-button', onclick: () => done(false) }, confirm.deny?.text ?? 'Cancel'),
          h('button', { type: 'button', class: `sk-button ${confirm.style === 'danger' ? 'danger' : 'primary'}`, onclick: () => done(true) }, confirm.confirm?.text ?? 'Yes'),
        ),
      ),
    );
    document.body.append(backdrop);
  });
}

/**
 * Shows the top view of the user's stack and keeps what the user typed per view (as Slack does
 * across views.update and while a pushed view covers it).
 * @param {{
 *   root: HTMLElement,
 *   names: import('./mrkdwn.js').Names,
 *   post: (path: string, body: Json) => Promise<Json>,
 *   user: () => string,
 *   toast: (text: string) => void,
 * }} deps
 */
export function createModalHost(deps) {
  /** @type {Map<string, Record<string, Record<string, RawInput>>>} entered values per view id */
  const entered = new Map();
  /** @type {Record<string, string>} */
  let localErrors = {};
  /** @type {ModalRecord | undefined} */
  let shown;
  /** @type {ModalRecord[]} */
  let lastStack = [];
  let busy = false;

  const valuesOf = (/** @type {string} */ viewId) => {
    if (!entered.has(viewId)) entered.set(viewId, {});
    return /** @type {Record<string, Record<string, RawInput>>} */ (entered.get(viewId));
  };

  /** @param {ModalRecord[]} stack */
  function render(stack) {
    lastStack = stack;
    const top = stack.at(-1);
    const sameView = shown && top && shown.view.id === top.view.id;
    if (!sameView) localErrors = {};
    const scroll = deps.root.querySelector('.modal-body')?.scrollTop ?? 0;
    shown = top;
    deps.root.replaceChildren();
    if (!top) return;
    const view = top.view;
    const values = valuesOf(view.id);
    const ctx = {
      surface: /** @type {const} */ ('modal'),
      names: deps.names,
      errors: { ...top.errors, ...localErrors },
      idPrefix: view.id,
      valueOf: (/** @type {string} */ b, /** @type {string} */ a) => values[b]?.[a],
      onInput: (/** @type {string} */ b, /** @type {string} */ a, /** @type {RawInput} */ input) => {
        values[b] = { ...values[b], [a]: input };
        if (localErrors[b]) {
          delete localErrors[b];
          deps.root.querySelector(`[data-block-id="${CSS.escape(b)}"] .field-error`)?.remove();
        }
      },
      onAction: (/** @type {string} */ blockId, /** @type {Json} */ element, /** @type {RawInput | undefined} */ input) =>
        void deps
          .post('/sandbox/action', { user: deps.user(), container: { type: 'view', viewId: view.id }, blockId, actionId: element.action_id, input, values })
          .then(report),
      suggest: (/** @type {string} */ blockId, /** @type {string} */ actionId, /** @type {string} */ value) =>
        deps.post('/sandbox/suggest', { user: deps.user(), viewId: view.id, blockId, actionId, value, values }),
      confirm: (/** @type {Json} */ confirm) => confirmDialog(confirm, deps.names),
    };
    const submit = view.submit
      ? h('button', { type: 'submit', class: 'sk-button primary', disabled: busy }, view.submit.text)
      : null;
    const form = h(
      'form',
      {
        class: 'modal',
        role: 'dialog',
        'aria-label': view.title?.text ?? 'Modal',
        dataset: { viewId: view.id, viewHash: view.hash, callbackId: view.callback_id ?? '' },
        onsubmit: (/** @type {Event} */ e) => {
          e.preventDefault();
          void submitView(top);
        },
      },
      h(
        'div',
        { class: 'modal-header' },
        h('h2', null, view.title?.text ?? ''),
        h('button', { type: 'button', class: 'close-x', 'aria-label': 'Close', onclick: () => void closeView(top) }, '×'),
      ),
      h(
        'div',
        { class: 'modal-body' },
        top.alert ? h('div', { class: 'modal-alert', role: 'alert', html: mrkdwn(top.alert, deps.names) }) : null,
        renderBlocks(view.blocks ?? [], ctx),
      ),
      h(
        'div',
        { class: 'modal-footer' },
        h('button', { type: 'button', class: 'sk-button', onclick: () => void closeView(top) }, view.close?.text ?? 'Cancel'),
        submit,
      ),
    );
    deps.root.append(h('div', { class: 'modal-backdrop' }, form));
    const body = deps.root.querySelector('.modal-body');
    if (body && sameView) body.scrollTop = scroll;
    stackDepth(stack.length);
  }

  /** Slack shows a "back" arrow when views are stacked; here a small marker. @param {number} depth */
  function stackDepth(depth) {
    const header = deps.root.querySelector('.modal-header');
    if (header && depth > 1) header.prepend(h('span', { class: 'stack-depth', title: `${depth} views stacked` }, '‹'));
  }

  /** @param {Json} answer */
  function report(answer) {
    if (answer && answer.ok === false) deps.toast(`Slack: ${answer.error}`);
  }

  /** @param {ModalRecord} record */
  async function submitView(record) {
    if (busy) return;
    const values = valuesOf(record.view.id);
    localErrors = clientSideErrors(record.view.blocks ?? [], (b, a) => values[b]?.[a]);
    if (Object.keys(localErrors).length > 0) {
      render(lastStack);
      return;
    }
    busy = true;
    deps.root.querySelector('button[type=submit]')?.setAttribute('disabled', '');
    try {
      report(await deps.post('/sandbox/submit', { user: deps.user(), viewId: record.view.id, values }));
    } finally {
      busy = false;
      deps.root.querySelector('button[type=submit]')?.removeAttribute('disabled');
    }
  }

  /** @param {ModalRecord} record */
  async function closeView(record) {
    report(await deps.post('/sandbox/close', { user: deps.user(), viewId: record.view.id, values: valuesOf(record.view.id) }));
  }

  return { render };
}
