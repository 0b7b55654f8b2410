// Slack text formatting (mrkdwn and plain_text) to HTML, for the local Slack page.
import { escapeHtml } from './dom.js';

/** The emoji tkeops and most bots use; others stay as :name:. */
const EMOJI = {
  white_check_mark: '✅', heavy_check_mark: '✔️', x: '❌', warning: '⚠️', rocket: '🚀', hourglass: '⌛',
  hourglass_flowing_sand: '⏳', hammer_and_wrench: '🛠️', wrench: '🔧', hammer: '🔨', wastebasket: '🗑️', boom: '💥',
  red_circle: '🔴', large_green_circle: '🟢', green_circle: '🟢', yellow_circle: '🟡', large_yellow_circle: '🟡',
  large_blue_circle: '🔵', blue_circle: '🔵', white_circle: '⚪', black_circle: '⚫', orange_circle: '🟠', construction: '🚧', gear: '⚙️',
  lock: '🔒', unlock: '🔓', key: '🔑', cloud: '☁️', package: '📦', stopwatch: '⏱️', alarm_clock: '⏰', clock: '🕒',
  bell: '🔔', rotating_light: '🚨', fire: '🔥', skull: '💀', skull_and_crossbones: '☠️', tada: '🎉', sparkles: '✨',
  information_source: 'ℹ️', bulb: '💡', mag: '🔍', link: '🔗', memo: '📝', clipboard: '📋', bar_chart: '📊',
  arrows_counterclockwise: '🔄', repeat: '🔁', no_entry: '⛔', no_entry_sign: '🚫', octagonal_sign: '🛑', stop_sign: '🛑',
  heavy_plus_sign: '➕', heavy_minus_sign: '➖', pencil2: '✏️', pencil: '📝', eyes: '👀', wave: '👋', thumbsup: '👍',
  '+1': '👍', ok_hand: '👌', question: '❓', grey_question: '❔', exclamation: '❗', satellite: '📡', earth_asia: '🌏',
  globe_with_meridians: '🌐', computer: '💻', desktop_computer: '🖥️', floppy_disk: '💾', file_cabinet: '🗄️',
  building_construction: '🏗️', white_large_square: '⬜', black_large_square: '⬛', large_green_square: '🟩',
  large_blue_square: '🟦', large_orange_square: '🟧', large_red_square: '🟥', red_square: '🟥', large_yellow_square: '🟨',
  arrow_right: '➡️', label: '🏷️', bookmark: '🔖', busts_in_silhouette: '👥', bust_in_silhouette: '👤', shield: '🛡️',
  zap: '⚡', broom: '🧹', bomb: '💣', thread: '🧵', speech_balloon: '💬', calendar: '📆', date: '📅', pushpin: '📌',
  round_pushpin: '📍', hourglass_done: '⌛', dart: '🎯', checkered_flag: '🏁', triangular_flag_on_post: '🚩',
  heavy_exclamation_mark: '❗', ballot_box_with_check: '☑️', arrow_forward: '▶️', double_vertical_bar: '⏸️',
  black_square_for_stop: '⏹️', recycle: '♻️', electric_plug: '🔌', chart_with_upwards_trend: '📈', toolbox: '🧰',
  whale: '🐳', ship: '🚢', anchor: '⚓', penguin: '🐧', robot_face: '🤖', new: '🆕', sos: '🆘', hourglass_not_done: '⏳',
  white_circle_with_check: '✅', large_purple_circle: '🟣', purple_circle: '🟣', brown_circle: '🟤',
};

/** @param {string} text */
export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[/** @type {keyof typeof EMOJI} */ (name)] ?? whole);
}

/** Slack text arrives with &, < and > escaped; these are the only entities it uses. @param {string} text */
function unescapeSlack(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * @typedef {{ userName: (id: string) => string, channelName: (id: string) => string, groupHandle: (id: string) => string }} Names
 */

/**
 * One `<...>` control sequence: mentions, channel links, user groups, dates and links.
 * @param {string} inner @param {Names} names
 */
function controlSequence(inner, names) {
  const [target = '', label] = inner.split('|');
  const safeLabel = label === undefined ? undefined : escapeHtml(unescapeSlack(label));
  if (target.startsWith('@')) return `<span class="mention">@${escapeHtml(names.userName(target.slice(1)))}</span>`;
  if (target.startsWith('#')) return `<span class="mention channel">#${safeLabel ?? escapeHtml(names.channelName(target.slice(1)))}</span>`;
  if (target.startsWith('!subteam^')) {
    return `<span class="mention group">${safeLabel ?? `@${escapeHtml(names.groupHandle(target.slice('!subteam^'.length)))}`}</span>`;
  }
  if (target.startsWith('!date^')) {
    const [, stamp, format = '{date_short_pretty} {time}'] = target.split('^');
    const seconds = Number(stamp);
    return Number.isFinite(seconds) ? escapeHtml(slackDate(new Date(seconds * 1000), format)) : (safeLabel ?? '');
  }
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
  const href = unescapeSlack(target);
  const safeHref = /^(https?:|mailto:|\/)/.test(href) ? escapeHtml(href) : '#';
  return `<a href="${safeHref}" target="_blank" rel="noreferrer">${safeLabel ?? escapeHtml(href)}</a>`;
}

/**
 * A `<!date^…>` format as Slack renders it, close enough for the page: `{ago}` as "12 minutes ago",
 * `{time}` as the local time of day, any other token as the local date.
 * @param {Date} date @param {string} format
 */
function slackDate(date, format) {
  return format.replace(/\{(\w+)\}/g, (_, token) => {
    if (token === 'ago') return timeAgo(date);
    if (token === 'time' || token === 'time_secs') return date.toLocaleTimeString();
    return date.toLocaleDateString();
  });
}

/** "just now", "1 minute ago", "3 hours ago", "2 days ago". @param {Date} date */
function timeAgo(date) {
  const seconds = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  if (seconds < 60) return 'just now';
  for (const [unit, size] of /** @type {const} */ ([['day', 86400], ['hour', 3600], ['minute', 60]])) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/**
 * mrkdwn → HTML: control sequences, ``` blocks, `code`, *bold*, _italic_, ~strike~, > quotes, emoji, line breaks.
 * @param {string} text @param {Names} names
 */
export function mrkdwn(text, names) {
  /** @type {string[]} */
  const saved = [];
  const keep = (/** @type {string} */ html) => `\uE000${saved.push(html) - 1}\uE000`;
  let out = text.replace(/<([^<>\n]+)>/g, (_, inner) => keep(controlSequence(inner, names)));
  out = escapeHtml(unescapeSlack(out));
  out = out.replace(/```\n?([\s\S]*?)```/g, (_, code) => keep(`<pre class="code-block">${code}</pre>`));
  out = out.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code>${code}</code>`));
  const edge = '(^|[\\s(\\uE000>])';
  const end = '(?=$|[\\s).,!?:;\\uE000<])';
  out = out.replace(new RegExp(`${edge}\\*(\\S(?:[^*\\n]*?\\S)?)\\*${end}`, 'g'), '$1<b>$2</b>');
  out = out.replace(new RegExp(`${edge}_(\\S(?:[^_\\n]*?\\S)?)_${end}`, 'g'), '$1<i>$2</i>');
  out = out.replace(new RegExp(`${edge}~(\\S(?:[^~\\n]*?\\S)?)~${end}`, 'g'), '$1<s>$2</s>');
  out = out.replace(/(^|\n)&gt; ?([^\n]*)/g, '$1<blockquote>$2</blockquote>');
  out = emojify(out).replace(/\n/g, '<br>').replace(/<\/blockquote><br>/g, '</blockquote>');
  // Saved pieces can hold other saved pieces (a link inside `code`): restore until none is left.
  while (/\uE000\d+\uE000/.test(out)) out = out.replace(/\uE000(\d+)\uE000/g, (_, i) => saved[Number(i)] ?? '');
  return out;
}

/**
 * A Block Kit text object (plain_text or mrkdwn) → HTML.
 * @param {{ type?: string, text?: string, emoji?: boolean } | undefined | null} object @param {Names} names
 */
export function textObject(object, names) {
  if (!object || typeof object.text !== 'string') return '';
  if (object.type === 'mrkdwn') return mrkdwn(object.text, names);
  const plain = escapeHtml(object.text).replace(/\n/g, '<br>');
  return object.emoji === false ? plain : emojify(plain);
}
