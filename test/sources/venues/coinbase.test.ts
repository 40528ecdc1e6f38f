// Coinbase Advanced Trade `market_trades` mapper and spec (src/sources/live/venues/coinbase.ts), on the recorded
// cryptofeed capture (../shared/data/ws-captures/cryptofeed/COINBASE.v3.jsonl.gz, SOURCES.md §4b) and on bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickflowError } from '../../../src/core/index.js';
import { coinbase } from '../../../src/sources/live/venues/coinbase.js';
import { cryptofeedCapture, readCapture, receivedFrames } from '../../support/captures.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { assertIgnored, assertNeverThrows, mapByConnection, mapOne, onlyReject, venueErrorOf } from './frames.js';
import { matchSnapshot } from './snapshot.js';

/** A receive time near the capture's (its recorder clock says 2026-08-09). */
const NOW = Date.UTC(2026, 7, 9, 21, 6, 0);

function frame(trades: readonly unknown[], type = 'update'): string {
  return JSON.stringify({ channel: 'market_trades', timestamp: '2026-08-09T21:05:59.1Z', sequence_num: 1, events: [{ type, trades }] });
}

const GOOD = {
  product_id: 'BTC-USD',
  trade_id: '1068572091',
  price: '65083.67',
  size: '0.01034361',
  time: '2026-08-09T21:05:48.167634Z',
  side: 'SELL',
};

test('coinbase: the capture maps to 279 trades, none rejected', { skip: NO_SHARED_DATA }, async () => {
  const frames = receivedFrames(readCapture(cryptofeedCapture('COINBASE.v3.jsonl.gz')));
  const m = mapByConnection(coinbase, frames);
  assert.deepEqual(m.counts, { frames: 1030, trades: 279, ignored: 1030 - 59, rejects: {}, venueErrors: 0 });
  assert.deepEqual(m.rejects, []);

  // the first update of the capture, as the raw frame shows it (sequence_num 9)
  const first = m.trades.find((t) => t[4] === 1068572091);
  assert.deepEqual(first, ['coinbase:BTC-USD', Date.UTC(2026, 7, 9, 21, 5, 48) + 167.634, 65083.67, 0.01034361, 1068572091, 1]);
  // snapshots list newest first; the mapper pushes oldest first, so the very first trade is the snapshot's last entry
  assert.deepEqual(m.trades[0]?.slice(0, 1).concat(m.trades[0]?.[4] ?? 0), ['coinbase:BTC-USD', 1068571991]);

  // ids are consecutive per product over snapshot and updates alike: the 'sequential' of the spec
  const last = new Map<string, number>();
  for (const [inst, , , , id] of m.trades) {
    const prev = last.get(inst);
    if (prev !== undefined) assert.equal(id, prev + 1, `${inst} id after ${prev}`);
    last.set(inst, id);
  }
  assert.deepEqual([...last.keys()].sort(), ['coinbase:BTC-USD', 'coinbase:ETH-USD']);

  await matchSnapshot('coinbase', { counts: m.counts, trades: m.trades });
});

test('coinbase: side is the maker side, as the ticker around each update shows', { skip: NO_SHARED_DATA }, () => {
  // the evidence the mapper's comment cites: where each update printed against the last ticker's best bid/ask
  const frames = receivedFrames(readCapture(cryptofeedCapture('COINBASE.v3.jsonl.gz')));
  const mapper = coinbase.createMapper();
  const quotes = new Map<string, { bid: number; ask: number }>();
  const where: Record<string, number> = {};
  for (const f of frames) {
    const v = JSON.parse(f.data) as { channel: string; events: { type: string; tickers?: Record<string, string>[] }[] };
    if (v.channel === 'ticker') {
      for (const e of v.events)
        for (const t of e.tickers ?? [])
          quotes.set(`coinbase:${t['product_id']}`, { bid: Number(t['best_bid']), ask: Number(t['best_ask']) });
      continue;
    }
    if (v.channel !== 'market_trades' || v.events[0]?.type !== 'update') continue;
    for (const [inst, , price, , , side] of mapOne(mapper, f.data, f.ts).trades) {
      const q = quotes.get(inst);
      assert.ok(q);
      const at = price >= q.ask ? 'ask' : price <= q.bid ? 'bid' : 'inside';
      const key = `${side === 1 ? 'buyer' : 'seller'} aggressor at ${at}`;
      where[key] = (where[key] ?? 0) + 1;
    }
  }
  assert.deepEqual(where, {
    'buyer aggressor at ask': 49,
    'seller aggressor at bid': 26,
    'buyer aggressor at bid': 1,
    'buyer aggressor at inside': 1,
    'seller aggressor at inside': 2,
  });
});

test('coinbase: a frame is checked trade by trade; the good ones are still pushed', () => {
  const mapper = coinbase.createMapper();
  const future = new Date(NOW + 2 * 86_400_000).toISOString();
  const { result, trades } = mapOne(
    mapper,
    frame([
      GOOD,
      { ...GOOD, trade_id: '2', price: 'NaN' },
      { ...GOOD, trade_id: '3', price: '-5' },
      { ...GOOD, trade_id: '4', price: 'abc' },
      { ...GOOD, trade_id: '5', size: '-0.1' },
      { ...GOOD, trade_id: '6', time: future },
      { ...GOOD, trade_id: '7', time: '2026-08-09 21:05' },
      { ...GOOD, trade_id: '8', price: undefined },
      { ...GOOD, trade_id: '9', product_id: 'btc usd' },
      { ...GOOD, trade_id: '10', product_id: 7 },
      { ...GOOD, trade_id: undefined },
      'not a trade',
      { ...GOOD, trade_id: '1068572092', side: 'BUY', size: '0' },
    ]),
    NOW,
  );
  assert.equal(result.trades, 2);
  assert.deepEqual(
    result.rejects.map((r) => r.reason),
    [
      'BAD_PRICE',
      'BAD_PRICE',
      'NOT_NUMERIC',
      'BAD_SIZE',
      'TIMESTAMP_IN_FUTURE',
      'BAD_TIMESTAMP',
      'MALFORMED',
      'BAD_INSTRUMENT',
      'MALFORMED',
      'MALFORMED',
      'MALFORMED',
    ],
  );
  assert.match(result.rejects[0]?.message ?? '', /^events\[0\]\.trades\[1\]: price is NaN$/);
  assert.match(result.rejects[4]?.message ?? '', /more than 24 h ahead/);
  assert.match(result.rejects[5]?.message ?? '', /"2026-08-09 21:05" is not an RFC 3339 UTC time/);
  assert.deepEqual(
    trades.map((t) => [t[4], t[5], t[3]]),
    [
      [1068572091, 1, 0.01034361],
      [1068572092, -1, 0],
    ],
  );
});

test('coinbase: unknown sides are 0, unparseable ids -1, ns fractions kept to the µs', () => {
  const { trades } = mapOne(
    coinbase.createMapper(),
    frame([{ ...GOOD, side: 'UNKNOWN_ORDER_SIDE', trade_id: 'abc', time: '2026-08-09T21:05:48.123456789Z' }]),
    NOW,
  );
  assert.equal(trades.length, 1);
  const [, ts, , , id, side] = trades[0] ?? [];
  assert.equal(side, 0);
  assert.equal(id, -1);
  assert.ok(Math.abs((ts ?? 0) - (Date.UTC(2026, 7, 9, 21, 5, 48) + 123.456789)) < 0.001);
});

test('coinbase: broken frames are one MALFORMED reject; others are ignored or venue errors', () => {
  const m = coinbase.createMapper();
  assert.match(onlyReject(m, 'garbage', NOW).message, /not valid JSON/);
  assert.equal(onlyReject(m, '', NOW).reason, 'MALFORMED');
  assert.match(onlyReject(m, '[1,2]', NOW).message, /not a JSON object but an array/);
  assert.match(onlyReject(m, 'null', NOW).message, /not a JSON object but null/);
  assert.match(onlyReject(m, '{"channel":"market_trades","events":{}}', NOW).message, /events is an object, not an array/);
  const noTrades = onlyReject(m, '{"channel":"market_trades","events":[{"type":"update"}]}', NOW);
  assert.deepEqual(noTrades, { reason: 'MALFORMED', message: 'events[0]: trades is missing, not an array' });

  assert.equal(venueErrorOf(m, '{"type":"error","message":"failure to subscribe"}', NOW), 'failure to subscribe');
  assert.match(venueErrorOf(m, '{"type":"error"}', NOW), /"type":"error"/);
  assertIgnored(m, '{"channel":"subscriptions","events":[{"subscriptions":{"market_trades":["BTC-USD"]}}]}', NOW);
  assertIgnored(m, '{"channel":"heartbeats","events":[{"current_time":"…","heartbeat_counter":41691}]}', NOW);
  assertIgnored(m, '{"channel":"l2_data","events":[]}', NOW);
  assertIgnored(m, '{"channel":"market_trades","events":[]}', NOW);
  assertIgnored(m, '{}', NOW);
});

test('coinbase: damaged frames never throw', () => {
  const n = assertNeverThrows(coinbase, [frame([GOOD, { ...GOOD, trade_id: '1068572092' }]), '{"type":"error","message":"x"}'], NOW);
  assert.ok(n > 100);
});

test('coinbase: symbols, instruments and subscription frames', () => {
  assert.equal(coinbase.normalizeSymbol(' btc-usd '), 'BTC-USD');
  assert.equal(coinbase.normalizeSymbol('bip-20dec30-cde'), 'BIP-20DEC30-CDE');
  for (const bad of ['btcusd', 'BTC/USD', '', 'BTC-', 'BTC USD']) {
    assert.throws(
      () => coinbase.normalizeSymbol(bad),
      (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT' && e.message.includes('BTC-USD'),
      bad,
    );
  }
  assert.equal(coinbase.instrument('BTC-USD'), 'coinbase:BTC-USD');
  assert.throws(
    () => coinbase.instrument('BTC USD'),
    (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT',
  );
  assert.equal(coinbase.connectUrl(coinbase.wsUrl, ['BTC-USD']), 'wss://advanced-trade-ws.coinbase.com');
  assert.equal(coinbase.ids, 'sequential');
  assert.equal(coinbase.ping, undefined);

  assert.deepEqual(coinbase.subscribe([]), []);
  const symbols = Array.from({ length: 250 }, (_, i) => `C${i}-USD`);
  const frames = coinbase.subscribe(symbols).map((f) => JSON.parse(f) as { type: string; channel: string; product_ids: string[] });
  assert.deepEqual(
    frames.map((f) => [f.type, f.channel, f.product_ids.length]),
    [
      ['subscribe', 'market_trades', 100],
      ['subscribe', 'market_trades', 100],
      ['subscribe', 'market_trades', 50],
      ['subscribe', 'heartbeats', 250],
    ],
  );
  assert.deepEqual(
    frames.slice(0, 3).flatMap((f) => f.product_ids),
    symbols,
  );
});
