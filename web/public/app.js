/* global AbortController, URLSearchParams, document, history, localStorage, location, requestAnimationFrame, setInterval, setTimeout -- browser globals (the lint config targets Node) */
/**
 * The dashboard: wires the REST client, two live sockets and the panels together.
 *
 * - `focus` socket: bars (one interval) and windows of the selected instrument; replaced on
 *   every switch (unsubscribe all, subscribe the new selection).
 * - `market` socket: alerts of every instrument and pipeline stats. A subscription is a cross
 *   product of instruments × channels, so a market-wide alert feed beside a one-instrument
 *   chart takes a second connection.
 *
 * Every load is tagged with a generation; answers for an older selection are dropped.
 */

import { ApiError, createApi, isAbort } from './api.js';
import { createPriceChart } from './chart.js';
import { $, h, setText } from './dom.js';
import { fmtDuration, fmtPct, fmtPrice, fmtTime } from './format.js';
import { LiveSocket, wsUrl } from './live.js';
import { createAlertFeed } from './panels/alerts.js';
import { createKpiPanel } from './panels/kpis.js';
import { createPipelinePanel } from './panels/pipeline.js';
import { createVolatilityPanel } from './panels/volatility.js';

/** @typedef {import('./types.js').Bar} Bar */
/** @typedef {import('./types.js').InstrumentInfo} InstrumentInfo */
/** @typedef {import('./types.js').ServerMessage} ServerMessage */
/** @typedef {import('./live.js').LiveStatus} LiveStatus */

const INTERVALS = ['1s', '1m', '5m', '15m', '1h', '1d'];
const HISTORY_LIMIT = 500;
const VOL_POINTS = 120;
const ALERTS_ON_LOAD = 20;
const POLL_MS = 5000;
/** Indicator rows land in the store at the next checkpoint (1 s by default) after the bar closes. */
const INDICATOR_DELAY_MS = 1500;
const INDICATOR_MIN_GAP_MS = 3000;

const api = createApi();

const els = {
  instrument: /** @type {HTMLSelectElement} */ ($('#instrument')),
  intervals: $('#intervals'),
  last: $('#last-price'),
  conn: $('#conn'),
  connText: $('#conn .conn-text'),
  banner: $('#banner'),
  overlay: $('#chart-overlay'),
  kpiMeta: $('#kpi-meta'),
  volMeta: $('#vol-meta'),
  pipelineMeta: $('#pipeline-meta'),
};

const state = {
  /** @type {InstrumentInfo[]} */
  instruments: [],
  instrumentsLoaded: false,
  /** @type {string | null} */
  instrument: null,
  interval: readSelection().interval ?? '1m',
  /** Intervals this server serves (from the hello message); null until known. */
  /** @type {Set<string> | null} */
  served: null,
  /** The history of the current selection is on the chart; live bars before that wait in `pending`. */
  loaded: false,
  /** @type {Bar[]} */
  pending: [],
  /** @type {Bar | null} */
  lastBar: null,
  /** @type {number | null} */
  prevClose: null,
  gen: 0,
  /** @type {AbortController | null} */
  abort: null,
  lastStatsAt: 0,
  /** @type {number | null} */
  alertsHint: null,
  alertsLoaded: false,
};

// --- panels -------------------------------------------------------------------------------

/** @type {import('./chart.js').PriceChart | null} */
let chart = null;
let chartError = '';
try {
  chart = createPriceChart($('#chart'));
} catch (e) {
  chartError = e instanceof Error ? e.message : String(e);
}
const kpis = createKpiPanel($('#kpis'));
const vol = createVolatilityPanel($('#volatility'));
const pipeline = createPipelinePanel($('#pipeline'));
const alerts = createAlertFeed($('#alerts'), {
  onSelect: (instrument, interval) => select(instrument, INTERVALS.includes(interval) ? interval : state.interval),
  onlyToggle: /** @type {HTMLInputElement} */ ($('#alerts-only')),
  count: $('#alert-count'),
});
pipeline.clear('waiting for pipeline stats…');

// --- problems banner ------------------------------------------------------------------------

/** @type {Map<string, string>} */
const problems = new Map();

/** @param {string} key @param {string | null} message */
function problem(key, message) {
  if (message === null) problems.delete(key);
  else problems.set(key, message);
  els.banner.hidden = problems.size === 0;
  els.banner.replaceChildren(...[...problems.values()].map((m) => h('div', null, m)));
}

/** @param {unknown} e */
function messageOf(e) {
  if (e instanceof ApiError) return e.code === 'NETWORK' || e.code.startsWith('HTTP_') ? e.message : `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

// --- chart overlay --------------------------------------------------------------------------

/**
 * @param {'loading' | 'waiting' | 'error' | null} kind
 * @param {string} [title]
 * @param {string} [detail]
 * @param {() => void} [retry]
 */
function overlay(kind, title = '', detail = '', retry) {
  if (chartError && kind !== 'error') {
    kind = 'error';
    title = 'Chart unavailable';
    detail = chartError;
  }
  els.overlay.hidden = kind === null;
  els.overlay.dataset.kind = kind ?? '';
  setText($('.overlay-title', els.overlay), title);
  setText($('.overlay-detail', els.overlay), detail);
  const button = /** @type {HTMLButtonElement} */ ($('.overlay-retry', els.overlay));
  button.hidden = !retry;
  button.onclick = retry ? () => retry() : null;
}

// --- selection ------------------------------------------------------------------------------

/** @returns {{instrument?: string, interval?: string}} */
function readSelection() {
  const q = new URLSearchParams(location.hash.slice(1));
  /** @type {{instrument?: string, interval?: string}} */
  const out = {};
  const instrument = q.get('instrument') ?? localStorage.getItem('tickflow.instrument');
  const interval = q.get('interval') ?? localStorage.getItem('tickflow.interval');
  if (instrument) out.instrument = instrument;
  if (interval && INTERVALS.includes(interval)) out.interval = interval;
  return out;
}

function writeSelection() {
  if (!state.instrument) return;
  const q = new URLSearchParams({ instrument: state.instrument, interval: state.interval });
  history.replaceState(null, '', `#${q}`);
  try {
    localStorage.setItem('tickflow.instrument', state.instrument);
    localStorage.setItem('tickflow.interval', state.interval);
  } catch {
    // private mode: the URL still carries the selection
  }
}

function renderIntervals() {
  els.intervals.replaceChildren(
    ...INTERVALS.map((iv) => {
      const served = state.served === null || state.served.has(iv);
      return h(
        'button',
        {
          type: 'button',
          class: `seg${iv === state.interval ? ' active' : ''}`,
          'aria-pressed': iv === state.interval ? 'true' : 'false',
          disabled: !served,
          title: served ? `${iv} bars` : `${iv} bars are not configured on this server`,
          onclick: () => state.instrument && select(state.instrument, iv),
        },
        iv,
      );
    }),
  );
}

let renderedIds = '';
function renderInstruments() {
  const ids = `${state.instrumentsLoaded}:${state.instruments.map((i) => i.instrument).join(',')}`;
  const sel = els.instrument;
  if (ids !== renderedIds) {
    renderedIds = ids;
    const exchanges = [...new Set(state.instruments.map((i) => i.exchange))];
    /** @param {InstrumentInfo} i */
    const option = (i) => h('option', { value: i.instrument }, exchanges.length > 1 ? i.symbol : `${i.symbol} · ${i.exchange}`);
    if (state.instruments.length === 0) {
      sel.replaceChildren(h('option', { value: '' }, state.instrumentsLoaded ? 'no instruments yet' : 'loading…'));
    } else if (exchanges.length > 1) {
      sel.replaceChildren(
        ...exchanges.map((ex) => h('optgroup', { label: ex }, ...state.instruments.filter((i) => i.exchange === ex).map(option))),
      );
    } else {
      sel.replaceChildren(...state.instruments.map(option));
    }
  }
  sel.disabled = state.instruments.length === 0;
  if (state.instrument && sel.value !== state.instrument) {
    if (!state.instruments.some((i) => i.instrument === state.instrument)) {
      // Selected from an alert or the URL before the list has it.
      sel.append(h('option', { value: state.instrument }, state.instrument));
      renderedIds = '';
    }
    sel.value = state.instrument;
  }
}

els.instrument.addEventListener('change', () => {
  if (els.instrument.value) select(els.instrument.value, state.interval);
});

/** @param {string} instrument @param {string} interval */
function select(instrument, interval) {
  if (instrument === state.instrument && interval === state.interval) return;
  state.instrument = instrument;
  state.interval = interval;
  writeSelection();
  renderIntervals();
  renderInstruments();
  alerts.setCurrent(instrument);
  focus.setSubscription({ instruments: [instrument], intervals: [interval], channels: ['bars', 'windows'] });
  void loadFocus();
}

// --- header: last price ---------------------------------------------------------------------

/** @param {Bar} bar */
function trackLast(bar) {
  const last = state.lastBar;
  if (last && bar.start < last.start) return;
  if (last && bar.start > last.start) state.prevClose = last.close;
  state.lastBar = bar;
  renderLast();
}

function renderLast() {
  const bar = state.lastBar;
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
      : [h('span', { class: `last-chg ${dir}` }, `${chg > 0 ? '▲' : chg < 0 ? '▼' : ''} ${fmtPct(chg, { signed: true })}`)]),
    h('span', { class: 'last-time' }, fmtTime(bar.end)),
  );
  document.title = `${bar.instrument.slice(bar.instrument.indexOf(':') + 1)} ${fmtPrice(bar.close)} · tickflow`;
}

// --- loading the selection ------------------------------------------------------------------

/** @returns {InstrumentInfo | undefined} */
function info() {
  return state.instruments.find((i) => i.instrument === state.instrument);
}

async function loadFocus() {
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
  liveQueue.clear();
  state.lastBar = null;
  state.prevClose = null;
  renderLast();
  chart?.reset(instrument, interval);
  overlay('loading', `Loading ${instrument} · ${interval}…`);
  kpis.clear('loading…');
  vol.clear('loading…');
  setText(els.volMeta, interval);
  setText(els.kpiMeta, instrument.slice(instrument.indexOf(':') + 1));

  const bars = (async () => {
    try {
      const [history, latest] = await Promise.all([
        api.bars(instrument, interval, HISTORY_LIMIT, signal),
        api.latestBar(instrument, interval, signal).catch((e) => {
          if (isAbort(e)) throw e;
          return null;
        }),
      ]);
      if (!current()) return;
      chart?.setBars(history);
      for (const b of history) trackLast(b);
      if (latest && latest.instrument === instrument && latest.interval === interval) applyLive(latest);
      state.loaded = true;
      const pending = state.pending;
      state.pending = [];
      for (const b of pending) applyLive(b);
      problem('bars', null);
      if ((chart?.barCount ?? history.length + pending.length) === 0) {
        overlay(
          'waiting',
          'Waiting for data',
          `No ${interval} bars for ${instrument} yet. They appear here as soon as the pipeline closes one.`,
        );
      } else {
        overlay(null);
      }
    } catch (e) {
      if (isAbort(e) || !current()) return;
      overlay('error', `Could not load ${instrument} · ${interval}`, messageOf(e), () => void loadFocus());
    }
  })();

  const indicators = (async () => {
    try {
      const rows = await api.indicators(instrument, interval, HISTORY_LIMIT, signal);
      if (!current()) return;
      chart?.setIndicators(rows);
      problem('indicators', null);
    } catch (e) {
      if (isAbort(e) || !current()) return;
      problem('indicators', `Indicators: ${messageOf(e)}`);
    }
  })();

  const volatility = (async () => {
    try {
      const points = await api.volatility(instrument, interval, VOL_POINTS, signal);
      if (!current()) return;
      if (points.length === 0) vol.clear('waiting for data…');
      else vol.set(points);
    } catch (e) {
      if (isAbort(e) || !current()) return;
      vol.clear(messageOf(e));
    }
  })();

  const windows = (async () => {
    try {
      const rows = await api.windows(instrument, { limit: 12, hintTime: info()?.lastTime ?? null, signal });
      if (!current()) return;
      // A live window may have arrived meanwhile.
      if (rows.length === 0) {
        if (kpis.empty) kpis.clear('waiting for the first window…');
      } else for (const w of [...rows].reverse()) kpis.add(w);
    } catch (e) {
      if (isAbort(e) || !current()) return;
      kpis.clear(messageOf(e));
    }
  })();

  await Promise.all([bars, indicators, volatility, windows]);
}

/**
 * Live bars are drawn once per animation frame: an open bar can be updated by every trade, and
 * only its newest version matters. Keyed by start, so a final is never lost to a later interim.
 * @type {Map<number, Bar>}
 */
const liveQueue = new Map();
let liveFrame = 0;

/** @param {Bar} bar */
function queueLive(bar) {
  liveQueue.set(bar.start, bar);
  if (liveFrame === 0) liveFrame = requestAnimationFrame(flushLive);
}

function flushLive() {
  liveFrame = 0;
  const bars = [...liveQueue.values()].sort((a, b) => a.start - b.start);
  liveQueue.clear();
  for (const b of bars) if (b.instrument === state.instrument && b.interval === state.interval) applyLive(b);
}

/** @param {Bar} bar a bar of the current selection, once the history is on the chart */
function applyLive(bar) {
  if (chart) {
    const wasEmpty = chart.barCount === 0;
    if (!chart.applyBar(bar)) return;
    if (wasEmpty) overlay(null);
  } else if (state.lastBar === null) {
    overlay(null);
  }
  trackLast(bar);
}

// --- indicator / volatility refresh after final bars ----------------------------------------

/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;
let lastRefresh = 0;

function scheduleRefresh() {
  if (refreshTimer !== undefined) return;
  const delay = Math.max(INDICATOR_DELAY_MS, INDICATOR_MIN_GAP_MS - (Date.now() - lastRefresh));
  const gen = state.gen;
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    lastRefresh = Date.now();
    if (gen !== state.gen) return;
    void refreshIndicators(gen);
  }, delay);
}

/** @param {number} gen */
async function refreshIndicators(gen) {
  const instrument = state.instrument;
  const interval = state.interval;
  if (!instrument) return;
  const signal = state.abort?.signal;
  try {
    const [rows, points] = await Promise.all([
      api.indicators(instrument, interval, 20, signal),
      api.volatility(instrument, interval, VOL_POINTS, signal),
    ]);
    if (gen !== state.gen) return;
    chart?.extendIndicators(rows);
    if (points.length > 0) vol.set(points);
    problem('indicators', null);
  } catch (e) {
    if (isAbort(e) || gen !== state.gen) return;
    problem('indicators', `Indicators: ${messageOf(e)}`);
  }
}

// --- alerts, instruments, stats -------------------------------------------------------------

async function loadAlerts() {
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

async function pollInstruments() {
  try {
    const list = await api.instruments();
    list.sort((a, b) => Number(b.live) - Number(a.live) || a.instrument.localeCompare(b.instrument));
    state.instruments = list;
    state.instrumentsLoaded = true;
    problem('instruments', null);
    renderInstruments();
    const newest = list.reduce(
      (m, i) => (i.lastTime !== null && (m === null || i.lastTime > m) ? i.lastTime : m),
      /** @type {number | null} */ (null),
    );
    const hintWasNull = state.alertsHint === null;
    state.alertsHint = newest;
    // Alerts load once the newest event time is known (it bounds the scan on servers without order=desc).
    if (!state.alertsLoaded || (hintWasNull && newest !== null)) void loadAlerts();
    if (state.instrument === null) {
      const wanted = readSelection().instrument;
      const pick = list.find((i) => i.instrument === wanted) ?? list.find((i) => i.live) ?? list[0];
      if (pick) {
        select(pick.instrument, state.interval);
      } else {
        overlay(
          'waiting',
          'Waiting for data',
          'The store is empty and no trades have arrived yet. This page checks every 5 s and starts as soon as an instrument appears.',
        );
        kpis.clear('waiting for data…');
        vol.clear('waiting for data…');
      }
    }
  } catch (e) {
    problem('instruments', `Instrument list: ${messageOf(e)}`);
    if (state.instrument === null) overlay('error', 'Cannot load the instrument list', messageOf(e), () => void pollInstruments());
  }
}

async function pollStats() {
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

/** @param {import('./types.js').PipelineStats} s */
function showStats(s) {
  pipeline.update(s);
  setText(els.pipelineMeta, `${s.mode} · log ${s.log} · up ${fmtDuration(s.time - s.startedAt)}`);
}

// --- live sockets ---------------------------------------------------------------------------

const focus = new LiveSocket(wsUrl(), { name: 'focus' });
const market = new LiveSocket(wsUrl(), { name: 'market' });
market.setSubscription({ instruments: '*', channels: ['alerts', 'stats'] });

focus.on('message', (/** @type {ServerMessage} */ msg) => {
  switch (msg.type) {
    case 'hello':
      state.served = new Set(msg.intervals);
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
      queueLive(b);
      if (b.final) scheduleRefresh();
      return;
    }
    case 'window':
      if (msg.data.instrument === state.instrument) kpis.add(msg.data);
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

market.on('message', (/** @type {ServerMessage} */ msg) => {
  switch (msg.type) {
    case 'alert':
      alerts.add(msg.data);
      return;
    case 'stats':
      state.lastStatsAt = Date.now();
      showStats(msg.data);
      return;
    case 'hello':
      if (!msg.live) void pollStats();
      return;
    default:
      return;
  }
});

// Whatever was pushed while the connection was down is missing: reload it.
focus.on('reconnect', () => void loadFocus());
market.on('reconnect', () => void loadAlerts());

function renderConnection() {
  const all = [focus.status, market.status];
  const states = all.map((s) => s.state);
  const live = focus.hello?.live ?? market.hello?.live;
  /** @type {string} */
  let kind;
  let text;
  if (states.every((s) => s === 'open')) {
    kind = live === false ? 'idle' : 'open';
    text = live === false ? 'connected · no live pipeline' : 'live';
  } else if (states.some((s) => s === 'reconnecting')) {
    kind = 'reconnecting';
    const retryAt = Math.max(...all.map((s) => s.retryAt ?? 0));
    const attempt = Math.max(...all.map((s) => s.attempt));
    text = retryAt > Date.now() ? `reconnecting in ${Math.ceil((retryAt - Date.now()) / 1000)} s` : 'reconnecting…';
    if (attempt > 1) text += ` (try ${attempt})`;
  } else {
    kind = 'connecting';
    const s = all.find((x) => x.attempt > 0);
    text = s?.retryAt && s.retryAt > Date.now() ? `connecting in ${Math.ceil((s.retryAt - Date.now()) / 1000)} s` : 'connecting…';
  }
  els.conn.dataset.state = kind;
  setText(els.connText, text);
  const reason = all.map((s) => s.reason).find((r) => r);
  els.conn.title = `WebSocket /ws: ${text}${reason && kind !== 'open' ? ` (${reason})` : ''}`;
}

focus.on('status', renderConnection);
market.on('status', renderConnection);

// --- start ----------------------------------------------------------------------------------

renderIntervals();
renderInstruments();
renderConnection();
alerts.setCurrent(null);
focus.start();
market.start();
void pollInstruments();
void pollStats();
setInterval(() => {
  void pollInstruments();
  void pollStats();
}, POLL_MS);
// The countdown in the connection badge.
setInterval(renderConnection, 1000);
