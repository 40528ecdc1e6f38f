// OKX v5 `trades` mapper and spec (src/sources/live/venues/okx.ts), on the recorded cryptofeed capture
// (../shared/data/ws-captures/cryptofeed/OKX.v3.jsonl.gz, SOURCES.md §4b) and on bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickflowError } from '../../../src/core/index.js';
import { okx } from '../../../src/sources/live/venues/okx.js';
import { cryptofeedCapture, readCapture, receivedFrames } from '../../support/captures.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { assertIgnored, assertNeverThrows, mapByConnection, mapOne, onlyReject, venueErrorOf } from './frames.js';
import { matchSnapshot } from './snapshot.js';

const NOW = Date.UTC(2022, 4, 13, 16, 27, 0);
const TRADE = { instId: 'BTC-USDT', tradeId: '338476307', px: '30236', sz: '0.0002', side: 'buy', ts: '1652459224818' };
const frame = (...data: unknown[]): string => JSON.stringify({ arg: { channel: 'trades', instId: 'BTC-USDT' }, data });

test('okx: the capture maps to 74 trades in 74 frames; the 6 subscribe acks are ignored', { skip: NO_SHARED_DATA }, async () => {
  const frames = receivedFrames(readCapture(cryptofeedCapture('OKX.v3.jsonl.gz')));
  const m = mapByConnection(okx, frames);
  assert.deepEqual(m.counts, { frames: 410, trades: 74, ignored: 410 - 74, rejects: {}, venueErrors: 0 });
  // the first trade frame: {"arg":{"channel":"trades","instId":"BTC-USD-220527"},"data":[{"instId":"BTC-USD-220527",
  // "tradeId":"7849","px":"30218.8","sz":"1","side":"buy","ts":"1652459199958"}]}
  assert.deepEqual(m.trades[0], ['okx:BTC-USD-220527', 1652459199958, 30218.8, 1, 7849, 1]);
  // ids increase per instrument (here even one by one: 2022, before the channel could aggregate)
  const last = new Map<string, number>();
  for (const [inst, , , , id] of m.trades) {
    const prev = last.get(inst);
    if (prev !== undefined) assert.equal(id, prev + 1, `${inst} after ${prev}`);
    last.set(inst, id);
  }
  assert.deepEqual([...last.keys()].sort(), ['okx:BTC-USD-220527', 'okx:BTC-USDT', 'okx:UNI-USD-SWAP']);
  await matchSnapshot('okx', { counts: m.counts, trades: m.trades });
});

test('okx: bad trades are rejected one by one, the others pushed', () => {
  const { result, trades } = mapOne(
    okx.createMapper(),
    frame(
      TRADE,
      { ...TRADE, px: 'nan' },
      { ...TRADE, px: '-30236' },
      { ...TRADE, sz: '-1' },
      { ...TRADE, sz: '1,5' },
      { ...TRADE, ts: String(NOW + 25 * 3_600_000) },
      { ...TRADE, ts: '' },
      { ...TRADE, tradeId: undefined },
      { ...TRADE, instId: 'btc_usdt?' },
      { ...TRADE, instId: 5 },
      [],
      { ...TRADE, tradeId: '338476308', side: 'sell', instId: undefined },
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
  assert.equal(result.rejects[3]?.message, "data[4]: size (sz) '1,5' is not a number");
  assert.equal(result.rejects[5]?.message, 'data[6]: time (ts) "" is not epoch ms');
  // a trade without instId takes the one of its frame's arg
  assert.deepEqual(trades, [
    ['okx:BTC-USDT', 1652459224818, 30236, 0.0002, 338476307, 1],
    ['okx:BTC-USDT', 1652459224818, 30236, 0.0002, 338476308, -1],
  ]);
});

test('okx: pong, acks, errors and wrong shapes', () => {
  const m = okx.createMapper();
  assertIgnored(m, 'pong', NOW);
  assert.match(onlyReject(m, 'pong!', NOW).message, /not valid JSON \(nor the text pong\)/);
  assert.match(onlyReject(m, '[{"arg":{}}]', NOW).message, /not a JSON object but an array/);
  assert.match(
    onlyReject(m, '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":"x"}', NOW).message,
    /trades frame whose data is string "x"/,
  );
  assert.equal(
    venueErrorOf(m, '{"event":"error","code":"60012","msg":"Invalid request: {\\"op\\": \\"subscribe\\"}","connId":"a4d3ae55"}', NOW),
    'Invalid request: {"op": "subscribe"} (code 60012)',
  );
  assert.match(venueErrorOf(m, '{"event":"error"}', NOW), /"event":"error"/);
  assertIgnored(m, '{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"}}', NOW);
  assertIgnored(m, '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade."}', NOW);
  assertIgnored(m, '{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","last":"30236"}]}', NOW);
  assertIgnored(m, frame(), NOW);
  assert.ok(assertNeverThrows(okx, [frame(TRADE), '{"event":"error","code":"60012","msg":"x"}'], NOW) > 100);
});

test('okx: symbols, instruments, subscription and ping frames', () => {
  assert.equal(okx.normalizeSymbol('btc-usdt'), 'BTC-USDT');
  assert.equal(okx.normalizeSymbol('btc-usd-240628-60000-c'), 'BTC-USD-240628-60000-C');
  assert.throws(
    () => okx.normalizeSymbol('BTCUSDT'),
    (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT' && e.message.includes('BTC-USDT'),
  );
  assert.equal(okx.instrument('UNI-USD-SWAP'), 'okx:UNI-USD-SWAP');
  assert.equal(okx.ids, 'increasing');
  assert.deepEqual(okx.ping, { frame: 'ping', intervalMs: 25_000 });
  const ids = Array.from({ length: 60 }, (_, i) => `C${i}-USDT`);
  const frames = okx.subscribe(ids).map((f) => JSON.parse(f) as { op: string; args: { channel: string; instId: string }[] });
  assert.deepEqual(
    frames.map((f) => [f.op, f.args.length]),
    [
      ['subscribe', 50],
      ['subscribe', 10],
    ],
  );
  assert.deepEqual(frames[0]?.args[0], { channel: 'trades', instId: 'C0-USDT' });
  assert.deepEqual(
    frames.flatMap((f) => f.args.map((a) => a.instId)),
    ids,
  );
});
