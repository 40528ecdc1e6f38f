/**
 * Several instruments on one chart, each as its percentage change since the first bar they
 * all have, so instruments priced 0.5 and 60,000 can be compared. The selected instrument
 * is always one of them; the others are chosen with chips (remove) and a picker (add).
 */
import { LineSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { createPicker } from '../components/picker.js';
import { h, setText } from '../dom.js';
import { fmtPct, symbolOf } from '../format.js';
import { chartOptions, type Palette } from '../theme.js';
import type { Bar, InstrumentInfo } from '../types.js';

export const MAX_COMPARED = 6;

export interface ComparePanel {
  /** The instruments shown (the selected one first) and their bars, oldest first. */
  set(series: readonly { instrument: string; bars: readonly Bar[] }[], interval: string): void;
  setInstruments(list: readonly InstrumentInfo[]): void;
  message(text: string): void;
  setPalette(p: Palette): void;
}

export function createComparePanel(
  root: HTMLElement,
  initial: Palette,
  opts: { onAdd: (instrument: string) => void; onRemove: (instrument: string) => void; chosen: () => ReadonlySet<string> },
): ComparePanel {
  const chips = h('div', { class: 'compare-chips' });
  const add = h('div', { class: 'picker compare-add' });
  const box = h('div', { class: 'compare-chart' });
  const note = h('div', { class: 'panel-note compare-note' });
  root.replaceChildren(h('div', { class: 'compare-head' }, chips, add), h('div', { class: 'compare-chart-wrap' }, box, note));
  const picker = createPicker(add, opts.onAdd, {
    emptyLabel: '+ add',
    name: 'add an instrument to compare',
    id: 'compare-pick',
    exclude: opts.chosen,
  });

  let p = initial;
  /** Made with the first data, so the page's first paint does not wait for this chart. */
  let made: IChartApi | null = null;
  const ensureChart = (): IChartApi =>
    (made ??= createChart(box, {
      ...chartOptions(p),
      autoSize: true,
      rightPriceScale: { borderVisible: false, scaleMargins: { top: 0.1, bottom: 0.1 } },
      timeScale: { borderVisible: false, timeVisible: true, secondsVisible: false },
    }));
  const lines: ISeriesApi<'Line'>[] = [];
  let current: readonly { instrument: string; bars: readonly Bar[] }[] = [];
  let interval = '';

  function draw(): void {
    const chart = ensureChart();
    // Series are kept between refreshes (redrawn in place), added or removed as the list changes.
    while (lines.length > current.length) {
      const l = lines.pop();
      if (l) chart.removeSeries(l);
    }
    while (lines.length < current.length) {
      lines.push(
        chart.addSeries(LineSeries, {
          priceLineVisible: false,
          lastValueVisible: true,
          priceFormat: { type: 'custom', formatter: (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}%`, minMove: 0.001 },
        }),
      );
    }
    chart.applyOptions({ timeScale: { secondsVisible: /^\d+(s|ms)$/.test(interval) } });
    // The common start: the latest first bar, so every line starts at 0 % together.
    const starts = current.filter((s) => s.bars.length > 0).map((s) => s.bars[0]?.start ?? 0);
    const from = starts.length > 0 ? Math.max(...starts) : 0;
    chips.replaceChildren();
    current.forEach((s, i) => {
      const color = p.series[i % p.series.length] ?? p.text;
      const bars = s.bars.filter((b) => b.start >= from);
      const base = bars[0]?.close;
      const line = lines[i];
      if (!line) return;
      line.applyOptions({ color, lineWidth: i === 0 ? 2 : 1, title: symbolOf(s.instrument) });
      line.setData(base ? bars.map((b) => ({ time: Math.floor(b.start / 1000) as UTCTimestamp, value: (b.close / base - 1) * 100 })) : []);
      const lastBar = bars.at(-1);
      const chg = base && lastBar ? lastBar.close / base - 1 : null;
      chips.append(
        h(
          'span',
          { class: 'compare-chip', title: s.instrument, dataset: { instrument: s.instrument } },
          h('span', { class: 'compare-swatch', style: { background: color } }),
          h('span', { class: 'compare-symbol' }, symbolOf(s.instrument)),
          h('span', { class: `compare-chg ${chg === null ? '' : chg >= 0 ? 'up' : 'down'}` }, fmtPct(chg, { signed: true })),
          i === 0
            ? null
            : h(
                'button',
                {
                  type: 'button',
                  class: 'compare-remove',
                  title: `stop comparing ${s.instrument}`,
                  'aria-label': `remove ${s.instrument}`,
                  onclick: () => opts.onRemove(s.instrument),
                },
                '×',
              ),
        ),
      );
    });
    add.hidden = current.length >= MAX_COMPARED;
    chart.timeScale().fitContent();
    const drawn = current.filter((s) => s.bars.length > 1).length;
    root.dataset['lines'] = String(drawn);
    setText(note, current.length === 0 ? '' : drawn === 0 ? `waiting for ${interval} bars…` : '');
  }

  return {
    set(series, iv) {
      current = series;
      interval = iv;
      draw();
    },
    setInstruments(list) {
      picker.setInstruments(list, true);
    },
    message(text) {
      setText(note, text);
    },
    setPalette(next) {
      p = next;
      made?.applyOptions(chartOptions(p));
      if (made) draw();
    },
  };
}
