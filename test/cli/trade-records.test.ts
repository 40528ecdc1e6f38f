import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchFromTrades, instrumentId, tradesOf, type Trade, type TradeBatch } from '../../src/core/index.js';
import { splitByInstrument, tradeRecordBinaryCodec, tradeRecordJsonCodec, type TradeRecord } from '../../src/cli/pipeline/trade-records.js';

const BTC = instrumentId('binance', 'BTCUSDT');
const ETH = instrumentId('binance', 'ETHUSDT');
const T0 = Date.UTC(2024, 7, 8);

function trade(i: number, instrument = BTC): Trade {
  return {
    type: 'trade',
    instrument,
    id: 1000 + i,
    timestamp: T0 + i * 37,
    localTimestamp: T0 + i * 37 + 5,
    price: 61_000.5 + i / 100,
    size: 0.001 * (i + 1),
    side: i % 3 === 0 ? -1 : 1,
  } as Trade;
}

const plain = (b: TradeBatch): Trade[] => [...tradesOf(b)];

test('a batch splits into one batch per instrument, each in its original order', () => {
  const trades = Array.from({ length: 50 }, (_, i) => trade(i, i % 3 === 0 ? ETH : BTC));
  const parts = splitByInstrument(batchFromTrades(trades));
  // In order of first appearance.
  assert.deepEqual(
    parts.map((p) => p.instrument),
    [ETH, BTC],
  );
  for (const p of parts) {
    assert.deepEqual(
      plain(p.batch),
      trades.filter((t) => t.instrument === p.instrument),
    );
  }
  assert.deepEqual(splitByInstrument(batchFromTrades([])), []);
});

for (const codec of [tradeRecordJsonCodec, tradeRecordBinaryCodec]) {
  test(`${codec.name} codec: trades, end and rejects records round-trip exactly`, () => {
    const trades = Array.from({ length: 200 }, (_, i) => trade(i));
    trades.push({ ...trade(200), id: -1, side: 0, price: 0.1 + 0.2 } as Trade);
    const [part] = splitByInstrument(batchFromTrades(trades));
    assert.ok(part);
    const rec: TradeRecord = { kind: 'trades', source: 'sim', instrument: BTC, batch: part.batch };
    const back = codec.decode(codec.encode(rec), codec.version);
    assert.equal(back.kind, 'trades');
    if (back.kind !== 'trades') return;
    assert.equal(back.instrument, BTC);
    assert.equal(back.source, 'sim');
    assert.deepEqual(plain(back.batch), trades);

    const end: TradeRecord = { kind: 'end', source: '/data/x.csv', instruments: [BTC, ETH] };
    assert.deepEqual(codec.decode(codec.encode(end), codec.version), end);
    const rejects: TradeRecord = {
      kind: 'rejects',
      source: 'f.csv',
      rejects: [{ type: 'reject', source: 'f.csv', position: '3', reason: 'BAD_PRICE', message: 'price -1', raw: '1,-1', time: T0 }],
    };
    assert.deepEqual(codec.decode(codec.encode(rejects), codec.version), rejects);
  });

  test(`${codec.name} codec: garbage and out-of-range values are refused with LOG_CODEC (so they go to the dead-letter topic)`, () => {
    const good = codec.encode({ kind: 'trades', source: 's', instrument: BTC, batch: batchFromTrades([trade(1)]) });
    const bad: Buffer[] = [
      Buffer.from('garbage \u0000\u0001'),
      good.subarray(0, good.length - 3),
      Buffer.concat([good, Buffer.from([1, 2])]),
      Buffer.alloc(0),
    ];
    for (const b of bad)
      assert.throws(
        () => codec.decode(b, codec.version),
        (e: Error & { code?: string }) => e.code === 'LOG_CODEC' || e instanceof SyntaxError,
      );
    for (const t of [
      { ...trade(1), price: -1 },
      { ...trade(1), price: NaN },
      { ...trade(1), size: -0.5 },
      { ...trade(1), timestamp: Infinity },
      { ...trade(1), id: 1.5 },
    ]) {
      const enc = codec.encode({ kind: 'trades', source: 's', instrument: BTC, batch: batchFromTrades([t as Trade]) });
      assert.throws(() => codec.decode(enc, codec.version), /LOG_CODEC|trade 0/);
    }
  });
}

test('json codec: a wrong-schema object is refused with a message naming the field', () => {
  const c = tradeRecordJsonCodec;
  const cases: [unknown, RegExp][] = [
    [{ kind: 'trades', source: 's', instrument: 'nocolon', trades: [] }, /instrument/],
    [{ kind: 'trades', source: 's', instrument: BTC, trades: [{ ts: 1, price: '1', size: 1, id: 1, side: 1 }] }, /price is not a number/],
    [{ kind: 'nope', source: 's' }, /kind/],
    [{ kind: 'end', source: '', instruments: [] }, /source/],
    [[1, 2, 3], /source|object/],
  ];
  for (const [v, re] of cases) assert.throws(() => c.decode(Buffer.from(JSON.stringify(v)), 1), re);
});
