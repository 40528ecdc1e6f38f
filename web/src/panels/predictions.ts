/**
 * Predictions vs outcomes for the selected series: the champion's forecast of each next bar's
 * return against what happened (a chart and the latest forecasts with their errors), and every
 * model's test-then-train scores next to the baselines', so one sees whether any model beats
 * them. While no model runs for the series, a short explanation, and the baselines scored here
 * on the chart's bars. Scores are recorded about once an hour of bar time, so a series forecasts
 * for a while before /api/models lists it: then the forecasts are drawn, with a word on when the
 * scores come.
 *
 * It loads its own data (models and forecasts) through `source` (rather than through app.ts, which
 * only tells it the series and hands it the live forecasts), and refreshes the scores every 30 s
 * and shortly after live forecasts arrive (scores are committed at the next checkpoint).
 */
import {
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { ApiError, isAbort, messageOf } from '../api.js';
import { baselineScores } from '../baselines.js';
import { h, setText } from '../dom.js';
import {
  DEFAULT_FORECAST_INTERVALS,
  RANDOM_WALK,
  WARMUP_BARS,
  defaultCompared,
  directionHit,
  displayOrder,
  isBaseline,
  scoresEvery,
  verdict,
  vsRandomWalk,
  withLive,
} from '../forecasts.js';
import { fmtCompact, fmtDuration, fmtInt, fmtPct, fmtPrice, intervalMs, symbolOf } from '../format.js';
import { chartOptions, type Palette } from '../theme.js';
import type { Bar, ModelSummary, Prediction, PredictionWithOutcome } from '../types.js';

/** Forecasts drawn on the chart, per model. */
const CHART_POINTS = 120;
/** Latest forecasts in the table. */
const RECENT_ROWS = 8;
const REFRESH_MS = 30_000;
/** Scores of a forecast land in the store at the next checkpoint (1 s by default). */
const AFTER_LIVE_MS = 1500;
const MIN_GAP_MS = 10_000;

export interface PredictionsSource {
  models(instrument: string, interval: string | undefined, signal?: AbortSignal): Promise<ModelSummary[]>;
  predictions(
    instrument: string,
    interval: string,
    opts: { model: string; limit: number; signal?: AbortSignal | undefined },
  ): Promise<PredictionWithOutcome[]>;
}

export interface PredictionsPanel {
  /** Shows a series: (re)loads its models and forecasts. */
  load(instrument: string, interval: string): Promise<void>;
  /** The chart's bars, oldest first: the explanation's warm-up count and baselines use them. */
  setBars(bars: readonly Bar[], interval: string): void;
  /** Forecasts pushed live (any series: others are ignored). */
  addLive(list: readonly Prediction[]): void;
  setPalette(p: Palette): void;
}

const METRICS = [
  ['rmse', 'RMSE', 'root mean squared error of the forecast log return (lower is better)'],
  ['vsRw', 'vs RW', 'RMSE relative to the random walk’s (zero): below 0 beats it'],
  ['mae', 'MAE', 'mean absolute error of the forecast log return'],
  ['directionalAccuracy', 'hit', 'directional accuracy: how often the called direction was right (no call counts ½)'],
  ['auc', 'AUC', 'area under the ROC curve of P(up): 0.5 is a coin flip'],
] as const;
type MetricKey = (typeof METRICS)[number][0];

const MODEL_TITLE: Record<string, string> = {
  zero: 'predicts no change: the next close equals this one',
  drift: 'predicts the mean return so far',
  'sign-persistence': 'predicts that the last return’s sign persists',
  rls: 'recursive least squares ridge regression on the features, learning at every bar',
  logistic: 'online logistic regression (AdaGrad) of the direction, learning at every bar',
};

/** An error of log returns as a percentage with 4 significant digits (models differ in the 3rd): 0.0011537 → "0.1154%". */
function fmtErr(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const p = x * 100;
  return `${Math.abs(p) >= 1000 ? p.toFixed(0) : p.toPrecision(4)}%`;
}

function fmtAuc(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '—' : x.toFixed(3);
}

export function createPredictionsPanel(
  root: HTMLElement,
  opts: { source: PredictionsSource; meta: HTMLElement; palette: Palette; onInterval: (interval: string) => void },
): PredictionsPanel {
  const { source, meta } = opts;
  let p = opts.palette;

  // --- markup -------------------------------------------------------------------------------

  const emptyTitle = h('div', { class: 'pred-title' });
  const warmup = h('p');
  const others = h('p', { class: 'pred-others' });
  const baselineRows = h('tbody');
  const baselineCaption = h('div', { class: 'panel-sub' });
  const empty = h(
    'div',
    { class: 'pred-empty-state' },
    h(
      'div',
      { class: 'pred-empty' },
      emptyTitle,
      h(
        'p',
        null,
        'At each bar close, every model forecasts the next bar’s return: three baselines (zero, i.e. a random walk; drift; sign persistence) and learned models (RLS regression, logistic). Each forecast is scored on the bar it forecast before the model learns from that bar; the champion, whose forecast is served, is the model that beats the others significantly.',
      ),
      warmup,
      others,
    ),
    h(
      'div',
      { class: 'pred-baselines' },
      h(
        'table',
        { class: 'pred-table' },
        h('thead', null, h('tr', null, h('th', null, 'baseline'), h('th', null, 'MAE'), h('th', null, 'hit rate'))),
        baselineRows,
      ),
      baselineCaption,
    ),
  );

  const legend = h('div', { class: 'pred-legend' });
  const chartBox = h('div', { class: 'pred-chart' });
  const chartNote = h('div', { class: 'panel-note pred-chart-note' });
  const recentBody = h('tbody');
  const verdictLine = h('div', { class: 'pred-verdict' });
  const modelsHead = h('thead');
  const modelsBody = h('tbody');
  const modelsWrap = h('div', { class: 'pred-models-wrap' }, h('table', { class: 'pred-grid pred-models' }, modelsHead, modelsBody));
  const note = h('div', { class: 'panel-note pred-note' });
  const live = h(
    'div',
    { class: 'pred-live' },
    h(
      'div',
      { class: 'pred-top' },
      h('div', { class: 'pred-chart-col' }, legend, h('div', { class: 'pred-chart-wrap' }, chartBox, chartNote)),
      h(
        'table',
        { class: 'pred-grid pred-recent' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { title: 'the bar forecast (its start, UTC)' }, 'bar'),
            h('th', { title: 'forecast close: the close of the bar before × e^forecast return' }, 'forecast'),
            h('th', { title: 'forecast probability of a higher close' }, 'P(up)'),
            h('th', { title: 'the bar’s close' }, 'actual'),
            h('th', { title: 'actual − forecast log return' }, 'error'),
            h('th', { title: 'the forecast return had the sign of the actual one (no change forecast: ½; no move: not counted)' }, 'hit'),
          ),
        ),
        recentBody,
      ),
    ),
    verdictLine,
    modelsWrap,
  );
  live.hidden = true;
  empty.hidden = true;
  root.replaceChildren(empty, live, note);

  // --- state --------------------------------------------------------------------------------

  let series: { instrument: string; interval: string } | null = null;
  /** null until the series' models are loaded. */
  let models: ModelSummary[] | null = null;
  /** Intervals of the instrument that have models (for the explanation). */
  let otherIntervals: string[] = [];
  let champion: PredictionWithOutcome[] = [];
  let compared: { model: string; rows: PredictionWithOutcome[] } | null = null;
  /** The model clicked in the table, drawn beside the champion; null: the default one. */
  let chosen: string | null = null;
  /** Closed bars on the chart, of the interval they belong to. */
  let closedBars: { interval: string; n: number } | null = null;
  let abort: AbortController | null = null;
  /** Bumped by every load: answers for an earlier one are dropped. */
  let gen = 0;
  let lastRefresh = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let drawScheduled = false;

  const sameSeries = (x: { instrument: string; interval: string }) =>
    series !== null && x.instrument === series.instrument && x.interval === series.interval;

  // --- loading ------------------------------------------------------------------------------

  const modelsOf = (instrument: string, interval: string | undefined, signal: AbortSignal) =>
    source.models(instrument, interval, signal).catch((e: unknown) => {
      // An instrument the store does not know yet has no models.
      if (e instanceof ApiError && e.status === 404) return [];
      throw e;
    });

  /**
   * One refresh at a time: one asked for while another runs follows it (a newer one must not
   * drop the answer of a slower one, or a busy server would never get a refresh through).
   */
  let running: { gen: number; done: Promise<void> } | null = null;
  let again = false;

  function refresh(): Promise<void> {
    if (running && running.gen === gen) {
      again = true;
      return running.done;
    }
    const mine = { gen, done: fetchAndShow(gen) };
    running = mine;
    void mine.done.finally(() => {
      if (running !== mine) return;
      running = null;
      if (again) {
        again = false;
        void refresh();
      }
    });
    return mine.done;
  }

  /** Live forecasts received while a refresh runs: added again to what it brings. */
  let liveDuring: Prediction[] = [];

  async function fetchAndShow(g: number): Promise<void> {
    const s = series;
    if (!s || !abort) return;
    const signal = abort.signal;
    lastRefresh = Date.now();
    liveDuring = [];
    try {
      const list = await modelsOf(s.instrument, s.interval, signal);
      const want = list.length === 0 ? null : chosen && list.some((m) => m.model === chosen) ? chosen : defaultCompared(list);
      // Without scores yet the series may still have forecasts (scores are recorded about hourly);
      // without either, the explanation names the intervals of the instrument that have models.
      const [championRows, comparedRows, all] = await Promise.all([
        source.predictions(s.instrument, s.interval, { model: 'champion', limit: CHART_POINTS, signal }).catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 404) return [];
          throw e;
        }),
        want === null ? null : source.predictions(s.instrument, s.interval, { model: want, limit: CHART_POINTS, signal }),
        list.length === 0 ? modelsOf(s.instrument, undefined, signal) : [],
      ]);
      const intervals = [...new Set(all.map((m) => m.interval))].sort((a, b) => (intervalMs(a) ?? 0) - (intervalMs(b) ?? 0));
      if (g !== gen) return;
      models = list;
      otherIntervals = intervals;
      champion = championRows;
      compared = want === null || comparedRows === null ? null : { model: want, rows: comparedRows };
      applyLive(liveDuring);
      setText(note, '');
      render();
    } catch (e) {
      if (isAbort(e) || g !== gen) return;
      setText(note, `Models: ${messageOf(e)}`);
      if (models === null) setText(meta, 'unavailable');
    }
  }

  /** Adds live forecasts of the series to the rows shown; true when any was. */
  function applyLive(list: readonly Prediction[]): boolean {
    let changed = false;
    for (const x of list) {
      if (!sameSeries(x) || models === null) continue;
      if (x.champion) {
        champion = withLive(champion, x, CHART_POINTS);
        changed = true;
      }
      if (compared && x.model === compared.model) {
        compared = { model: compared.model, rows: withLive(compared.rows, x, CHART_POINTS) };
        changed = true;
      }
    }
    return changed;
  }

  function scheduleRefresh(): void {
    if (refreshTimer !== undefined || !series) return;
    // Until the first model appears, look again soon; afterwards the scores need not be fresher.
    const gap = models && models.length > 0 ? MIN_GAP_MS : 2000;
    refreshTimer = setTimeout(
      () => {
        refreshTimer = undefined;
        void refresh();
      },
      Math.max(AFTER_LIVE_MS, gap - (Date.now() - lastRefresh)),
    );
  }

  setInterval(() => {
    if (series && Date.now() - lastRefresh >= REFRESH_MS - 500) void refresh();
  }, REFRESH_MS);

  // --- drawing: the chart -------------------------------------------------------------------

  let drawn: { chart: IChartApi; actual: ISeriesApi<'Histogram'>; champ: ISeriesApi<'Line'>; other: ISeriesApi<'Line'> } | null = null;
  const pctFormat = { type: 'custom' as const, formatter: (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(3)}%`, minMove: 0.0001 };

  function colors(): void {
    if (!drawn) return;
    drawn.chart.applyOptions({ ...chartOptions(p), grid: { vertLines: { visible: false }, horzLines: { color: p.grid } } });
    drawn.champ.applyOptions({ color: p.info });
    drawn.other.applyOptions({ color: p.emaSlow });
  }

  function ensureChart(): NonNullable<typeof drawn> {
    if (drawn) return drawn;
    const chart = createChart(chartBox, {
      ...chartOptions(p),
      autoSize: true,
      handleScroll: false,
      handleScale: false,
      rightPriceScale: { borderVisible: false, scaleMargins: { top: 0.1, bottom: 0.1 } },
      timeScale: { borderVisible: false, timeVisible: true, secondsVisible: false },
    });
    const actual = chart.addSeries(HistogramSeries, { priceFormat: pctFormat, priceLineVisible: false, lastValueVisible: false });
    const other = chart.addSeries(LineSeries, {
      priceFormat: pctFormat,
      lineWidth: 1,
      lineStyle: LineStyle.Dashed,
      priceLineVisible: false,
      lastValueVisible: false,
      crosshairMarkerVisible: false,
    });
    const champ = chart.addSeries(LineSeries, { priceFormat: pctFormat, lineWidth: 2, priceLineVisible: false, lastValueVisible: true });
    drawn = { chart, actual, champ, other };
    colors();
    return drawn;
  }

  const timeOf = (r: PredictionWithOutcome) => Math.floor(r.target / 1000) as UTCTimestamp;

  function drawChart(): void {
    const { chart, actual, champ, other } = ensureChart();
    chart.applyOptions({ timeScale: { secondsVisible: /^\d+(s|ms)$/.test(series?.interval ?? '') } });
    actual.setData(
      champion.flatMap((r) =>
        r.outcome === null
          ? []
          : [{ time: timeOf(r), value: r.outcome.return * 100, color: r.outcome.return >= 0 ? p.upVolume : p.downVolume }],
      ),
    );
    champ.setData(champion.map((r) => ({ time: timeOf(r), value: r.return * 100 })));
    other.setData(compared ? compared.rows.map((r) => ({ time: timeOf(r), value: r.return * 100 })) : []);
    chart.timeScale().fitContent();
    setText(chartNote, champion.length === 0 ? 'waiting for the first forecasts…' : '');
    root.dataset['predictions'] = String(champion.length);
  }

  function swatch(color: string, dashed = false): HTMLElement {
    return h('span', { class: `pred-swatch${dashed ? ' dashed' : ''}`, style: { borderColor: color, background: dashed ? '' : color } });
  }

  function drawLegend(): void {
    const servedBy = [...new Set(champion.slice(-20).map((r) => r.model))].join(', ');
    legend.replaceChildren(
      h('span', { class: 'pred-key' }, h('span', { class: 'pred-bar', style: { background: p.upVolume } }), 'actual return'),
      h('span', { class: 'pred-key' }, swatch(p.info), `champion forecast${servedBy ? ` (${servedBy})` : ''}`),
      ...(compared ? [h('span', { class: 'pred-key' }, swatch(p.emaSlow, true), `${compared.model} forecast`)] : []),
      h('span', { class: 'pred-key pred-unit' }, 'next-bar log return, %'),
    );
  }

  // --- drawing: the latest forecasts -------------------------------------------------------

  function barLabel(ms: number): string {
    const iso = new Date(ms).toISOString();
    return (intervalMs(series?.interval ?? '') ?? 0) >= 86_400_000 ? iso.slice(0, 10) : iso.slice(11, 16);
  }

  function drawRecent(): void {
    const rows = champion.slice(-RECENT_ROWS).reverse();
    recentBody.replaceChildren(
      ...rows.map((r) => {
        const o = r.outcome;
        const hit = o === null ? null : directionHit(r.return, o.return);
        const forecastDir = r.return > 0 ? 'up' : r.return < 0 ? 'down' : '';
        return h(
          'tr',
          {
            class: o === null ? 'pending' : '',
            title: `${r.model} at the close of ${new Date(r.start).toISOString().slice(0, 16)}Z: return ${fmtPct(r.return, { decimals: 4, signed: true })}${o ? `; actual ${fmtPct(o.return, { decimals: 4, signed: true })}` : ''}`,
          },
          h('td', null, barLabel(r.target)),
          h('td', { class: forecastDir }, fmtPrice(r.predictedClose)),
          h('td', null, fmtPct(r.pUp, { decimals: 0 })),
          o === null
            ? h('td', { class: 'muted' }, 'pending')
            : h('td', { class: o.close > r.close ? 'up' : o.close < r.close ? 'down' : '' }, fmtPrice(o.close)),
          h('td', null, o === null ? '' : fmtPct(o.error, { decimals: 3, signed: true })),
          o === null
            ? h('td')
            : hit === null
              ? h('td', { class: 'muted', title: 'no move: not counted' }, '–')
              : hit === 0.5
                ? h('td', { class: 'muted', title: 'no change forecast: counts ½' }, '½')
                : h('td', { class: hit === 1 ? 'up' : 'down' }, hit === 1 ? '✓' : '✗'),
        );
      }),
    );
  }

  // --- drawing: the models table ------------------------------------------------------------

  function drawModels(list: readonly ModelSummary[]): void {
    const rollingN = Math.max(0, ...list.map((m) => m.rolling.n));
    const cumulativeN = Math.max(0, ...list.map((m) => m.cumulative.n));
    const metricHeads = () => METRICS.map(([, label, title]) => h('th', { title }, label));
    modelsHead.replaceChildren(
      h(
        'tr',
        { class: 'pred-groups' },
        h('th', { rowspan: 2 }, 'model'),
        h('th', { rowspan: 2 }, 'status'),
        h(
          'th',
          { colspan: METRICS.length, class: 'pred-group', title: 'the newest scored forecasts' },
          `rolling · last ${fmtInt(rollingN)}`,
        ),
        h(
          'th',
          { colspan: METRICS.length, class: 'pred-group', title: 'every forecast since the series started' },
          `since start · ${fmtInt(cumulativeN)}`,
        ),
      ),
      h('tr', null, ...metricHeads(), ...metricHeads()),
    );

    const usable = list.filter((m) => m.status !== 'quarantined');
    const value = (m: ModelSummary, w: 'rolling' | 'cumulative', k: MetricKey): number | null =>
      k === 'vsRw' ? vsRandomWalk(list, m, w) : m[w][k];
    const best = (w: 'rolling' | 'cumulative', k: MetricKey): number | null => {
      const xs = usable.map((m) => value(m, w, k)).filter((x): x is number => x !== null && Number.isFinite(x));
      if (xs.length < 2) return null;
      return k === 'directionalAccuracy' || k === 'auc' ? Math.max(...xs) : Math.min(...xs);
    };
    const bests = new Map<string, number | null>();
    for (const w of ['rolling', 'cumulative'] as const) for (const [k] of METRICS) bests.set(`${w}.${k}`, best(w, k));

    const cells = (m: ModelSummary, w: 'rolling' | 'cumulative') =>
      METRICS.map(([k]) => {
        const x = value(m, w, k);
        const isBest = x !== null && m.status !== 'quarantined' && bests.get(`${w}.${k}`) === x;
        let text: string;
        let cls = isBest ? 'best' : '';
        if (k === 'vsRw') {
          if (m.model === RANDOM_WALK) {
            text = 'ref';
            cls = 'muted';
          } else {
            text = fmtPct(x, { decimals: 2, signed: true });
            if (x !== null && Math.abs(x) >= 0.00005) cls += x < 0 ? ' up' : ' down';
          }
        } else if (k === 'directionalAccuracy') text = fmtPct(x, { decimals: 1 });
        else if (k === 'auc') text = fmtAuc(x);
        else text = fmtErr(x);
        return h('td', { class: `${cls}${k === 'rmse' ? ' pred-sep' : ''}`.trim() }, text);
      });

    const drawnColor = (m: ModelSummary): HTMLElement | null =>
      m.status === 'champion' ? swatch(p.info) : compared?.model === m.model ? swatch(p.emaSlow, true) : null;

    const row = (m: ModelSummary) =>
      h(
        'tr',
        {
          class: `pred-model status-${m.status}${compared?.model === m.model ? ' compared' : ''}`,
          dataset: { model: m.model },
          title: `${MODEL_TITLE[m.model] ?? `kind ${m.kind}`} · ${fmtInt(m.updates)} bars learned${m.latestVersion !== null ? ` · registry v${m.latestVersion}` : ''}${m.status === 'champion' ? '' : ' · click to draw its forecasts beside the champion’s'}`,
          onclick: () => {
            if (m.status === 'champion' || compared?.model === m.model) return;
            chosen = m.model;
            void refresh();
          },
        },
        h(
          'td',
          null,
          h(
            'span',
            { class: 'pred-name' },
            drawnColor(m),
            m.model,
            m.model === RANDOM_WALK ? h('span', { class: 'pred-hint' }, 'random walk') : null,
          ),
        ),
        h(
          'td',
          { class: 'pred-status' },
          h('span', { class: `status-badge ${m.status}` }, m.status === 'champion' ? '★ champion' : m.status),
        ),
        ...cells(m, 'rolling'),
        ...cells(m, 'cumulative'),
      );

    const { learned, baselines } = displayOrder(list);
    const span = 2 + 2 * METRICS.length;
    const group = (label: string, title: string) => h('tr', { class: 'pred-group-row' }, h('td', { colspan: span, title }, label));
    modelsBody.replaceChildren(
      ...(learned.length > 0 ? [group('learned models', 'fitted to the features, online'), ...learned.map(row)] : []),
      group('baselines', 'naive forecasts: what a model has to beat'),
      ...baselines.map(row),
    );

    const v = verdict(list);
    // Model names keep their hyphen on one line (sign‑persistence).
    const name = (m: ModelSummary | null) => (m?.model ?? '').replaceAll('-', '\u2011');
    const champ = list.find((m) => m.status === 'champion');
    const window = `the last ${fmtInt(rollingN)} bars`;
    const rel = (x: number | null) => `${fmtPct(x, { decimals: 2, signed: true })} RMSE vs the random walk`;
    let text: string;
    switch (v.kind) {
      case 'beats':
        text =
          champ && !isBaseline(champ.model)
            ? `✓ ${name(v.best)} beats every baseline over ${window} (${rel(v.vsRandomWalk)}).`
            : `${name(v.best)} beats every baseline over ${window} (${rel(v.vsRandomWalk)}), not yet by enough for the Diebold-Mariano test: the champion is still ${champ ? name(champ) : '—'}.`;
        break;
      case 'behind':
        text = `No learned model beats the baselines over ${window}: the best, ${name(v.best)}, is at ${rel(v.vsRandomWalk)}; the best baseline is ${name(v.bestBaseline)}.`;
        break;
      case 'baselines-only':
        text = 'Only the baselines run on this series (no learned model is configured: --models).';
        break;
      default:
        text = 'The models are warming up: no forecast has been scored yet.';
    }
    setText(verdictLine, text);
    verdictLine.className = `pred-verdict ${v.kind}`;
  }

  // --- drawing: the explanation -------------------------------------------------------------

  function drawEmpty(): void {
    if (!series) return;
    const { instrument, interval } = series;
    setText(emptyTitle, `No model is running yet for ${symbolOf(instrument)} · ${interval}`);
    const forecastInterval = DEFAULT_FORECAST_INTERVALS.includes(interval);
    let progress = '';
    if (!forecastInterval) progress = ` ${interval} is not one of them by default.`;
    else if (closedBars !== null && closedBars.interval === interval && closedBars.n < WARMUP_BARS) {
      const left = WARMUP_BARS - closedBars.n;
      const ms = intervalMs(interval);
      progress = ` This series has ${fmtInt(closedBars.n)} closed ${interval} bar${closedBars.n === 1 ? '' : 's'}: about ${left} to go${ms ? ` (${fmtDuration(left * ms)})` : ''}.`;
    }
    warmup.replaceChildren(
      `Forecasts start once a series has about ${WARMUP_BARS} closed bars (the features’ warm-up), at the forecast intervals: ${DEFAULT_FORECAST_INTERVALS.join(', ')} by default (`,
      h('code', null, '--forecast-intervals'),
      `).${progress}`,
    );
    const elsewhere = otherIntervals.filter((iv) => iv !== interval);
    others.replaceChildren(
      ...(elsewhere.length === 0
        ? []
        : [
            `Models run for ${symbolOf(instrument)} at `,
            ...elsewhere.map((iv) =>
              h(
                'button',
                { type: 'button', class: 'chip', title: `show ${iv}`, dataset: { interval: iv }, onclick: () => opts.onInterval(iv) },
                iv,
              ),
            ),
          ]),
    );
    others.hidden = elsewhere.length === 0;
  }

  // --- render -------------------------------------------------------------------------------

  function render(): void {
    if (drawScheduled) return;
    drawScheduled = true;
    requestAnimationFrame(() => {
      drawScheduled = false;
      renderNow();
    });
  }

  function renderNow(): void {
    const list = models;
    if (list === null || !series) return;
    const scored = list.length > 0;
    const forecasting = scored || champion.length > 0;
    empty.hidden = forecasting;
    live.hidden = !forecasting;
    modelsWrap.hidden = !scored;
    root.dataset['state'] = scored ? 'models' : forecasting ? 'forecasts' : 'empty';
    root.dataset['models'] = String(list.length);
    if (!forecasting) {
      drawEmpty();
      setText(meta, 'no model yet');
      return;
    }
    if (scored) {
      const champ = list.find((m) => m.status === 'champion');
      setText(meta, `${series.interval} · champion ${champ?.model ?? '—'} · ${fmtCompact(champ?.cumulative.n ?? 0)} forecasts scored`);
      drawModels(list);
    } else {
      // Forecasts run, but the first scores are not recorded yet.
      const every = scoresEvery(intervalMs(series.interval));
      const outcomes = champion.filter((r) => r.outcome !== null).length;
      setText(meta, `${series.interval} · forecasting · no scores yet`);
      setText(
        verdictLine,
        `The models are forecasting. Their scores are recorded about once an hour of bar time (every ${every} ${series.interval} bars here): the table of models and baselines appears after the first ${every} scored forecasts (${Math.min(outcomes, every)} so far).`,
      );
      verdictLine.className = 'pred-verdict unscored';
    }
    drawChart();
    drawLegend();
    drawRecent();
  }

  return {
    async load(instrument, interval) {
      if (!series || series.instrument !== instrument || series.interval !== interval) {
        series = { instrument, interval };
        models = null;
        champion = [];
        compared = null;
        chosen = null;
        otherIntervals = [];
        setText(meta, 'loading…');
        root.dataset['state'] = 'loading';
      }
      abort?.abort();
      abort = new AbortController();
      gen++;
      if (refreshTimer !== undefined) clearTimeout(refreshTimer);
      refreshTimer = undefined;
      await refresh();
    },

    setBars(bars, interval) {
      const s = baselineScores(bars);
      closedBars = { interval, n: bars.filter((b) => b.final).length };
      const row = (name: string, title: string, mae: number | null, hit: string) =>
        h('tr', { title }, h('td', null, name), h('td', null, fmtPct(mae, { decimals: 3 })), h('td', null, hit));
      baselineRows.replaceChildren(
        row('zero return', 'predicts no change: the next close equals this one', s?.zeroMae ?? null, '—'),
        row(
          'drift',
          'predicts the mean of the returns so far',
          s?.driftMae ?? null,
          s === null || s.driftHitRate === null ? '—' : fmtPct(s.driftHitRate, { decimals: 0 }),
        ),
      );
      setText(
        baselineCaption,
        s
          ? `Until then, the baselines scored here on ${fmtInt(s.n)} closed ${interval} bars of the chart (next-bar log return).`
          : `waiting for closed ${interval} bars to score the baselines`,
      );
      if (models !== null && models.length === 0) render();
    },

    addLive(list) {
      const mine = list.filter((x) => sameSeries(x));
      if (mine.length === 0) return;
      if (running) liveDuring.push(...mine);
      if (applyLive(mine)) render();
      scheduleRefresh();
    },

    setPalette(next) {
      p = next;
      colors();
      if (models && models.length > 0) render();
    },
  };
}
