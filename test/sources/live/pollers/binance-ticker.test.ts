// The Binance ticker-price poller against the fake exchange's `/api/v3/ticker/price`: request
// shape, one tick per poll at the local time, unknown symbols found and dropped, bad rows and
// venue errors rejected while the feed goes on. Prices: LTCBTC is the docs' example answer
// (`{"symbol":"LTCBTC","price":"4.00000200"}`), the others the same 8-decimal strings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickflowError } from '../../../../src/core/index.js';
import { liveVenue, parseLiveSources } from '../../../../src/sources/live/registry.js';
import { BINANCE_TICKER_INTERVAL_MS, binanceTicker, createBinanceTicker } from '../../../../src/sources/live/pollers/binance-ticker.js';
import { binanceError, binanceTickerPriceRest } from '../../../fake-exchange/index.js';
import { feedStats, setup } from './support.js';

const PATH = '/api/v3/ticker/price';
const fast = createBinanceTicker({ intervalMs: 20 });

test('every poll is a price tick at the local receive time: size 0, no id, no side', async (t) => {
  const prices: Record<string, string> = { BTCUSDT: '61234.56000000', ETHUSDT: '2611.20000000', LTCBTC: '4.00000200' };
  const { fake, src, got } = await setup(t, fast, ['btcusdt', 'ETHUSDT', 'ltcbtc'], { rest: { [PATH]: binanceTickerPriceRest(prices) } });
  await fake.waitFor(() => got.of('binance:LTCBTC').length >= 3, 5000, 'three polls');
  // the market moves between polls
  prices['BTCUSDT'] = '61240.01000000';
  await fake.waitFor(() => got.of('binance:BTCUSDT').some((k) => k.price === 61240.01), 5000, 'the new price');

  const q = new URLSearchParams(fake.restHits[0]?.query);
  assert.equal(q.get('symbols'), '["BTCUSDT","ETHUSDT","LTCBTC"]');
  const ltc = got.of('binance:LTCBTC');
  // unchanged prices are ticks too: the ticker has no time, each poll is an observation
  assert.ok(ltc.every((k) => k.price === 4.000002 && k.size === 0 && k.id === -1 && k.side === 0 && k.ts === k.localTs));
  assert.ok(
    ltc.every((k, i) => i === 0 || k.ts > (ltc[i - 1]?.ts ?? Infinity)),
    'times increase',
  );
  assert.equal(got.of('binance:ETHUSDT')[0]?.price, 2611.2);
  assert.deepEqual(got.rejects, []);

  const s = feedStats(src);
  assert.equal(s.venue, 'binance-ticker');
  assert.equal(s.url, `${fake.restUrl}${PATH}`);
  assert.equal(s.state, 'open');
  assert.equal(s.symbols, 3);
  assert.equal(s.connects, 1);
  assert.equal(s.reconnects, 0);
  assert.equal(s.skewMs, null, 'no venue time, no skew');
  assert.ok(s.trades >= 9 && s.messages >= 3);
});

test('one symbol is asked for with symbol=, the cheaper request', async (t) => {
  const { fake, got } = await setup(t, fast, ['BTCUSDT'], { rest: { [PATH]: binanceTickerPriceRest({ BTCUSDT: '61234.56000000' }) } });
  await fake.waitFor(() => got.ticks.length >= 1, 5000, 'a tick');
  assert.equal(fake.restHits[0]?.query, 'symbol=BTCUSDT');
  assert.equal(got.ticks[0]?.inst, 'binance:BTCUSDT');
});

test('a symbol Binance does not know (-1121 for the whole request) is found by halving, dropped, and rejected once', async (t) => {
  const prices = { BTCUSDT: '61234.56000000', ETHUSDT: '2611.20000000', LTCBTC: '4.00000200' };
  const { fake, src, got } = await setup(t, fast, ['BTCUSDT', 'NOPEUSDT', 'ETHUSDT', 'LTCBTC'], {
    rest: { [PATH]: binanceTickerPriceRest(prices) },
  });
  await fake.waitFor(() => got.of('binance:LTCBTC').length >= 3, 5000, 'polls of the rest');
  const venueErrors = got.rejects.filter((r) => r.reason === 'VENUE_ERROR');
  assert.equal(venueErrors.length, 1);
  assert.match(venueErrors[0]?.message ?? '', /does not know symbol 'NOPEUSDT'.*-1121: Invalid symbol/);
  assert.equal(venueErrors[0]?.source, 'binance-ticker#0');
  const last = new URLSearchParams(fake.restHits.at(-1)?.query).get('symbols');
  assert.equal(last, '["BTCUSDT","ETHUSDT","LTCBTC"]', 'no longer asked for');
  assert.ok(got.of('binance:BTCUSDT').length >= 3 && got.of('binance:ETHUSDT').length >= 3);
  const s = feedStats(src);
  assert.equal(s.symbols, 3);
  assert.equal(s.venueErrors, 1);
  assert.equal(s.reconnects, 0, 'the venue answered: no backoff');
  assert.equal(s.state, 'open');
  assert.match(s.lastError ?? '', /NOPEUSDT/);
});

test('bad rows are rejected with their reason and the good ones still become ticks', async (t) => {
  const rows = [
    { symbol: 'BTCUSDT', price: '61234.56000000' },
    { symbol: 'ETHUSDT', price: '0.00000000' },
    { symbol: 'LTCBTC', price: 'abc' },
    { symbol: 'XRPUSDT' },
  ];
  const { fake, got } = await setup(t, fast, ['BTCUSDT', 'ETHUSDT', 'LTCBTC', 'XRPUSDT'], { rest: { [PATH]: () => ({ body: rows }) } });
  await fake.waitFor(() => got.of('binance:BTCUSDT').length >= 2, 5000, 'two polls');
  const first = got.rejects.filter((r) => r.position === 'message 1');
  assert.deepEqual(
    first.map((r) => r.reason),
    ['BAD_PRICE', 'NOT_NUMERIC', 'MALFORMED'],
  );
  assert.match(first[0]?.message ?? '', /binance:ETHUSDT: price 0/);
  assert.equal(first[1]?.raw, '{"symbol":"LTCBTC","price":"abc"}', 'the raw text is the offending row');
  assert.equal(got.of('binance:ETHUSDT').length, 0);
});

test('a venue error answer is a VENUE_ERROR reject, backs off, and polling resumes when it goes away', async (t) => {
  let refusals = 2;
  const ok = binanceTickerPriceRest({ BTCUSDT: '61234.56000000' });
  const { fake, src, got } = await setup(t, fast, ['BTCUSDT'], {
    rest: {
      [PATH]: (q, req) => (refusals-- > 0 ? binanceError(-1100, "Illegal characters found in parameter 'symbol'.") : ok(q, req)),
    },
  });
  await fake.waitFor(() => got.ticks.length >= 2, 5000, 'ticks after the errors');
  const errs = got.rejects.filter((r) => r.reason === 'VENUE_ERROR');
  assert.equal(errs.length, 2);
  assert.match(errs[0]?.message ?? '', /binance error -1100: Illegal characters/);
  const s = feedStats(src);
  assert.equal(s.venueErrors, 2);
  assert.equal(s.reconnects, 2, 'each refused poll is a failed one');
  assert.equal(s.state, 'open');
  assert.equal(s.connects, 1);
  // like a WebSocket that could not connect at first: the time without prices is a disconnect
  const [down, ...more] = src.stats().events.filter((e) => e.type === 'disconnect');
  assert.equal(more.length, 0);
  assert.ok(down !== undefined && (down.from ?? Infinity) <= (down.to ?? -Infinity));
  assert.deepEqual(got.gaps, [], 'no tick before it, so no gap in any instrument');
});

test('symbols are normalized to Binance spelling; anything else is BAD_INSTRUMENT', () => {
  assert.equal(binanceTicker.normalizeSymbol(' btcusdt '), 'BTCUSDT');
  assert.equal(binanceTicker.instrument('BTCUSDT'), 'binance:BTCUSDT');
  for (const bad of ['', 'B', 'BTC-USDT', 'BTC/USDT', 'X'.repeat(21)]) {
    assert.throws(
      () => binanceTicker.normalizeSymbol(bad),
      (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT',
      bad,
    );
  }
  assert.equal(liveVenue('binance-ticker'), binanceTicker);
  const [sub] = parseLiveSources(['binance-ticker:btcusdt,ethusdt']);
  assert.equal(sub?.venue, binanceTicker);
  assert.deepEqual(sub?.symbols, ['BTCUSDT', 'ETHUSDT']);
  assert.equal(binanceTicker.restUrl, 'https://api.binance.com');
  assert.equal(BINANCE_TICKER_INTERVAL_MS, 1000);
  assert.ok(binanceTicker.maxSymbolsPerFeed >= 1);
});
