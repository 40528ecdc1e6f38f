/**
 * KPI tiles of the latest hopping window of the selected instrument: average price, VWAP,
 * min, max, trades and spread. With several window sizes configured, chips pick one.
 */

import { fmtInt, fmtPct, fmtPrice, fmtSpan, fmtTime, priceDecimals } from '../format.js';
import { flash, h, setText } from '../dom.js';

/** @typedef {import('../types.js').WindowStats} WindowStats */

const TILES = /** @type {const} */ ([
  ['avgPrice', 'Avg price'],
  ['vwap', 'VWAP'],
  ['minPrice', 'Min'],
  ['maxPrice', 'Max'],
  ['trades', 'Trades'],
  ['spread', 'Spread'],
]);

/** @param {HTMLElement} root the panel's body */
export function createKpiPanel(root) {
  const sub = h('div', { class: 'panel-sub' });
  const chips = h('div', { class: 'chips' });
  /** @type {Record<string, HTMLElement>} */
  const values = {};
  const grid = h(
    'div',
    { class: 'kpi-grid' },
    ...TILES.map(([key, label]) =>
      h('div', { class: 'kpi' }, h('div', { class: 'kpi-label' }, label), (values[key] = h('div', { class: 'kpi-value' }, '—'))),
    ),
  );
  const note = h('div', { class: 'panel-note' });
  root.replaceChildren(h('div', { class: 'kpi-head' }, sub, chips), grid, note);

  /** Newest window per size (ms). @type {Map<number, WindowStats>} */
  const bySize = new Map();
  /** @type {number | null} */
  let chosenSize = null;
  /** @type {WindowStats | null} */
  let shown = null;

  function render() {
    const sizes = [...bySize.keys()].sort((a, b) => a - b);
    if (chosenSize === null || !bySize.has(chosenSize)) chosenSize = sizes[0] ?? null;
    chips.replaceChildren(
      ...(sizes.length > 1
        ? sizes.map((s) =>
            h(
              'button',
              {
                class: `chip${s === chosenSize ? ' active' : ''}`,
                type: 'button',
                onclick: () => {
                  chosenSize = s;
                  render();
                },
              },
              fmtSpan(s),
            ),
          )
        : []),
    );
    const w = chosenSize === null ? undefined : bySize.get(chosenSize);
    if (!w) {
      for (const el of Object.values(values)) setText(el, '—');
      shown = null;
      return;
    }
    setText(
      sub,
      `${fmtSpan(w.size)} window, every ${fmtSpan(w.slide)} · ${fmtTime(w.start)}–${fmtTime(w.end, { seconds: true }).slice(-8)} UTC`,
    );
    setText(note, '');
    const d = priceDecimals(w.avgPrice);
    /** @type {Record<string, string>} */
    const text = {
      avgPrice: fmtPrice(w.avgPrice, d),
      vwap: fmtPrice(w.vwap, d),
      minPrice: fmtPrice(w.minPrice, d),
      maxPrice: fmtPrice(w.maxPrice, d),
      trades: fmtInt(w.trades),
      spread: fmtPct(w.spread, { decimals: 3 }),
    };
    for (const [key] of TILES) {
      const el = values[key];
      if (!el) continue;
      const prev = shown?.[key];
      const next = w[key];
      setText(el, text[key] ?? '—');
      if (shown && shown.start !== w.start && typeof prev === 'number' && next !== prev) flash(el, next > prev ? 'up' : 'down');
    }
    shown = w;
  }

  return {
    /**
     * A window of the selected instrument (REST or live); older ones than shown are ignored.
     * @param {WindowStats} w
     */
    add(w) {
      const cur = bySize.get(w.size);
      if (cur && cur.start > w.start) return;
      bySize.set(w.size, w);
      render();
    },

    /** Whether no window is shown. */
    get empty() {
      return bySize.size === 0;
    },

    /** @param {string} message shown instead of the numbers (waiting, or an API error) */
    clear(message) {
      bySize.clear();
      shown = null;
      setText(sub, '');
      render();
      setText(note, message);
    },

    /** @param {string} message a note under the tiles, keeping the numbers */
    note(message) {
      setText(note, message);
    },
  };
}
