// Every format on the real files in ../shared/data: detected, counted (row counts from
// SOURCES.md), normalized into sane trades.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFormat, openReplay, type ReplayFormat } from '../../src/sources/index.js';
import { NO_SHARED_DATA, sharedData } from '../helpers.js';
import { collect } from './collect.js';

const NOW = Date.now();
const now = (): number => NOW;

interface Case {
  readonly file: string;
  readonly format: ReplayFormat;
  readonly instrument: string;
  /** rows in SOURCES.md */
  readonly rows: number;
  /** trades expected from those rows; undefined: one per row */
  readonly trades?: number;
}

const TRADE_FILES: readonly Case[] = [
  {
    file: 'trades/tardis_binance-futures_BTCUSDT_trades_2020-02-22.csv',
    format: 'tardis-trades',
    instrument: 'binance-futures:BTCUSDT',
    rows: 9_999,
  },
  {
    file: 'trades/binance-spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.from-ws.csv',
    format: 'binance-trades-ws',
    instrument: 'binance:BTCUSDT',
    rows: 19_904,
  },
  {
    file: 'trades/binance-usdm_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0000.from-ws.csv',
    format: 'binance-trades-ws',
    instrument: 'binance-usdm:BTCUSDT',
    rows: 21_313,
  },
  {
    file: 'trades/freqtrade_binance_XRP-ETH_ccxt-trades_2019-10-11.json.gz',
    format: 'ccxt-trades-json',
    instrument: 'binance:XRPETH',
    rows: 12_477,
  },
  {
    file: 'trades/binance-spot_XRPETH-aggTrades-2019-10-11_2019-10-13.derived.csv',
    format: 'binance-aggtrades',
    instrument: 'binance:XRPETH',
    rows: 12_477,
  },
  { file: 'trades/kraken_BCHEUR_timesales_part1.csv', format: 'kraken-timesales', instrument: 'kraken:BCHEUR', rows: 148 },
  { file: 'trades/kraken_BCHEUR_timesales_part2.csv', format: 'kraken-timesales', instrument: 'kraken:BCHEUR', rows: 486 },
  {
    file: 'ftx-1m/FTX_BTC-PERP-1m-2021-12-31_2022-02-01.csv',
    format: 'ftx-1m',
    instrument: 'ftx:BTC-PERP',
    rows: 45_031,
    trades: 4 * 45_031,
  },
];

const DAILY_FILES: readonly Case[] = [
  { file: 'kaggle-daily/coin_Bitcoin.csv', format: 'kaggle-daily', instrument: 'kaggle:BTCUSD', rows: 2_862 },
  { file: 'kaggle-daily/coin_Ethereum.csv', format: 'kaggle-daily', instrument: 'kaggle:ETHUSD', rows: 2_031 },
  { file: 'kaggle-daily/coin_Tether.csv', format: 'kaggle-daily', instrument: 'kaggle:USDTUSD', rows: 2_189 },
  { file: 'binance-daily/BTCUSDT-1d-ccxt.csv', format: 'binance-daily-ccxt', instrument: 'binance:BTCUSDT', rows: 1_792 },
  { file: 'binance-daily/ETHUSDT-1d-ccxt.csv', format: 'binance-daily-ccxt', instrument: 'binance:ETHUSDT', rows: 1_792 },
];

for (const c of TRADE_FILES) {
  test(`${c.file}: detected as ${c.format}, ${c.rows} rows → trades`, { skip: NO_SHARED_DATA }, async () => {
    const path = sharedData(c.file);
    assert.ok(path);
    assert.equal(detectFormat(path), c.format);
    const src = openReplay(path, { now });
    assert.equal(src.format, c.format);
    const got = await collect(src);
    assert.deepEqual(got.rejects, []);
    assert.equal(got.trades.length, c.trades ?? c.rows);
    assert.deepEqual([...new Set(got.trades.map((t) => t.instrument))], [c.instrument]);
    let prevTs = -Infinity;
    for (const t of got.trades) {
      assert.ok(t.price > 0 && t.size >= 0 && Number.isFinite(t.timestamp) && Number.isFinite(t.localTimestamp));
      assert.ok(t.timestamp >= prevTs, 'file order is time order in these files');
      prevTs = t.timestamp;
    }
    const progress = src.progress();
    assert.ok(progress && progress.done === progress.total, 'progress reaches the end');
  });
}

for (const c of DAILY_FILES) {
  test(`${c.file}: detected as ${c.format}, one bar per row, each 1-4 trades within its UTC day`, { skip: NO_SHARED_DATA }, async () => {
    const path = sharedData(c.file);
    assert.ok(path);
    assert.equal(detectFormat(path), c.format);
    const got = await collect(openReplay(path, { now }));
    assert.deepEqual(got.rejects, []);
    assert.deepEqual([...new Set(got.trades.map((t) => t.instrument))], [c.instrument]);
    const days = new Map<number, number[]>();
    for (const t of got.trades) {
      const day = Math.floor(t.timestamp / 86_400_000);
      days.set(day, [...(days.get(day) ?? []), t.price]);
    }
    assert.equal(days.size, c.rows);
    // re-aggregate per day against the rows: OHLC exact
    const kaggle = c.format === 'kaggle-daily';
    const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const f = line.split(',');
      const [o, h, l, cl] = (kaggle ? [f[6], f[4], f[5], f[7]] : [f[1], f[2], f[3], f[4]]).map(Number);
      const day = Math.floor(Date.parse(`${(kaggle ? f[3] : f[0])?.slice(0, 10)}T00:00:00Z`) / 86_400_000);
      const prices = days.get(day) ?? [];
      assert.ok(prices.length >= 1 && prices.length <= 4);
      assert.deepEqual([prices[0], Math.max(...prices), Math.min(...prices), prices[prices.length - 1]], [o, h, l, cl], line);
    }
  });
}

test('kaggle volume is USD: the trades of a day carry that much notional', { skip: NO_SHARED_DATA }, async () => {
  const path = sharedData('kaggle-daily/coin_Bitcoin.csv');
  assert.ok(path);
  const got = await collect(openReplay(path, { now }));
  const last = got.trades.filter((t) => t.timestamp >= Date.UTC(2021, 1, 27));
  const notional = last.reduce((a, t) => a + t.price * t.size, 0);
  assert.ok(Math.abs(notional - 45_910_946_382) < 1, `${notional}`);
});

test('binance klines: trade counts per file equal the sum of `count` (README)', { skip: NO_SHARED_DATA }, async () => {
  // the oracle test checks every row; this checks detection and the totals quoted in the README
  const expected: Record<string, number> = { 'LTCUSDT-1m-2026-02.csv': 11_427_525, 'DOTUSDT-1m-2026-02.csv': 9_052_979 };
  for (const [name, total] of Object.entries(expected)) {
    const path = sharedData(`binance-klines-1m/${name}`);
    assert.ok(path);
    assert.equal(detectFormat(path), 'binance-klines');
    let n = 0;
    let rejects = 0;
    for await (const c of openReplay(path, { now })) {
      n += c.trades.length;
      rejects += c.rejects.length;
      assert.ok(c.trades.length <= 8192);
    }
    assert.equal(n, total);
    assert.equal(rejects, 0);
  }
});

test('the ccxt JSON and the aggTrades CSV derived from it give identical trades', { skip: NO_SHARED_DATA }, async () => {
  const json = sharedData('trades/freqtrade_binance_XRP-ETH_ccxt-trades_2019-10-11.json.gz');
  const csv = sharedData('trades/binance-spot_XRPETH-aggTrades-2019-10-11_2019-10-13.derived.csv');
  assert.ok(json && csv);
  const a = await collect(openReplay(json, { now }));
  const b = await collect(openReplay(csv, { now }));
  assert.deepEqual(a.trades, b.trades);
  // aggregate ids are contiguous (SOURCES.md)
  assert.ok(a.trades.every((t, i) => i === 0 || t.id === (a.trades[i - 1]?.id ?? 0) + 1));
});

test('binance ws trades: ids contiguous, side from is_buyer_maker, local clock ~1.25 s behind', { skip: NO_SHARED_DATA }, async () => {
  const path = sharedData('trades/binance-spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.from-ws.csv');
  assert.ok(path);
  const got = await collect(openReplay(path, { now }));
  const first = got.trades[0];
  assert.ok(first);
  assert.deepEqual(
    { id: first.id, price: first.price, size: first.size, timestamp: first.timestamp, side: first.side },
    { id: 3735683259, price: 61837.63, size: 0.02, timestamp: 1723161255342, side: -1 },
  );
  assert.ok(Math.abs(first.localTimestamp - 1723161254087.8965) < 1e-3);
  assert.ok(got.trades.every((t, i) => i === 0 || t.id === (got.trades[i - 1]?.id ?? 0) + 1));
  const skew = got.trades.map((t) => t.timestamp - t.localTimestamp).sort((x, y) => x - y);
  const median = skew[skew.length >> 1] ?? 0;
  assert.ok(median > 1000 && median < 1500, `median skew ${median} ms`);
});

test('tardis: µs times become ms, side is the aggressor, ids contiguous', { skip: NO_SHARED_DATA }, async () => {
  const path = sharedData('trades/tardis_binance-futures_BTCUSDT_trades_2020-02-22.csv');
  assert.ok(path);
  const got = await collect(openReplay(path, { now }));
  const first = got.trades[0];
  assert.ok(first);
  assert.equal(first.timestamp, 1582329602111);
  assert.equal(first.localTimestamp, 1582329602418.379);
  assert.equal(first.side, 1);
  assert.ok(got.trades.some((t) => t.side === -1));
  assert.ok(got.trades.every((t, i) => i === 0 || t.id === (got.trades[i - 1]?.id ?? 0) + 1));
});

test('kraken: no id (-1), no side (0), fractional seconds kept', { skip: NO_SHARED_DATA }, async () => {
  const path = sharedData('trades/kraken_BCHEUR_timesales_part1.csv');
  assert.ok(path);
  const got = await collect(openReplay(path, { now }));
  assert.ok(got.trades.every((t) => t.id === -1 && t.side === 0));
  assert.equal(got.trades[0]?.timestamp, 1672531436000);
});

test('ftx: 4 trades per bar in the minute, quote volume preserved', { skip: NO_SHARED_DATA }, async () => {
  const path = sharedData('ftx-1m/FTX_BTC-PERP-1m-2021-12-31_2022-02-01.csv');
  assert.ok(path);
  const got = await collect(openReplay(path, { now }), 1);
  const bar = got.trades.slice(0, 4);
  assert.deepEqual(
    bar.map((t) => t.price),
    [46319.0, 46319.0, 46385.0, 46377.0],
  );
  assert.deepEqual(
    bar.map((t) => t.timestamp - Date.UTC(2021, 11, 31, 23, 1)),
    [0, 15_000, 30_000, 45_000],
  );
  const quote = bar.reduce((a, t) => a + t.price * t.size, 0);
  assert.ok(Math.abs(quote - 2300413.7295) < 1e-6);
});

test('paced replay: chunks span ≤ 100 ms of event time and wall time follows event time / pace', { skip: NO_SHARED_DATA }, async () => {
  const path = sharedData('trades/binance-usdm_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0000.from-ws.csv');
  assert.ok(path);
  const pace = 3000;
  const t0 = performance.now();
  let first = NaN;
  let last = NaN;
  let chunks = 0;
  for await (const c of openReplay(path, { pace, now })) {
    const b = c.trades;
    if (b.length === 0) continue;
    chunks++;
    const span = (b.ts[b.length - 1] ?? 0) - (b.ts[0] ?? 0);
    assert.ok(span < 100, `chunk spans ${span} ms`);
    if (Number.isNaN(first)) first = b.ts[0] ?? 0;
    last = b.ts[0] ?? 0;
  }
  const wall = performance.now() - t0;
  // the last chunk is released when the wall clock reaches its event time / pace
  assert.ok(wall >= ((last - first) / pace) * 0.95, `${wall} ms for ${last - first} ms of events at ×${pace}`);
  assert.ok(chunks > 1000, 'many small chunks, not a few big ones');
});

test('abort signal ends a paced replay early', { skip: NO_SHARED_DATA }, async () => {
  const path = sharedData('trades/kraken_BCHEUR_timesales_part2.csv');
  assert.ok(path);
  const ac = new AbortController();
  let chunks = 0;
  // at real-time pace this file would take a day
  for await (const c of openReplay(path, { pace: 1, now, signal: ac.signal })) {
    chunks += c.trades.length > 0 ? 1 : 0;
    ac.abort();
  }
  assert.equal(chunks, 1);
});
