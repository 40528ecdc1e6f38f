// Measures the kline → trades synthesis (the oracle's hot path), alone and through openReplay.
// Run: node --import tsx bench/kline-synthesis.bench.ts [files…]
// (defaults to the three Binance 1-minute kline files in ../shared/data). Prints one table.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTradeBatch, instrumentId } from '../src/core/index.js';
import { BinanceKlinesParser } from '../src/sources/formats/binance-klines.js';
import { binanceArchiveSymbol } from '../src/sources/instrument-from-file.js';
import { openReplay } from '../src/sources/open-replay.js';
import { report, type Row } from './report.js';

const dataDir = resolve(new URL('../..', import.meta.url).pathname, 'shared', 'data', 'binance-klines-1m');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : ['LTCUSDT-1m-2026-02.csv', 'LINKUSDT-1m-2026-02.csv', 'DOTUSDT-1m-2026-02.csv'].map((f) => join(dataDir, f));

const rows: { file: string; stage: string; trades: number; ms: number }[] = [];

// synthesis alone: lines already in memory, one reused batch, no I/O
for (const file of files) {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l !== '');
  const parser = new BinanceKlinesParser(binanceArchiveSymbol(file) ?? instrumentId('binance', 'X'));
  const batch = createTradeBatch(8192);
  let trades = 0;
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    trades = 0;
    for (const line of lines) {
      const n = parser.parse(line, Date.now());
      if (typeof n !== 'number') continue;
      for (let s = 0; s < n;) {
        batch.length = 0;
        s += parser.write(batch, 0, s, Math.min(n, s + 8192), Infinity, 0);
        trades += batch.length;
      }
    }
    best = Math.min(best, performance.now() - t0);
  }
  rows.push({ file, stage: 'synthesis (in memory)', trades, ms: best });
}

// end to end: file stream, line splitting, parsing, synthesis, a new 8192-trade batch per chunk
for (const file of files) {
  const t0 = performance.now();
  let trades = 0;
  for await (const c of openReplay(file)) trades += c.trades.length;
  rows.push({ file, stage: 'openReplay (file → chunks)', trades, ms: performance.now() - t0 });
}

const total = (stage: string): { trades: number; ms: number } =>
  rows.filter((r) => r.stage === stage).reduce((a, r) => ({ trades: a.trades + r.trades, ms: a.ms + r.ms }), { trades: 0, ms: 0 });
const out: Row[] = rows.map((r) => ({
  file: r.file.split('/').pop() ?? r.file,
  stage: r.stage,
  trades: r.trades,
  ms: Math.round(r.ms),
  'trades/s': Math.round((r.trades / r.ms) * 1000),
}));
for (const stage of ['synthesis (in memory)', 'openReplay (file → chunks)']) {
  const t = total(stage);
  out.push({ file: 'all', stage, trades: t.trades, ms: Math.round(t.ms), 'trades/s': Math.round((t.trades / t.ms) * 1000) });
}
report('Kline → trade synthesis (sources)', out, [
  'synthesis: best of rounds, in memory; openReplay: file stream, line splitting, parsing, synthesis into 8192-trade batches',
]);
