/**
 * The dashboard: wires the REST client, two live sockets and the panels together.
 *
 * - `focus` socket: bars and forecasts (one interval) and windows of the selected instrument;
 *   replaced on every switch (unsubscribe all, subscribe the new selection).
 * - `market` socket: alerts of every instrument and pipeline stats. A subscription is a cross
 *   product of instruments × channels, so a market-wide alert feed beside a one-instrument
 *   chart takes a second connection.
 *
 * Live messages go through per-frame coalescers (frame.ts). Every load is tagged with a
 * generation; answers for an older selection are dropped.
 */
import { ApiError, createApi, isAbort, messageOf, type RawAnswer } from './api.js';
import { createPriceChart, type PriceChart } from './chart.js';
import { createPicker } from './components/picker.js';
import { $, h, setText } from './dom.js';
import { Coalescer, type RequestFrame } from './frame.js';
import { fmtDuration, fmtPct, fmtPrice, fmtTime, intervalMs, symbolOf } from './format.js';
import { LiveSocket, wsUrl, type LiveStatus } from './live.js';
import { alertKey, createAlertFeed } from './panels/alerts.js';
import { MAX_COMPARED, createComparePanel } from './panels/compare.js';
import { createKpiPanel } from './panels/kpis.js';
import { createPipelinePanel } from './panels/pipeline.js';
import { createPredictionsPanel } from './panels/predictions.js';
import { createVolatilityPanel } from './panels/volatility.js';
import { applyTheme, initialTheme, palette, type Theme } from './theme.js';
import type { Alert, Bar, InstrumentInfo, PipelineStats, Prediction, WindowStats } from './types.js';
import { DEFAULT_OVERLAYS, OVERLAYS, formatView, parseView, type Overlay } from './url-state.js';

const DEFAULT_INTERVALS = ['1s', '1m', '5m', '15m', '1h', '1d'];
const HISTORY_LIMIT = 500;
const VOL_POINTS = 200;
const COMPARE_BARS = 120;
const ALERTS_ON_LOAD = 30;
const POLL_MS = 5000;
/** Indicator rows land in the store at the next checkpoint (1 s by default) after the bar closes. */
const INDICATOR_DELAY_MS = 1200;
const INDICATOR_MIN_GAP_MS = 2000;

const OVERLAY_LABEL: Record<Overlay, [string, string]> = {
  sma: ['SMA', 'simple moving average of the close'],
  ema: ['EMA', 'fast and slow exponential moving averages'],
  bb: ['Bollinger', 'Bollinger bands'],
  vwap: ['VWAP', 'volume-weighted average price of each bar'],
  alerts: ['Alerts', 'alert markers on the bars they fired on'],
};

declare global {
  interface Window {
    /** Counters for tests and budgets: what arrived live and how many frames drew it. */
    tickflow?: { counters: Record<string, { received: number; applied: number; frames: number }> };
    /** Requests index.html started before the app loaded, by path + query. */
    tickflowPrefetch?: Record<string, Promise<RawAnswer>>;
  }
}

export function startDashboard(): void {
  const api = createApi(location.origin, window.tickflowPrefetch ?? {});
  const initialView = parseView(location.hash);

  const els = {
    intervals: $('#intervals'),
    last: $('#last-price'),
    conn: $('#conn'),
    connText: $('#conn .conn-text'),
    banner: $('#banner'),
    wsBanner: $('#ws-banner'),
    wsBannerText: $('#ws-banner .banner-text'),
    wsRetry: $<HTMLButtonElement>('#ws-banner .banner-retry'),
    overlay: $('#chart-overlay'),
    overlays: $('#overlays'),
    theme: $<HTMLButtonElement>('#theme'),
    volMeta: $('#vol-meta'),
    compareMeta: $('#compare-meta'),
    predMeta: $('#pred-meta'),
    pipelineMeta: $('#pipeline-meta'),
  };

  const state = {
    instruments: [] as InstrumentInfo[],
    instrumentsLoaded: false,
    instrument: null as string | null,
    interval: initialView.interval ?? storedInterval() ?? '1m',
    /** Intervals this server serves (from the hello message); null until known. */
    served: null as string[] | null,
    overlays: new Set<Overlay>(initialView.overlays ?? DEFAULT_OVERLAYS),
    /** Instruments compared besides the selected one; null: the first few of the list. */
    compare: (initialView.compare ?? null) as string[] | null,
    /** The history of the current selection is on the chart; live bars before that wait in `pending`. */
    loaded: false,
    pending: [] as Bar[],
    prevClose: null as number | null,
    gen: 0,
    abort: null as AbortController | null,
    lastStatsAt: 0,
    alertsHint: null as number | null,
    alertsLoaded: false,
    theme: initialTheme(),
    firstCandles: false,
  };

  // --- panels -------------------------------------------------------------------------------

  applyTheme(state.theme, false);
  let chart: PriceChart | null = null;
  let chartError = '';
  try {
    chart = createPriceChart($('#chart'), palette(state.theme), state.overlays);
  } catch (e) {
    chartError = e instanceof Error ? e.message : String(e);
  }
  const kpis = createKpiPanel($('#kpis'), $('#kpi-meta'));
  const vol = createVolatilityPanel($('#volatility'), palette(state.theme));
  const pipeline = createPipelinePanel($('#pipeline'));
  const predictions = createPredictionsPanel($('#predictions'), {
    source: api,
    meta: els.predMeta,
    palette: palette(state.theme),
    onInterval: (interval) => state.instrument && select(state.instrument, interval),
  });
  const alerts = createAlertFeed($('#alerts'), {
    onSelect: (instrument, interval) => select(instrument, servedIntervals().includes(interval) ? interval : state.interval),
    onlyToggle: $<HTMLInputElement>('#alerts-only'),
    count: $('#alert-count'),
  });
  const picker = createPicker($('#instrument-picker'), (instrument) => select(instrument, state.interval), { name: 'instrument' });
  const compare = createComparePanel($('#compare'), palette(state.theme), {
    onAdd: (instrument) => {
      const list = comparedOthers().filter((i) => i !== instrument);
      state.compare = [...list, instrument].slice(0, MAX_COMPARED - 1);
      writeView();
      void loadCompare();
    },
    onRemove: (instrument) => {
      state.compare = comparedOthers().filter((i) => i !== instrument);
      writeView();
      void loadCompare();
    },
    chosen: () => new Set([...(state.instrument ? [state.instrument] : []), ...comparedOthers()]),
  });
  pipeline.clear('waiting for pipeline stats…');
  predictions.setBars([], state.interval);

  // --- problems banner ----------------------------------------------------------------------

  const problems = new Map<string, string>();
  function problem(key: string, message: string | null): void {
    if (message === null) problems.delete(key);
    else problems.set(key, message);
    els.banner.hidden = problems.size === 0;
    els.banner.replaceChildren(...[...problems.values()].map((m) => h('div', null, m)));
  }

  // --- chart overlay ------------------------------------------------------------------------

  function overlay(kind: 'loading' | 'waiting' | 'error' | null, title = '', detail = '', retry?: () => void): void {
    if (chartError && kind !== 'error') {
      kind = 'error';
      title = 'Chart unavailable';
      detail = chartError;
    }
    els.overlay.hidden = kind === null;
    els.overlay.dataset['kind'] = kind ?? '';
    setText($('.overlay-title', els.overlay), title);
    setText($('.overlay-detail', els.overlay), detail);
    const button = $<HTMLButtonElement>('.overlay-retry', els.overlay);
    button.hidden = !retry;
    button.onclick = retry ? () => retry() : null;
  }

  // --- selection and the address bar ----------------------------------------------------------

  function storedInterval(): string | undefined {
    try {
      return localStorage.getItem('tickflow.interval') ?? undefined;
    } catch {
      return undefined;
    }
  }

  /** Time intervals the chart can draw (one bar per second at most), served by this server. */
  function servedIntervals(): string[] {
    const list = state.served ?? DEFAULT_INTERVALS;
    return list.filter((iv) => (intervalMs(iv) ?? 0) >= 1000);
  }

  function comparedOthers(): string[] {
    if (state.compare !== null) return state.compare.filter((i) => i !== state.instrument);
    return state.instruments
      .map((i) => i.instrument)
      .filter((i) => i !== state.instrument)
      .slice(0, 3);
  }

  function writeView(): void {
    if (!state.instrument) return;
    const hash = formatView({
      instrument: state.instrument,
      interval: state.interval,
      overlays: OVERLAYS.filter((o) => state.overlays.has(o)),
      ...(state.compare !== null ? { compare: state.compare } : {}),
    });
    if (location.hash.slice(1) !== hash) history.replaceState(null, '', `#${hash}`);
    try {
      localStorage.setItem('tickflow.instrument', state.instrument);
      localStorage.setItem('tickflow.interval', state.interval);
    } catch {
      // private mode: the URL still carries the selection
    }
  }

  // A hand-edited or pasted address.
  addEventListener('hashchange', () => {
    const v = parseView(location.hash);
    if (v.overlays) setOverlays(new Set(v.overlays));
    if (v.compare) {
      state.compare = [...v.compare];
      void loadCompare();
    }
    if (v.instrument) select(v.instrument, v.interval ?? state.interval);
  });

  function renderIntervals(): void {
    const served = state.served === null ? null : new Set(state.served);
    const list = state.served === null ? DEFAULT_INTERVALS : servedIntervals();
    els.intervals.replaceChildren(
      ...list.map((iv) => {
        const ok = served === null || served.has(iv);
        return h(
          'button',
          {
            type: 'button',
            class: `seg${iv === state.interval ? ' active' : ''}`,
            'aria-pressed': iv === state.interval ? 'true' : 'false',
            disabled: !ok,
            title: ok ? `${iv} bars` : `${iv} bars are not configured on this server`,
            dataset: { interval: iv },
            onclick: () => state.instrument && select(state.instrument, iv),
          },
          iv,
        );
      }),
    );
  }

  function renderOverlayToggles(): void {
    els.overlays.replaceChildren(
      ...OVERLAYS.map((o) => {
        const [label, title] = OVERLAY_LABEL[o];
        return h(
          'button',
          {
            type: 'button',
            class: `chip toggle-${o}${state.overlays.has(o) ? ' active' : ''}`,
            'aria-pressed': state.overlays.has(o) ? 'true' : 'false',
            title,
            dataset: { overlay: o },
            onclick: () => {
              const next = new Set(state.overlays);
              if (next.has(o)) next.delete(o);
              else next.add(o);
              setOverlays(next);
              writeView();
            },
          },
          label,
        );
      }),
    );
  }

  function setOverlays(next: Set<Overlay>): void {
    state.overlays = next;
    chart?.setOverlays(next);
    renderOverlayToggles();
  }

  function select(instrument: string, interval: string): void {
    if (instrument === state.instrument && interval === state.interval) return;
    const instrumentChanged = instrument !== state.instrument;
    state.instrument = instrument;
    state.interval = interval;
    writeView();
    renderIntervals();
    picker.setSelected(instrument);
    alerts.setCurrent(instrument);
    focus.setSubscription({ instruments: [instrument], intervals: [interval], channels: ['bars', 'windows', 'predictions'] });
    void loadFocus(instrumentChanged);
  }

  // --- header: last price -------------------------------------------------------------------

  function renderLast(bar: Bar | undefined): void {
    if (!bar || bar.instrument !== state.instrument) {
      els.last.replaceChildren();
      document.title = 'tickflow';
      return;
    }
    const chg = state.prevClose ? (bar.close - state.prevClose) / state.prevClose : null;
    const dir = chg === null || chg === 0 ? '' : chg > 0 ? 'up' : 'down';
    els.last.replaceChildren(
      h('span', { class: `last-price ${dir}` }, fmtPrice(bar.close)),
      ...(chg === null
        ? []
        : [
            h(
              'span',
              { class: `last-chg ${dir}`, title: 'vs the previous bar’s close' },
              `${chg > 0 ? '▲' : chg < 0 ? '▼' : ''} ${fmtPct(chg, { signed: true })}`,
            ),
          ]),
      h('span', { class: 'last-time' }, fmtTime(bar.end)),
    );
    document.title = `${symbolOf(bar.instrument)} ${fmtPrice(bar.close)} · tickflow`;
  }

  /** After bars were added: the header, the last-price KPI, the previous close. */
  function trackLast(): void {
    const last = chart?.lastBar;
    if (!last) return;
    if (lastTracked && last.start > lastTracked.start) state.prevClose = lastTracked.close;
    lastTracked = last;
    renderLast(last);
    kpis.setLast(last.close);
  }
  let lastTracked: Bar | undefined;

  // --- loading the selection ----------------------------------------------------------------

  /** Settles when the first chart history has been answered: secondary loads wait for it. */
  let historyLoaded: () => void = () => undefined;
  const firstHistory = new Promise<void>((resolve) => (historyLoaded = resolve));

  function info(): InstrumentInfo | undefined {
    return state.instruments.find((i) => i.instrument === state.instrument);
  }

  async function loadFocus(instrumentChanged = true): Promise<void> {
    const instrument = state.instrument;
    const interval = state.interval;
    if (!instrument) return;
    state.abort?.abort();
    const abort = new AbortController();
    state.abort = abort;
    const gen = ++state.gen;
    const current = () => gen === state.gen;
    const signal = abort.signal;

    state.loaded = false;
    state.pending = [];
    barQueue.clear();
    lastTracked = undefined;
    state.prevClose = null;
    renderLast(undefined);
    chart?.reset(instrument, interval);
    overlay('loading', `Loading ${instrument} · ${interval}…`);
    if (instrumentChanged) kpis.clear('loading…');
    vol.clear('loading…');
    setText(els.volMeta, interval);

    const bars = (async () => {
      try {
        const [history, latest] = await Promise.all([
          api.bars(instrument, interval, HISTORY_LIMIT, signal),
          api.latestBar(instrument, interval, signal).catch((e: unknown) => {
            if (isAbort(e)) throw e;
            return null;
          }),
        ]);
        if (!current()) return;
        chart?.setBars(history);
        const live = latest && latest.instrument === instrument && latest.interval === interval ? [latest] : [];
        state.loaded = true;
        const pending = state.pending;
        state.pending = [];
        chart?.applyBars([...live, ...pending].sort((a, b) => a.start - b.start));
        trackLast();
        problem('bars', null);
        const count = chart?.barCount ?? history.length + pending.length;
        if (count === 0) {
          overlay(
            'waiting',
            'Waiting for data',
            `No ${interval} bars for ${instrument} yet. They appear here as soon as the pipeline closes one.`,
          );
        } else {
          overlay(null);
          markCandles();
        }
        predictions.setBars(history, interval);
      } catch (e) {
        if (isAbort(e) || !current()) return;
        overlay('error', `Could not load ${instrument} · ${interval}`, messageOf(e), () => void loadFocus());
      }
    })();

    const indicators = async () => {
      try {
        const rows = await api.indicators(instrument, interval, HISTORY_LIMIT, signal);
        if (!current()) return;
        chart?.setIndicators(rows);
        problem('indicators', null);
      } catch (e) {
        if (isAbort(e) || !current()) return;
        problem('indicators', `Indicators: ${messageOf(e)}`);
      }
    };

    const markers = async () => {
      try {
        const list = await api.alerts({ limit: 200, hintTime: info()?.lastTime ?? null, instrument, signal });
        if (!current()) return;
        chart?.setAlerts(list.filter((a) => a.interval === interval));
      } catch (e) {
        if (isAbort(e) || !current()) return;
        problem('markers', `Alert markers: ${messageOf(e)}`);
      }
    };

    const volatility = async () => {
      try {
        const points = await api.volatility(instrument, interval, VOL_POINTS, signal);
        if (!current()) return;
        if (points.length === 0) vol.clear(`waiting for closed ${interval} bars…`);
        else vol.set(points, interval);
        kpis.setVolatility(vol.latest, interval);
      } catch (e) {
        if (isAbort(e) || !current()) return;
        vol.clear(messageOf(e));
      }
    };

    const windows = async () => {
      if (!instrumentChanged) return;
      try {
        const rows = await api.windows(instrument, { limit: 12, hintTime: info()?.lastTime ?? null, signal });
        if (!current()) return;
        if (rows.length === 0) {
          if (kpis.empty) kpis.clear('waiting for the first window (one closes every slide)…');
        } else for (const w of [...rows].reverse()) kpis.addWindow(w);
      } catch (e) {
        if (isAbort(e) || !current()) return;
        kpis.clear(messageOf(e));
      }
    };

    // Everything else once the candles are up: on a busy machine the history is what the eye waits for.
    await bars;
    historyLoaded();
    if (!current()) return;
    await Promise.all([indicators(), markers(), volatility(), windows(), loadCompare(), predictions.load(instrument, interval)]);
  }

  /** The first candles on screen: the page's meaningful paint (measured by the budget bench). */
  function markCandles(): void {
    if (state.firstCandles) return;
    state.firstCandles = true;
    requestAnimationFrame(() => performance.mark('tickflow:candles'));
  }

  /** The window's first price, for the KPI change: the open of the finest bar at its start. */
  kpis.onWindowChange = (w: WindowStats) => {
    const instrument = state.instrument;
    if (!instrument || w.instrument !== instrument) return;
    const fine = servedIntervals()
      .filter((iv) => (intervalMs(iv) ?? Infinity) <= w.slide)
      .sort((a, b) => (intervalMs(a) ?? 0) - (intervalMs(b) ?? 0))[0];
    if (!fine) return;
    api
      .barsFrom(instrument, fine, w.start, 1)
      .then((rows) => {
        const first = rows[0];
        if (state.instrument === instrument) kpis.setWindowOpen(w.start, first && first.start < w.end ? first.open : null);
      })
      .catch(() => kpis.setWindowOpen(w.start, null));
  };

  // --- live bars, windows, alerts and stats: one batch per animation frame -------------------

  const nextFrame: RequestFrame = (cb) => requestAnimationFrame(() => cb());

  const barQueue = new Coalescer<number, Bar>((list) => {
    const bars = list.filter((b) => b.instrument === state.instrument && b.interval === state.interval).sort((a, b) => a.start - b.start);
    if (!chart || bars.length === 0) return;
    const wasEmpty = chart.barCount === 0;
    chart.applyBars(bars);
    if (wasEmpty && chart.barCount > 0) {
      overlay(null);
      markCandles();
    }
    trackLast();
  }, nextFrame);

  const windowQueue = new Coalescer<number, WindowStats>((list) => {
    for (const w of list) if (w.instrument === state.instrument) kpis.addWindow(w);
  }, nextFrame);

  const alertQueue = new Coalescer<string, Alert>((list) => {
    alerts.add(list);
    for (const a of list) if (a.instrument === state.instrument && a.interval === state.interval) chart?.addAlert(a);
  }, nextFrame);

  const predictionQueue = new Coalescer<string, Prediction>((list) => predictions.addLive(list), nextFrame);

  const statsQueue = new Coalescer<'stats', PipelineStats>((list) => {
    const s = list.at(-1);
    if (s) showStats(s);
  }, nextFrame);

  window.tickflow = {
    counters: {
      bars: barQueue.counters,
      windows: windowQueue.counters,
      predictions: predictionQueue.counters,
      alerts: alertQueue.counters,
      stats: statsQueue.counters,
    },
  };

  // --- indicator / volatility refresh after final bars --------------------------------------

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let lastRefresh = 0;

  function scheduleRefresh(): void {
    if (refreshTimer !== undefined) return;
    const delay = Math.max(INDICATOR_DELAY_MS, INDICATOR_MIN_GAP_MS - (Date.now() - lastRefresh));
    const gen = state.gen;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      lastRefresh = Date.now();
      if (gen === state.gen) void refreshIndicators(gen);
    }, delay);
  }

  async function refreshIndicators(gen: number): Promise<void> {
    const instrument = state.instrument;
    const interval = state.interval;
    if (!instrument) return;
    const signal = state.abort?.signal;
    try {
      const [rows, points, recent] = await Promise.all([
        api.indicators(instrument, interval, 20, signal),
        api.volatility(instrument, interval, VOL_POINTS, signal),
        api.bars(instrument, interval, 30, signal),
      ]);
      if (gen !== state.gen) return;
      chart?.fillGaps(recent);
      chart?.extendIndicators(rows);
      if (points.length > 0) vol.set(points, interval);
      kpis.setVolatility(vol.latest, interval);
      if (chart) predictions.setBars(chart.snapshot(), interval);
      problem('indicators', null);
    } catch (e) {
      if (isAbort(e) || gen !== state.gen) return;
      problem('indicators', `Indicators: ${messageOf(e)}`);
    }
  }

  // --- comparison ---------------------------------------------------------------------------

  let compareGen = 0;
  async function loadCompare(): Promise<void> {
    const instrument = state.instrument;
    if (!instrument) return;
    const interval = state.interval;
    const list = [instrument, ...comparedOthers()].slice(0, MAX_COMPARED);
    const gen = ++compareGen;
    setText(els.compareMeta, `% change · ${interval}`);
    const results = await Promise.all(
      list.map(async (i) => {
        try {
          return { instrument: i, bars: await api.bars(i, interval, COMPARE_BARS) };
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) return { instrument: i, bars: [] };
          throw e;
        }
      }),
    ).catch((e: unknown) => {
      if (gen === compareGen) compare.message(messageOf(e));
      return null;
    });
    if (results && gen === compareGen) compare.set(results, interval);
  }

  // --- alerts, instruments, stats -----------------------------------------------------------

  async function loadAlerts(): Promise<void> {
    try {
      const list = await api.alerts({ limit: ALERTS_ON_LOAD, hintTime: state.alertsHint });
      alerts.load(list);
      state.alertsLoaded = true;
      problem('alerts', null);
    } catch (e) {
      alerts.message(`Alerts: ${messageOf(e)}`);
      problem('alerts', `Alerts: ${messageOf(e)}`);
    }
  }

  async function pollInstruments(): Promise<void> {
    try {
      const list = await api.instruments();
      list.sort((a, b) => Number(b.live) - Number(a.live) || a.instrument.localeCompare(b.instrument));
      state.instruments = list;
      state.instrumentsLoaded = true;
      problem('instruments', null);
      picker.setInstruments(list, true);
      compare.setInstruments(list);
      const newest = list.reduce<number | null>((m, i) => (i.lastTime !== null && (m === null || i.lastTime > m) ? i.lastTime : m), null);
      const hintWasNull = state.alertsHint === null;
      state.alertsHint = newest;
      // Alerts load once the newest event time is known (it bounds the scan on servers without order=desc).
      if (!state.alertsLoaded || (hintWasNull && newest !== null)) void firstHistory.then(() => loadAlerts());
      if (state.instrument === null) {
        const wanted = initialView.instrument ?? storedInstrument();
        const pick = list.find((i) => i.instrument === wanted) ?? list.find((i) => i.live) ?? list[0];
        if (pick) {
          select(pick.instrument, servedIntervals().includes(state.interval) || state.served === null ? state.interval : '1m');
        } else {
          overlay(
            'waiting',
            'Waiting for data',
            'The store is empty and no trades have arrived yet. This page checks every 5 s and starts as soon as an instrument appears.',
          );
          kpis.clear('waiting for data…');
          vol.clear('waiting for data…');
        }
      } else if (state.loaded) {
        // The comparison follows the market (and, when automatic, the list) every poll.
        void loadCompare();
      }
    } catch (e) {
      problem('instruments', `Instrument list: ${messageOf(e)}`);
      if (state.instrument === null) overlay('error', 'Cannot load the instrument list', messageOf(e), () => void pollInstruments());
    }
  }

  function storedInstrument(): string | undefined {
    try {
      return localStorage.getItem('tickflow.instrument') ?? undefined;
    } catch {
      return undefined;
    }
  }

  async function pollStats(): Promise<void> {
    // Pushed every second over the market socket while a live pipeline runs; asked for otherwise.
    if (Date.now() - state.lastStatsAt < POLL_MS) return;
    try {
      const s = await api.stats();
      if (s.type === 'stats') showStats(s);
      else pipeline.storeOnly(s);
    } catch (e) {
      pipeline.clear(`Stats: ${messageOf(e)}`);
    }
  }

  function showStats(s: PipelineStats): void {
    pipeline.update(s);
    const mem = s.memory ? ` · RSS ${Math.round(s.memory.rssBytes / 2 ** 20)} MB` : '';
    setText(els.pipelineMeta, `${s.mode} · log ${s.log} · up ${fmtDuration(s.time - s.startedAt)}${mem}`);
  }

  // --- live sockets -------------------------------------------------------------------------

  const focus = new LiveSocket(wsUrl(), { name: 'focus' });
  const market = new LiveSocket(wsUrl(), { name: 'market' });
  market.setSubscription({ instruments: '*', channels: ['alerts', 'stats'] });

  focus.on('message', (msg) => {
    switch (msg.type) {
      case 'hello':
        state.served = msg.intervals;
        renderIntervals();
        return;
      case 'bar': {
        const b = msg.data;
        if (b.instrument !== state.instrument || b.interval !== state.interval) return;
        if (!state.loaded) {
          // Kept until the history is drawn; bounded in case that load fails.
          if (state.pending.push(b) > 5000) state.pending.splice(0, 1000);
          return;
        }
        barQueue.push(b.start, b);
        if (b.final) scheduleRefresh();
        return;
      }
      case 'window':
        windowQueue.push(msg.data.size, msg.data);
        return;
      case 'prediction':
        predictionQueue.push(`${msg.data.model}@${msg.data.start}`, msg.data);
        return;
      case 'error':
        problem('ws', `Live updates: ${msg.error.message}`);
        return;
      case 'subscribed':
        problem('ws', null);
        return;
      default:
        return;
    }
  });

  market.on('message', (msg) => {
    switch (msg.type) {
      case 'alert':
        alertQueue.push(alertKey(msg.data), msg.data);
        return;
      case 'stats':
        state.lastStatsAt = Date.now();
        statsQueue.push('stats', msg.data);
        return;
      case 'hello':
        if (!msg.live) void pollStats();
        return;
      default:
        return;
    }
  });

  // Whatever was pushed while the connection was down is missing: reload it.
  focus.on('reconnect', () => void loadFocus(true));
  market.on('reconnect', () => {
    void loadAlerts();
    void pollInstruments();
  });

  function renderConnection(): void {
    const all: LiveStatus[] = [focus.status, market.status];
    const states = all.map((s) => s.state);
    const live = focus.hello?.live ?? market.hello?.live;
    const now = Date.now();
    let kind: string;
    let text: string;
    const retryAt = Math.max(...all.map((s) => s.retryAt ?? 0));
    const attempt = Math.max(...all.map((s) => s.attempt));
    const wait = retryAt > now ? `in ${Math.ceil((retryAt - now) / 1000)} s` : 'now';
    if (states.every((s) => s === 'open')) {
      kind = live === false ? 'idle' : 'open';
      text = live === false ? 'connected · no live pipeline' : 'live';
    } else if (states.some((s) => s === 'reconnecting')) {
      kind = 'reconnecting';
      text = `disconnected · retry ${wait}`;
    } else {
      kind = 'connecting';
      text = attempt > 0 ? `cannot connect · retry ${wait}` : 'connecting…';
    }
    els.conn.dataset['state'] = kind;
    document.body.dataset['ws'] = kind;
    setText(els.connText, text);
    const reason = all.map((s) => s.reason).find((r) => r);
    els.conn.title = `WebSocket /ws: ${text}${reason && kind !== 'open' ? ` (${reason})` : ''}`;

    // The banner: say plainly that what is on screen is no longer live.
    const down = kind === 'reconnecting' || (kind === 'connecting' && attempt > 0);
    els.wsBanner.hidden = !down;
    if (down) {
      const since = Math.min(...all.map((s) => s.downSince ?? now));
      setText(
        els.wsBannerText,
        `Live updates disconnected${reason ? ` (${reason})` : ''} ${fmtDuration(now - since)} ago: the figures below are not updating. Reconnecting ${wait}${attempt > 1 ? `, attempt ${attempt}` : ''}…`,
      );
    }
  }

  els.wsRetry.addEventListener('click', () => {
    focus.retryNow();
    market.retryNow();
  });
  focus.on('status', renderConnection);
  market.on('status', renderConnection);

  // --- theme --------------------------------------------------------------------------------

  function setTheme(theme: Theme): void {
    state.theme = theme;
    applyTheme(theme, true);
    const p = palette(theme);
    chart?.setPalette(p);
    vol.setPalette(p);
    compare.setPalette(p);
    predictions.setPalette(p);
    const other = theme === 'dark' ? 'light' : 'dark';
    els.theme.title = `switch to the ${other} theme`;
    els.theme.setAttribute('aria-label', `switch to the ${other} theme`);
  }
  els.theme.addEventListener('click', () => setTheme(state.theme === 'dark' ? 'light' : 'dark'));
  els.theme.title = `switch to the ${state.theme === 'dark' ? 'light' : 'dark'} theme`;

  // --- start --------------------------------------------------------------------------------

  renderIntervals();
  renderOverlayToggles();
  renderConnection();
  alerts.setCurrent(null);
  focus.start();
  market.start();
  // A shared link names the instrument: start on it without waiting for the list.
  if (initialView.instrument) select(initialView.instrument, state.interval);
  void pollInstruments();
  // Stats are pushed every second over the market socket; its hello says when they are not (serve).
  setInterval(() => {
    void pollInstruments();
    void pollStats();
  }, POLL_MS);
  // The countdown in the connection badge and banner.
  setInterval(renderConnection, 1000);
}
