import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CompatVolatilityResponseSchema,
  OhlcLatestResponseSchema,
  OhlcResponseSchema,
  SymbolsResponseSchema,
} from '../../../src/api/index.js';
import { FakeStore } from '../fake-store.js';
import { barSeries, makeBar, T0 } from '../fixtures.js';
import { assertErrorBody, assertMatches, BTC, CB_BTC, ETH, harness, type Harness } from '../harness.js';

describe('compatibility layer (seeds/004 routes)', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.app.close());

  it('GET /api/symbols: bare symbols like the seed, plus the full ids', async () => {
    const body = (await h.app.inject('/api/symbols')).json();
    assertMatches(SymbolsResponseSchema, body);
    assert.deepEqual(body.symbols, ['BTCUSDT', 'ETHUSDT']);
    assert.deepEqual(body.instruments, [BTC, 'binance:ETHUSDT', CB_BTC]);
  });

  it('GET /api/ohlc/: {data: rows, count, symbol}, newest `limit` rows oldest first, 1s by default', async () => {
    const r = await h.app.inject('/api/ohlc/?symbol=BTCUSDT&limit=5');
    assert.equal(r.statusCode, 200);
    const body = r.json();
    assertMatches(OhlcResponseSchema, body);
    assert.equal(body.count, 5);
    assert.equal(body.symbol, 'BTCUSDT');
    assert.deepEqual(Object.keys(body.data[0]), ['timestamp', 'open', 'high', 'low', 'close', 'volume', 'symbol']);
    assert.deepEqual(
      body.data.map((row: { timestamp: string }) => row.timestamp),
      [15, 16, 17, 18, 19].map((s) => new Date(T0 + s * 1000).toISOString()),
    );
    assert.equal(body.data[0].symbol, 'BTCUSDT');
    assert.equal(r.headers['x-tickflow-interval'], '1s');
  });

  it('an ambiguous bare symbol picks the instrument with the newest data and says so in headers', async () => {
    const r = await h.app.inject('/api/ohlc/?symbol=btc-usdt&interval=1m&limit=1');
    assert.equal(r.headers['x-tickflow-instrument'], BTC);
    assert.equal(r.headers['x-tickflow-candidates'], `${BTC}, ${CB_BTC}`);
    const full = await h.app.inject(`/api/ohlc/?symbol=${CB_BTC}&interval=1m&limit=1`);
    assert.equal(full.headers['x-tickflow-instrument'], CB_BTC);
    assert.equal(full.json().count, 1);
  });

  it('start_date/end_date are whole UTC days, end inclusive', async () => {
    const inDay = (await h.app.inject('/api/ohlc/?symbol=BTCUSDT&interval=1m&start_date=2026-02-01&end_date=2026-02-01')).json();
    assert.equal(inDay.count, 50);
    const dayBefore = (await h.app.inject('/api/ohlc/?symbol=BTCUSDT&interval=1m&start_date=2026-01-31&end_date=2026-01-31')).json();
    assert.equal(dayBefore.count, 0);
    const reversed = await h.app.inject('/api/ohlc/?symbol=BTCUSDT&start_date=2026-02-02&end_date=2026-02-01');
    assert.equal(reversed.statusCode, 400);
    assertErrorBody(reversed.json(), 'BAD_REQUEST');
  });

  it('GET /api/ohlc/latest: one row for a symbol, one per instrument without; live bar preferred', async () => {
    await h.app.ready();
    h.live?.push({ type: 'bar', bar: makeBar(BTC, '1s', T0 + 20_000, 1, 2, { final: false }) });
    const one = (await h.app.inject('/api/ohlc/latest?symbol=BTCUSDT')).json();
    assertMatches(OhlcLatestResponseSchema, one);
    assert.equal(one.data.length, 1);
    assert.equal(one.data[0].close, 2);
    assert.equal(one.data[0].timestamp, new Date(T0 + 20_000).toISOString());
    const all = (await h.app.inject('/api/ohlc/latest?interval=1m')).json();
    assertMatches(OhlcLatestResponseSchema, all);
    assert.equal(all.data.length, 3);
  });

  it('GET /api/volatility/: {data: [{timestamp, volatility, symbol}], count, symbol}, warm-up as 0', async () => {
    const body = (await h.app.inject('/api/volatility/?symbol=BTCUSDT&interval=1m&limit=100')).json();
    assertMatches(CompatVolatilityResponseSchema, body);
    assert.equal(body.count, 50);
    assert.deepEqual(Object.keys(body.data[0]), ['timestamp', 'volatility', 'symbol']);
    assert.equal(body.data[0].volatility, 0);
    assert.ok(body.data[10].volatility > 0);
  });

  it('/api/volatility (native) and /api/volatility/ (compat) both work; `symbol` on the native path redirects', async () => {
    const native = await h.app.inject(`/api/volatility?instrument=${BTC}&limit=2`);
    assert.equal(native.statusCode, 200);
    assert.ok('points' in native.json());
    const redirect = await h.app.inject('/api/volatility?symbol=BTCUSDT&limit=2');
    assert.equal(redirect.statusCode, 307);
    assert.equal(redirect.headers.location, '/api/volatility/?symbol=BTCUSDT&limit=2');
    const ohlc = await h.app.inject('/api/ohlc?symbol=BTCUSDT');
    assert.equal(ohlc.statusCode, 307);
    assert.equal(ohlc.headers.location, '/api/ohlc/?symbol=BTCUSDT');
  });

  it('ignores unknown parameters as FastAPI did, but still validates the known ones', async () => {
    const extra = await h.app.inject('/api/ohlc/?symbol=BTCUSDT&limit=2&_=123');
    assert.equal(extra.statusCode, 200);
    const limit = await h.app.inject('/api/ohlc/?symbol=BTCUSDT&limit=-1');
    assert.equal(limit.statusCode, 400);
    assertErrorBody(limit.json(), 'BAD_REQUEST');
  });

  it('404 UNKNOWN_INSTRUMENT for an unknown symbol; 400 when symbol is missing', async () => {
    const unknown = await h.app.inject('/api/ohlc/?symbol=DOGEUSD');
    assert.equal(unknown.statusCode, 404);
    assertErrorBody(unknown.json(), 'UNKNOWN_INSTRUMENT');
    const missing = await h.app.inject('/api/volatility/');
    assert.equal(missing.statusCode, 400);
    assert.match(assertErrorBody(missing.json(), 'BAD_REQUEST').error.message, /symbol is required/);
  });

  it('falls back to the finest served time interval when 1s is not served', async () => {
    const store = new FakeStore({ bars: barSeries(ETH, '1m', 10) });
    const h2 = await harness({ intervals: ['5m', '1m'], live: false, store });
    try {
      const r = await h2.app.inject('/api/ohlc/?symbol=ETHUSDT&limit=3');
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['x-tickflow-interval'], '1m');
      assert.equal(r.json().count, 3);
      const explicit = await h2.app.inject('/api/ohlc/?symbol=ETHUSDT&interval=1s');
      assert.equal(explicit.statusCode, 400);
      assertErrorBody(explicit.json(), 'UNKNOWN_INTERVAL');
    } finally {
      await h2.app.close();
    }
  });
});
