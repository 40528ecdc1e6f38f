// Kraken WebSocket v2 `trade` mapper and spec (src/sources/live/venues/kraken-v2.ts).
// There is no capture of v2 in ../shared/data: these frames are written from the examples of the documentation,
// https://docs.kraken.com/api/docs/websocket-v2/trade (snapshot and update), …/subscribe (ack and error),
// …/heartbeat and …/status, keeping their field layout and values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TickflowError } from '../../../src/core/index.js';
import { krakenV2 } from '../../../src/sources/live/venues/kraken-v2.js';
import { assertIgnored, assertNeverThrows, mapAll, mapOne, onlyReject, venueErrorOf } from './frames.js';
import { matchSnapshot } from './snapshot.js';

const NOW = Date.UTC(2023, 8, 25, 7, 50, 0);

const DOC_SNAPSHOT = JSON.stringify({
  channel: 'trade',
  type: 'snapshot',
  data: [
    {
      symbol: 'MATIC/USD',
      side: 'buy',
      price: 0.5147,
      qty: 6423.46326,
      ord_type: 'limit',
      trade_id: 4665846,
      timestamp: '2023-09-25T07:48:36.925533Z',
    },
    {
      symbol: 'MATIC/USD',
      side: 'buy',
      price: 0.5147,
      qty: 1136.19677815,
      ord_type: 'limit',
      trade_id: 4665847,
      timestamp: '2023-09-25T07:49:36.925603Z',
    },
  ],
});
const DOC_UPDATE = JSON.stringify({
  channel: 'trade',
  type: 'update',
  data: [
    {
      symbol: 'MATIC/USD',
      side: 'sell',
      price: 0.5117,
      qty: 40.0,
      ord_type: 'market',
      trade_id: 4665906,
      timestamp: '2023-09-25T07:49:37.708706Z',
    },
  ],
});
const DOC_ACK =
  '{"method":"subscribe","result":{"channel":"trade","snapshot":true,"symbol":"MATIC/USD"},"success":true,"time_in":"2023-09-25T09:21:10.428340Z","time_out":"2023-09-25T09:21:10.428375Z"}';
const DOC_ERROR =
  '{"error":"Currency pair not supported","method":"subscribe","success":false,"symbol":"ABC/USD","time_in":"2023-09-25T09:21:10.428340Z","time_out":"2023-09-25T09:21:10.428375Z"}';
const DOC_STATUS =
  '{"channel":"status","data":[{"api_version":"v2","connection_id":12393906104898154338,"system":"online","version":"2.0.0"}],"type":"update"}';
const DOC_HEARTBEAT = '{"channel":"heartbeat"}';

const trade = (o: object): string =>
  JSON.stringify({
    channel: 'trade',
    type: 'update',
    data: [
      {
        symbol: 'BTC/USD',
        side: 'buy',
        price: 26500.1,
        qty: 0.05,
        ord_type: 'market',
        trade_id: 1,
        timestamp: '2023-09-25T07:49:37.708706Z',
        ...o,
      },
    ],
  });

test('kraken-v2: the documented frames (no capture exists)', async () => {
  const m = mapAll(
    krakenV2.createMapper(),
    [DOC_STATUS, DOC_ACK, DOC_SNAPSHOT, DOC_HEARTBEAT, DOC_UPDATE].map((data) => ({ data, ts: NOW })),
  );
  assert.deepEqual(m.counts, { frames: 5, trades: 3, ignored: 3, rejects: {}, venueErrors: 0 });
  assert.deepEqual(m.trades, [
    ['kraken:MATIC/USD', Date.UTC(2023, 8, 25, 7, 48, 36) + 925.533, 0.5147, 6423.46326, 4665846, 1],
    ['kraken:MATIC/USD', Date.UTC(2023, 8, 25, 7, 49, 36) + 925.603, 0.5147, 1136.19677815, 4665847, 1],
    ['kraken:MATIC/USD', Date.UTC(2023, 8, 25, 7, 49, 37) + 708.706, 0.5117, 40, 4665906, -1],
  ]);
  await matchSnapshot('kraken-v2', { counts: m.counts, trades: m.trades });
});

test('kraken-v2: a snapshot listed newest first is pushed oldest first', () => {
  const reversed = JSON.parse(DOC_SNAPSHOT) as { data: unknown[] };
  reversed.data.reverse();
  const { trades } = mapOne(krakenV2.createMapper(), JSON.stringify(reversed), NOW);
  assert.deepEqual(
    trades.map((t) => t[4]),
    [4665846, 4665847],
  );
});

test('kraken-v2: bad trades, decimal strings, unknown sides', () => {
  const m = krakenV2.createMapper();
  const cases: [object, string, RegExp][] = [
    [{ price: null }, 'NOT_NUMERIC', /^data\[0\]: price 'null' is not a number$/],
    [{ price: -26500.1 }, 'BAD_PRICE', /price -26500.1/],
    [{ price: 'NaN' }, 'BAD_PRICE', /price is NaN/],
    [{ qty: -0.05 }, 'BAD_SIZE', /qty -0.05/],
    [{ qty: undefined }, 'MALFORMED', /qty is missing/],
    [{ timestamp: '2023-09-28T07:49:37.708706Z' }, 'TIMESTAMP_IN_FUTURE', /ahead/],
    [{ timestamp: '2023-09-25T07:49:37.708706+00:00' }, 'BAD_TIMESTAMP', /not an RFC 3339 UTC time/],
    [{ symbol: 'BTC USD' }, 'BAD_INSTRUMENT', /symbol "BTC USD"/],
    [{ symbol: ['BTC/USD'] }, 'MALFORMED', /symbol is an array, not a string/],
    [{ trade_id: undefined }, 'MALFORMED', /trade_id is missing/],
  ];
  for (const [o, reason, message] of cases) {
    const r = onlyReject(m, trade(o), NOW);
    assert.equal(r.reason, reason, JSON.stringify(o));
    assert.match(r.message, message, JSON.stringify(o));
  }
  assert.deepEqual(mapOne(m, trade({ price: '26500.1', qty: '0.05', side: 'x', trade_id: '7' }), NOW).trades, [
    ['kraken:BTC/USD', Date.UTC(2023, 8, 25, 7, 49, 37) + 708.706, 26500.1, 0.05, 7, 0],
  ]);
});

test('kraken-v2: wrong shapes, responses and other channels', () => {
  const m = krakenV2.createMapper();
  assert.match(onlyReject(m, '{"channel":"trade"', NOW).message, /not valid JSON/);
  assert.match(onlyReject(m, '[]', NOW).message, /not a JSON object but an array/);
  assert.match(onlyReject(m, '{"channel":"trade","type":"update","data":{}}', NOW).message, /data is an object, not an array/);
  assert.match(
    onlyReject(m, '{"channel":"trade","type":"update","data":[1]}', NOW).message,
    /^data\[0\]: is number 1, not a trade object$/,
  );
  assert.equal(venueErrorOf(m, DOC_ERROR, NOW), 'Currency pair not supported (ABC/USD)');
  assert.equal(venueErrorOf(m, '{"method":"subscribe","success":false}', NOW), 'subscribe failed');
  assert.equal(venueErrorOf(m, DOC_STATUS.replace('"online"', '"maintenance"'), NOW), 'system status "maintenance"');
  assertIgnored(m, DOC_ACK, NOW);
  assertIgnored(m, DOC_HEARTBEAT, NOW);
  assertIgnored(m, DOC_STATUS, NOW);
  assertIgnored(m, '{"method":"pong","req_id":101,"time_in":"2023-09-24T14:10:23.799685Z","time_out":"2023-09-24T14:10:23.799703Z"}', NOW);
  assertIgnored(m, '{"channel":"book","type":"update","data":[]}', NOW);
  assert.ok(assertNeverThrows(krakenV2, [DOC_SNAPSHOT, DOC_ERROR, DOC_STATUS], NOW) > 100);
});

test('kraken-v2: symbols, instruments and subscription frames', () => {
  assert.equal(krakenV2.name, 'kraken-v2');
  assert.equal(krakenV2.normalizeSymbol('btc/usd'), 'BTC/USD');
  assert.throws(
    () => krakenV2.normalizeSymbol('BTCUSD'),
    (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT' && e.message.includes('BTC/USD'),
  );
  // registry name kraken-v2, instrument prefix kraken, v2 symbol
  assert.equal(krakenV2.instrument('BTC/USD'), 'kraken:BTC/USD');
  assert.equal(krakenV2.ids, 'sequential');
  assert.equal(krakenV2.wsUrl, 'wss://ws.kraken.com/v2');
  const frames = krakenV2
    .subscribe(Array.from({ length: 51 }, (_, i) => `C${i}/USD`))
    .map((f) => JSON.parse(f) as { method: string; params: { channel: string; symbol: string[]; snapshot: boolean } });
  assert.deepEqual(
    frames.map((f) => [f.method, f.params.channel, f.params.symbol.length, f.params.snapshot]),
    [
      ['subscribe', 'trade', 50, false],
      ['subscribe', 'trade', 1, false],
    ],
  );
});
