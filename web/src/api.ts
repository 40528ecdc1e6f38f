/**
 * The REST client: one function per route the dashboard reads, every failure turned into an
 * `ApiError` carrying the server's `{error:{code,message}}` so the page can show it as is.
 * No DOM here (only fetch and URL), so it runs under Node in tests.
 */
import type {
  Alert,
  Bar,
  IndicatorSet,
  InstrumentInfo,
  ModelSummary,
  PipelineStats,
  PredictionWithOutcome,
  StoreStats,
  VolatilityPoint,
  WindowStats,
} from './types.js';

type Params = Record<string, string | number | undefined>;

export class ApiError extends Error {
  /**
   * @param status HTTP status, 0 when the server could not be reached
   * @param code the API's error code (BAD_REQUEST, UNKNOWN_INSTRUMENT, …) or NETWORK / BAD_RESPONSE
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/** The error text a panel shows. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.code === 'NETWORK' || e.code.startsWith('HTTP_') ? e.message : `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/** An HTTP answer read to the end. */
export interface RawAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly text: string;
}

interface Page {
  readonly nextCursor?: string | null;
  readonly [list: string]: unknown;
}

/**
 * @param base API origin, e.g. http://127.0.0.1:8080 (the page's own origin in the browser)
 * @param prefetched answers already under way (index.html asks for the first ones before the app
 *   loads, and reads them to the end, so the app can draw them in its first frame), by path +
 *   query; each is used once, by the first identical request
 */
export function createApi(base: string, prefetched: Record<string, Promise<RawAnswer>> = {}) {
  async function getJson(path: string, params: Params = {}, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v));
    const early = prefetched[url.pathname + url.search];
    delete prefetched[url.pathname + url.search];
    let res: RawAnswer;
    try {
      res =
        (await early?.catch(() => undefined)) ??
        (await fetch(url, { ...(signal ? { signal } : {}), headers: { accept: 'application/json' } }).then(async (r) => ({
          status: r.status,
          statusText: r.statusText,
          text: await r.text(),
        })));
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new ApiError(0, 'NETWORK', `cannot reach the API at ${url.origin} (${e instanceof Error ? e.message : String(e)})`);
    }
    const ok = res.status >= 200 && res.status < 300;
    const text = res.text;
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!ok) {
      const err = isRecord(body) && isRecord(body['error']) ? body['error'] : {};
      throw new ApiError(
        res.status,
        typeof err['code'] === 'string' ? err['code'] : `HTTP_${res.status}`,
        typeof err['message'] === 'string' ? err['message'] : `${path}: ${res.status} ${res.statusText}`.trim(),
        err['details'],
      );
    }
    if (body === undefined) throw new ApiError(res.status, 'BAD_RESPONSE', `${path} did not answer JSON`);
    return body;
  }

  async function page(path: string, params: Params, signal?: AbortSignal): Promise<Page> {
    const body = await getJson(path, params, signal);
    if (!isRecord(body)) throw new ApiError(200, 'BAD_RESPONSE', `${path} did not answer an object`);
    return body as Page;
  }

  function list<T>(p: Page, key: string): T[] {
    const rows = p[key];
    if (!Array.isArray(rows)) throw new ApiError(200, 'BAD_RESPONSE', `the answer has no '${key}' list`);
    return rows as T[];
  }

  let openapi: Promise<unknown> | undefined;

  /** Whether a route takes `order=desc`, from the OpenAPI document (null: cannot tell). */
  async function hasOrderParam(path: string): Promise<boolean | null> {
    openapi ??= getJson('/openapi.json').catch(() => null);
    const doc = await openapi;
    const paths = isRecord(doc) && isRecord(doc['paths']) ? doc['paths'] : {};
    const route = paths[path];
    const get = isRecord(route) && isRecord(route['get']) ? route['get'] : {};
    const params = get['parameters'];
    if (!Array.isArray(params)) return null;
    return params.some((p: unknown) => isRecord(p) && p['in'] === 'query' && p['name'] === 'order');
  }

  /** Routes known to reject `order`. */
  const noOrderParam = new Set<string>();

  /**
   * The newest `limit` rows of a time-ordered list, newest first. Uses `order=desc` where the
   * route has it; otherwise (the route pages oldest first only) scans a recent time range,
   * widening it until enough rows are found, and keeps the tail.
   */
  async function newest<T>(
    path: string,
    params: Params,
    listKey: string,
    timeOf: (row: T) => number,
    { limit, hintTime, signal }: { limit: number; hintTime: number | null; signal?: AbortSignal | undefined },
  ): Promise<T[]> {
    if (!noOrderParam.has(path) && (await hasOrderParam(path)) === false) noOrderParam.add(path);
    if (!noOrderParam.has(path)) {
      try {
        return list<T>(await page(path, { ...params, limit, order: 'desc' }, signal), listKey);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 400 && /\border\b/.test(e.message))) throw e;
        noOrderParam.add(path);
      }
    }
    const spans = hintTime === null ? [null] : [15 * 60_000, 6 * 3_600_000, 7 * 86_400_000, null];
    let tail: T[] = [];
    for (const span of spans) {
      const from = span === null || hintTime === null ? undefined : hintTime - span;
      tail = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 50; pages++) {
        const p = await page(path, { ...params, from, limit: 1000, cursor }, signal);
        tail = tail.concat(list<T>(p, listKey)).slice(-limit);
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
      if (tail.length >= limit) break;
    }
    return tail.sort((a, b) => timeOf(b) - timeOf(a));
  }

  return {
    getJson,

    async instruments(signal?: AbortSignal): Promise<InstrumentInfo[]> {
      return list<InstrumentInfo>(await page('/api/instruments', {}, signal), 'instruments');
    },

    /** The newest final bars, oldest first. */
    async bars(instrument: string, interval: string, limit: number, signal?: AbortSignal): Promise<Bar[]> {
      return list<Bar>(await page('/api/bars', { instrument, interval, limit, order: 'desc' }, signal), 'bars').reverse();
    },

    /** Final bars from `from` (epoch ms) on, oldest first. */
    async barsFrom(instrument: string, interval: string, from: number, limit: number, signal?: AbortSignal): Promise<Bar[]> {
      return list<Bar>(await page('/api/bars', { instrument, interval, from, limit }, signal), 'bars');
    },

    /** The newest bar, possibly still open; null when there is none yet. */
    async latestBar(instrument: string, interval: string, signal?: AbortSignal): Promise<Bar | null> {
      try {
        return (await getJson('/api/bars/latest', { instrument, interval }, signal)) as Bar;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404 && e.code === 'NOT_FOUND') return null;
        throw e;
      }
    },

    /** The newest indicator rows, oldest first. */
    async indicators(instrument: string, interval: string, limit: number, signal?: AbortSignal): Promise<IndicatorSet[]> {
      return list<IndicatorSet>(
        await page('/api/indicators', { instrument, interval, limit, order: 'desc' }, signal),
        'indicators',
      ).reverse();
    },

    /** The newest volatility points, oldest first. */
    async volatility(instrument: string, interval: string, limit: number, signal?: AbortSignal): Promise<VolatilityPoint[]> {
      return list<VolatilityPoint>(
        await page('/api/volatility', { instrument, interval, limit, order: 'desc' }, signal),
        'points',
      ).reverse();
    },

    /** The newest alerts (all instruments unless one is given), newest first. */
    alerts({
      limit,
      hintTime,
      instrument,
      signal,
    }: {
      limit: number;
      hintTime: number | null;
      instrument?: string;
      signal?: AbortSignal;
    }): Promise<Alert[]> {
      return newest<Alert>('/api/alerts', { instrument }, 'alerts', (a) => a.time, { limit, hintTime, signal });
    },

    /** The newest hopping windows of an instrument (every configured size), newest first. */
    windows(
      instrument: string,
      { limit, hintTime, signal }: { limit: number; hintTime: number | null; signal?: AbortSignal },
    ): Promise<WindowStats[]> {
      return newest<WindowStats>('/api/windows', { instrument }, 'windows', (w) => w.start, { limit, hintTime, signal });
    },

    /** The forecasting models of an instrument (of one interval, or of all), with their scores. */
    async models(instrument: string, interval: string | undefined, signal?: AbortSignal): Promise<ModelSummary[]> {
      return list<ModelSummary>(await page('/api/models', { instrument, interval }, signal), 'models');
    },

    /** The newest forecasts of a series with their outcomes, oldest first (`model`: a name or 'champion'). */
    async predictions(
      instrument: string,
      interval: string,
      { model, limit, signal }: { model: string; limit: number; signal?: AbortSignal | undefined },
    ): Promise<PredictionWithOutcome[]> {
      return list<PredictionWithOutcome>(
        await page('/api/predictions', { instrument, interval, model, limit, order: 'desc' }, signal),
        'predictions',
      ).reverse();
    },

    async stats(signal?: AbortSignal): Promise<PipelineStats | StoreStats> {
      return (await getJson('/api/stats', {}, signal)) as PipelineStats | StoreStats;
    },
  };
}

export type Api = ReturnType<typeof createApi>;
