// Bitstamp v2 `live_trades_<pair>` mapper and spec (src/sources/live/venues/bitstamp.ts), on the recorded cryptofeed
// capture (../shared/data/ws-captures/cryptofeed/BITSTAMP.v3.jsonl.gz, SOURCES.md §4b) and on bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickflowError } from '../../../src/core/index.js';
import { bitstamp } from '../../../src/sources/live/venues/bitstamp.js';
import { cryptofeedCapture, readCapture, receivedFrames } from '../../support/captures.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { assertIgnored, assertNeverThrows, mapByConnection, mapOne, onlyReject, venueErrorOf } from './frames.js';
import { matchSnapshot } from './snapshot.js';

const NOW = Date.UTC(2022, 0, 5, 0, 48, 30);
const DATA = {
  id: 216000477,
  timestamp: '1641343699',
  amount: 0.0792,
  amount_str: '0.07920000',
  price: 3805.44,
  price_str: '3805.44',
  type: 0,
  microtimestamp: '1641343699596000',
  buy_order_id: 1443875737346049,
  sell_order_id: 1443875731320832,
};
const trade = (data: unknown, channel = 'live_trades_ethusd'): string => JSON.stringify({ data, channel, event: 'trade' });

test('bitstamp: the capture maps to 10 trades, none rejected', { skip: NO_SHARED_DATA }, async () => {
  const frames = receivedFrames(readCapture(cryptofeedCapture('BITSTAMP.v3.jsonl.gz')));
  const m = mapByConnection(bitstamp, frames);
  assert.deepEqual(m.counts, { frames: 747, trades: 10, ignored: 737, rejects: {}, venueErrors: 0 });
  // the first trade frame is DATA above: type 0 = the buyer took the offer
  assert.deepEqual(m.trades[0], ['bitstamp:ETHUSD', 1641343699596, 3805.44, 0.0792, 216000477, 1]);
  assert.deepEqual(m.trades[1], ['bitstamp:ETHUSD', 1641343709599, 3802.93, 0.931, 216000484, -1]);
  // ids increase but skip (one id sequence for all pairs): 'increasing'
  const ids = m.trades.map((t) => t[4]);
  assert.ok(ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0)));
  assert.ok(ids.some((id, i) => i > 0 && id > (ids[i - 1] ?? 0) + 1));
  await matchSnapshot('bitstamp', { counts: m.counts, trades: m.trades });
});

test('bitstamp: fields, fallbacks and bad values', () => {
  const m = bitstamp.createMapper();
  // without the _str fields and the µs time: the JSON numbers and the seconds
  const plain = { id: 5, timestamp: '1641343699', amount: 0.5, price: 3800.5, type: 1 };
  assert.deepEqual(mapOne(m, trade(plain, 'live_trades_btcusd'), NOW).trades, [['bitstamp:BTCUSD', 1641343699000, 3800.5, 0.5, 5, -1]]);
  assert.deepEqual(mapOne(m, trade({ ...DATA, type: 7, id: -3 }), NOW).trades, [
    ['bitstamp:ETHUSD', 1641343699596, 3805.44, 0.0792, -1, 0],
  ]);

  const cases: [object, string, RegExp][] = [
    [{ ...DATA, price_str: 'NaN' }, 'BAD_PRICE', /^price is NaN$/],
    [{ ...DATA, price_str: undefined, price: -1 }, 'BAD_PRICE', /price -1 is not a positive/],
    [{ ...DATA, amount_str: '-0.1' }, 'BAD_SIZE', /amount -0.1/],
    [{ ...DATA, amount_str: undefined, amount: 'lots' }, 'NOT_NUMERIC', /amount 'lots' is not a number/],
    [{ ...DATA, microtimestamp: String((NOW + 2 * 86_400_000) * 1000) }, 'TIMESTAMP_IN_FUTURE', /microtimestamp/],
    [{ ...DATA, microtimestamp: 'x' }, 'BAD_TIMESTAMP', /microtimestamp "x" is not epoch µs/],
    [{ ...DATA, microtimestamp: undefined, timestamp: undefined }, 'MALFORMED', /timestamp is missing/],
    [{ ...DATA, id: undefined }, 'MALFORMED', /trade without id/],
  ];
  for (const [d, reason, message] of cases) {
    const r = onlyReject(m, trade(d), NOW);
    assert.equal(r.reason, reason, JSON.stringify(d));
    assert.match(r.message, message, JSON.stringify(d));
  }
  assert.deepEqual(onlyReject(m, trade(DATA, 'live_trades_eth usd'), NOW), {
    reason: 'BAD_INSTRUMENT',
    message: 'channel pair "eth usd" cannot form an instrument id',
  });
});

test('bitstamp: events, errors and wrong shapes', () => {
  const m = bitstamp.createMapper();
  assert.match(onlyReject(m, '{"event":"trade"', NOW).message, /not valid JSON/);
  assert.match(onlyReject(m, '["trade"]', NOW).message, /not a JSON object but an array/);
  assert.match(onlyReject(m, trade([DATA]), NOW).message, /trade event whose data is an array, not an object/);
  assert.equal(
    venueErrorOf(m, '{"event":"bts:error","channel":"","data":{"code":null,"message":"Bad subscription string."}}', NOW),
    'Bad subscription string.',
  );
  assert.match(venueErrorOf(m, '{"event":"bts:error"}', NOW), /bts:error/);
  assertIgnored(m, '{"event":"bts:subscription_succeeded","channel":"live_trades_ethusd","data":{}}', NOW);
  assertIgnored(m, '{"event":"bts:heartbeat","channel":"","data":{"status":"success"}}', NOW);
  assertIgnored(m, '{"event":"bts:request_reconnect","channel":"","data":""}', NOW);
  assertIgnored(
    m,
    '{"data":{"timestamp":"1641343697","microtimestamp":"1641343697403000","bids":[],"asks":[]},"channel":"diff_order_book_ethusd","event":"data"}',
    NOW,
  );
  assertIgnored(m, trade(DATA, 'live_orders_ethusd'), NOW);
  assert.ok(assertNeverThrows(bitstamp, [trade(DATA), '{"event":"bts:error","channel":"","data":{"message":"x"}}'], NOW) > 100);
});

test('bitstamp: symbols, instruments and subscription frames', () => {
  assert.equal(bitstamp.normalizeSymbol('btcusd'), 'btcusd');
  assert.equal(bitstamp.normalizeSymbol('BTC/USD'), 'btcusd');
  assert.equal(bitstamp.normalizeSymbol('eth-eur'), 'etheur');
  assert.throws(
    () => bitstamp.normalizeSymbol('btc usd'),
    (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT' && e.message.includes('btcusd'),
  );
  assert.equal(bitstamp.instrument('btcusd'), 'bitstamp:BTCUSD');
  assert.equal(bitstamp.ids, 'increasing');
  assert.deepEqual(bitstamp.subscribe(['btcusd', 'ethusd']), [
    '{"event":"bts:subscribe","data":{"channel":"live_trades_btcusd"}}',
    '{"event":"bts:subscribe","data":{"channel":"live_trades_ethusd"}}',
  ]);
});
