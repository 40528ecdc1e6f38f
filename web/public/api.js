/* global DOMException, URL, fetch -- browser globals (the lint config targets Node) */
/**
 * The REST client: one function per route the dashboard reads, every failure turned into an
 * `ApiError` carrying the server's `{error:{code,message}}` so the page can show it as is.
 */

/** @typedef {import('./types.js').Bar} Bar */
/** @typedef {import('./types.js').IndicatorSet} IndicatorSet */
/** @typedef {import('./types.js').VolatilityPoint} VolatilityPoint */
/** @typedef {import('./types.js').Alert} Alert */
/** @typedef {import('./types.js').WindowStats} WindowStats */
/** @typedef {import('./types.js').InstrumentInfo} InstrumentInfo */
/** @typedef {import('./types.js').PipelineStats} PipelineStats */
/** @typedef {import('./types.js').StoreStats} StoreStats */

/** @typedef {Record<string, string | number | undefined>} Params */

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code the API's error code (BAD_REQUEST, UNKNOWN_INSTRUMENT, …) or NETWORK / BAD_RESPONSE
   * @param {string} message
   * @param {unknown} [details]
   */
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** @param {unknown} e */
export function isAbort(e) {
  return e instanceof DOMException && e.name === 'AbortError';
}

/**
 * @param {string} [base] API origin, e.g. http://127.0.0.1:8080; defaults to the page's origin
 */
export function createApi(base = globalThis.location?.origin ?? 'http://127.0.0.1:8080') {
  /**
   * @param {string} path
   * @param {Params} [params]
   * @param {AbortSignal} [signal]
   * @returns {Promise<any>}
   */
  async function getJson(path, params = {}, signal) {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v));
    /** @type {Response} */
    let res;
    try {
      res = await fetch(url, { signal, headers: { accept: 'application/json' } });
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new ApiError(0, 'NETWORK', `cannot reach the API at ${url.origin} (${e instanceof Error ? e.message : String(e)})`);
    }
    const text = await res.text();
    /** @type {any} */
    let body;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const err = body && typeof body === 'object' ? body.error : undefined;
      throw new ApiError(
        res.status,
        typeof err?.code === 'string' ? err.code : `HTTP_${res.status}`,
        typeof err?.message === 'string' ? err.message : `${path}: ${res.status} ${res.statusText}`.trim(),
        err?.details,
      );
    }
    if (body === undefined) throw new ApiError(res.status, 'BAD_RESPONSE', `${path} did not answer JSON`);
    return body;
  }

  /** @type {Promise<any> | undefined} */
  let openapi;

  /**
   * Whether a route takes `order=desc`, from the OpenAPI document (null: cannot tell).
   * @param {string} path
   * @returns {Promise<boolean | null>}
   */
  async function hasOrderParam(path) {
    openapi ??= getJson('/openapi.json').catch(() => null);
    const doc = await openapi;
    const params = doc?.paths?.[path]?.get?.parameters;
    if (!Array.isArray(params)) return null;
    return params.some((/** @type {any} */ p) => p?.in === 'query' && p?.name === 'order');
  }

  /** Routes known to reject `order` (alerts and windows page oldest first only, so far). */
  const noOrderParam = new Set();

  /**
   * The newest `limit` rows of a time-ordered list, newest first. Uses `order=desc` where the
   * route has it; otherwise (the route pages oldest first only) scans a recent time range,
   * widening it until enough rows are found, and keeps the tail.
   * @template T
   * @param {string} path
   * @param {Params} params
   * @param {string} listKey property of the page holding the rows
   * @param {(row: T) => number} timeOf
   * @param {{limit: number, hintTime: number | null, signal?: AbortSignal}} opts hintTime: roughly the newest event time
   * @returns {Promise<T[]>}
   */
  async function newest(path, params, listKey, timeOf, { limit, hintTime, signal }) {
    if (!noOrderParam.has(path) && (await hasOrderParam(path)) === false) noOrderParam.add(path);
    if (!noOrderParam.has(path)) {
      try {
        const page = await getJson(path, { ...params, limit, order: 'desc' }, signal);
        return page[listKey];
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 400 && /\border\b/.test(e.message))) throw e;
        noOrderParam.add(path);
      }
    }
    const spans = hintTime === null ? [null] : [15 * 60_000, 6 * 3_600_000, 7 * 86_400_000, null];
    /** @type {T[]} */
    let tail = [];
    for (const span of spans) {
      const from = span === null || hintTime === null ? undefined : hintTime - span;
      tail = [];
      /** @type {string | undefined} */
      let cursor;
      for (let pages = 0; pages < 50; pages++) {
        const page = await getJson(path, { ...params, from, limit: 1000, cursor }, signal);
        const rows = /** @type {T[]} */ (page[listKey]);
        tail = tail.concat(rows).slice(-limit);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      if (tail.length >= limit) break;
    }
    return tail.sort((a, b) => timeOf(b) - timeOf(a));
  }

  return {
    getJson,

    /** @param {AbortSignal} [signal] @returns {Promise<InstrumentInfo[]>} */
    async instruments(signal) {
      return (await getJson('/api/instruments', {}, signal)).instruments;
    },

    /**
     * The newest final bars, oldest first.
     * @param {string} instrument @param {string} interval @param {number} limit @param {AbortSignal} [signal]
     * @returns {Promise<Bar[]>}
     */
    async bars(instrument, interval, limit, signal) {
      const page = await getJson('/api/bars', { instrument, interval, limit, order: 'desc' }, signal);
      return /** @type {Bar[]} */ (page.bars).reverse();
    },

    /**
     * The newest bar, possibly still open; null when there is none yet.
     * @param {string} instrument @param {string} interval @param {AbortSignal} [signal]
     * @returns {Promise<Bar | null>}
     */
    async latestBar(instrument, interval, signal) {
      try {
        return await getJson('/api/bars/latest', { instrument, interval }, signal);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404 && e.code === 'NOT_FOUND') return null;
        throw e;
      }
    },

    /**
     * The newest indicator rows, oldest first.
     * @param {string} instrument @param {string} interval @param {number} limit @param {AbortSignal} [signal]
     * @returns {Promise<IndicatorSet[]>}
     */
    async indicators(instrument, interval, limit, signal) {
      const page = await getJson('/api/indicators', { instrument, interval, limit, order: 'desc' }, signal);
      return /** @type {IndicatorSet[]} */ (page.indicators).reverse();
    },

    /**
     * The newest volatility points, oldest first.
     * @param {string} instrument @param {string} interval @param {number} limit @param {AbortSignal} [signal]
     * @returns {Promise<VolatilityPoint[]>}
     */
    async volatility(instrument, interval, limit, signal) {
      const page = await getJson('/api/volatility', { instrument, interval, limit, order: 'desc' }, signal);
      return /** @type {VolatilityPoint[]} */ (page.points).reverse();
    },

    /**
     * The newest alerts (all instruments unless one is given), newest first.
     * @param {{limit: number, hintTime: number | null, instrument?: string, signal?: AbortSignal}} q
     * @returns {Promise<Alert[]>}
     */
    alerts({ limit, hintTime, instrument, signal }) {
      /** @type {(a: Alert) => number} */
      const timeOf = (a) => a.time;
      return newest('/api/alerts', { instrument }, 'alerts', timeOf, { limit, hintTime, signal });
    },

    /**
     * The newest hopping windows of an instrument (every configured size), newest first.
     * @param {string} instrument
     * @param {{limit: number, hintTime: number | null, signal?: AbortSignal}} q
     * @returns {Promise<WindowStats[]>}
     */
    windows(instrument, { limit, hintTime, signal }) {
      /** @type {(w: WindowStats) => number} */
      const timeOf = (w) => w.start;
      return newest('/api/windows', { instrument }, 'windows', timeOf, { limit, hintTime, signal });
    },

    /** @param {AbortSignal} [signal] @returns {Promise<PipelineStats | StoreStats>} */
    stats(signal) {
      return getJson('/api/stats', {}, signal);
    },
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */
