/* global console -- browser globals (the lint config targets Node) */
/**
 * The price chart: candles, a volume histogram along the bottom, SMA and Bollinger band
 * overlays, and a legend that follows the crosshair. Wraps lightweight-charts v5, read from
 * `window.LightweightCharts` (the standalone build served at /vendor/); pass the module
 * instead once the dashboard is bundled.
 */

import { fmtCompact, fmtPrice, priceDecimals } from './format.js';
import { h, setText } from './dom.js';

/** @typedef {import('./types.js').Bar} Bar */
/** @typedef {import('./types.js').IndicatorSet} IndicatorSet */

export const COLORS = {
  background: '#0e131a',
  text: '#8a97a8',
  grid: 'rgba(120, 140, 165, 0.08)',
  border: '#1f2a38',
  up: '#26a69a',
  down: '#ef5350',
  upVolume: 'rgba(38, 166, 154, 0.45)',
  downVolume: 'rgba(239, 83, 80, 0.45)',
  sma: '#f5c542',
  band: 'rgba(99, 155, 255, 0.75)',
  bandMiddle: 'rgba(99, 155, 255, 0.35)',
};

/** Bars in view after a (re)load; older ones are a scroll away. */
const VISIBLE_BARS = 160;

/** lightweight-charts wants UTC seconds. @param {number} ms */
const toTime = (ms) => Math.floor(ms / 1000);

/** @param {Bar} b */
function candleOf(b) {
  return { time: toTime(b.start), open: b.open, high: b.high, low: b.low, close: b.close };
}

/** @param {Bar} b */
function volumeOf(b) {
  return { time: toTime(b.start), value: b.volume, color: b.close >= b.open ? COLORS.upVolume : COLORS.downVolume };
}

/**
 * A line point, or whitespace while the indicator warms up (null).
 * @param {number} time @param {number | null} value
 */
function linePoint(time, value) {
  return value === null || !Number.isFinite(value) ? { time } : { time, value };
}

/**
 * @param {HTMLElement} container
 * @param {any} [lib] the lightweight-charts module; default window.LightweightCharts
 */
export function createPriceChart(container, lib = /** @type {any} */ (globalThis).LightweightCharts) {
  if (!lib || typeof lib.createChart !== 'function') {
    throw new Error('the chart library did not load (/vendor/lightweight-charts.standalone.production.js)');
  }
  const chart = lib.createChart(container, {
    autoSize: true,
    layout: {
      background: { type: 'solid', color: COLORS.background },
      textColor: COLORS.text,
      fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      fontSize: 11,
    },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    crosshair: { mode: lib.CrosshairMode?.Normal ?? 0 },
    rightPriceScale: { borderColor: COLORS.border, scaleMargins: { top: 0.08, bottom: 0.26 } },
    timeScale: { borderColor: COLORS.border, timeVisible: true, secondsVisible: false, rightOffset: 4 },
  });

  const candles = chart.addSeries(lib.CandlestickSeries, {
    upColor: COLORS.up,
    downColor: COLORS.down,
    wickUpColor: COLORS.up,
    wickDownColor: COLORS.down,
    borderVisible: false,
  });
  const volume = chart.addSeries(lib.HistogramSeries, {
    priceFormat: { type: 'volume' },
    priceScaleId: 'volume',
    lastValueVisible: false,
    priceLineVisible: false,
  });
  chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });

  const lineOpts = { lineWidth: 1, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false };
  const dashed = lib.LineStyle?.Dashed ?? 2;
  const sma = chart.addSeries(lib.LineSeries, { ...lineOpts, color: COLORS.sma, lineWidth: 2 });
  const bbUpper = chart.addSeries(lib.LineSeries, { ...lineOpts, color: COLORS.band, lineStyle: dashed });
  const bbMiddle = chart.addSeries(lib.LineSeries, { ...lineOpts, color: COLORS.bandMiddle, lineStyle: dashed });
  const bbLower = chart.addSeries(lib.LineSeries, { ...lineOpts, color: COLORS.band, lineStyle: dashed });

  /** Bars on the chart by time (s), for the legend and for revisions of older bars. */
  /** @type {Map<number, Bar>} */
  const bars = new Map();
  /** @type {Map<number, IndicatorSet>} */
  const indicators = new Map();
  let lastBarTime = -Infinity;
  let lastIndicatorTime = -Infinity;
  let decimals = 2;
  /** Draw the BB middle only when it is not the SMA (different periods). */
  let middleDiffers = false;

  const legend = createLegend(container);
  /** @type {{instrument: string, interval: string}} */
  let label = { instrument: '', interval: '' };

  /** @param {number} price */
  function setPrecision(price) {
    const d = priceDecimals(price);
    if (d === decimals) return;
    decimals = d;
    const priceFormat = { type: 'price', precision: d, minMove: 10 ** -d };
    for (const s of [candles, sma, bbUpper, bbMiddle, bbLower]) s.applyOptions({ priceFormat });
  }

  /** Time (s) under the crosshair; undefined: the legend follows the newest bar. */
  /** @type {number | undefined} */
  let hovered;

  /** @param {number | undefined} [time] */
  function renderLegend(time = hovered) {
    const bar = time === undefined ? bars.get(lastBarTime) : bars.get(time);
    const ind = time === undefined ? indicators.get(lastIndicatorTime) : indicators.get(time);
    legend.render(label, bar, ind, decimals, middleDiffers);
  }

  chart.subscribeCrosshairMove((/** @type {any} */ param) => {
    hovered = param?.time === undefined ? undefined : Number(param.time);
    renderLegend();
  });

  /**
   * @param {any} series @param {any} point @param {number} time @param {number} last
   * @returns {boolean} whether the point was drawn
   */
  function put(series, point, time, last) {
    try {
      if (time >= last) series.update(point);
      // A revised older bar (late data with --late-policy revise).
      else series.update(point, true);
      return true;
    } catch (e) {
      console.warn('chart update skipped', e);
      return false;
    }
  }

  return {
    /**
     * Clears everything for a new instrument or interval.
     * @param {string} instrument @param {string} interval
     */
    reset(instrument, interval) {
      label = { instrument, interval };
      bars.clear();
      indicators.clear();
      lastBarTime = -Infinity;
      lastIndicatorTime = -Infinity;
      middleDiffers = false;
      hovered = undefined;
      for (const s of [candles, volume, sma, bbUpper, bbMiddle, bbLower]) s.setData([]);
      chart.applyOptions({ timeScale: { secondsVisible: interval.endsWith('s') && !interval.endsWith('ms') } });
      renderLegend();
    },

    /**
     * History, oldest first.
     * @param {Bar[]} history
     */
    setBars(history) {
      bars.clear();
      for (const b of history) bars.set(toTime(b.start), b);
      const sorted = [...bars.values()].sort((a, b) => a.start - b.start);
      const last = sorted.at(-1);
      if (last) setPrecision(last.close);
      candles.setData(sorted.map(candleOf));
      volume.setData(sorted.map(volumeOf));
      lastBarTime = last ? toTime(last.start) : -Infinity;
      const n = sorted.length;
      if (n > 0) chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, n - VISIBLE_BARS), to: n + 3 });
      renderLegend();
    },

    /**
     * A live bar: the open one (interim), its final, or a revision of an older one.
     * @param {Bar} bar
     * @returns {boolean} whether it is on the chart now
     */
    applyBar(bar) {
      const time = toTime(bar.start);
      if (time < lastBarTime && !bars.has(time)) return false;
      if (bars.size === 0) setPrecision(bar.close);
      if (!put(candles, candleOf(bar), time, lastBarTime)) return false;
      put(volume, volumeOf(bar), time, lastBarTime);
      bars.set(time, bar);
      if (time > lastBarTime) lastBarTime = time;
      renderLegend();
      return true;
    },

    /** @returns {number} bars on the chart */
    get barCount() {
      return bars.size;
    },

    /**
     * Indicator rows, oldest first: replaces them all.
     * @param {IndicatorSet[]} rows
     */
    setIndicators(rows) {
      indicators.clear();
      for (const r of rows) indicators.set(toTime(r.start), r);
      const sorted = [...indicators.values()].sort((a, b) => a.start - b.start);
      middleDiffers = sorted.some((r) => r.bbMiddle !== null && r.sma !== null && Math.abs(r.bbMiddle - r.sma) > 1e-9 * Math.abs(r.sma));
      sma.setData(sorted.map((r) => linePoint(toTime(r.start), r.sma)));
      bbUpper.setData(sorted.map((r) => linePoint(toTime(r.start), r.bbUpper)));
      bbLower.setData(sorted.map((r) => linePoint(toTime(r.start), r.bbLower)));
      bbMiddle.setData(middleDiffers ? sorted.map((r) => linePoint(toTime(r.start), r.bbMiddle)) : []);
      const last = sorted.at(-1);
      lastIndicatorTime = last ? toTime(last.start) : -Infinity;
      renderLegend();
    },

    /**
     * Newer indicator rows (oldest first) appended to the lines; rows already drawn are skipped.
     * @param {IndicatorSet[]} rows
     */
    extendIndicators(rows) {
      for (const r of rows) {
        const time = toTime(r.start);
        if (time < lastIndicatorTime) continue;
        indicators.set(time, r);
        put(sma, linePoint(time, r.sma), time, lastIndicatorTime);
        put(bbUpper, linePoint(time, r.bbUpper), time, lastIndicatorTime);
        put(bbLower, linePoint(time, r.bbLower), time, lastIndicatorTime);
        if (middleDiffers) put(bbMiddle, linePoint(time, r.bbMiddle), time, lastIndicatorTime);
        lastIndicatorTime = time;
      }
      renderLegend();
    },

    /** Newest indicator time drawn, epoch ms, or null. */
    get lastIndicatorStart() {
      return Number.isFinite(lastIndicatorTime) ? lastIndicatorTime * 1000 : null;
    },

    scrollToNow() {
      chart.timeScale().scrollToRealTime();
    },

    destroy() {
      chart.remove();
      legend.el.remove();
    },
  };
}

/** @typedef {ReturnType<typeof createPriceChart>} PriceChart */

/** @param {HTMLElement} container */
function createLegend(container) {
  const title = h('span', { class: 'legend-title' });
  const ohlc = h('span', { class: 'legend-ohlc' });
  const lines = h('span', { class: 'legend-lines' });
  const el = h('div', { class: 'chart-legend' }, h('div', null, title, ohlc), lines);
  container.append(el);
  return {
    el,
    /**
     * @param {{instrument: string, interval: string}} label
     * @param {Bar | undefined} bar @param {IndicatorSet | undefined} ind @param {number} d
     * @param {boolean} showMiddle
     */
    render(label, bar, ind, d, showMiddle) {
      setText(title, label.instrument ? `${label.instrument} · ${label.interval} · UTC` : '');
      ohlc.replaceChildren();
      if (bar) {
        const cls = bar.close >= bar.open ? 'up' : 'down';
        const chg = bar.open === 0 ? 0 : (bar.close - bar.open) / bar.open;
        ohlc.append(
          ...[
            ['O', fmtPrice(bar.open, d)],
            ['H', fmtPrice(bar.high, d)],
            ['L', fmtPrice(bar.low, d)],
            ['C', fmtPrice(bar.close, d)],
          ].flatMap(([k, v]) => [h('b', null, k), h('span', { class: cls }, v)]),
          h('span', { class: cls }, `${chg >= 0 ? '+' : '−'}${Math.abs(chg * 100).toFixed(2)}%`),
          h('b', null, 'Vol'),
          h('span', null, fmtCompact(bar.volume)),
          ...(bar.final ? [] : [h('span', { class: 'legend-open', title: 'the bar is still open (interim)' }, 'open')]),
        );
      }
      lines.replaceChildren();
      if (ind) {
        lines.append(
          h('span', { class: 'swatch sma' }),
          `SMA ${fmtPrice(ind.sma, d)}`,
          h('span', { class: 'swatch band' }),
          `BB ${fmtPrice(ind.bbUpper, d)} / ${showMiddle ? `${fmtPrice(ind.bbMiddle, d)} / ` : ''}${fmtPrice(ind.bbLower, d)}`,
        );
      }
    },
  };
}
