/* global setTimeout -- browser globals (the lint config targets Node) */
/**
 * The alert feed: newest first, at most 50, coloured by severity. Clicking an alert shows its
 * instrument and interval; a toggle narrows the feed to the selected instrument.
 */

import { fmtTime } from '../format.js';
import { h, setText } from '../dom.js';

/** @typedef {import('../types.js').Alert} Alert */

const MAX = 50;

const KIND_LABEL = { return_zscore: 'return', volume_spike: 'volume', price_gap: 'gap' };

/**
 * The message without what the row already shows: the leading "<instrument> <interval> " and
 * the trailing "(<severity>)".
 * @param {Alert} a
 */
function shortMessage(a) {
  let m = a.message;
  const prefix = `${a.instrument} ${a.interval} `;
  if (m.startsWith(prefix)) m = m.slice(prefix.length);
  m = m.replace(new RegExp(`\\s*\\(${a.severity}\\)$`), '');
  return m.charAt(0).toUpperCase() + m.slice(1);
}

/** @param {Alert} a */
const keyOf = (a) => `${a.instrument}|${a.interval}|${a.kind}|${a.start}`;

/**
 * @param {HTMLElement} root the panel body
 * @param {{onSelect: (instrument: string, interval: string) => void, onlyToggle: HTMLInputElement, count: HTMLElement}} opts
 */
export function createAlertFeed(root, { onSelect, onlyToggle, count }) {
  const list = h('ol', { class: 'alert-list' });
  const empty = h('div', { class: 'empty-note' }, 'No alerts yet.');
  root.replaceChildren(list, empty);

  /** @type {Alert[]} newest first */
  let alerts = [];
  /** @type {string | null} */
  let current = null;
  /** Keys that arrived live since load, for a brief highlight. */
  const fresh = new Set();

  onlyToggle.addEventListener('change', render);

  function render() {
    const only = onlyToggle.checked && current !== null;
    const shown = only ? alerts.filter((a) => a.instrument === current) : alerts;
    setText(count, alerts.length === 0 ? '' : String(shown.length));
    empty.hidden = shown.length > 0;
    if (shown.length === 0 && !empty.dataset.custom) setText(empty, only ? `No alerts for ${current} yet.` : 'No alerts yet.');
    list.replaceChildren(
      ...shown.map((a) =>
        h(
          'li',
          {
            class: `alert sev-${a.severity}${fresh.has(keyOf(a)) ? ' fresh' : ''}`,
            title: `${a.kind}: value ${a.value.toPrecision(4)}, threshold ${a.threshold.toPrecision(4)} — click to show ${a.instrument} ${a.interval}`,
            onclick: () => onSelect(a.instrument, a.interval),
          },
          h(
            'div',
            { class: 'alert-top' },
            h('span', { class: 'sev-badge' }, a.severity),
            h('span', { class: 'alert-inst' }, a.instrument.slice(a.instrument.indexOf(':') + 1)),
            h('span', { class: 'alert-kind' }, `${a.interval} · ${KIND_LABEL[a.kind] ?? a.kind}`),
            h('time', { class: 'alert-time', datetime: new Date(a.time).toISOString() }, fmtTime(a.time)),
          ),
          h('div', { class: 'alert-msg' }, shortMessage(a)),
        ),
      ),
    );
  }

  /** @param {Alert[]} more */
  function merge(more) {
    const byKey = new Map(alerts.map((a) => [keyOf(a), a]));
    for (const a of more) byKey.set(keyOf(a), a);
    alerts = [...byKey.values()].sort((x, y) => y.time - x.time || y.start - x.start).slice(0, MAX);
  }

  return {
    /** @param {Alert[]} initial what the REST API has, any order */
    load(initial) {
      delete empty.dataset.custom;
      merge(initial);
      render();
    },
    /** @param {Alert} a a live alert */
    add(a) {
      const k = keyOf(a);
      fresh.add(k);
      setTimeout(() => {
        fresh.delete(k);
        list.querySelectorAll('.fresh').forEach((el) => el.classList.remove('fresh'));
      }, 4000);
      merge([a]);
      render();
    },
    /** @param {string | null} instrument the selected instrument */
    setCurrent(instrument) {
      current = instrument;
      render();
    },
    /** @param {string} message e.g. an API error, shown while the list is empty */
    message(message) {
      empty.dataset.custom = '1';
      setText(empty, message);
      render();
    },
  };
}
