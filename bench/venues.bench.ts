// Each WebSocket venue's mapper (frame text → normalized trades) on its real capture from
// ../shared/data/ws-captures (SOURCES.md §4), one core, frames in memory, with the JSON.parse
// rate of the same frames as a ceiling. Pollers and venues without a capture are skipped.
// Run: node --import tsx bench/venues.bench.ts
// Env: VENUES_ROUNDS (best of, default 5), VENUES_ROUND_MS (least time per round, default 100).
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { InstrumentId, Side } from '../src/core/index.js';
import type { TradeOut } from '../src/sources/live/mapper.js';
import { liveVenues } from '../src/sources/live/registry.js';
import type { VenueSpec } from '../src/sources/live/venue.js';
import { cryptofeedCapture, hftbacktestCapture, readCapture, receivedFrames, type CaptureEvent } from '../test/support/captures.js';
import { report, type Row } from './report.js';

const ROUNDS = Number(process.env['VENUES_ROUNDS'] ?? 5);
const ROUND_MS = Number(process.env['VENUES_ROUND_MS'] ?? 100);

/** The capture of each venue, and the connection of it where one file holds two venues. */
const CAPTURES: Readonly<Record<string, { readonly files: readonly string[]; readonly conn?: string }>> = {
  binance: { files: [hftbacktestCapture('binance-spot_btcusdt_20240808.gz'), hftbacktestCapture('binance-spot_btcusdt_20240809.gz')] },
  'binance-futures': { files: [hftbacktestCapture('binance-usdm_btcusdt_20240808.gz')] },
  'binance-aggtrade': { files: [cryptofeedCapture('BINANCE.v3.jsonl.gz')] },
  'binance-futures-aggtrade': { files: [cryptofeedCapture('BINANCE_FUTURES.v3.jsonl.gz')] },
  coinbase: { files: [cryptofeedCapture('COINBASE.v3.jsonl.gz')] },
  'coinbase-exchange': { files: [cryptofeedCapture('COINBASE-legacy-pro.ws.28.0.txt.gz')] },
  kraken: { files: [cryptofeedCapture('KRAKEN.v3.jsonl.gz')] },
  bybit: { files: [cryptofeedCapture('BYBIT.v3.jsonl.gz')], conn: 'BYBIT.ws.3' },
  'bybit-linear': { files: [cryptofeedCapture('BYBIT.v3.jsonl.gz')], conn: 'BYBIT.ws.2' },
  okx: { files: [cryptofeedCapture('OKX.v3.jsonl.gz')] },
  bitstamp: { files: [cryptofeedCapture('BITSTAMP.v3.jsonl.gz')] },
};

/** Frames of one connection, in capture order: a fresh mapper per connection and pass, as the feed has. */
interface ConnFrames {
  readonly texts: readonly string[];
  readonly ts: readonly number[];
}

/** Counts and sums every field, so that no part of the mapping can be optimized away. */
class SumOut implements TradeOut {
  n = 0;
  sum = 0;
  trade(instrument: InstrumentId, ts: number, price: number, size: number, id: number, side: Side): void {
    this.n++;
    this.sum += instrument.length + ts + price + size + id + side;
  }
}

function byConnection(events: readonly CaptureEvent[]): ConnFrames[] {
  const m = new Map<string, { texts: string[]; ts: number[] }>();
  for (const e of events) {
    let c = m.get(e.conn);
    if (c === undefined) m.set(e.conn, (c = { texts: [], ts: [] }));
    c.texts.push(e.data);
    c.ts.push(e.ts);
  }
  return [...m.values()];
}

/** One pass of the mapper over every connection; returns trades and rejects (the sink is checked by the caller). */
function mapPass(spec: VenueSpec, conns: readonly ConnFrames[], out: TradeOut): { trades: number; rejects: number } {
  let trades = 0;
  let rejects = 0;
  for (const c of conns) {
    const mapper = spec.createMapper();
    const { texts, ts } = c;
    for (let i = 0; i < texts.length; i++) {
      const r = mapper.map(texts[i] ?? '', ts[i] ?? 0, out);
      trades += r.trades;
      rejects += r.rejects.length;
    }
  }
  return { trades, rejects };
}

function parsePass(conns: readonly ConnFrames[]): number {
  let sink = 0;
  for (const c of conns) for (const t of c.texts) if (JSON.parse(t) !== null) sink++;
  return sink;
}

/** Frames per second of `pass`, best of ROUNDS rounds of at least ROUND_MS each; rounds of all measures are taken in turns. */
function bestInTurns<K extends string>(frames: Record<K, number>, passes: Record<K, () => void>): Record<K, number> {
  const keys = Object.keys(passes) as K[];
  const reps = {} as Record<K, number>;
  const best = {} as Record<K, number>;
  for (const k of keys) {
    passes[k](); // warm up
    const t0 = performance.now();
    passes[k]();
    const ms = Math.max(performance.now() - t0, 0.001);
    reps[k] = Math.max(1, Math.ceil(ROUND_MS / ms));
    best[k] = 0;
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of keys) {
      let n = 0;
      const t0 = performance.now();
      let ms = 0;
      // calibration can be off on a busy machine: keep going until the round is long enough
      while (n < reps[k] || ms < ROUND_MS) {
        passes[k]();
        n++;
        ms = performance.now() - t0;
      }
      best[k] = Math.max(best[k], (frames[k] * n * 1000) / ms);
    }
  }
  return best;
}

const loadAtStart = loadavg()[0] ?? 0;
const rows: Row[] = [];
const skipped: string[] = [];
const eventsCache = new Map<string, CaptureEvent[]>();
const load = (file: string): CaptureEvent[] => {
  let ev = eventsCache.get(file);
  if (ev === undefined) eventsCache.set(file, (ev = readCapture(file)));
  return ev;
};

for (const v of liveVenues()) {
  if ('kind' in v) {
    skipped.push(`${v.name} (poller)`);
    continue;
  }
  const cap = CAPTURES[v.name];
  if (cap === undefined) {
    skipped.push(`${v.name} (no capture)`);
    continue;
  }
  const events = cap.files.flatMap((f) => receivedFrames(load(f), cap.conn));
  const all = byConnection(events);
  const frames = events.length;
  const bytes = events.reduce((a, e) => a + Buffer.byteLength(e.data), 0);

  // which frames carry trades: one checked pass, a fresh mapper per connection
  const check = new SumOut();
  const tradeConns: ConnFrames[] = [];
  let tradeFrames = 0;
  let rejects = 0;
  for (const c of all) {
    const mapper = v.createMapper();
    const t: { texts: string[]; ts: number[] } = { texts: [], ts: [] };
    c.texts.forEach((text, i) => {
      const r = mapper.map(text, c.ts[i] ?? 0, check);
      rejects += r.rejects.length;
      if (r.trades > 0) {
        t.texts.push(text);
        t.ts.push(c.ts[i] ?? 0);
      }
    });
    tradeFrames += t.texts.length;
    tradeConns.push(t);
  }
  const trades = check.n;
  if (trades === 0) {
    skipped.push(`${v.name} (no trades in its capture)`);
    continue;
  }
  // a mapper that needed the non-trade frames (subscription acks) would map fewer trades here
  const alone = mapPass(v, tradeConns, new SumOut());
  if (alone.trades !== trades) throw new Error(`${v.name}: trade frames alone map to ${alone.trades} trades, all frames to ${trades}`);

  const out = new SumOut();
  const rate = bestInTurns(
    { map: frames, parse: frames, mapTrades: tradeFrames, parseTrades: tradeFrames },
    {
      map: () => void mapPass(v, all, out),
      parse: () => void parsePass(all),
      mapTrades: () => void mapPass(v, tradeConns, out),
      parseTrades: () => void parsePass(tradeConns),
    },
  );
  if (out.n % trades !== 0 || !Number.isFinite(out.sum)) throw new Error(`${v.name}: ${out.n} trades mapped, not a multiple of ${trades}`);

  const name = (f: string): string => f.split('/').pop() ?? f;
  rows.push({
    venue: v.name,
    capture: `${cap.files.map(name).join(' + ')}${cap.conn ? ` [${cap.conn}]` : ''}`,
    frames,
    trades,
    'trade frames': `${((tradeFrames / frames) * 100).toFixed(1)} %`,
    'avg frame B': Math.round(bytes / frames),
    'all: frames/s': Math.round(rate.map),
    'all: trades/s': Math.round((rate.map * trades) / frames),
    'all: JSON.parse frames/s': Math.round(rate.parse),
    'trade frames: frames/s': Math.round(rate.mapTrades),
    'trade frames: trades/s': Math.round((rate.mapTrades * trades) / tradeFrames),
    'trade frames: JSON.parse frames/s': Math.round(rate.parseTrades),
    ...(rejects > 0 ? { rejects } : {}),
  });
  process.stderr.write(`${v.name}: ${Math.round(rate.map).toLocaleString('en-US')} frames/s\n`);
}

report('Live venue mappers on the real captures (one core)', rows, [
  "Each venue mapper (`createMapper().map(text, localTs, out)`, src/sources/live/venues/) over the received frames of its capture in ../shared/data/ws-captures (SOURCES.md §4), held in memory, with each frame's recorded receive time as localTs; a fresh mapper per connection and pass; the TradeOut only counts and sums the fields",
  `frames/s and trades/s: best of ${ROUNDS} rounds of ≥ ${ROUND_MS} ms (repeated passes over the capture, several thousand for the small ones), taken in turns with the JSON.parse rows; one core, one process`,
  'JSON.parse frames/s: `JSON.parse` alone of the same frames, the ceiling of any mapper that parses; a mapper can beat it on frames it skips by a prefix check (book, ticker) or scans without JSON.parse (Binance `trade`)',
  'trade frames only: the same three rates on the frames that carry trades, what a feed subscribed to trades alone receives; the captures are small (Binance aggTrade spot: 2 trade frames, Kraken: 8), so these rows time the same few frames over and over',
  `not measured: ${skipped.join(', ') || 'none'}`,
  `load average ${loadAtStart.toFixed(1)} on ${cpus().length} cores when the runs began: this host is shared; others' work lowers the absolute rates, the ratios to the JSON.parse columns (measured in turns) hold better`,
  'command: `node --import tsx bench/venues.bench.ts` (or `npm run bench -- venues`)',
]);
