// Coinbase Exchange (Pro) `matches` mapper and spec (src/sources/live/venues/coinbase-exchange.ts), on the recorded
// cryptofeed capture (../shared/data/ws-captures/cryptofeed/COINBASE-legacy-pro.ws.28.0.txt.gz, SOURCES.md §4b).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickflowError } from '../../../src/core/index.js';
import { coinbaseExchange } from '../../../src/sources/live/venues/coinbase-exchange.js';
import { cryptofeedCapture, readCapture, receivedFrames } from '../../support/captures.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { assertIgnored, assertNeverThrows, mapByConnection, mapOne, onlyReject, venueErrorOf } from './frames.js';
import { matchSnapshot } from './snapshot.js';

const NOW = Date.UTC(2021, 3, 17, 16, 44, 0);
const MATCH = {
  type: 'match',
  trade_id: 1568268,
  maker_order_id: '8d275e33-4b41-4648-b135-b407f85c6897',
  taker_order_id: '460227d8-3765-4185-8b7f-d9ee118403a2',
  side: 'sell',
  size: '1338.3',
  price: '0.7904',
  product_id: 'SKL-USD',
  sequence: 201390043,
  time: '2021-04-17T16:43:38.056746Z',
};
const text = (o: object): string => JSON.stringify(o);

function capture(): { conn: string; data: string; ts: number }[] {
  return receivedFrames(readCapture(cryptofeedCapture('COINBASE-legacy-pro.ws.28.0.txt.gz')));
}

test('coinbase-exchange: the capture maps to 97 match + 10 last_match trades', { skip: NO_SHARED_DATA }, async () => {
  const frames = capture();
  const m = mapByConnection(coinbaseExchange, frames);
  assert.deepEqual(m.counts, { frames: 9946, trades: 107, ignored: 9946 - 107, rejects: {}, venueErrors: 0 });
  const types = frames.map((f) => (JSON.parse(f.data) as { type: string }).type);
  assert.equal(types.filter((t) => t === 'match').length, 97);
  assert.equal(types.filter((t) => t === 'last_match').length, 10);

  // the first frame with a trade: {"type":"last_match","trade_id":881613,…,"side":"sell","size":"0.04","price":"14.7775",
  // "product_id":"BAND-GBP",…,"time":"2021-04-17T16:43:30.244075Z"}; side sell = maker sold = buyer aggressor
  assert.deepEqual(m.trades[0], ['coinbase-exchange:BAND-GBP', Date.UTC(2021, 3, 17, 16, 43, 30) + 244.075, 14.7775, 0.04, 881613, 1]);

  // per product the matches continue the last_match's id one by one: 'sequential'
  const last = new Map<string, number>();
  for (const [inst, , , , id] of m.trades) {
    const prev = last.get(inst);
    if (prev !== undefined) assert.equal(id, prev + 1, `${inst} after ${prev}`);
    last.set(inst, id);
  }
  assert.equal(last.size, 10);
  await matchSnapshot('coinbase-exchange', { counts: m.counts, trades: m.trades });
});

test('coinbase-exchange: side is the maker side: no trade prints against its aggressor', { skip: NO_SHARED_DATA }, () => {
  const mapper = coinbaseExchange.createMapper();
  const quotes = new Map<string, { bid: number; ask: number }>();
  const where: Record<string, number> = {};
  for (const f of capture()) {
    const v = JSON.parse(f.data) as Record<string, string>;
    if (v['type'] === 'ticker')
      quotes.set(`coinbase-exchange:${v['product_id']}`, { bid: Number(v['best_bid']), ask: Number(v['best_ask']) });
    for (const [inst, , price, , , side] of mapOne(mapper, f.data, f.ts).trades) {
      const q = quotes.get(inst);
      if (q === undefined) continue;
      const at = price >= q.ask ? 'ask' : price <= q.bid ? 'bid' : 'inside';
      const key = `${side === 1 ? 'buyer' : 'seller'} aggressor at ${at}`;
      where[key] = (where[key] ?? 0) + 1;
    }
  }
  assert.deepEqual(where, {
    'buyer aggressor at ask': 39,
    'seller aggressor at bid': 32,
    'buyer aggressor at inside': 14,
    'seller aggressor at inside': 22,
  });
});

test('coinbase-exchange: bad trades are rejected with the reason of their first bad field', () => {
  const m = coinbaseExchange.createMapper();
  const cases: [object, string, RegExp][] = [
    [{ ...MATCH, price: 'NaN' }, 'BAD_PRICE', /^match: price is NaN$/],
    [{ ...MATCH, price: '-0.7904' }, 'BAD_PRICE', /not a positive finite number/],
    [{ ...MATCH, price: '' }, 'NOT_NUMERIC', /price '' is not a number/],
    [{ ...MATCH, size: '-1' }, 'BAD_SIZE', /size -1/],
    [{ ...MATCH, size: undefined }, 'MALFORMED', /size is missing/],
    [{ ...MATCH, time: '2031-04-17T16:43:38.056746Z' }, 'TIMESTAMP_IN_FUTURE', /ahead of the local clock/],
    [{ ...MATCH, time: '2008-04-17T16:43:38Z' }, 'TIMESTAMP_TOO_OLD', /before 2009/],
    [{ ...MATCH, time: 1618677818 }, 'BAD_TIMESTAMP', /1618677818 is not an RFC 3339 UTC time/],
    [{ ...MATCH, time: '2021-02-30T00:00:00Z' }, 'BAD_TIMESTAMP', /not an RFC 3339/],
    [{ ...MATCH, product_id: 'skl usd' }, 'BAD_INSTRUMENT', /"skl usd" cannot form an instrument id/],
    [{ ...MATCH, product_id: undefined }, 'MALFORMED', /product_id is missing/],
    [{ ...MATCH, trade_id: undefined }, 'MALFORMED', /without trade_id/],
  ];
  for (const [o, reason, message] of cases) {
    const r = onlyReject(m, text(o), NOW);
    assert.equal(r.reason, reason, JSON.stringify(o));
    assert.match(r.message, message);
  }
  const { trades } = mapOne(m, text({ ...MATCH, side: 'buy', trade_id: 2 ** 60 }), NOW);
  assert.deepEqual(trades, [['coinbase-exchange:SKL-USD', Date.UTC(2021, 3, 17, 16, 43, 38) + 56.746, 0.7904, 1338.3, -1, -1]]);
});

test('coinbase-exchange: garbage, errors and other messages', () => {
  const m = coinbaseExchange.createMapper();
  assert.match(onlyReject(m, '{"type":"match",', NOW).message, /not valid JSON/);
  assert.match(onlyReject(m, '"match"', NOW).message, /not a JSON object but string "match"/);
  assert.equal(
    venueErrorOf(m, text({ type: 'error', message: 'Failed to subscribe', reason: 'FOO-BAR is not a valid product' }), NOW),
    'Failed to subscribe: FOO-BAR is not a valid product',
  );
  assert.equal(venueErrorOf(m, text({ type: 'error', message: 'rate limited' }), NOW), 'rate limited');
  assertIgnored(m, text({ type: 'subscriptions', channels: [{ name: 'matches', product_ids: ['BTC-USD'] }] }), NOW);
  assertIgnored(
    m,
    text({ type: 'heartbeat', sequence: 90, last_trade_id: 20, product_id: 'BTC-USD', time: '2014-11-07T08:19:28.464459Z' }),
    NOW,
  );
  assertIgnored(m, text({ type: 'l2update', product_id: 'BTC-USD', changes: [] }), NOW);
  assert.ok(assertNeverThrows(coinbaseExchange, [text(MATCH), text({ type: 'error', message: 'x', reason: 'y' })], NOW) > 100);
});

test('coinbase-exchange: symbols, instruments and subscription frames', () => {
  assert.equal(coinbaseExchange.normalizeSymbol('skl-usd'), 'SKL-USD');
  assert.throws(
    () => coinbaseExchange.normalizeSymbol('SKL_USD'),
    (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT',
  );
  assert.equal(coinbaseExchange.instrument('SKL-USD'), 'coinbase-exchange:SKL-USD');
  assert.equal(coinbaseExchange.ids, 'sequential');
  assert.equal(coinbaseExchange.wsUrl, 'wss://ws-feed.exchange.coinbase.com');
  const frames = coinbaseExchange
    .subscribe(Array.from({ length: 150 }, (_, i) => `C${i}-USD`))
    .map((f) => JSON.parse(f) as Record<string, unknown>);
  assert.equal(frames.length, 2);
  assert.deepEqual(frames[0]?.['channels'], ['matches', 'heartbeat']);
  assert.deepEqual(
    frames.map((f) => (f['product_ids'] as string[]).length),
    [100, 50],
  );
  assert.deepEqual(coinbaseExchange.subscribe([]), []);
});
