import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BarSchema, type Bar } from '../../../src/core/index.js';
import { BarsPageSchema } from '../../../src/api/index.js';
import { makeBar, T0 } from '../fixtures.js';
import { assertErrorBody, assertMatches, BTC, harness, type Harness } from '../harness.js';

describe('GET /api/bars', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.app.close());

  it('returns a page of bars oldest first with a cursor', async () => {
    const r = await h.app.inject(`/api/bars?instrument=${BTC}&interval=1m&limit=20`);
    assert.equal(r.statusCode, 200);
    const body = r.json();
    assertMatches(BarsPageSchema, body, 'page');
    assert.equal(body.instrument, BTC);
    assert.equal(body.interval, '1m');
    assert.equal(body.bars.length, 20);
    for (const b of body.bars) assertMatches(BarSchema, b, 'bar');
    assert.equal(body.bars[0].start, T0);
    assert.equal(typeof body.nextCursor, 'string');
  });

  it('follows nextCursor through every stored bar exactly once', async () => {
    const starts: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/bars?instrument=${BTC}&limit=15${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const body = (await h.app.inject(url)).json();
      starts.push(...body.bars.map((b: Bar) => b.start));
      cursor = body.nextCursor;
    } while (cursor !== null);
    assert.equal(starts.length, 50);
    assert.deepEqual(
      starts,
      [...starts].sort((a, b) => a - b),
    );
    assert.equal(new Set(starts).size, 50);
  });

  it('defaults interval to 1m and canonicalizes equivalent specs and instrument case', async () => {
    const a = (await h.app.inject(`/api/bars?instrument=${BTC}&limit=1`)).json();
    const b = (await h.app.inject(`/api/bars?instrument=BINANCE:btcusdt&interval=60s&limit=1`)).json();
    assert.equal(a.interval, '1m');
    assert.equal(b.interval, '1m');
    assert.equal(b.instrument, BTC);
    assert.deepEqual(a.bars, b.bars);
  });

  it('takes from/to as epoch ms or ISO-8601, [from, to)', async () => {
    const from = new Date(T0 + 10 * 60_000).toISOString();
    const to = T0 + 13 * 60_000;
    const body = (await h.app.inject(`/api/bars?instrument=${BTC}&from=${from}&to=${to}`)).json();
    assert.deepEqual(
      body.bars.map((b: Bar) => b.start),
      [10, 11, 12].map((i) => T0 + i * 60_000),
    );
    assert.equal(body.nextCursor, null);
  });

  it('order=desc returns newest first', async () => {
    const body = (await h.app.inject(`/api/bars?instrument=${BTC}&order=desc&limit=3`)).json();
    assert.deepEqual(
      body.bars.map((b: Bar) => b.start),
      [49, 48, 47].map((i) => T0 + i * 60_000),
    );
  });

  for (const [name, query, code, fragment] of [
    ['limit above the maximum', 'limit=10001', 'BAD_REQUEST', 'querystring/limit must be <= 10000'],
    ['limit zero', 'limit=0', 'BAD_REQUEST', 'querystring/limit must be >= 1'],
    ['limit not a number', 'limit=ten', 'BAD_REQUEST', 'querystring/limit must be integer'],
    ['from not a time', 'from=yesterday', 'BAD_REQUEST', "from: 'yesterday'"],
    ['to before from', `from=${T0 + 1000}&to=${T0}`, 'BAD_REQUEST', 'must be before to'],
    ['unparseable interval', 'interval=fortnight', 'UNKNOWN_INTERVAL', "unknown interval 'fortnight'"],
    ['interval not served', 'interval=2m', 'UNKNOWN_INTERVAL', 'use one of: 1s, 1m, 5m'],
    ['bad cursor', 'cursor=not-a-cursor', 'INVALID_CURSOR', 'cursor'],
    ['unknown parameter', 'limt=5', 'BAD_REQUEST', "unknown parameter 'limt'"],
    ['bad order', 'order=up', 'BAD_REQUEST', 'querystring/order must be one of: asc, desc'],
  ] as const) {
    it(`400 ${code} for ${name}`, async () => {
      const r = await h.app.inject(`/api/bars?instrument=${BTC}&${query}`);
      assert.equal(r.statusCode, 400);
      const body = assertErrorBody(r.json(), code);
      assert.ok(body.error.message.includes(fragment), body.error.message);
    });
  }

  it('400 when instrument is missing or is a bare symbol (with the matching ids as a hint)', async () => {
    const missing = await h.app.inject('/api/bars');
    assert.equal(missing.statusCode, 400);
    assert.match(assertErrorBody(missing.json(), 'BAD_REQUEST').error.message, /querystring\/instrument is required/);
    const bare = await h.app.inject('/api/bars?instrument=BTCUSDT');
    assert.equal(bare.statusCode, 400);
    assert.match(assertErrorBody(bare.json(), 'BAD_REQUEST').error.message, /matches binance:BTCUSDT, coinbase:BTCUSDT/);
  });

  it('404 UNKNOWN_INSTRUMENT for a well-formed id nobody knows', async () => {
    const r = await h.app.inject('/api/bars?instrument=kraken:DOGEUSD');
    assert.equal(r.statusCode, 404);
    assert.match(assertErrorBody(r.json(), 'UNKNOWN_INSTRUMENT').error.message, /kraken:DOGEUSD/);
  });

  it('a cursor from one query is refused for another', async () => {
    const first = (await h.app.inject(`/api/bars?instrument=${BTC}&limit=5`)).json();
    const r = await h.app.inject(`/api/bars?instrument=${BTC}&limit=5&order=desc&cursor=${first.nextCursor}`);
    assert.equal(r.statusCode, 400);
    assertErrorBody(r.json(), 'INVALID_CURSOR');
  });
});

describe('GET /api/bars/latest', () => {
  it('serves the live bar, interim included, without touching the store', async () => {
    const h = await harness();
    try {
      await h.app.ready();
      const interim = makeBar(BTC, '1m', T0 + 50 * 60_000, 101, 102, { final: false });
      h.live?.push({ type: 'bar', bar: interim });
      const before = h.store.calls.get('latestBar') ?? 0;
      const instrumentsBefore = h.store.calls.get('instruments') ?? 0;
      const r = await h.app.inject(`/api/bars/latest?instrument=${BTC}&interval=1m`);
      assert.equal(r.statusCode, 200);
      assertMatches(BarSchema, r.json(), 'latest');
      assert.deepEqual(r.json(), interim);
      assert.equal(h.store.calls.get('latestBar') ?? 0, before);
      assert.equal(h.store.calls.get('instruments') ?? 0, instrumentsBefore);
    } finally {
      await h.app.close();
    }
  });

  it('falls back to the newest stored bar', async () => {
    const h = await harness({ live: false });
    try {
      const r = await h.app.inject(`/api/bars/latest?instrument=${BTC}&interval=1s`);
      assert.equal(r.statusCode, 200);
      const bar = r.json();
      assertMatches(BarSchema, bar);
      assert.equal(bar.start, T0 + 19_000);
      assert.equal(bar.final, true);
    } finally {
      await h.app.close();
    }
  });

  it('404 NOT_FOUND when the instrument has no bar of that interval; 404 UNKNOWN_INSTRUMENT when unknown', async () => {
    const h = await harness();
    try {
      const none = await h.app.inject(`/api/bars/latest?instrument=${BTC}&interval=5m`);
      assert.equal(none.statusCode, 404);
      assertErrorBody(none.json(), 'NOT_FOUND');
      const unknown = await h.app.inject('/api/bars/latest?instrument=kraken:XBTUSD');
      assert.equal(unknown.statusCode, 404);
      assertErrorBody(unknown.json(), 'UNKNOWN_INSTRUMENT');
      const badInterval = await h.app.inject(`/api/bars/latest?instrument=${BTC}&interval=7m`);
      assert.equal(badInterval.statusCode, 400);
      assertErrorBody(badInterval.json(), 'UNKNOWN_INTERVAL');
    } finally {
      await h.app.close();
    }
  });
});
