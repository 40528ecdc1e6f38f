/**
 * KPI cards of the selected instrument: last price and its change over the window, then the
 * latest hopping window's rolling average, VWAP, min, max, spread and trade count (the seeds'
 * 5-minute sliding window), and the realized volatility. With several window sizes
 * configured, chips pick one.
 */
import { flash, h, setText } from '../dom.js';
import { fmtInt, fmtPct, fmtPrice, fmtSpan, fmtTime, priceDecimals } from '../format.js';
import type { WindowStats } from '../types.js';
import { shownWindowSize } from '../kpi-window.js';

type WindowKey = 'avgPrice' | 'vwap' | 'minPrice' | 'maxPrice' | 'spread' | 'trades';
type TileKey = 'last' | 'change' | WindowKey | 'vol';

const TILES: readonly (readonly [TileKey, string])[] = [
  ['last', 'Last price'],
  ['change', 'Change'],
  ['vol', 'Volatility'],
  ['avgPrice', 'Avg'],
  ['minPrice', 'Min'],
  ['maxPrice', 'Max'],
  ['spread', 'Spread'],
  ['trades', 'Trades'],
  ['vwap', 'VWAP'],
];

export interface KpiPanel {
  /** A window of the selected instrument (REST or live); older ones than shown are ignored. */
  addWindow(w: WindowStats): void;
  /** The newest trade price (the forming bar's close). */
  setLast(price: number | null): void;
  /** The first price of the shown window, for the change; null when unknown. */
  setWindowOpen(start: number, price: number | null): void;
  /** Annualized realized volatility (a fraction) of the chart's interval, and that interval. */
  setVolatility(value: number | null, interval: string): void;
  /** The window shown, for the change's reference price. */
  readonly window: WindowStats | null;
  readonly empty: boolean;
  /** Clears the numbers and shows a message (waiting, or an API error). */
  clear(message: string): void;
  /** Called when the shown window changes (another size picked, or a newer one). */
  onWindowChange: ((w: WindowStats) => void) | null;
}

export function createKpiPanel(root: HTMLElement, meta: HTMLElement): KpiPanel {
  const sub = h('div', { class: 'panel-sub' });
  const chips = h('div', { class: 'chips' });
  const values = new Map<TileKey, HTMLElement>();
  const labels = new Map<TileKey, HTMLElement>();
  const grid = h(
    'div',
    { class: 'kpi-grid' },
    ...TILES.map(([key, text]) => {
      const label = h('div', { class: 'kpi-label' }, text);
      const value = h('div', { class: 'kpi-value' }, '—');
      labels.set(key, label);
      values.set(key, value);
      return h('div', { class: `kpi kpi-${key}`, dataset: { kpi: key } }, label, value);
    }),
  );
  const note = h('div', { class: 'panel-note' });
  root.replaceChildren(h('div', { class: 'kpi-head' }, sub, chips), grid, note);

  /** Newest window per size (ms). */
  const bySize = new Map<number, WindowStats>();
  /** The size the user picked with a chip (null: none yet). */
  let picked: number | null = null;
  let shown: WindowStats | null = null;
  let last: number | null = null;
  let open: { start: number; price: number | null } | null = null;
  let decimals = 2;
  let notifyQueued = false;

  const set = (key: TileKey, text: string, cls = ''): void => {
    const el = values.get(key);
    if (!el) return;
    setText(el, text);
    const want = `kpi-value ${cls}`.trim();
    if (el.className.replace(/ ?flash-(up|down)/, '') !== want) el.className = want;
  };

  function renderChange(): void {
    const w = shown;
    const ref = w && open && open.start === w.start ? open.price : null;
    const label = labels.get('change');
    if (label) setText(label, w ? `Change ${fmtSpan(w.size)}` : 'Change');
    // A new window's first price is being fetched: keep the last figure for those few ms.
    if (w && open && open.start !== w.start && open.price !== null && last !== null) return;
    if (last === null || ref === null || ref === 0) {
      set('change', '—');
      return;
    }
    const chg = (last - ref) / ref;
    set('change', fmtPct(chg, { signed: true }), chg > 0 ? 'up' : chg < 0 ? 'down' : '');
    const el = values.get('change');
    if (el && w) el.title = `last price vs ${fmtPrice(ref, decimals)}, the first trade of the window from ${fmtTime(w.start)} UTC`;
  }

  function renderWindow(): void {
    const sizes = [...bySize.keys()].sort((a, b) => a - b);
    const chosenSize = shownWindowSize(sizes, picked);
    chips.replaceChildren(
      ...(sizes.length > 1
        ? sizes.map((s) =>
            h(
              'button',
              {
                class: `chip${s === chosenSize ? ' active' : ''}`,
                type: 'button',
                onclick: () => {
                  picked = s;
                  renderWindow();
                },
              },
              fmtSpan(s),
            ),
          )
        : []),
    );
    const w = chosenSize === null ? undefined : bySize.get(chosenSize);
    if (!w) {
      for (const [key] of TILES) if (key !== 'last' && key !== 'vol') set(key, '—');
      shown = null;
      setText(meta, '');
      renderChange();
      return;
    }
    setText(meta, `${fmtSpan(w.size)} window, every ${fmtSpan(w.slide)}`);
    setText(sub, `${fmtTime(w.start)}–${fmtTime(w.end).slice(-8)} UTC`);
    setText(note, '');
    decimals = priceDecimals(w.avgPrice);
    const text: Record<WindowKey, string> = {
      avgPrice: fmtPrice(w.avgPrice, decimals),
      vwap: fmtPrice(w.vwap, decimals),
      minPrice: fmtPrice(w.minPrice, decimals),
      maxPrice: fmtPrice(w.maxPrice, decimals),
      trades: fmtInt(w.trades),
      spread: fmtPct(w.spread, { decimals: 3 }),
    };
    const prev = shown;
    const changed = prev === null || prev.start !== w.start || prev.size !== w.size;
    shown = w;
    for (const key of Object.keys(text) as WindowKey[]) {
      set(key, text[key]);
      const el = values.get(key);
      const before = prev?.[key];
      if (el && prev && prev.size === w.size && prev.start !== w.start && typeof before === 'number' && w[key] !== before) {
        flash(el, w[key] > before ? 'up' : 'down');
      }
    }
    renderChange();
    // Once per batch (the REST load adds a dozen windows in a row): only the newest matters.
    if (changed && !notifyQueued) {
      notifyQueued = true;
      queueMicrotask(() => {
        notifyQueued = false;
        if (shown) panel.onWindowChange?.(shown);
      });
    }
  }

  const panel: KpiPanel = {
    onWindowChange: null,
    addWindow(w) {
      const cur = bySize.get(w.size);
      if (cur && cur.start > w.start) return;
      bySize.set(w.size, w);
      renderWindow();
    },
    setLast(price) {
      const prev = last;
      last = price;
      if (price === null) set('last', '—');
      else {
        if (shown === null) decimals = priceDecimals(price);
        set('last', fmtPrice(price, decimals), prev === null || prev === price ? '' : price > prev ? 'up' : 'down');
      }
      renderChange();
    },
    setWindowOpen(start, price) {
      open = { start, price };
      renderChange();
    },
    setVolatility(value, interval) {
      set('vol', fmtPct(value, { decimals: 1 }));
      const el = values.get('vol');
      if (el) el.title = `realized volatility: annualized rolling standard deviation of ${interval} log returns`;
    },
    get window() {
      return shown;
    },
    get empty() {
      return bySize.size === 0;
    },
    clear(message) {
      bySize.clear();
      shown = null;
      last = null;
      open = null;
      setText(sub, '');
      set('last', '—');
      set('vol', '—');
      renderWindow();
      setText(note, message);
    },
  };
  return panel;
}
