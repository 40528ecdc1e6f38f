/**
 * Realized volatility of the selected instrument and interval over time (annualized, %), with
 * the newest value and the last log return above the chart.
 */
import { AreaSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { h, setText } from '../dom.js';
import { fmtPct } from '../format.js';
import { chartOptions, type Palette } from '../theme.js';
import type { VolatilityPoint } from '../types.js';

const MAX_POINTS = 300;

export interface VolatilityPanel {
  /** Points, oldest first (replaces what is shown). */
  set(points: readonly VolatilityPoint[], interval: string): void;
  clear(message: string): void;
  setPalette(p: Palette): void;
  /** The newest realized volatility, or null. */
  readonly latest: number | null;
}

export function createVolatilityPanel(root: HTMLElement, initial: Palette): VolatilityPanel {
  const value = h('div', { class: 'vol-value' }, '—');
  const ret = h('div', { class: 'vol-return' });
  const box = h('div', { class: 'vol-chart' });
  const note = h('div', { class: 'panel-note vol-note' });
  root.replaceChildren(h('div', { class: 'vol-head' }, value, ret), h('div', { class: 'vol-chart-wrap' }, box, note));

  let p = initial;
  /** Made with the first points, so the page's first paint does not wait for this chart. */
  let drawn: { chart: IChartApi; series: ISeriesApi<'Area'> } | null = null;
  const colors = () => {
    if (!drawn) return;
    drawn.chart.applyOptions({ ...chartOptions(p), grid: { vertLines: { visible: false }, horzLines: { color: p.grid } } });
    drawn.series.applyOptions({ lineColor: p.vol, topColor: p.volFill, bottomColor: 'rgba(0,0,0,0)' });
  };
  function ensureChart(): { chart: IChartApi; series: ISeriesApi<'Area'> } {
    if (drawn) return drawn;
    const chart = createChart(box, {
      ...chartOptions(p),
      autoSize: true,
      handleScroll: false,
      handleScale: false,
      rightPriceScale: { borderVisible: false, scaleMargins: { top: 0.15, bottom: 0.05 } },
      timeScale: { borderVisible: false, timeVisible: true, secondsVisible: false },
    });
    const series = chart.addSeries(AreaSeries, {
      lineWidth: 2,
      priceFormat: { type: 'custom', formatter: (v: number) => `${v.toFixed(1)}%`, minMove: 0.01 },
      priceLineVisible: false,
    });
    drawn = { chart, series };
    colors();
    return drawn;
  }

  let latest: number | null = null;

  return {
    set(points, interval) {
      const { chart, series } = ensureChart();
      chart.applyOptions({ timeScale: { secondsVisible: /^\d+(s|ms)$/.test(interval) } });
      const pts = points.slice(-MAX_POINTS);
      const data = pts.map((pt) =>
        pt.realizedVol === null || !Number.isFinite(pt.realizedVol)
          ? { time: Math.floor(pt.start / 1000) as UTCTimestamp }
          : { time: Math.floor(pt.start / 1000) as UTCTimestamp, value: pt.realizedVol * 100 },
      );
      series.setData(data);
      chart.timeScale().fitContent();
      const last = [...pts].reverse().find((pt) => pt.realizedVol !== null);
      latest = last?.realizedVol ?? null;
      setText(value, fmtPct(latest, { decimals: 1 }));
      const lr = pts.at(-1)?.logReturn;
      setText(ret, lr === null || lr === undefined ? '' : `last return ${fmtPct(Math.expm1(lr), { decimals: 3, signed: true })}`);
      ret.className = `vol-return ${lr && lr > 0 ? 'up' : lr && lr < 0 ? 'down' : ''}`;
      const valued = pts.filter((pt) => pt.realizedVol !== null).length;
      setText(note, valued < 2 ? 'warming up: the estimate needs more closed bars' : '');
      root.dataset['points'] = String(valued);
    },
    clear(message) {
      latest = null;
      drawn?.series.setData([]);
      setText(value, '—');
      setText(ret, '');
      setText(note, message);
      root.dataset['points'] = '0';
    },
    setPalette(next) {
      p = next;
      colors();
    },
    get latest() {
      return latest;
    },
  };
}
