import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers.js';
import { cliResult } from './e2e-helpers.js';

const SAMPLE = join(ROOT, 'samples', 'LTCUSDT-1m-2026-02-01.csv');

test('tickflow bars prints stored bars as CSV and JSON, with clear errors', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await cliResult(['replay', SAMPLE, '--data-dir', dir, '--intervals', '1m,1h', '--windows', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /trades read +495,430/);

    const csv = await cliResult(['bars', '--data-dir', dir, '--instrument', 'binance:ltcusdt', '--interval', '1h', '--limit', '3']);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines[0], 'instrument,interval,start,end,open,high,low,close,volume,trades,vwap');
    assert.equal(lines.length, 4);
    assert.match(lines[1] ?? '', /^binance:LTCUSDT,1h,2026-02-01T00:00:00\.000Z,2026-02-01T01:00:00\.000Z,/);

    const json = await cliResult([
      'bars',
      '--data-dir',
      dir,
      '--instrument',
      'binance:LTCUSDT',
      '--interval',
      '1m',
      '--from',
      '2026-02-01T12:00:00Z',
      '--to',
      '2026-02-01T12:05:00Z',
      '--format',
      'json',
      '--time-format',
      'ms',
    ]);
    assert.equal(json.code, 0, json.stderr);
    const bars = JSON.parse(json.stdout) as { start: number }[];
    assert.deepEqual(
      bars.map((b) => b.start),
      [0, 1, 2, 3, 4].map((i) => Date.UTC(2026, 1, 1, 12, i)),
    );

    const unknown = await cliResult(['bars', '--data-dir', dir, '--instrument', 'binance:BTCUSDT']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /UNKNOWN_INSTRUMENT: no bars for binance:BTCUSDT in this store \(it has: binance:LTCUSDT\)/);
    const badInterval = await cliResult(['bars', '--data-dir', dir, '--instrument', 'binance:LTCUSDT', '--interval', '5m']);
    assert.match(badInterval.stderr, /no 5m bars for binance:LTCUSDT; stored intervals: 1m, 1h/);
  } finally {
    cleanup();
  }
});
