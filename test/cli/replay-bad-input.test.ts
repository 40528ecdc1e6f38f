import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir } from '../helpers.js';
import { cliResult, query } from './e2e-helpers.js';

const HEADER = 'trade_id,price,qty,trade_time,event_time,is_buyer_maker,local_recv_ns';
const T = Date.UTC(2024, 7, 8, 23, 54, 15);
const good = (id: number, dt: number, price = 61000.5, qty = '0.001'): string =>
  `${id},${price},${qty},${T + dt},${T + dt + 5},false,${(T + dt) * 1e6}`;

test('bad input is rejected with reasons, counted and kept; everything valid is processed; exit 0', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const lines = [
      HEADER,
      good(1, 0),
      'this is garbage',
      '2,61000,0.001',
      `3,abc,0.001,${T + 10},${T + 10},false,0`,
      `4,NaN,0.001,${T + 20},${T + 20},false,0`,
      `5,-5,0.001,${T + 30},${T + 30},false,0`,
      `6,0,0.001,${T + 40},${T + 40},false,0`,
      `7,61000,-1,${T + 50},${T + 50},false,0`,
      `8,61000,0.001,${Date.now() + 10 * 86_400_000},${T},false,0`,
      `9,61000,0.001,${Date.UTC(2008, 0, 1)},${T},false,0`,
      `10,61000,0.001,${T + 60}${'9'.repeat(10 * 1024 * 1024)},${T},false,0`,
      good(11, 1000),
      good(12, 61_000, 61010, '0.5'),
    ];
    const file = join(dir, 'binance-spot_BTCUSDT_trades_bad.from-ws.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    // A truncated gzip of valid trades: what was read before the cut is still processed.
    const body = [HEADER, ...Array.from({ length: 2000 }, (_, i) => good(100 + i, 120_000 + i * 10))].join('\n');
    const gz = gzipSync(body);
    const gzFile = join(dir, 'binance-spot_BTCUSDT_trades_cut.from-ws.csv.gz');
    writeFileSync(gzFile, gz.subarray(0, Math.floor(gz.length * 0.6)));

    const data = join(dir, 'data');
    const r = await cliResult(['replay', file, gzFile, '--data-dir', data, '--json', '--intervals', '1m']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { tradesRead: number; rejected: number; rejectsByReason: Record<string, number> };
    assert.deepEqual(
      Object.keys(s.rejectsByReason).sort(),
      [
        'BAD_PRICE',
        'BAD_SIZE',
        'MALFORMED',
        'NOT_NUMERIC',
        'OVERSIZED',
        'TIMESTAMP_IN_FUTURE',
        'TIMESTAMP_TOO_OLD',
        'TRUNCATED',
        'WRONG_COLUMN_COUNT',
      ].filter((k) => k in s.rejectsByReason),
    );
    for (const reason of ['NOT_NUMERIC', 'BAD_SIZE', 'TIMESTAMP_IN_FUTURE', 'TIMESTAMP_TOO_OLD', 'OVERSIZED', 'TRUNCATED']) {
      assert.ok((s.rejectsByReason[reason] ?? 0) >= 1, `${reason} counted`);
    }
    assert.ok((s.rejectsByReason['BAD_PRICE'] ?? 0) + (s.rejectsByReason['NOT_NUMERIC'] ?? 0) >= 4, 'abc, NaN, -5, 0 prices rejected');
    assert.ok(
      (s.rejectsByReason['MALFORMED'] ?? 0) + (s.rejectsByReason['WRONG_COLUMN_COUNT'] ?? 0) >= 2,
      'garbage and short lines rejected',
    );
    assert.equal(s.rejected, 10 + 1);
    assert.ok(s.tradesRead >= 3 + 1000, `valid trades processed (${s.tradesRead})`);
    const rejects = await query(data, 'SELECT reason, count(*) AS n FROM rejects GROUP BY reason');
    assert.equal(
      rejects.reduce((n, x) => n + Number(x['n']), 0),
      s.rejected,
      'every reject is in the rejects table',
    );
    const bars = await query(data, "SELECT count(*) AS n, sum(trades) AS t FROM bars WHERE interval = '1m'");
    assert.equal(Number(bars[0]?.['t']), s.tradesRead);
  } finally {
    cleanup();
  }
});

test('unknown file and unknown format give clear errors and a non-zero exit', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const missing = await cliResult(['replay', join(dir, 'nope.csv'), '--data-dir', dir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /IO: input file not found/);
    const odd = join(dir, 'odd.csv');
    writeFileSync(odd, 'a;b;c\n1;2;3\n');
    const unknown = await cliResult(['replay', odd, '--data-dir', dir]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /UNKNOWN_FORMAT/);
    const badFlag = await cliResult(['replay', odd, '--data-dir', dir, '--intervals', '7m']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--intervals: '7m'/);
  } finally {
    cleanup();
  }
});
