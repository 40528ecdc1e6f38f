import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { NO_SHARED_DATA } from '../helpers.js';
import { cryptofeedCapture, readCapture, receivedFrames } from '../support/captures.js';
import {
  binanceAggTradesFromFrames,
  binanceAggTradesRest,
  binanceTickerPriceRest,
  binanceTradesFromFrames,
  binanceTradesRest,
  coingeckoSimplePriceRest,
  type RestHandler,
  type RestResponse,
} from './index.js';
import { decimalProduct } from './binance-rest.js';

// The handlers never look at the request object.
const req = {} as IncomingMessage;
async function get(h: RestHandler, query: string): Promise<RestResponse> {
  return h(new URLSearchParams(query), req);
}

const tradeFrame = (t: number, p: string, q: string, m: boolean): { data: string } => ({
  data: JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: 1000 + t, s: 'BTCUSDT', t, p, q, T: 999 + t, m, M: true } }),
});

test('binanceTradesFromFrames keeps trade events only, one per id, in id order', () => {
  const frames = [
    tradeFrame(12, '61837.63000000', '0.02000000', true),
    { data: '{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT"}}' },
    tradeFrame(11, '61837.62000000', '0.00100000', false),
    tradeFrame(12, '61837.63000000', '0.02000000', true),
    { data: 'not json "e":"trade"' },
  ];
  assert.deepEqual(binanceTradesFromFrames(frames), [
    { symbol: 'BTCUSDT', id: 11, price: '61837.62000000', qty: '0.00100000', time: 1010, isBuyerMaker: false, isBestMatch: true },
    { symbol: 'BTCUSDT', id: 12, price: '61837.63000000', qty: '0.02000000', time: 1011, isBuyerMaker: true, isBestMatch: true },
  ]);
});

test('historicalTrades: fromId, limit clamp, newest without fromId, Binance errors', async () => {
  const trades = binanceTradesFromFrames([...Array(1500).keys()].map((i) => tradeFrame(100 + i, '2.50000000', '4.00000000', i % 2 === 0)));
  const h = binanceTradesRest(trades);
  const page = await get(h, 'symbol=BTCUSDT&fromId=150&limit=3');
  assert.deepEqual(page, {
    status: 200,
    body: [150, 151, 152].map((id) => ({
      id,
      price: '2.50000000',
      qty: '4.00000000',
      quoteQty: '10.00000000',
      time: 999 + id,
      isBuyerMaker: id % 2 === 0,
      isBestMatch: true,
    })),
  });
  const ids = async (q: string): Promise<number[]> => ((await get(h, q)).body as { id: number }[]).map((r) => r.id);
  assert.equal((await ids('symbol=BTCUSDT&fromId=100&limit=5000')).length, 1000, 'limit clamped to 1000');
  const newest = await ids('symbol=BTCUSDT');
  assert.equal(newest.length, 500);
  assert.equal(newest.at(-1), 1599);
  assert.deepEqual(await ids('symbol=BTCUSDT&fromId=5000'), []);
  assert.equal((await ids('symbol=BTCUSDT&fromId=0&limit=1'))[0], 100, 'from before the first known trade: the first one');
  assert.deepEqual((await get(h, 'fromId=1')).body, {
    code: -1102,
    msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
  });
  assert.equal(((await get(h, 'symbol=btcusdt')).body as { code: number }).code, -1100);
  assert.deepEqual(await get(h, 'symbol=ETHUSDT'), { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
  assert.equal((await get(h, 'symbol=BTCUSDT&fromId=abc')).status, 400);
  const fut = (await get(binanceTradesRest(trades, { futures: true }), 'symbol=BTCUSDT&fromId=100&limit=1')).body as object[];
  assert.equal('isBestMatch' in (fut[0] ?? {}), false);
});

test('aggTrades from captured aggTrade frames: fromId, startTime/endTime, spot vs futures shape', { skip: NO_SHARED_DATA }, async () => {
  const spot = binanceAggTradesFromFrames(receivedFrames(readCapture(cryptofeedCapture('BINANCE.v3.jsonl.gz'))));
  assert.ok(spot.length >= 1);
  const first = spot[0];
  assert.ok(first);
  const row = (await get(binanceAggTradesRest(spot), `symbol=${first.symbol}&fromId=${first.a}&limit=1`)).body as object[];
  assert.deepEqual(row, [{ a: first.a, p: first.p, q: first.q, f: first.f, l: first.l, T: first.T, m: first.m, M: first.M ?? true }]);

  const fut = binanceAggTradesFromFrames(receivedFrames(readCapture(cryptofeedCapture('BINANCE_FUTURES.v3.jsonl.gz'))));
  const ctk = fut.filter((t) => t.symbol === 'CTKUSDT');
  assert.ok(ctk.length >= 4);
  const h = binanceAggTradesRest(fut, { futures: true });
  const mid = ctk[1];
  const last = ctk.at(-2);
  assert.ok(mid && last);
  const inWindow = (await get(h, `symbol=CTKUSDT&startTime=${mid.T}&endTime=${last.T}`)).body as { a: number; T: number }[];
  assert.deepEqual(
    inWindow.map((r) => r.a),
    ctk.filter((t) => t.T >= mid.T && t.T <= last.T).map((t) => t.a),
  );
  assert.deepEqual(Object.keys(inWindow[0] ?? {}), ['a', 'p', 'q', 'f', 'l', 'T', 'm']);
  const fromId = (await get(h, `symbol=CTKUSDT&fromId=${mid.a}&limit=2`)).body as { a: number }[];
  assert.deepEqual(
    fromId.map((r) => r.a),
    ctk.slice(1, 3).map((t) => t.a),
  );
});

test('ticker/price: one symbol, a JSON list of symbols, all, and errors', async () => {
  const prices: Record<string, string | number> = { BTCUSDT: '61837.63000000', ETHUSDT: 2650.5 };
  const h = binanceTickerPriceRest(prices);
  assert.deepEqual(await get(h, 'symbol=BTCUSDT'), { status: 200, body: { symbol: 'BTCUSDT', price: '61837.63000000' } });
  assert.deepEqual((await get(h, `symbols=${encodeURIComponent('["ETHUSDT","BTCUSDT"]')}`)).body, [
    { symbol: 'ETHUSDT', price: '2650.50000000' },
    { symbol: 'BTCUSDT', price: '61837.63000000' },
  ]);
  assert.equal(((await get(h, '')).body as unknown[]).length, 2);
  prices['BTCUSDT'] = '62000.00000000';
  assert.deepEqual((await get(h, 'symbol=BTCUSDT')).body, { symbol: 'BTCUSDT', price: '62000.00000000' }, 'read per request');
  assert.deepEqual(await get(h, 'symbol=XRPUSDT'), { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
  assert.equal(((await get(h, 'symbol=btcusdt')).body as { code: number }).code, -1100);
  assert.equal(((await get(h, 'symbols=BTCUSDT')).body as { code: number }).code, -1100);
  assert.equal(((await get(h, 'symbol=BTCUSDT&symbols=["BTCUSDT"]')).body as { code: number }).code, -1128);
});

test('CoinGecko simple/price: ids × vs_currencies, optional fields, unknown ids left out', async () => {
  const h = coingeckoSimplePriceRest({
    bitcoin: { usd: 67187.3358936566, eur: 62000.1, usd_24h_change: 3.63727894677354, last_updated_at: 1711356300 },
    ethereum: { usd: 3500.25 },
  });
  assert.deepEqual(await get(h, 'ids=bitcoin,ethereum,nocoin&vs_currencies=usd'), {
    status: 200,
    body: { bitcoin: { usd: 67187.3358936566 }, ethereum: { usd: 3500.25 } },
  });
  assert.deepEqual((await get(h, 'ids=bitcoin&vs_currencies=usd,eur&include_24hr_change=true&include_last_updated_at=true')).body, {
    bitcoin: { usd: 67187.3358936566, usd_24h_change: 3.63727894677354, eur: 62000.1, eur_24h_change: null, last_updated_at: 1711356300 },
  });
  assert.deepEqual((await get(h, 'ids=nocoin&vs_currencies=usd')).body, {});
  assert.equal((await get(h, 'ids=bitcoin')).status, 400);
});

test('decimalProduct is exact', () => {
  assert.equal(decimalProduct('61837.63000000', '0.02000000'), '1236.75260000');
  assert.equal(decimalProduct('4.00000100', '12.00000000'), '48.00001200');
  assert.equal(decimalProduct('0.1', '0.2'), '0.02000000');
  assert.equal(decimalProduct('3', '7', 0), '21');
});
