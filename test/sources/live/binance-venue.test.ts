// The Binance venue specs: the trade stream's mapper against the hftbacktest captures (whose
// trades are the rows of the `*.from-ws.csv` files derived from them), the aggTrade mapper on the
// cryptofeed USD-M capture, subscription URLs, REST backfill mapping, and bad frames.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseBarSpecs, TradeBatchBuilder, type InstrumentId, type Side } from '../../../src/core/index.js';
import { openReplay } from '../../../src/sources/index.js';
import { Processor, ProcessorOutputs } from '../../../src/stream/processor.js';
import type { FrameResult, TradeOut } from '../../../src/sources/live/mapper.js';
import { binance, binanceAgg, binanceFutures, binanceFuturesAgg } from '../../../src/sources/live/venues/binance.js';
import { NO_SHARED_DATA, sharedData } from '../../helpers.js';
import { cryptofeedCapture, hftbacktestCapture, readCapture, receivedFrames } from '../../support/captures.js';
import { matchSnapshot } from '../venues/snapshot.js';

interface Got {
  instrument: InstrumentId;
  ts: number;
  price: number;
  size: number;
  id: number;
  side: Side;
}

function collector(): TradeOut & { trades: Got[] } {
  const trades: Got[] = [];
  return { trades, trade: (instrument, ts, price, size, id, side) => trades.push({ instrument, ts, price, size, id, side }) };
}

function csvTrades(rel: string, instrument: InstrumentId): Got[] {
  const path = sharedData(rel);
  if (!path) throw new Error(`missing ${rel}`);
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const [id, price, qty, time, , maker] = l.split(',');
    return { instrument, ts: Number(time), price: Number(price), size: Number(qty), id: Number(id), side: maker === 'true' ? -1 : 1 };
  });
}

const skip = NO_SHARED_DATA;

test('binance trade stream: the hftbacktest spot capture maps to exactly the rows of its from-ws.csv', { skip }, () => {
  const out = collector();
  const mapper = binance.createMapper();
  let ignored = 0;
  for (const f of ['binance-spot_btcusdt_20240808.gz', 'binance-spot_btcusdt_20240809.gz']) {
    for (const e of receivedFrames(readCapture(hftbacktestCapture(f)))) {
      // the capture's receive clock runs ~1.25 s behind Binance: trades are "ahead", well within the allowed skew
      const r = mapper.map(e.data, e.ts, out);
      assert.deepEqual(r.rejects, []);
      if (r.trades === 0) ignored++;
    }
  }
  const want = csvTrades(
    'trades/binance-spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.from-ws.csv',
    'binance:BTCUSDT' as InstrumentId,
  );
  assert.equal(out.trades.length, 19_904);
  assert.deepEqual(out.trades, want);
  assert.ok(ignored > 70_000, 'bookTicker and depth frames are ignored, not rejected');
});

test('binance-futures trade stream: the hftbacktest USD-M capture maps to exactly the rows of its from-ws.csv', { skip }, () => {
  const out = collector();
  const mapper = binanceFutures.createMapper();
  for (const e of receivedFrames(readCapture(hftbacktestCapture('binance-usdm_btcusdt_20240808.gz')))) {
    assert.deepEqual(mapper.map(e.data, e.ts, out).rejects, []);
  }
  const want = csvTrades(
    'trades/binance-usdm_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0000.from-ws.csv',
    'binance-futures:BTCUSDT' as InstrumentId,
  );
  assert.equal(out.trades.length, 21_313);
  assert.deepEqual(out.trades, want);
});

test('binance aggTrade streams: the cryptofeed captures, pinned', { skip }, async () => {
  for (const [file, spec, count] of [
    ['BINANCE_FUTURES.v3.jsonl.gz', binanceFuturesAgg, 91],
    ['BINANCE.v3.jsonl.gz', binanceAgg, 2],
  ] as const) {
    const out = collector();
    const mapper = spec.createMapper();
    const counts = { frames: 0, trades: 0, ignored: 0, rejects: 0 };
    for (const e of receivedFrames(readCapture(cryptofeedCapture(file)))) {
      const r = mapper.map(e.data, e.ts, out);
      counts.frames++;
      counts.trades += r.trades;
      counts.rejects += r.rejects.length;
      if (r.trades === 0 && r.rejects.length === 0) counts.ignored++;
    }
    assert.equal(counts.trades, count, file);
    assert.equal(counts.rejects, 0, file);
    await matchSnapshot(`binance-aggtrade-${file.replace(/\.v3\.jsonl\.gz$/, '')}`, { counts, trades: out.trades });
  }
  // the first aggTrade of the USD-M capture, read off the raw frame:
  // {"e":"aggTrade","E":1626992741575,"a":16599292,"s":"CTKUSDT","p":"1.01100","q":"10","f":23961322,"l":23961322,"T":1626992741421,"m":false}
  const out = collector();
  binanceFuturesAgg
    .createMapper()
    .map(
      '{"stream":"ctkusdt@aggTrade","data":{"e":"aggTrade","E":1626992741575,"a":16599292,"s":"CTKUSDT","p":"1.01100","q":"10","f":23961322,"l":23961322,"T":1626992741421,"m":false}}',
      1626992741600,
      out,
    );
  assert.deepEqual(out.trades, [
    { instrument: 'binance-futures:CTKUSDT', ts: 1626992741421, price: 1.011, size: 10, id: 16599292, side: 1 },
  ]);
});

test('binance: bad frames are rejected with a reason, venue errors reported, nothing throws', () => {
  const now = Date.UTC(2024, 7, 9);
  const cases: [string, (r: FrameResult) => void][] = [
    ['not json', (r) => assert.equal(r.rejects[0]?.reason, 'MALFORMED')],
    ['[1,2]', (r) => assert.equal(r.rejects[0]?.reason, 'MALFORMED')],
    [
      '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":5,"p":"-1","q":"1","T":1723161255342,"m":true}}',
      (r) => assert.equal(r.rejects[0]?.reason, 'BAD_PRICE'),
    ],
    [
      '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":5,"p":"1","q":"-2","T":1723161255342,"m":true}}',
      (r) => assert.equal(r.rejects[0]?.reason, 'BAD_SIZE'),
    ],
    [
      '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":5,"p":"1","q":"2","T":1923161255342,"m":true}}',
      (r) => assert.equal(r.rejects[0]?.reason, 'TIMESTAMP_IN_FUTURE'),
    ],
    ['{"stream":"btcusdt@trade","data":{"e":"kline"}}', (r) => assert.equal(r.rejects[0]?.reason, 'MALFORMED')],
    ['{"result":null,"id":1}', (r) => assert.deepEqual(r, { trades: 0, rejects: [] })],
    ['{"error":{"code":2,"msg":"Invalid request: unknown variant"},"id":1}', (r) => assert.match(r.venueError ?? '', /Invalid request/)],
  ];
  for (const spec of [binance, binanceAgg]) {
    for (const [text, check] of cases) {
      if (spec === binanceAgg && text.includes('@trade')) continue;
      const r = spec.createMapper().map(text, now, collector());
      assert.equal(r.trades, 0, text);
      check(r);
    }
  }
  const agg = binanceAgg
    .createMapper()
    .map(
      '{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","a":"x","s":"BTCUSDT","p":"1","q":"1","T":1723161255342,"m":false}}',
      now,
      collector(),
    );
  assert.equal(agg.rejects[0]?.reason, 'MALFORMED');
  assert.match(agg.rejects[0]?.message ?? '', /trade id \(a\)/);
});

test('binance: symbols, stream URLs and REST backfill requests', () => {
  assert.equal(binance.normalizeSymbol('btcusdt'), 'BTCUSDT');
  assert.throws(() => binance.normalizeSymbol('BTC-USD'), { code: 'BAD_INSTRUMENT' });
  assert.equal(binance.instrument('BTCUSDT'), 'binance:BTCUSDT');
  assert.equal(binanceFutures.instrument('BTCUSDT'), 'binance-futures:BTCUSDT');
  assert.equal(
    binance.connectUrl('ws://127.0.0.1:1/', ['BTCUSDT', 'ETHUSDT']),
    'ws://127.0.0.1:1/stream?streams=btcusdt@trade/ethusdt@trade',
  );
  assert.equal(
    binanceFuturesAgg.connectUrl('wss://fstream.binance.com', ['BTCUSDT']),
    'wss://fstream.binance.com/stream?streams=btcusdt@aggTrade',
  );
  assert.deepEqual(binance.subscribe(['BTCUSDT']), []);
  assert.equal(
    binance.backfill?.url('http://h:1', 'BTCUSDT', 10, 500),
    'http://h:1/api/v3/historicalTrades?symbol=BTCUSDT&fromId=10&limit=500',
  );
  assert.equal(
    binanceFuturesAgg.backfill?.url('http://h:1/', 'BTCUSDT', 10, 5),
    'http://h:1/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=10&limit=5',
  );

  const out = collector();
  const body = JSON.stringify([
    { id: 10, price: '61837.63', qty: '0.02', quoteQty: '1236.75', time: 1723161255342, isBuyerMaker: true, isBestMatch: true },
    { id: 11, price: 'x', qty: '0.02', quoteQty: '1', time: 1723161255342, isBuyerMaker: false, isBestMatch: true },
    { id: 12, price: '61837.64', qty: '0.5', quoteQty: '1', time: 1723161255343, isBuyerMaker: false, isBestMatch: true },
  ]);
  const r = binance.backfill?.map(body, 'BTCUSDT', 1723161256000, out);
  assert.equal(r?.trades, 2);
  assert.equal(r?.rejects[0]?.reason, 'BAD_PRICE');
  assert.deepEqual(
    out.trades.map((t) => [t.id, t.price, t.side]),
    [
      [10, 61837.63, -1],
      [12, 61837.64, 1],
    ],
  );
  assert.match(binance.backfill?.map('{"code":-1121,"msg":"Invalid symbol."}', 'BTCUSDT', 0, out).venueError ?? '', /Invalid symbol/);
  assert.equal(binance.backfill?.map('<html>', 'BTCUSDT', 0, out).rejects[0]?.reason, 'MALFORMED');
});

test('binance: the bars built from the connector trades equal the bars of replaying the from-ws.csv file', { skip }, async () => {
  const config = {
    intervals: parseBarSpecs('1s,1m,5m'),
    allowedLatenessMs: 2000,
    idleTimeoutMs: 1000,
    latePolicy: 'side-output' as const,
    reviseKeep: 16,
    dedupeWindow: 1_000_000,
    windows: [],
  };
  // the live path: frames → mapper → batches (with the capture's receive times)
  const live = new Processor(config);
  const liveOut = new ProcessorOutputs();
  const builder = new TradeBatchBuilder(4096);
  const mapper = binance.createMapper();
  for (const f of ['binance-spot_btcusdt_20240808.gz', 'binance-spot_btcusdt_20240809.gz']) {
    for (const e of receivedFrames(readCapture(hftbacktestCapture(f)))) {
      mapper.map(e.data, e.ts, {
        trade: (inst, ts, price, size, id, side) => {
          const full = builder.push(inst, ts, price, size, id, side, e.ts);
          if (full) live.process(full, liveOut);
        },
      });
    }
  }
  const last = builder.flush();
  if (last) live.process(last, liveOut);
  live.finish(liveOut);
  // the file path: the derived CSV through the replay reader
  const file = new Processor(config);
  const fileOut = new ProcessorOutputs();
  const path = sharedData('trades/binance-spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.from-ws.csv') ?? '';
  for await (const chunk of openReplay(path)) file.process(chunk.trades, fileOut);
  file.finish(fileOut);
  const bars = (o: ProcessorOutputs): unknown[] => o.drain().bars.map(({ revision: _r, ...b }) => b);
  const want = bars(fileOut);
  assert.ok(want.length > 600, `${want.length} bars`);
  assert.deepEqual(bars(liveOut), want);
});
