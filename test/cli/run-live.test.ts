// `tickflow run --source binance:BTCUSDT` end to end, against the fake exchange replaying the
// real Binance capture: trades → bars in the store and the API, feed stats in /api/stats; and an
// unreachable venue: a clear message, retries, no crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binanceStreamRoute, binanceTradesFromFrames, binanceTradesRest, startFakeExchange } from '../fake-exchange/index.js';
import { NO_SHARED_DATA, tempDir, waitFor } from '../helpers.js';
import { hftbacktestCapture, readCapture, receivedFrames } from '../support/captures.js';
import { cli } from './e2e-helpers.js';

interface FeedStats {
  feeds?: {
    source: string;
    connections: { venue: string; state: string; trades: number; reconnects: number; gapsUnrecovered: number; lastError?: string }[];
  }[];
}

function runLive(args: string[]): { stdout: () => string; stderr: () => string; stop: () => Promise<number | null> } {
  const child = cli(['run', '--port', '0', '--log-level', 'warn', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) =>
    child.on('close', (code, signal) => {
      if (code === null) stderr += `\n(exited on signal ${signal ?? '?'})`;
      r(code);
    }),
  );
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

test(
  'tickflow run --source binance:BTCUSDT: the live feed becomes bars in the store and the API, with feed stats',
  { skip: NO_SHARED_DATA, timeout: 120_000 },
  async (t) => {
    const frames = receivedFrames(readCapture(hftbacktestCapture('binance-spot_btcusdt_20240808.gz')));
    // A live pipeline also closes bars by the wall clock (a quiet instrument's bar ends on time),
    // so the capture is served as if it were happening now: exchange times shifted to start at
    // the next whole minute.
    const CAPTURE_START = Date.UTC(2024, 7, 8, 23, 54);
    const start = Math.ceil(Date.now() / 60_000) * 60_000;
    const shift = (text: string): string =>
      text.replace(/"([ET])":(\d{13})/g, (_m, k: string, v: string) => `"${k}":${Number(v) - CAPTURE_START + start}`);
    const fake = await startFakeExchange({
      frames,
      frameFor: (f, conn) => {
        const text = binanceStreamRoute(f, conn);
        return text === null ? null : shift(text);
      },
      rest: { '/api/v3/historicalTrades': binanceTradesRest(binanceTradesFromFrames(frames)) },
      gapFilter: (f) => f.data.includes('@trade"'),
    });
    // Mid-capture, 5 trades never arrive and the venue's REST refuses the backfill: a gap that stays.
    fake.at(20_000, (f) => {
      f.failRest(1000, 400);
      f.injectGap(5);
    });
    t.after(() => fake.close());
    const { dir, cleanup } = tempDir();
    const p = runLive([
      '--data-dir',
      dir,
      '--source',
      'binance:btcusdt',
      '--venue-url',
      `binance=${fake.wsUrl},binance.rest=${fake.restUrl}`,
    ]);
    try {
      const url = await waitFor(() => /dashboard +(http:\/\/127\.0\.0\.1:\d+)\//.exec(p.stdout())?.[1], 30_000, 'the banner');
      assert.match(p.stdout(), /source +live feeds binance:btcusdt/);
      const stats = await waitFor(
        async () => {
          const s = (await (await fetch(`${url}/api/stats`)).json()) as FeedStats;
          const c = s.feeds?.[0]?.connections[0];
          return c && c.trades === 9_757 - 5 && c.gapsUnrecovered === 1 ? s : undefined;
        },
        90_000,
        'all 9,757 trades of the capture but the 5 in the gap, in the feed stats',
      );
      assert.equal(stats.feeds?.[0]?.source, 'live:binance');
      const prom = await (await fetch(`${url}/metrics`)).text();
      assert.match(prom, /^tickflow_feed_trades_total\{venue="binance",connection="0"\} 9752$/m);
      assert.match(prom, /^tickflow_feed_up\{venue="binance",connection="0"\} 1$/m);
      assert.match(prom, /^tickflow_feed_gap_trades_total\{venue="binance",result="missed"\} 5$/m);
      assert.equal(stats.feeds?.[0]?.connections[0]?.state, 'open');
      // 23:54:15 .. 23:59:59 of 2024-08-08, shifted: the minutes before the last are final and stored
      const bars = await waitFor(
        async () => {
          const r = (await (await fetch(`${url}/api/bars?instrument=binance:BTCUSDT&interval=1m&limit=10`)).json()) as {
            bars: { start: number; trades: number }[];
          };
          return r.bars.length >= 5 ? r.bars : undefined;
        },
        30_000,
        'stored 1m bars of binance:BTCUSDT',
      );
      assert.equal(bars[0]?.start, start);
      // The gap marker travelled with the trades into the store.
      const gaps = await waitFor(
        async () => {
          const r = (await (await fetch(`${url}/api/gaps?instrument=binance:BTCUSDT`)).json()) as {
            gaps: { kind: string; missing: number; start: number; end: number }[];
          };
          return r.gaps.length > 0 ? r.gaps : undefined;
        },
        30_000,
        'the stored gap marker',
      );
      assert.equal(gaps.length, 1);
      assert.equal(gaps[0]?.kind, 'ids');
      assert.equal(gaps[0]?.missing, 5);
      assert.ok((gaps[0]?.start ?? 0) > start && (gaps[0]?.end ?? 0) >= (gaps[0]?.start ?? Infinity));
    } finally {
      assert.equal(await p.stop(), 0, p.stderr());
      cleanup();
    }
  },
);

test('tickflow run with an unreachable venue says so, keeps retrying, and stops cleanly', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = tempDir();
  // port 9 (discard) on loopback: nothing listens, the connection is refused at once
  const p = runLive(['--data-dir', dir, '--source', 'coinbase:BTC-USD', '--venue-url', 'coinbase=ws://127.0.0.1:9']);
  try {
    const url = await waitFor(() => /dashboard +(http:\/\/127\.0\.0\.1:\d+)\//.exec(p.stdout())?.[1], 30_000, 'the banner');
    await waitFor(() => (p.stderr().match(/coinbase connection 0 lost or unreachable/g) ?? []).length >= 2, 30_000, 'two retries logged');
    assert.match(p.stderr(), /ECONNREFUSED/);
    assert.match(p.stderr(), /reconnecting in \d+\.\d s/);
    const s = (await (await fetch(`${url}/api/stats`)).json()) as FeedStats;
    const c = s.feeds?.[0]?.connections[0];
    assert.ok(c && c.reconnects >= 2 && c.state !== 'open');
  } finally {
    assert.equal(await p.stop(), 0, p.stderr());
    cleanup();
  }
});
