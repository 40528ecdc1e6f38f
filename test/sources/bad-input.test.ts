// Bad input never throws and never stops a file: each bad record becomes a reject with a
// reason code, its line number and an excerpt; the good records around it still come out.
import { writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FUTURE_SKEW_MS } from '../../src/core/index.js';
import { detectFormat, openReplay } from '../../src/sources/index.js';
import { tempDir } from '../helpers.js';
import { collect, countBy } from './collect.js';

const NOW = Date.UTC(2026, 2, 1);
const now = (): number => NOW;
const T = Date.UTC(2024, 7, 8, 23, 55);
const FUTURE = NOW + MAX_FUTURE_SKEW_MS + 60_000;

const WS_HEADER = 'trade_id,price,qty,trade_time,event_time,is_buyer_maker,local_recv_ns';
const ws = (id: number, price: string, qty: string, t: number | string = T + id, m = 'true'): string =>
  `${id},${price},${qty},${t},${t},${m},${T}000000`;

test('each kind of bad trade row is rejected with its reason and line number; good rows still come out', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'binance-spot_BTCUSDT_trades_bad.from-ws.csv');
    const lines = [
      WS_HEADER, // 1
      ws(1, '61000.5', '0.1'), // 2 good
      'hello world', // 3 MALFORMED
      '1,2,3', // 4 WRONG_COLUMN_COUNT
      ws(2, 'abc', '0.1'), // 5 NOT_NUMERIC
      ws(3, 'NaN', '0.1'), // 6 BAD_PRICE
      ws(4, 'Infinity', '0.1'), // 7 BAD_PRICE
      ws(5, '0', '0.1'), // 8 BAD_PRICE
      ws(6, '-5', '0.1'), // 9 BAD_PRICE
      ws(7, '61000', '-1'), // 10 BAD_SIZE
      ws(8, '61000', 'Infinity'), // 11 BAD_SIZE
      ws(9, '61000', '0'), // 12 good: zero size is allowed
      ws(10, '61000', '0.1', 1000), // 13 TIMESTAMP_TOO_OLD (1970)
      ws(11, '61000', '0.1', FUTURE), // 14 TIMESTAMP_IN_FUTURE
      '', // 15 blank: ignored
      ws(12, '61000', '0.1', T, 'maybe'), // 16 MALFORMED side
      ws(13, '61000', '', T), // 17 NOT_NUMERIC (empty is not 0)
      '\u0000\u0001\u0002', // 18 MALFORMED
      ws(15, '61000', '0.1', '99999999999999999'), // 19 TIMESTAMP_IN_FUTURE: beyond Date's range (toISOString throws)
      ws(16, '61000', '0.1', '-99999999999999999'), // 20 TIMESTAMP_TOO_OLD, likewise
      ws(14, '61001', '0.2'), // 21 good, no trailing newline
    ];
    writeFileSync(path, lines.join('\r\n'));
    const got = await collect(openReplay(path, { now }));
    assert.deepEqual(
      got.trades.map((t) => t.id),
      [1, 9, 14],
    );
    assert.deepEqual(
      got.rejects.map((r) => [r.position, r.reason]),
      [
        ['3', 'MALFORMED'],
        ['4', 'WRONG_COLUMN_COUNT'],
        ['5', 'NOT_NUMERIC'],
        ['6', 'BAD_PRICE'],
        ['7', 'BAD_PRICE'],
        ['8', 'BAD_PRICE'],
        ['9', 'BAD_PRICE'],
        ['10', 'BAD_SIZE'],
        ['11', 'BAD_SIZE'],
        ['13', 'TIMESTAMP_TOO_OLD'],
        ['14', 'TIMESTAMP_IN_FUTURE'],
        ['16', 'MALFORMED'],
        ['17', 'NOT_NUMERIC'],
        ['18', 'MALFORMED'],
        ['19', 'TIMESTAMP_IN_FUTURE'],
        ['20', 'TIMESTAMP_TOO_OLD'],
      ],
    );
    const r = got.rejects[2];
    assert.ok(r);
    assert.equal(r.raw, lines[4]);
    assert.equal(r.source, 'binance-spot_BTCUSDT_trades_bad.from-ws.csv');
    assert.equal(r.time, NOW);
    assert.equal(r.type, 'reject');
    assert.ok(r.message.length > 0);
  } finally {
    cleanup();
  }
});

test('a 10 MB line is rejected as OVERSIZED with a short excerpt, and reading goes on', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'binance-spot_BTCUSDT_trades_big.from-ws.csv');
    const out = createWriteStream(path);
    out.write(`${WS_HEADER}\n${ws(1, '61000', '1')}\n`);
    const piece = '9'.repeat(1024 * 1024);
    for (let i = 0; i < 10; i++) out.write(piece);
    out.write(`\n${ws(2, '61000', '1')}\n`);
    // two big lines back to back, the second without a trailing newline after it
    for (let i = 0; i < 2; i++) out.write(piece);
    out.write(`\n${ws(3, '61000', '1')}`);
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const got = await collect(openReplay(path, { now, batchSize: 1 }));
    assert.deepEqual(
      got.trades.map((t) => t.id),
      [1, 2, 3],
    );
    assert.deepEqual(
      got.rejects.map((r) => [r.position, r.reason]),
      [
        ['3', 'OVERSIZED'],
        ['5', 'OVERSIZED'],
      ],
    );
    assert.ok((got.rejects[0]?.raw.length ?? Infinity) < 1000, 'excerpt only');
    assert.match(got.rejects[0]?.message ?? '', /10485760 bytes/);
  } finally {
    cleanup();
  }
});

test('a truncated gzip yields every complete line before the cut, then one TRUNCATED reject', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const lines = [WS_HEADER];
    for (let i = 1; i <= 20_000; i++) lines.push(ws(i, (60000 + (i % 100)).toFixed(2), '0.001'));
    const full = gzipSync(Buffer.from(lines.join('\n') + '\n'));
    const path = join(dir, 'binance-spot_BTCUSDT_trades_cut.from-ws.csv.gz');
    writeFileSync(path, full.subarray(0, Math.floor(full.length * 0.6)));
    assert.equal(detectFormat(path), 'binance-trades-ws');
    const got = await collect(openReplay(path, { now }));
    assert.ok(got.trades.length > 5000 && got.trades.length < 20_000, `${got.trades.length}`);
    assert.ok(
      got.trades.every((t, i) => t.id === i + 1),
      'a prefix of the file, in order, nothing skipped',
    );
    assert.deepEqual(
      got.rejects.map((r) => r.reason),
      ['TRUNCATED'],
    );
    assert.equal(got.rejects[0]?.position, String(got.trades.length + 2));
  } finally {
    cleanup();
  }
});

test('klines: OHLC inconsistency, taker > volume, bad count are rejected; count 0 gives no trades', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'BTCUSDT-1m-2024-01.csv');
    const t = Date.UTC(2024, 0, 1);
    const k = (i: number, o: string, h: string, l: string, c: string, v: string, n: string, tb: string): string =>
      `${t + i * 60_000},${o},${h},${l},${c},${v},${t + i * 60_000 + 59_999},0,${n},${tb},0,0`;
    const rows = [
      k(0, '100', '101', '99', '100.5', '10.5', '4', '3.25'), // 1 good (no header)
      k(1, '100', '101', '100.5', '100.2', '1', '3', '0'), // 2 BAD_PRICE low > open
      k(2, '100', '99', '98', '98.5', '1', '3', '0'), // 3 BAD_PRICE high < open
      k(3, '100', '101', '99', '100', '1', '3', '2'), // 4 BAD_SIZE taker > volume
      k(4, '100', '101', '99', '100', '1', '-3', '0'), // 5 MALFORMED count
      k(5, '100', '101', '99', '100', '0', '0', '0'), // 6 count 0: fine, no trades
      k(6, '100', '100', '100', '100', '2', '1', '2'), // 7 good: one trade
      k(7, '-1', '101', '99', '100', '1', '3', '0'), // 8 BAD_PRICE
    ];
    writeFileSync(path, rows.join('\n') + '\n');
    assert.equal(detectFormat(path), 'binance-klines');
    const got = await collect(openReplay(path, { now }));
    assert.equal(got.trades.length, 5);
    assert.deepEqual(
      countBy(got.rejects, (r) => r.reason),
      { BAD_PRICE: 3, BAD_SIZE: 1, MALFORMED: 1 },
    );
    assert.deepEqual(
      got.rejects.map((r) => r.position),
      ['2', '3', '4', '5', '8'],
    );
    assert.deepEqual(
      got.trades.map((x) => x.instrument),
      Array(5).fill('binance:BTCUSDT'),
    );
  } finally {
    cleanup();
  }
});

test('unknown format: UNKNOWN_FORMAT listing the formats and --format', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'mystery.csv');
    writeFileSync(path, 'what,is,this\nno,idea,really\n');
    assert.throws(() => detectFormat(path), { code: 'UNKNOWN_FORMAT', message: /--format[\s\S]*binance-klines[\s\S]*kraken-timesales/ });
    assert.throws(() => openReplay(path), { code: 'UNKNOWN_FORMAT' });
    assert.throws(() => openReplay(path, { format: 'nope' as never }), { code: 'UNKNOWN_FORMAT' });
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    assert.throws(() => openReplay(empty), { code: 'UNKNOWN_FORMAT', message: /empty file/ });
  } finally {
    cleanup();
  }
});

test('missing file: IO error naming it', () => {
  assert.throws(() => openReplay('/nonexistent/dir/BTCUSDT-1m-2026-02.csv'), { code: 'IO', message: /not found.*BTCUSDT-1m-2026-02\.csv/ });
  assert.throws(() => openReplay('/tmp'), { code: 'IO', message: /directory/ });
});

test('an instrument the file name does not give must be passed, and the override wins', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'timesales.csv');
    writeFileSync(path, '1672531436,90.54,1.1\n1672531471.25,90.45,1\n');
    assert.equal(detectFormat(path), 'kraken-timesales');
    assert.throws(() => openReplay(path), { code: 'USAGE', message: /--instrument/ });
    const got = await collect(openReplay(path, { instrument: 'kraken:bcheur', now }));
    assert.deepEqual(
      got.trades.map((t) => [t.instrument, t.timestamp]),
      [
        ['kraken:BCHEUR', 1672531436000],
        ['kraken:BCHEUR', 1672531471250],
      ],
    );
  } finally {
    cleanup();
  }
});

test('headerless aggTrades in µs (2025+ spot archives), BOM and CRLF are handled', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'BTCUSDT-aggTrades-2025-01-01.csv');
    writeFileSync(path, '\ufeff1,93500.10,0.5,10,12,1735689600123456,true,true\r\n2,93500.20,0.25,13,13,1735689600200000,false,true\r\n');
    assert.equal(detectFormat(path), 'binance-aggtrades');
    const got = await collect(openReplay(path, { now }));
    assert.deepEqual(
      got.trades.map((t) => [t.instrument, t.id, t.timestamp, t.side, t.size]),
      [
        ['binance:BTCUSDT', 1, 1735689600123.456, -1, 0.5],
        ['binance:BTCUSDT', 2, 1735689600200, 1, 0.25],
      ],
    );
  } finally {
    cleanup();
  }
});

test('malformed JSON elements are rejected one by one; a non-array file is one MALFORMED record', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const good = (a: number): string =>
      JSON.stringify({ info: { a, p: '0.0014', q: '23', T: T + a, m: true }, symbol: 'XRP/ETH', price: 0.0014, amount: 23 });
    const path = join(dir, 'freqtrade_binance_XRP-ETH-trades.json');
    writeFileSync(path, `[${good(1)}, {"info": {"a": 2, "p": "oops", "q": "1", "T": ${T}}}, 42, {"broken": }, ${good(3)}]`);
    const got = await collect(openReplay(path, { now }));
    assert.deepEqual(
      got.trades.map((t) => t.id),
      [1, 3],
    );
    assert.deepEqual(
      got.rejects.map((r) => [r.position, r.reason]),
      [
        ['2', 'NOT_NUMERIC'],
        ['3', 'MALFORMED'],
        ['4', 'MALFORMED'],
      ],
    );
    const notArray = join(dir, 'freqtrade_binance_X-trades.json');
    writeFileSync(notArray, '{"a": 1}\n');
    const got2 = await collect(openReplay(notArray, { now, format: 'ccxt-trades-json' }));
    assert.deepEqual(
      got2.rejects.map((r) => r.reason),
      ['MALFORMED'],
    );
    // an array cut off mid-element (no gzip to tell): the complete elements, then TRUNCATED
    const cut = join(dir, 'freqtrade_binance_XRP-ETH-cut.json');
    writeFileSync(cut, `[${good(1)},${good(2)},${good(3).slice(0, 40)}`);
    const got3 = await collect(openReplay(cut, { now }));
    assert.deepEqual(
      got3.trades.map((t) => t.id),
      [1, 2],
    );
    assert.deepEqual(
      got3.rejects.map((r) => [r.position, r.reason]),
      [['3', 'TRUNCATED']],
    );
  } finally {
    cleanup();
  }
});
