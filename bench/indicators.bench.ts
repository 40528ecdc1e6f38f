// Throughput of the streaming IndicatorEngine (all indicators, one IndicatorSet per bar).
// Run: node --import tsx bench/indicators.bench.ts [bars=1000000] [rounds=5]
// (BENCH_NO_RECORD=1 prints without appending to docs/BENCHMARKS.md.)
// Uses real 1-minute LTCUSDT klines from ../shared/data when present, else a synthetic walk.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IndicatorEngine, type IndicatorBar } from '../src/stream/indicators/index.js';
import { report } from './report.js';

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);

function realBars(): IndicatorBar[] | undefined {
  const shared = process.env['TICKFLOW_SHARED_DATA'] ?? resolve(import.meta.dirname, '..', '..', 'shared', 'data');
  const path = resolve(shared, 'binance-klines-1m', 'LTCUSDT-1m-2026-02.csv');
  if (!existsSync(path)) return undefined;
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => {
      const [start, open, high, low, close, volume] = l.split(',').map(Number) as [number, number, number, number, number, number];
      return { start, open, high, low, close, volume };
    });
}

function syntheticBars(n: number): IndicatorBar[] {
  let price = 100;
  let seed = 42;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5;
  return Array.from({ length: n }, (_, i) => {
    const open = price;
    price *= 1 + rand() * 0.002;
    return {
      start: i * 60_000,
      open,
      high: Math.max(open, price) * 1.0005,
      low: Math.min(open, price) * 0.9995,
      close: price,
      volume: 1 + Math.abs(rand()),
    };
  });
}

// The month of real klines is repeated (with shifted times) up to N bars so timing covers N.
const source = realBars();
const bars: IndicatorBar[] =
  source === undefined
    ? syntheticBars(N)
    : Array.from({ length: N }, (_, i) => {
        const b = source[i % source.length] as IndicatorBar;
        return { ...b, start: i * 60_000 };
      });

let sink = 0;
const results: number[] = [];
for (let r = 0; r < ROUNDS + 1; r++) {
  const engine = new IndicatorEngine({ instrument: 'binance:LTCUSDT', interval: '1m' });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i];
    if (b !== undefined) sink += engine.onBar(b).realizedVol ?? 0;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r > 0) results.push(bars.length / s); // round 0 warms the JIT
}
results.sort((a, b) => a - b);
const median = results[Math.floor(results.length / 2)] ?? 0;
report(
  'IndicatorEngine.onBar: all indicators per 1m bar',
  [
    {
      bars: bars.length,
      rounds: ROUNDS,
      'median bars/s': Math.round(median),
      'min bars/s': Math.round(results[0] ?? 0),
      'max bars/s': Math.round(results.at(-1) ?? 0),
      data: source ? 'LTCUSDT 1m klines (repeated)' : 'synthetic walk',
    },
  ],
  ['target >= 5,000,000 bars/s; one IndicatorSet object is allocated per bar'],
);
if (Number.isNaN(sink)) console.log('(sink NaN)');
