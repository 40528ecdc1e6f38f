// Kraken WebSocket v1 `trade` mapper and spec (src/sources/live/venues/kraken.ts), on the recorded cryptofeed
// capture (../shared/data/ws-captures/cryptofeed/KRAKEN.v3.jsonl.gz, SOURCES.md §4b) and on bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickflowError } from '../../../src/core/index.js';
import { kraken } from '../../../src/sources/live/venues/kraken.js';
import { cryptofeedCapture, readCapture, receivedFrames } from '../../support/captures.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { assertIgnored, assertNeverThrows, mapByConnection, mapOne, onlyReject, venueErrorOf } from './frames.js';
import { matchSnapshot } from './snapshot.js';

const NOW = Date.UTC(2021, 3, 17, 16, 49, 0);
const T = (price: unknown, volume: unknown, time: unknown, side: unknown = 'b'): unknown[] => [price, volume, time, side, 'm', ''];
const frame = (trades: unknown[], pair: unknown = 'XBT/USD'): string => JSON.stringify([119930881, trades, 'trade', pair]);
const GOOD = T('60000.10000', '0.01000000', '1618678142.557535', 's');

test('kraken: the capture maps to 10 trades from 8 frames, none rejected', { skip: NO_SHARED_DATA }, async () => {
  const frames = receivedFrames(readCapture(cryptofeedCapture('KRAKEN.v3.jsonl.gz')));
  const m = mapByConnection(kraken, frames);
  assert.deepEqual(m.counts, { frames: 4430, trades: 10, ignored: 4430 - 8, rejects: {}, venueErrors: 0 });
  // the first trade frame: [993,[["354.11000000","0.89594024","1618678142.557535","s","l",""]],"trade","XMR/USD"]
  assert.deepEqual(m.trades[0], ['kraken:XMR/USD', 1618678142557.535, 354.11, 0.89594024, -1, -1]);
  // a frame of two: [993,[["354.04000000","0.28245396","1618678150.826417","s","m",""],["353.81000000",…]],"trade","XMR/USD"]
  const two = m.trades.filter((t) => t[0] === 'kraken:XMR/USD' && Math.floor(t[1] / 1000) === 1618678150);
  assert.deepEqual(
    two.map((t) => [t[2], t[3], t[5]]),
    [
      [354.04, 0.28245396, -1],
      [353.81, 1.71754604, -1],
    ],
  );
  assert.ok(m.trades.every((t) => t[4] === -1));
  await matchSnapshot('kraken', { counts: m.counts, trades: m.trades });
});

test('kraken: bad trades in a frame are rejected one by one', () => {
  const m = kraken.createMapper();
  const { result, trades } = mapOne(
    m,
    frame([
      GOOD,
      T('NaN', '1', '1618678142.5'),
      T('-1', '1', '1618678142.5'),
      T('1', '-0.5', '1618678142.5'),
      T('1', 'x', '1618678142.5'),
      T('1', '1', String(NOW / 1000 + 3 * 86_400)),
      T('1', '1', '1618678142.5.5'),
      T('1', '1', 1618678142.25, 'x'),
      ['1', '1'],
      'x',
      T('1', '1', '1618678143', 'b'),
    ]),
    NOW,
  );
  assert.deepEqual(
    result.rejects.map((r) => r.reason),
    ['BAD_PRICE', 'BAD_PRICE', 'BAD_SIZE', 'NOT_NUMERIC', 'TIMESTAMP_IN_FUTURE', 'BAD_TIMESTAMP', 'MALFORMED', 'MALFORMED'],
  );
  assert.match(result.rejects[5]?.message ?? '', /^trades\[6\]: time "1618678142.5.5" is not epoch seconds$/);
  assert.deepEqual(trades, [
    ['kraken:BTC/USD', 1618678142557.535, 60000.1, 0.01, -1, -1],
    ['kraken:BTC/USD', 1618678142250, 1, 1, -1, 0],
    ['kraken:BTC/USD', 1618678143000, 1, 1, -1, 1],
  ]);
});

test('kraken: wrong shapes, events and other channels', () => {
  const m = kraken.createMapper();
  assert.match(onlyReject(m, 'trade', NOW).message, /not valid JSON/);
  assert.match(onlyReject(m, '42', NOW).message, /neither an event object nor a channel array/);
  assert.match(onlyReject(m, '[1,[],"trade"]', NOW).message, /without a channel name/);
  assert.match(onlyReject(m, '[1,"x","trade","XBT/USD"]', NOW).message, /not \[channelID/);
  assert.match(onlyReject(m, '[1,[],"x","trade","XBT/USD"]', NOW).message, /not \[channelID/);
  assert.deepEqual(onlyReject(m, frame([GOOD], 'XBT USD'), NOW), {
    reason: 'BAD_INSTRUMENT',
    message: 'pair "XBT USD" cannot form an instrument id',
  });
  assert.equal(mapOne(m, frame([GOOD], 'xbt/usd'), NOW).trades[0]?.[0], 'kraken:BTC/USD');
  assertIgnored(m, frame([]), NOW);

  const subError = {
    errorMessage: 'Currency pair not supported',
    event: 'subscriptionStatus',
    pair: 'XBT/EUX',
    status: 'error',
    subscription: { name: 'trade' },
  };
  assert.equal(venueErrorOf(m, JSON.stringify(subError), NOW), 'Currency pair not supported (XBT/EUX)');
  assert.equal(venueErrorOf(m, '{"errorMessage":"Malformed request","event":"error"}', NOW), 'Malformed request');
  assert.equal(venueErrorOf(m, '{"event":"systemStatus","status":"maintenance","version":"1.8.3"}', NOW), 'system status "maintenance"');
  assertIgnored(m, '{"connectionID":18239578009413566319,"event":"systemStatus","status":"online","version":"1.8.3"}', NOW);
  assertIgnored(
    m,
    '{"channelID":993,"channelName":"trade","event":"subscriptionStatus","pair":"XMR/USD","status":"subscribed","subscription":{"name":"trade"}}',
    NOW,
  );
  assertIgnored(m, '{"event":"heartbeat"}', NOW);
  assertIgnored(m, '{"event":"pong","reqid":42}', NOW);
  assertIgnored(m, '[1234,{"a":[["5541.30000","2.50700000","1534614248.456738"]]},"book-10","XBT/USD"]', NOW);
  assertIgnored(m, '[1234,{"a":[["5541.3","2.5","1534614248.4"]]},{"b":[["5541.2","1.5","1534614248.1"]]},"book-10","XBT/USD"]', NOW);
  assert.ok(assertNeverThrows(kraken, [frame([GOOD, T('1', '2', '1618678143.1')]), JSON.stringify(subError)], NOW) > 100);
});

test('kraken: symbols, instruments and subscription frames', () => {
  assert.equal(kraken.normalizeSymbol('xbt/usd'), 'XBT/USD');
  assert.equal(kraken.normalizeSymbol('USDC.M/USD'), 'USDC.M/USD');
  for (const bad of ['XBTUSD', 'XBT-USD', '/USD', 'XBT/', 'XBT/USD/EUR']) {
    assert.throws(
      () => kraken.normalizeSymbol(bad),
      (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT',
      bad,
    );
  }
  assert.equal(kraken.instrument('XBT/USD'), 'kraken:BTC/USD');
  assert.equal(kraken.instrument('XDG/XBT'), 'kraken:DOGE/BTC');
  assert.equal(kraken.ids, 'none');
  const pairs = Array.from({ length: 120 }, (_, i) => `C${i}/USD`);
  const frames = kraken.subscribe(pairs).map((f) => JSON.parse(f) as { event: string; pair: string[]; subscription: unknown });
  assert.deepEqual(
    frames.map((f) => f.pair.length),
    [50, 50, 20],
  );
  assert.deepEqual(frames[0]?.subscription, { name: 'trade' });
  assert.equal(frames[0]?.event, 'subscribe');
  assert.deepEqual(
    frames.flatMap((f) => f.pair),
    pairs,
  );
});
