// Bybit v5 `publicTrade` mapper and its two specs, spot and linear (src/sources/live/venues/bybit.ts), on the
// recorded cryptofeed capture (../shared/data/ws-captures/cryptofeed/BYBIT.v3.jsonl.gz, SOURCES.md §4b:
// connection BYBIT.ws.2 is linear, 102 publicTrade frames; BYBIT.ws.3 spot, 18) and on bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickflowError } from '../../../src/core/index.js';
import { bybit, bybitLinear } from '../../../src/sources/live/venues/bybit.js';
import { cryptofeedCapture, readCapture, receivedFrames, type CaptureEvent } from '../../support/captures.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { assertIgnored, assertNeverThrows, mapAll, mapOne, onlyReject, venueErrorOf } from './frames.js';
import { matchSnapshot } from './snapshot.js';

const NOW = Date.UTC(2026, 7, 9, 21, 27, 0);
const SPOT_TRADE = {
  i: '2290000001189048101',
  T: 1786310822605,
  p: '65140.5',
  v: '0.002705',
  S: 'Buy',
  seq: 112488547164,
  s: 'BTCUSDT',
  BT: false,
  RPI: false,
};
const frame = (...data: unknown[]): string => JSON.stringify({ topic: 'publicTrade.BTCUSDT', ts: 1786310822606, type: 'snapshot', data });

let events: CaptureEvent[] | undefined;
const capture = (conn: string): CaptureEvent[] => receivedFrames((events ??= readCapture(cryptofeedCapture('BYBIT.v3.jsonl.gz'))), conn);

test('bybit: the capture maps to 20 spot + 327 linear = 347 trades, none rejected', { skip: NO_SHARED_DATA }, async () => {
  const spot = mapAll(bybit.createMapper(), capture('BYBIT.ws.3'));
  const linear = mapAll(bybitLinear.createMapper(), capture('BYBIT.ws.2'));
  assert.deepEqual(spot.counts, { frames: 681, trades: 20, ignored: 681 - 18, rejects: {}, venueErrors: 0 });
  assert.deepEqual(linear.counts, { frames: 2546, trades: 327, ignored: 2546 - 102, rejects: {}, venueErrors: 0 });
  assert.equal(spot.counts.trades + linear.counts.trades, 347);

  // first spot frame: {"topic":"publicTrade.ETHUSDT",…,"data":[{"i":"2280000001739247417","T":1786310821917,"p":"1923.28",
  // "v":"0.04537","S":"Sell",…,"s":"ETHUSDT",…}]}
  assert.deepEqual(spot.trades[0], ['bybit:ETHUSDT', 1786310821917, 1923.28, 0.04537, -1, -1]);
  // first linear frame: {"topic":"publicTrade.BTCUSDT",…,"data":[{"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004",
  // "p":"65114.20",…,"i":"a9188a0a-82bc-50de-be60-03eedbe3cdd7",…}]}
  assert.deepEqual(linear.trades[0], ['bybit-linear:BTCUSDT', 1786310819680, 65114.2, 0.004, -1, -1]);
  assert.ok([...spot.trades, ...linear.trades].every((t) => t[4] === -1));

  await matchSnapshot('bybit', { counts: spot.counts, trades: spot.trades });
  await matchSnapshot('bybit-linear', { counts: linear.counts, trades: linear.trades });
});

test('bybit: S is the taker side: linear trades print at the ask when Buy, at the bid when Sell', { skip: NO_SHARED_DATA }, () => {
  const mapper = bybitLinear.createMapper();
  const quotes = new Map<string, { bid: number; ask: number }>();
  const where: Record<string, number> = {};
  for (const f of capture('BYBIT.ws.2')) {
    const v = JSON.parse(f.data) as { topic?: string; data?: Record<string, string> };
    if (v.topic?.startsWith('tickers.') && v.data) {
      const old = quotes.get(`bybit-linear:${v.data['symbol']}`);
      // deltas carry only what changed
      const bid = Number(v.data['bid1Price'] ?? old?.bid);
      const ask = Number(v.data['ask1Price'] ?? old?.ask);
      quotes.set(`bybit-linear:${v.data['symbol']}`, { bid, ask });
    }
    for (const [inst, , price, , , side] of mapOne(mapper, f.data, f.ts).trades) {
      const q = quotes.get(inst);
      if (q === undefined) continue;
      const at = price >= q.ask ? 'ask' : price <= q.bid ? 'bid' : 'inside';
      const key = `${side === 1 ? 'buyer' : 'seller'} aggressor at ${at}`;
      where[key] = (where[key] ?? 0) + 1;
    }
  }
  assert.deepEqual(where, { 'buyer aggressor at ask': 112, 'seller aggressor at bid': 215 });
});

test('bybit: bad trades are rejected one by one, the others pushed', () => {
  const { result, trades } = mapOne(
    bybit.createMapper(),
    frame(
      SPOT_TRADE,
      { ...SPOT_TRADE, p: 'NaN' },
      { ...SPOT_TRADE, p: '0' },
      { ...SPOT_TRADE, v: '-0.002705' },
      { ...SPOT_TRADE, v: 'abc' },
      { ...SPOT_TRADE, T: NOW + 2 * 86_400_000 },
      { ...SPOT_TRADE, T: 'soon' },
      { ...SPOT_TRADE, T: undefined },
      { ...SPOT_TRADE, s: 'BTC USDT' },
      { ...SPOT_TRADE, s: undefined },
      null,
      { ...SPOT_TRADE, S: 'Sell', T: '1786310822700' },
    ),
    NOW,
  );
  assert.deepEqual(
    result.rejects.map((r) => r.reason),
    [
      'BAD_PRICE',
      'BAD_PRICE',
      'BAD_SIZE',
      'NOT_NUMERIC',
      'TIMESTAMP_IN_FUTURE',
      'BAD_TIMESTAMP',
      'MALFORMED',
      'BAD_INSTRUMENT',
      'MALFORMED',
      'MALFORMED',
    ],
  );
  assert.equal(result.rejects[0]?.message, 'data[1]: price (p) is NaN');
  assert.equal(result.rejects[5]?.message, 'data[6]: time (T) "soon" is not epoch ms');
  assert.deepEqual(trades, [
    ['bybit:BTCUSDT', 1786310822605, 65140.5, 0.002705, -1, 1],
    ['bybit:BTCUSDT', 1786310822700, 65140.5, 0.002705, -1, -1],
  ]);
});

test('bybit: wrong shapes, responses and other topics', () => {
  const m = bybitLinear.createMapper();
  assert.match(onlyReject(m, '{"topic":', NOW).message, /not valid JSON/);
  assert.match(onlyReject(m, 'true', NOW).message, /not a JSON object but boolean true/);
  assert.match(
    onlyReject(m, '{"topic":"publicTrade.BTCUSDT","data":{}}', NOW).message,
    /publicTrade.BTCUSDT frame whose data is an object/,
  );
  assert.equal(
    venueErrorOf(
      m,
      '{"success":false,"ret_msg":"error:handler not found","conn_id":"d8bu1olkndm7crnfs1e0-j6akw","req_id":"","op":"subscribe"}',
      NOW,
    ),
    'error:handler not found',
  );
  assert.match(venueErrorOf(m, '{"success":false}', NOW), /"success":false/);
  assertIgnored(m, '{"success":true,"ret_msg":"","conn_id":"d8bu1olkndm7crnfs1e0-j6akw","req_id":"","op":"subscribe"}', NOW);
  assertIgnored(m, '{"success":true,"ret_msg":"pong","conn_id":"d8bu1olkndm7crnfs1e0-j6akw","req_id":"","op":"ping"}', NOW);
  assertIgnored(m, '{"req_id":"","op":"pong","args":["1786310850000"],"conn_id":"d8bu1p4kndm7crnfs1g0-j6al4"}', NOW);
  assertIgnored(m, '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT"},"cs":1,"ts":1786310819681}', NOW);
  assertIgnored(m, frame(), NOW);
  assert.ok(assertNeverThrows(bybit, [frame(SPOT_TRADE), '{"success":false,"ret_msg":"x","op":"subscribe"}'], NOW) > 100);
});

test('bybit: symbols, instruments, subscription and ping frames of both specs', () => {
  for (const spec of [bybit, bybitLinear]) {
    assert.equal(spec.normalizeSymbol('btcusdt'), 'BTCUSDT');
    assert.equal(spec.normalizeSymbol('btc-26dec25'), 'BTC-26DEC25');
    assert.throws(
      () => spec.normalizeSymbol('BTC/USDT'),
      (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT' && e.message.includes('BTCUSDT'),
    );
    assert.equal(spec.ids, 'none');
    assert.deepEqual(spec.ping, { frame: '{"op":"ping"}', intervalMs: 20_000 });
    const symbols = Array.from({ length: 25 }, (_, i) => `C${i}USDT`);
    const frames = spec.subscribe(symbols).map((f) => JSON.parse(f) as { op: string; args: string[] });
    assert.deepEqual(
      frames.map((f) => [f.op, f.args.length]),
      [
        ['subscribe', 10],
        ['subscribe', 10],
        ['subscribe', 5],
      ],
    );
    assert.deepEqual(
      frames.flatMap((f) => f.args),
      symbols.map((s) => `publicTrade.${s}`),
    );
  }
  assert.equal(bybit.instrument('BTCUSDT'), 'bybit:BTCUSDT');
  assert.equal(bybitLinear.instrument('BTCUSDT'), 'bybit-linear:BTCUSDT');
  assert.equal(bybit.wsUrl, 'wss://stream.bybit.com/v5/public/spot');
  assert.equal(bybitLinear.wsUrl, 'wss://stream.bybit.com/v5/public/linear');
  // the mapper of each spec names instruments with its own prefix
  assert.equal(mapOne(bybitLinear.createMapper(), frame(SPOT_TRADE), NOW).trades[0]?.[0], 'bybit-linear:BTCUSDT');
});
