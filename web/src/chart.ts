/**
 * The price chart: candles, a volume histogram along the bottom, SMA / EMA / Bollinger / VWAP
 * overlays, alert markers, and a legend that follows the crosshair. Live bars arrive in
 * batches (one per animation frame) through `applyBars`.
 */
import {
  CandlestickSeries,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  type SeriesMarker,
  type SeriesType,
  type Time,
  type UTCTimestamp,
  type WhitespaceData,
} from 'lightweight-charts';
import { h, setText } from './dom.js';
import { fmtCompact, fmtPrice, priceDecimals } from './format.js';
import { chartOptions, type Palette } from './theme.js';
import type { Alert, Bar, IndicatorSet } from './types.js';
import type { Overlay } from './url-state.js';

/** Bars in view after a (re)load; older ones are a scroll away. */
const VISIBLE_BARS = 120;
const MAX_MARKERS = 200;

/** lightweight-charts wants UTC seconds. */
const toTime = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;

type LinePoint = LineData<Time> | WhitespaceData<Time>;

/** A line point, or whitespace while the indicator warms up (null). */
function linePoint(time: UTCTimestamp, value: number | null): LinePoint {
  return value === null || !Number.isFinite(value) ? { time } : { time, value };
}

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;

export interface PriceChart {
  /** Clears everything for a new instrument or interval. */
  reset(instrument: string, interval: string): void;
  /** History, oldest first. */
  setBars(history: readonly Bar[]): void;
  /** Live bars (open, final or revised), oldest first; returns how many are on the chart now. */
  applyBars(bars: readonly Bar[]): number;
  /**
   * Final bars from the store, oldest first: adds those the chart lacks (closed after the history
   * was read but before the live subscription started). Returns how many were added.
   */
  fillGaps(bars: readonly Bar[]): number;
  /** Indicator rows, oldest first: replaces them all. */
  setIndicators(rows: readonly IndicatorSet[]): void;
  /** Newer indicator rows appended; rows already drawn are skipped. */
  extendIndicators(rows: readonly IndicatorSet[]): void;
  /** Alerts of this instrument and interval, any order: replaces the markers. */
  setAlerts(alerts: readonly Alert[]): void;
  addAlert(alert: Alert): void;
  setOverlays(on: ReadonlySet<Overlay>): void;
  setPalette(p: Palette): void;
  readonly barCount: number;
  readonly lastIndicatorStart: number | null;
  /** The newest bar on the chart. */
  readonly lastBar: Bar | undefined;
  /** The bars on the chart, oldest first. */
  snapshot(): Bar[];
}

export function createPriceChart(container: HTMLElement, initial: Palette, overlays: ReadonlySet<Overlay>): PriceChart {
  let p = initial;
  let on = new Set(overlays);
  const chart: IChartApi = createChart(container, {
    ...chartOptions(p),
    autoSize: true,
    rightPriceScale: { borderColor: p.border, scaleMargins: { top: 0.08, bottom: 0.24 } },
    timeScale: { borderColor: p.border, timeVisible: true, secondsVisible: false, rightOffset: 4 },
  });

  const candles = chart.addSeries(CandlestickSeries, { borderVisible: false });
  const volume = chart.addSeries(HistogramSeries, {
    priceFormat: { type: 'volume' },
    priceScaleId: 'volume',
    lastValueVisible: false,
    priceLineVisible: false,
  });
  chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  const lineOpts = { lineWidth: 1, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false } as const;
  const sma = chart.addSeries(LineSeries, { ...lineOpts, lineWidth: 2 });
  const emaFast = chart.addSeries(LineSeries, lineOpts);
  const emaSlow = chart.addSeries(LineSeries, lineOpts);
  const bbUpper = chart.addSeries(LineSeries, { ...lineOpts, lineStyle: LineStyle.Dashed });
  const bbMiddle = chart.addSeries(LineSeries, { ...lineOpts, lineStyle: LineStyle.Dashed });
  const bbLower = chart.addSeries(LineSeries, { ...lineOpts, lineStyle: LineStyle.Dashed });
  const vwap = chart.addSeries(LineSeries, { ...lineOpts, lineStyle: LineStyle.Dotted, lineWidth: 2 });
  const markers: ISeriesMarkersPluginApi<Time> = createSeriesMarkers(candles, []);
  const indicatorLines = [sma, emaFast, emaSlow, bbUpper, bbMiddle, bbLower];

  /** Bars on the chart by time (s), for the legend and for revisions of older bars. */
  const bars = new Map<number, Bar>();
  const indicators = new Map<number, IndicatorSet>();
  const alerts = new Map<string, Alert>();
  let lastBarTime = -Infinity;
  let firstBarTime = Infinity;
  let lastIndicatorTime = -Infinity;
  let decimals = 2;
  /** Draw the BB middle only when it is not the SMA (different periods). */
  let middleDiffers = false;
  let label = { instrument: '', interval: '' };
  /** Time (s) under the crosshair; undefined: the legend follows the newest bar. */
  let hovered: number | undefined;

  const legend = createLegend(container);

  function applyColors(): void {
    chart.applyOptions(chartOptions(p));
    candles.applyOptions({ upColor: p.up, downColor: p.down, wickUpColor: p.up, wickDownColor: p.down });
    sma.applyOptions({ color: p.sma });
    emaFast.applyOptions({ color: p.emaFast });
    emaSlow.applyOptions({ color: p.emaSlow });
    bbUpper.applyOptions({ color: p.band });
    bbLower.applyOptions({ color: p.band });
    bbMiddle.applyOptions({ color: p.bandMiddle });
    vwap.applyOptions({ color: p.vwap });
    volume.setData([...bars.values()].sort((a, b) => a.start - b.start).map(volumeOf));
    drawMarkers();
  }

  function applyVisibility(): void {
    sma.applyOptions({ visible: on.has('sma') });
    emaFast.applyOptions({ visible: on.has('ema') });
    emaSlow.applyOptions({ visible: on.has('ema') });
    for (const s of [bbUpper, bbLower]) s.applyOptions({ visible: on.has('bb') });
    bbMiddle.applyOptions({ visible: on.has('bb') && middleDiffers });
    vwap.applyOptions({ visible: on.has('vwap') });
    drawMarkers();
    renderLegend();
  }

  const candleOf = (b: Bar) => ({ time: toTime(b.start), open: b.open, high: b.high, low: b.low, close: b.close });
  const volumeOf = (b: Bar) => ({ time: toTime(b.start), value: b.volume, color: b.close >= b.open ? p.upVolume : p.downVolume });
  const vwapOf = (b: Bar): LinePoint => linePoint(toTime(b.start), b.trades > 0 ? b.vwap : null);

  function setPrecision(price: number): void {
    const d = priceDecimals(price);
    if (d === decimals) return;
    decimals = d;
    const priceFormat = { type: 'price', precision: d, minMove: 10 ** -d } as const;
    for (const s of [candles, vwap, ...indicatorLines]) s.applyOptions({ priceFormat });
  }

  function renderLegend(): void {
    const t = hovered ?? lastBarTime;
    const ti = hovered ?? lastIndicatorTime;
    legend.render(label, bars.get(t), indicators.get(ti), decimals, on, middleDiffers, p);
    // For tests and the curious: the newest bar, as the chart has it.
    const last = bars.get(lastBarTime);
    container.dataset['bars'] = String(bars.size);
    container.dataset['lastStart'] = last ? String(last.start) : '';
    container.dataset['lastClose'] = last ? String(last.close) : '';
    container.dataset['lastTrades'] = last ? String(last.trades) : '';
    container.dataset['lastFinal'] = last ? String(last.final) : '';
  }

  function drawMarkers(): void {
    if (!on.has('alerts') || bars.size === 0) {
      markers.setMarkers([]);
      container.dataset['markers'] = '0';
      return;
    }
    // One marker per bar: the most severe alert there.
    const byTime = new Map<number, Alert[]>();
    for (const a of alerts.values()) {
      const t = toTime(a.start);
      if (t < firstBarTime) continue;
      const list = byTime.get(t) ?? [];
      list.push(a);
      byTime.set(t, list);
    }
    const list: SeriesMarker<Time>[] = [...byTime]
      .sort((a, b) => a[0] - b[0])
      .slice(-MAX_MARKERS)
      .map(([t, as]) => {
        const worst = as.reduce((x, y) => (SEVERITY_RANK[y.severity] > SEVERITY_RANK[x.severity] ? y : x));
        const bar = bars.get(t);
        const up = bar ? bar.close >= bar.open : true;
        const color = worst.severity === 'critical' ? p.critical : worst.severity === 'warning' ? p.warning : p.info;
        return {
          time: t as UTCTimestamp,
          position: up ? 'aboveBar' : 'belowBar',
          shape: up ? 'arrowDown' : 'arrowUp',
          color,
          text: as.length > 1 ? `${as.length} alerts` : KIND_SHORT[worst.kind],
          id: `${t}`,
        };
      });
    markers.setMarkers(list);
    container.dataset['markers'] = String(list.length);
  }

  chart.subscribeCrosshairMove((param) => {
    hovered = param.time === undefined ? undefined : Number(param.time);
    renderLegend();
  });

  /** update() for the newest point; an older one needs the historical flag (revisions, late data). */
  function put<T extends SeriesType>(
    series: ISeriesApi<T>,
    point: Parameters<ISeriesApi<T>['update']>[0],
    time: number,
    last: number,
  ): boolean {
    try {
      series.update(point, time < last);
      return true;
    } catch (e) {
      console.warn('chart update skipped', e);
      return false;
    }
  }

  applyColors();
  applyVisibility();

  return {
    reset(instrument, interval) {
      label = { instrument, interval };
      bars.clear();
      indicators.clear();
      alerts.clear();
      lastBarTime = -Infinity;
      firstBarTime = Infinity;
      lastIndicatorTime = -Infinity;
      middleDiffers = false;
      hovered = undefined;
      for (const s of [candles, volume, vwap, ...indicatorLines]) s.setData([]);
      markers.setMarkers([]);
      chart.applyOptions({ timeScale: { secondsVisible: /^\d+(s|ms)$/.test(interval) } });
      renderLegend();
    },

    setBars(history) {
      bars.clear();
      for (const b of history) bars.set(toTime(b.start), b);
      const sorted = [...bars.values()].sort((a, b) => a.start - b.start);
      const last = sorted.at(-1);
      if (last) setPrecision(last.close);
      candles.setData(sorted.map(candleOf));
      volume.setData(sorted.map(volumeOf));
      vwap.setData(sorted.map(vwapOf));
      lastBarTime = last ? toTime(last.start) : -Infinity;
      firstBarTime = sorted[0] ? toTime(sorted[0].start) : Infinity;
      const n = sorted.length;
      // A fixed number of bar widths, so a young series is narrow candles on the right, not a few wide slabs.
      if (n > 0) chart.timeScale().setVisibleLogicalRange({ from: n - VISIBLE_BARS, to: n + 3 });
      drawMarkers();
      renderLegend();
    },

    applyBars(list) {
      let markersStale = false;
      for (const bar of list) {
        const time = toTime(bar.start);
        if (time < lastBarTime && !bars.has(time)) continue;
        if (bars.size === 0) {
          setPrecision(bar.close);
          firstBarTime = time;
          markersStale = true;
        }
        if (!put(candles, candleOf(bar), time, lastBarTime)) continue;
        put(volume, volumeOf(bar), time, lastBarTime);
        put(vwap, vwapOf(bar), time, lastBarTime);
        if (!bars.has(time) && alerts.size > 0) markersStale = true;
        bars.set(time, bar);
        if (time > lastBarTime) lastBarTime = time;
      }
      if (markersStale) drawMarkers();
      renderLegend();
      return bars.size;
    },

    fillGaps(list) {
      let added = 0;
      for (const b of list) {
        const t = toTime(b.start);
        if (bars.has(t) || t > lastBarTime || t < firstBarTime) continue;
        bars.set(t, b);
        added++;
      }
      if (added === 0) return 0;
      const range = chart.timeScale().getVisibleLogicalRange();
      const sorted = [...bars.values()].sort((a, b) => a.start - b.start);
      candles.setData(sorted.map(candleOf));
      volume.setData(sorted.map(volumeOf));
      vwap.setData(sorted.map(vwapOf));
      // Keep the view where it was relative to the newest bar.
      if (range) chart.timeScale().setVisibleLogicalRange({ from: range.from + added, to: range.to + added });
      drawMarkers();
      renderLegend();
      return added;
    },

    setIndicators(rows) {
      indicators.clear();
      for (const r of rows) indicators.set(toTime(r.start), r);
      const sorted = [...indicators.values()].sort((a, b) => a.start - b.start);
      middleDiffers = sorted.some((r) => r.bbMiddle !== null && r.sma !== null && Math.abs(r.bbMiddle - r.sma) > 1e-9 * Math.abs(r.sma));
      const line = (f: (r: IndicatorSet) => number | null) => sorted.map((r) => linePoint(toTime(r.start), f(r)));
      sma.setData(line((r) => r.sma));
      emaFast.setData(line((r) => r.emaFast));
      emaSlow.setData(line((r) => r.emaSlow));
      bbUpper.setData(line((r) => r.bbUpper));
      bbLower.setData(line((r) => r.bbLower));
      bbMiddle.setData(middleDiffers ? line((r) => r.bbMiddle) : []);
      const last = sorted.at(-1);
      lastIndicatorTime = last ? toTime(last.start) : -Infinity;
      applyVisibility();
    },

    extendIndicators(rows) {
      for (const r of rows) {
        const time = toTime(r.start);
        if (time < lastIndicatorTime) continue;
        indicators.set(time, r);
        put(sma, linePoint(time, r.sma), time, lastIndicatorTime);
        put(emaFast, linePoint(time, r.emaFast), time, lastIndicatorTime);
        put(emaSlow, linePoint(time, r.emaSlow), time, lastIndicatorTime);
        put(bbUpper, linePoint(time, r.bbUpper), time, lastIndicatorTime);
        put(bbLower, linePoint(time, r.bbLower), time, lastIndicatorTime);
        if (middleDiffers) put(bbMiddle, linePoint(time, r.bbMiddle), time, lastIndicatorTime);
        lastIndicatorTime = time;
      }
      renderLegend();
    },

    setAlerts(list) {
      alerts.clear();
      for (const a of list) alerts.set(`${a.kind}|${a.start}`, a);
      drawMarkers();
    },

    addAlert(a) {
      alerts.set(`${a.kind}|${a.start}`, a);
      drawMarkers();
    },

    setOverlays(next) {
      on = new Set(next);
      applyVisibility();
    },

    setPalette(next) {
      p = next;
      applyColors();
      renderLegend();
    },

    get barCount() {
      return bars.size;
    },

    get lastIndicatorStart() {
      return Number.isFinite(lastIndicatorTime) ? lastIndicatorTime * 1000 : null;
    },

    get lastBar() {
      return bars.get(lastBarTime);
    },

    snapshot() {
      return [...bars.values()].sort((a, b) => a.start - b.start);
    },
  };
}

const KIND_SHORT: Record<Alert['kind'], string> = { return_zscore: 'ret', volume_spike: 'vol', price_gap: 'gap' };

function createLegend(container: HTMLElement) {
  const title = h('span', { class: 'legend-title' });
  const ohlc = h('span', { class: 'legend-ohlc' });
  const lines = h('div', { class: 'legend-lines' });
  const el = h('div', { class: 'chart-legend' }, h('div', null, title, ohlc), lines);
  container.append(el);

  const swatch = (color: string, dashed = false) =>
    h('span', { class: 'swatch', style: dashed ? { borderTop: `2px dashed ${color}` } : { background: color } });

  return {
    render(
      label: { instrument: string; interval: string },
      bar: Bar | undefined,
      ind: IndicatorSet | undefined,
      d: number,
      on: ReadonlySet<Overlay>,
      showMiddle: boolean,
      p: Palette,
    ): void {
      setText(title, label.instrument ? `${label.instrument} · ${label.interval} · UTC` : '');
      ohlc.replaceChildren();
      if (bar) {
        const cls = bar.close >= bar.open ? 'up' : 'down';
        const chg = bar.open === 0 ? 0 : (bar.close - bar.open) / bar.open;
        const pairs: [string, string][] = [
          ['O', fmtPrice(bar.open, d)],
          ['H', fmtPrice(bar.high, d)],
          ['L', fmtPrice(bar.low, d)],
          ['C', fmtPrice(bar.close, d)],
        ];
        ohlc.append(
          ...pairs.flatMap(([k, v]) => [h('b', null, k), h('span', { class: cls }, v)]),
          h('span', { class: cls }, `${chg >= 0 ? '+' : '−'}${Math.abs(chg * 100).toFixed(2)}%`),
          h('b', null, 'Vol'),
          h('span', null, fmtCompact(bar.volume)),
          ...(bar.final ? [] : [h('span', { class: 'legend-open', title: 'the bar is still open (interim)' }, 'forming')]),
        );
      }
      lines.replaceChildren();
      const items: Node[] = [];
      if (on.has('sma')) items.push(h('span', null, swatch(p.sma), `SMA ${fmtPrice(ind?.sma, d)}`));
      if (on.has('ema'))
        items.push(
          h('span', null, swatch(p.emaFast), `EMA fast ${fmtPrice(ind?.emaFast, d)}`),
          h('span', null, swatch(p.emaSlow), `EMA slow ${fmtPrice(ind?.emaSlow, d)}`),
        );
      if (on.has('bb'))
        items.push(
          h(
            'span',
            null,
            swatch(p.band, true),
            `BB ${fmtPrice(ind?.bbUpper, d)} / ${showMiddle ? `${fmtPrice(ind?.bbMiddle, d)} / ` : ''}${fmtPrice(ind?.bbLower, d)}`,
          ),
        );
      if (on.has('vwap')) items.push(h('span', null, swatch(p.vwap), `VWAP ${fmtPrice(bar && bar.trades > 0 ? bar.vwap : null, d)}`));
      lines.append(...items);
    },
  };
}
