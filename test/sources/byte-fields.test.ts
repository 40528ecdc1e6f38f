import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTradeBatch, instrumentId } from '../../src/core/index.js';
import { ByteFields } from '../../src/sources/byte-fields.js';
import { BinanceAggTradesParser } from '../../src/sources/formats/binance-aggtrades.js';
import { BinanceTradesWsParser } from '../../src/sources/formats/binance-trades-ws.js';
import { KrakenTimesalesParser } from '../../src/sources/formats/kraken-timesales.js';
import type { RecordParser } from '../../src/sources/record-parser.js';
import { NO_SHARED_DATA, sharedData } from '../helpers.js';

test('ByteFields.num equals Number() on plain decimals and refuses the rest', () => {
  const f = new ByteFields();
  const read = (s: string): number => {
    const b = Buffer.from(s);
    f.reset(b, 0, b.length);
    return f.num();
  };
  let seed = 12345;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 20_000; i++) {
    const intDigits = Math.floor(rnd() * 8);
    const fracDigits = Math.floor(rnd() * 9);
    let s = '';
    for (let k = 0; k < intDigits; k++) s += Math.floor(rnd() * 10);
    if (fracDigits > 0 || s === '') s += '.';
    for (let k = 0; k < fracDigits; k++) s += Math.floor(rnd() * 10);
    if (s === '.') s = '0';
    assert.equal(read(s), Number(s), s);
  }
  for (const bad of ['', '-1', '1e5', ' 1', '1 ', 'NaN', 'Infinity', '1.2.3', '0x10', '+1', '12345678901234567'])
    assert.ok(Number.isNaN(read(bad)), bad);
});

const NOW = Date.now();

/** The byte fast path must give exactly what the string path gives, line by line. */
function compareOnFile(path: string, make: () => RecordParser): void {
  const fast = make();
  const slow = make();
  const a = createTradeBatch(1);
  const b = createTradeBatch(1);
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  let fastHits = 0;
  lines.forEach((line, i) => {
    if (line === '' || (i === 0 && slow.isHeader(line))) return;
    const buf = Buffer.from(line);
    const n = fast.parseBytes?.(buf, 0, buf.length, NOW) ?? -1;
    const m = slow.parse(line, NOW);
    if (n < 0) return;
    fastHits++;
    assert.equal(n, m, line);
    a.length = 0;
    b.length = 0;
    fast.write(a, 0, 0, 1, Infinity, 7);
    slow.write(b, 0, 0, 1, Infinity, 7);
    assert.deepEqual(
      [a.ts[0], a.price[0], a.size[0], a.id[0], a.side[0], a.localTs[0]],
      [b.ts[0], b.price[0], b.size[0], b.id[0], b.side[0], b.localTs[0]],
      line,
    );
  });
  assert.ok(fastHits > lines.length - 3, 'the fast path takes every valid line of a real file');
}

test('byte fast path = string path on the real trade files', { skip: NO_SHARED_DATA }, () => {
  const ws = sharedData('trades/binance-spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.from-ws.csv');
  const usdm = sharedData('trades/binance-usdm_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0000.from-ws.csv');
  const agg = sharedData('trades/binance-spot_XRPETH-aggTrades-2019-10-11_2019-10-13.derived.csv');
  const kraken = sharedData('trades/kraken_BCHEUR_timesales_part2.csv');
  assert.ok(ws && usdm && agg && kraken);
  const inst = instrumentId('binance', 'BTCUSDT');
  compareOnFile(ws, () => new BinanceTradesWsParser(inst));
  compareOnFile(usdm, () => new BinanceTradesWsParser(inst));
  compareOnFile(agg, () => new BinanceAggTradesParser(inst));
  compareOnFile(kraken, () => new KrakenTimesalesParser(instrumentId('kraken', 'BCHEUR')));
});

test('the fast path declines rows with a field too many or too few', () => {
  const p = new BinanceAggTradesParser(instrumentId('binance', 'BTCUSDT'));
  const line = (s: string): number => {
    const b = Buffer.from(`${s}\n1,2,3`);
    return p.parseBytes(b, 0, s.length, NOW);
  };
  assert.equal(line('1,93500.1,0.5,10,12,1735689600123,true,true'), 1);
  assert.equal(line('1,93500.1,0.5,10,12,1735689600123,true'), 1);
  assert.equal(line('1,93500.1,0.5,10,12,1735689600123,true,true,9'), -1);
  assert.equal(line('1,93500.1,0.5,10,12,1735689600123'), -1);
  assert.equal(line('1,93500.1,0.5,10,12,1735689600123,tr'), -1);
  assert.equal(line('1,0,0.5,10,12,1735689600123,true'), -1);
});
