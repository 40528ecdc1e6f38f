import assert from 'node:assert/strict';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { createApiServer, type ApiDeps, type ApiServer } from '../../src/api/index.js';
import { FakeLive } from './fake-live.js';
import { FakeStore } from './fake-store.js';
import { barSeries, indicatorsFor, makeAlert, makeLate, makeReject, makeWindow, T0 } from './fixtures.js';

export const BTC = 'binance:BTCUSDT';
export const ETH = 'binance:ETHUSDT';
export const CB_BTC = 'coinbase:BTCUSDT';
export const INTERVALS = ['1s', '1m', '5m'];

/** A store with a little of everything: three instruments, two intervals, alerts, windows, rejects, late trades. */
export function seededStore(): FakeStore {
  const bars = [
    ...barSeries(BTC, '1m', 50),
    ...barSeries(BTC, '1s', 20),
    ...barSeries(ETH, '1m', 30, T0, 2000),
    // Older data on a second venue, so BTCUSDT is ambiguous and binance (newer) wins.
    ...barSeries(CB_BTC, '1m', 10, T0 - 3_600_000),
  ];
  return new FakeStore({
    bars,
    indicators: indicatorsFor(bars),
    alerts: [
      makeAlert(BTC, T0, 'volume_spike', 'warning'),
      makeAlert(BTC, T0 + 60_000, 'return_zscore', 'critical'),
      makeAlert(ETH, T0 + 120_000, 'price_gap', 'info'),
    ],
    windows: [makeWindow(BTC, T0), makeWindow(BTC, T0 + 60_000), makeWindow(BTC, T0, 60_000), makeWindow(ETH, T0)],
    rejects: [makeReject(T0, 'BAD_PRICE'), makeReject(T0 + 1, 'MALFORMED'), makeReject(T0 + 2, 'BAD_PRICE')],
    late: [makeLate(BTC, T0 + 5), makeLate(BTC, T0 + 6), makeLate(ETH, T0 + 7)],
  });
}

export interface Harness {
  readonly app: ApiServer;
  readonly store: FakeStore;
  readonly live: FakeLive | undefined;
}

export async function harness(
  options: { live?: boolean; store?: FakeStore } & Partial<Omit<ApiDeps, 'store' | 'live'>> = {},
): Promise<Harness> {
  const { live: withLive = true, store = seededStore(), ...rest } = options;
  const live = withLive ? new FakeLive() : undefined;
  const app = await createApiServer({
    store,
    ...(live === undefined ? {} : { live }),
    version: '9.9.9-test',
    intervals: INTERVALS,
    logger: false,
    ...rest,
  });
  return { app, store, live };
}

/** Fails with the validator's own errors, so a shape mismatch says which field. */
export function assertMatches(schema: TSchema, value: unknown, what = 'value'): void {
  const check = Compile(schema);
  if (check.Check(value)) return;
  assert.fail(`${what} does not match its schema: ${JSON.stringify(check.Errors(value).slice(0, 5))}`);
}

export interface ErrorShape {
  error: { code: string; message: string; details?: unknown };
}

/** The one error body shape: `{error: {code, message, details?}}` and nothing else. */
export function assertErrorBody(body: unknown, code: string): ErrorShape {
  assert.ok(typeof body === 'object' && body !== null, 'error body is an object');
  assert.deepEqual(Object.keys(body), ['error']);
  const e = (body as ErrorShape).error;
  assert.equal(e.code, code, `code (message: ${e.message})`);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 10, 'message says what to fix');
  for (const k of Object.keys(e)) assert.ok(['code', 'message', 'details'].includes(k), `unexpected key ${k}`);
  return body as ErrorShape;
}
