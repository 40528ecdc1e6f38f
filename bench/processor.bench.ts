// The stream processor alone on parsed trades (100 instruments, all default intervals,
// indicators, alerts and a 5m/1m hopping window), next to the JSON.parse ceiling for real
// Binance trade messages measured in the same run, and JSON in → bars end to end: through the
// Binance trade mapper (text → batch without JSON.parse), and the plain JSON.parse + Number() way.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TradeBatchBuilder, type InstrumentId, type TradeBatch } from '../src/core/index.js';
import { BinanceTradeMapper } from '../src/sources/messages/binance-trade.js';
import { Processor, ProcessorOutputs } from '../src/stream/index.js';
import { processorConfig } from '../src/cli/pipeline/processor-config.js';
import { resolveConfig } from '../src/cli/config.js';
import { report } from './report.js';

const SHARED = process.env['TICKFLOW_SHARED_DATA'] ?? resolve(import.meta.dirname, '..', '..', 'shared', 'data');
const csv = readFileSync(`${SHARED}/trades/binance-spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.from-ws.csv`, 'utf8')
  .trim()
  .split('\n')
  .slice(1);
const INSTRUMENTS = 100;
const N = 2_000_000;

// Real trade messages (values from the capture), spread over 100 symbols, time running on.
const messages: string[] = [];
const t0 = 1723161255342;
for (let i = 0; i < N; i++) {
  const f = (csv[i % csv.length] ?? '').split(',');
  const sym = `S${String(i % INSTRUMENTS).padStart(3, '0')}USDT`;
  const T = t0 + Math.floor(i / 40);
  messages.push(
    `{"e":"trade","E":${T + 1},"s":"${sym}","t":${Math.floor(i / INSTRUMENTS) + 1},"p":"${f[1]}","q":"${f[2]}","T":${T},"m":${f[5] === 'true'},"M":true}`,
  );
}

interface BinanceTrade {
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
}

/**
 * Best of `runs` runs of each measure, taken in turns (all once, then all again…) so that a
 * busy spell of a shared machine does not fall on one row only and skew the ratios.
 */
function bestInTurns<K extends string>(runs: number, fns: Record<K, () => number>): Record<K, number> {
  const keys = Object.keys(fns) as K[];
  const best = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (let r = 0; r < runs; r++) for (const k of keys) best[k] = Math.max(best[k], fns[k]());
  return best;
}

function parseOnly(): number {
  const start = performance.now();
  let sink = 0;
  for (const m of messages) sink += (JSON.parse(m) as BinanceTrade).T;
  if (sink === 42) process.stdout.write('');
  return (messages.length * 1000) / (performance.now() - start);
}

const symbolIds = new Map<string, InstrumentId>();
function instrumentOf(symbol: string): InstrumentId {
  let id = symbolIds.get(symbol);
  if (!id) symbolIds.set(symbol, (id = `binance:${symbol}` as InstrumentId));
  return id;
}

function toBatches(): TradeBatch[] {
  const out: TradeBatch[] = [];
  const builder = new TradeBatchBuilder(8192);
  for (const m of messages) {
    const x = JSON.parse(m) as BinanceTrade;
    const full = builder.push(instrumentOf(x.s), x.T, Number(x.p), Number(x.q), x.t, x.m ? -1 : 1, x.T);
    if (full) out.push(full);
  }
  const last = builder.flush();
  if (last) out.push(last);
  return out;
}

const cfg = processorConfig(resolveConfig('replay', {}, {}), false);
const noAnalytics = { ...cfg, analytics: undefined };
function processOnly(batches: TradeBatch[], c = cfg): number {
  const p = new Processor(c);
  const out = new ProcessorOutputs();
  const start = performance.now();
  for (const b of batches) {
    p.process(b, out);
    out.drain();
  }
  p.finish(out);
  return (N * 1000) / (performance.now() - start);
}

function jsonToBars(): number {
  const p = new Processor(cfg);
  const out = new ProcessorOutputs();
  const builder = new TradeBatchBuilder(8192);
  const start = performance.now();
  for (const m of messages) {
    const x = JSON.parse(m) as BinanceTrade;
    const full = builder.push(instrumentOf(x.s), x.T, Number(x.p), Number(x.q), x.t, x.m ? -1 : 1, x.T);
    if (full) {
      p.process(full, out);
      out.drain();
    }
  }
  const last = builder.flush();
  if (last) p.process(last, out);
  p.finish(out);
  return (N * 1000) / (performance.now() - start);
}

// The receive time a live feed stamps once per frame: a constant here (the JSON.parse rows pass x.T).
const LOCAL_TS = t0 + N;

function mapperToBars(): number {
  const p = new Processor(cfg);
  const out = new ProcessorOutputs();
  const builder = new TradeBatchBuilder(8192);
  const mapper = new BinanceTradeMapper({ instrumentOf });
  const start = performance.now();
  for (const m of messages) {
    const r = mapper.map(m, builder, LOCAL_TS);
    if (r.kind === 'trade') {
      if (r.full) {
        p.process(r.full, out);
        out.drain();
      }
    } else throw new Error(`mapper: ${r.kind} ${m}`);
  }
  const last = builder.flush();
  if (last) p.process(last, out);
  p.finish(out);
  const rate = (N * 1000) / (performance.now() - start);
  if (mapper.stats.fast !== N) throw new Error(`only ${mapper.stats.fast} of ${N} messages took the fast path`);
  return rate;
}

function mapOnly(): number {
  const builder = new TradeBatchBuilder(8192);
  const mapper = new BinanceTradeMapper({ instrumentOf });
  let sink = 0;
  const start = performance.now();
  for (const m of messages) {
    const r = mapper.map(m, builder, LOCAL_TS);
    if (r.kind === 'trade' && r.full) sink += r.full.length;
  }
  sink += builder.flush()?.length ?? 0;
  const rate = (N * 1000) / (performance.now() - start);
  if (sink !== N) throw new Error(`mapped ${sink} of ${N}`);
  return rate;
}

function parseNumberOnly(): number {
  const builder = new TradeBatchBuilder(8192);
  let sink = 0;
  const start = performance.now();
  for (const m of messages) {
    const x = JSON.parse(m) as BinanceTrade;
    const full = builder.push(instrumentOf(x.s), x.T, Number(x.p), Number(x.q), x.t, x.m ? -1 : 1, x.T);
    if (full) sink += full.length;
  }
  sink += builder.flush()?.length ?? 0;
  const rate = (N * 1000) / (performance.now() - start);
  if (sink !== N) throw new Error(`mapped ${sink} of ${N}`);
  return rate;
}

const batches = toBatches();
const { ceiling, proc, procBare, mapAlone, parseAlone, e2e, e2eOld } = bestInTurns(3, {
  ceiling: parseOnly,
  proc: () => processOnly(batches),
  procBare: () => processOnly(batches, noAnalytics),
  mapAlone: mapOnly,
  parseAlone: parseNumberOnly,
  e2e: mapperToBars,
  e2eOld: jsonToBars,
});
const ofCeiling = (v: number): string => `${((v / ceiling) * 100).toFixed(0)} %`;
report(
  'Stream processor vs JSON.parse ceiling',
  [
    { measure: 'JSON.parse of Binance trade messages (ceiling)', 'msgs/s': Math.round(ceiling) },
    { measure: 'mapper alone (text → builder)', 'msgs/s': Math.round(mapAlone), 'of ceiling': ofCeiling(mapAlone) },
    { measure: 'JSON.parse + Number() alone (text → builder)', 'msgs/s': Math.round(parseAlone), 'of ceiling': ofCeiling(parseAlone) },
    { measure: 'processor on parsed trades, bars only', 'msgs/s': Math.round(procBare) },
    { measure: 'processor on parsed trades, bars + indicators + alerts + windows', 'msgs/s': Math.round(proc) },
    { measure: 'JSON in → processor (everything)', 'msgs/s': Math.round(e2e), 'of ceiling': ofCeiling(e2e) },
    { measure: 'JSON in → processor (everything), JSON.parse + Number()', 'msgs/s': Math.round(e2eOld), 'of ceiling': ofCeiling(e2eOld) },
  ],
  [
    `${N.toLocaleString('en-US')} messages, ${INSTRUMENTS} instruments, intervals ${cfg.intervals.map((s) => s.name).join(',')}, window 5m/1m; best of 3 runs taken in turns, one core`,
    'JSON in goes through the Binance trade mapper (src/sources/messages/binance-trade.ts); the JSON.parse + Number() row is the plain way',
    'target: JSON in ≥ 80 % of the JSON.parse ceiling',
  ],
);
