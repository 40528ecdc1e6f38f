/* global WebSocket, clearInterval, clearTimeout, console, setInterval, setTimeout -- browser globals (the lint config targets Node) */
/**
 * One WebSocket to /ws that stays up: reconnects with exponential backoff and jitter,
 * re-sends the wanted subscription on every (re)connect, replaces it on change
 * (unsubscribe everything, subscribe the new one) and pings to find half-open connections.
 */

/** @typedef {import('./types.js').Subscription} Subscription */
/** @typedef {import('./types.js').ServerMessage} ServerMessage */

/**
 * @typedef {object} LiveStatus
 * @property {'idle'|'connecting'|'open'|'reconnecting'} state
 * @property {number} attempt failed attempts in a row
 * @property {number | null} retryAt epoch ms of the next attempt while reconnecting
 * @property {string | null} reason why the last connection ended
 */

const CONNECTING = 0;
const OPEN = 1;

/** The /ws URL for a page served by the API. */
export function wsUrl(loc = globalThis.location) {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

export class LiveSocket {
  /**
   * @param {string} url
   * @param {{name?: string, minDelayMs?: number, maxDelayMs?: number, pingEveryMs?: number, pongTimeoutMs?: number}} [opts]
   */
  constructor(url, opts = {}) {
    this.url = url;
    this.name = opts.name ?? 'ws';
    this.minDelayMs = opts.minDelayMs ?? 500;
    this.maxDelayMs = opts.maxDelayMs ?? 10_000;
    this.pingEveryMs = opts.pingEveryMs ?? 20_000;
    this.pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** @type {Subscription | null} */
    this.subscription = null;
    /** @type {LiveStatus} */
    this.status = { state: 'idle', attempt: 0, retryAt: null, reason: null };
    /** The hello message of the current connection. */
    /** @type {Extract<ServerMessage, {type: 'hello'}> | null} */
    this.hello = null;
    this.connections = 0;
    this.stopped = true;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.pingTimer = undefined;
    this.lastHeard = 0;
    /** @type {Map<string, Set<(arg: any) => void>>} */
    this.listeners = new Map();
  }

  /**
   * Listens to 'message' (each ServerMessage), 'status' (LiveStatus) or 'reconnect' (a connection
   * opened again after a drop, not the first one: anything pushed in between was missed, so
   * reload what the page shows). Returns a function that stops listening.
   * @param {'message'|'status'|'reconnect'} type
   * @param {(arg: any) => void} fn
   * @returns {() => void}
   */
  on(type, fn) {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** @param {string} type @param {unknown} [arg] */
  emit(type, arg) {
    for (const fn of this.listeners.get(type) ?? []) {
      try {
        fn(arg);
      } catch (e) {
        console.error(`[${this.name}] ${type} listener failed`, e);
      }
    }
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
    this.pingTimer = setInterval(() => this.checkAlive(), this.pingEveryMs);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.socket?.close(1000, 'bye');
    this.socket = null;
    this.setStatus({ state: 'idle', attempt: 0, retryAt: null, reason: null });
  }

  /**
   * Replaces the subscription (null: nothing). Sent now when connected, else on connect.
   * @param {Subscription | null} sub
   */
  setSubscription(sub) {
    const prev = this.subscription;
    this.subscription = sub;
    if (JSON.stringify(sub) === JSON.stringify(prev) || this.socket?.readyState !== OPEN) return;
    if (prev) this.send({ op: 'unsubscribe', instruments: '*', intervals: '*', channels: '*' });
    if (sub) this.send({ op: 'subscribe', ...sub });
  }

  /** @param {object} msg */
  send(msg) {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(msg));
  }

  /** @param {Partial<LiveStatus>} patch */
  setStatus(patch) {
    this.status = { ...this.status, ...patch };
    this.emit('status', this.status);
  }

  connect() {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    this.setStatus({ state: this.connections === 0 ? 'connecting' : 'reconnecting', retryAt: null });
    this.lastHeard = Date.now();
    /** @type {WebSocket} */
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.scheduleRetry(e instanceof Error ? e.message : String(e));
      return;
    }
    this.socket = ws;
    ws.onopen = () => {
      if (this.socket !== ws) return;
      this.connections += 1;
      this.lastHeard = Date.now();
      this.hello = null;
      if (this.subscription) this.send({ op: 'subscribe', ...this.subscription });
      this.setStatus({ state: 'open', attempt: 0, retryAt: null, reason: null });
      if (this.connections > 1) this.emit('reconnect');
    };
    ws.onmessage = (ev) => {
      if (this.socket !== ws) return;
      this.lastHeard = Date.now();
      /** @type {ServerMessage} */
      let msg;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        console.warn(`[${this.name}] ignoring a message that is not JSON`);
        return;
      }
      if (msg.type === 'hello') this.hello = msg;
      this.emit('message', msg);
    };
    ws.onclose = (ev) => {
      if (this.socket !== ws) return;
      this.socket = null;
      this.scheduleRetry(ev.reason || (ev.code === 1006 ? 'connection lost' : `closed (${ev.code})`));
    };
    // 'error' is always followed by 'close', which does the work.
    ws.onerror = () => undefined;
  }

  /** @param {string} reason */
  scheduleRetry(reason) {
    if (this.stopped) return;
    const attempt = this.status.attempt + 1;
    const base = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** (attempt - 1));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.setStatus({ state: this.connections === 0 ? 'connecting' : 'reconnecting', attempt, retryAt: Date.now() + delay, reason });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Pings a quiet connection; one that stays silent after that is dropped and redialled. */
  checkAlive() {
    const ws = this.socket;
    if (!ws || ws.readyState !== OPEN) {
      // A dial that hangs (no open, no close) is abandoned too.
      if (ws && ws.readyState === CONNECTING && Date.now() - this.lastHeard > this.pingEveryMs + this.pongTimeoutMs) ws.close();
      return;
    }
    const quietMs = Date.now() - this.lastHeard;
    if (quietMs > this.pingEveryMs + this.pongTimeoutMs) {
      this.socket = null;
      ws.close(4000, 'no answer to ping');
      this.scheduleRetry('no answer to ping');
    } else if (quietMs >= this.pingEveryMs - 1000) {
      this.send({ op: 'ping' });
    }
  }
}
