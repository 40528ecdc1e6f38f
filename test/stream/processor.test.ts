import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchFromTrades, epochMs, parseBarSpecs, type Bar, type InstrumentId, type Side, type Trade } from '../../src/core/index.js';
import { Processor, ProcessorOutputs, type ProcessorConfig } from '../../src/stream/processor.js';

const T0 = Date.UTC(2026, 1, 1);
const INST = 'binance:BTCUSDT' as InstrumentId;

function cfg(over: Partial<ProcessorConfig> = {}): ProcessorConfig {
  return {
    intervals: parseBarSpecs('1s,1m'),
    allowedLatenessMs: 2000,
    idleTimeoutMs: 1000,
    latePolicy: 'side-output',
    reviseKeep: 16,
    dedupeWindow: 1_000_000,
    windows: [],
    ...over,
  };
}

function trade(id: number, dt: number, price: number, size = 1, side: Side = 1, instrument = INST): Trade {
  return { type: 'trade', instrument, id, timestamp: epochMs(T0 + dt), localTimestamp: epochMs(T0 + dt), price, size, side };
}

function run(trades: Trade[], c = cfg(), chunk = 7): { bars: Bar[]; p: Processor; out: ReturnType<ProcessorOutputs['drain']> } {
  const p = new Processor(c);
  const out = new ProcessorOutputs();
  for (let i = 0; i < trades.length; i += chunk) p.process(batchFromTrades(trades.slice(i, i + chunk)), out);
  p.finish(out);
  const d = out.drain();
  return { bars: d.bars, p, out: d };
}

/** A random walk of trades, 4 per second on average, sorted by time, with contiguous ids. */
function walk(n: number, seed = 1): Trade[] {
  let s = seed;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out: Trade[] = [];
  let t = 0;
  let px = 100;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 500);
    px = Math.round(px * (1 + (rnd() - 0.5) * 0.002) * 100) / 100;
    out.push(trade(1000 + i, t, px, Math.round(rnd() * 1e6) / 1e4, rnd() < 0.5 ? 1 : -1));
  }
  return out;
}

test('bars at several intervals from hand-made trades', () => {
  const { bars } = run([trade(1, 0, 10, 1), trade(2, 400, 12, 2, -1), trade(3, 900, 9, 1), trade(4, 1500, 11, 3), trade(5, 61_000, 20, 1)]);
  const b1s = bars.filter((b) => b.interval === '1s');
  assert.deepEqual(
    b1s.map((b) => [b.start - T0, b.open, b.high, b.low, b.close, b.volume, b.trades]),
    [
      [0, 10, 12, 9, 9, 4, 3],
      [1000, 11, 11, 11, 11, 3, 1],
      [61_000, 20, 20, 20, 20, 1, 1],
    ],
  );
  const m = bars.filter((b) => b.interval === '1m');
  assert.equal(m.length, 2);
  const first = m[0];
  assert.ok(first);
  assert.equal(first.open, 10);
  assert.equal(first.close, 11);
  assert.equal(first.high, 12);
  assert.equal(first.low, 9);
  assert.equal(first.volume, 7);
  assert.equal(first.buyVolume, 5);
  assert.equal(first.sellVolume, 2);
  assert.equal(first.vwap, (10 + 24 + 9 + 33) / 7);
  assert.equal(first.firstTradeId, 1);
  assert.equal(first.lastTradeId, 4);
  assert.equal(first.end - first.start, 60_000);
  assert.ok(bars.every((b) => b.final && b.revision === 0));
});

test('a bar is final only once the watermark passes its end', () => {
  const p = new Processor(cfg());
  const out = new ProcessorOutputs();
  p.process(batchFromTrades([trade(1, 100, 10)]), out);
  p.process(batchFromTrades([trade(2, 2999, 10)]), out);
  assert.equal(out.bars.length, 0, 'watermark 999 < end 1000');
  p.process(batchFromTrades([trade(3, 3000, 10)]), out);
  assert.deepEqual(
    out.bars.map((b) => [b.interval, b.start - T0]),
    [['1s', 0]],
  );
});

test('out-of-order input within the allowed lateness gives identical bars', () => {
  const sorted = walk(5000);
  // Arrival order sorted by event time + a jitter below 1.9 s: no trade arrives more than
  // 1.9 s (event time) after a later one, so all are within the 2 s lateness.
  let s = 7;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const shuffled = sorted
    .map((t) => ({ t, k: t.timestamp + rnd() * 1900 }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.t);
  assert.notDeepEqual(shuffled, sorted);
  const key = (b: Bar): string => `${b.interval}/${b.start}`;
  const A = run(sorted);
  const B = run(shuffled);
  assert.equal(B.p.counters.late, 0);
  const mapA = new Map(A.bars.map((b) => [key(b), b]));
  assert.equal(B.bars.length, A.bars.length);
  for (const b of B.bars) {
    const a = mapA.get(key(b));
    assert.ok(a, key(b));
    assert.equal(b.open, a.open);
    assert.equal(b.high, a.high);
    assert.equal(b.low, a.low);
    assert.equal(b.close, a.close);
    assert.equal(b.trades, a.trades);
    assert.ok(Math.abs(b.volume - a.volume) <= 1e-9 * a.volume);
  }
});

test('trades beyond the allowed lateness go to the late output and are counted', () => {
  const { bars, p, out } = run([trade(1, 0, 10), trade(2, 5000, 11), trade(3, 500, 99), trade(4, 5100, 12)]);
  assert.equal(p.counters.late, 1);
  assert.equal(out.late.length, 1);
  assert.equal(out.late[0]?.price, 99);
  assert.equal(out.late[0]?.watermark, T0 + 3000);
  assert.ok(
    bars.every((b) => b.high < 99),
    'the late trade is in no bar',
  );
  assert.equal(p.counters.accepted, 3);
});

test('a trade late for the 1s bar is late for every interval (bars stay consistent)', () => {
  const { bars, p } = run([trade(1, 0, 10), trade(2, 4000, 11), trade(3, 1500, 50)]);
  assert.equal(p.counters.late, 1);
  const m = bars.find((b) => b.interval === '1m');
  assert.equal(m?.high, 11);
});

test('late policy "revise" emits a revised final bar with a revision number', () => {
  const { bars, p, out } = run([trade(1, 0, 10), trade(2, 5000, 11), trade(3, 500, 99)], cfg({ latePolicy: 'revise' }));
  assert.equal(out.late.length, 1, 'still on the late side output');
  assert.equal(p.counters.lateRevised, 1);
  const revised = bars.filter((b) => b.interval === '1s' && b.start === T0);
  assert.deepEqual(
    revised.map((b) => [b.revision, b.high, b.trades]),
    [
      [0, 10, 1],
      [1, 99, 2],
    ],
  );
  const minute = bars.find((b) => b.interval === '1m');
  assert.equal(minute?.high, 99, 'the open 1m bar takes the late trade normally');
});

test('duplicate trade ids are dropped and counted, also out of order and after gaps', () => {
  const trades = [
    trade(10, 0, 1),
    trade(11, 1, 1),
    trade(11, 2, 1),
    trade(14, 3, 1),
    trade(12, 4, 1),
    trade(12, 5, 1),
    trade(9, 6, 1),
    trade(9, 7, 1),
  ];
  const { bars, p } = run(trades);
  assert.equal(p.counters.duplicates, 3);
  assert.equal(p.counters.accepted, 5);
  assert.equal(bars.find((b) => b.interval === '1s')?.trades, 5);
});

test('trades without ids are never deduplicated', () => {
  const { p } = run([trade(-1, 0, 1), trade(-1, 0, 1)]);
  assert.equal(p.counters.duplicates, 0);
  assert.equal(p.counters.accepted, 2);
});

test('snapshot and restore mid-stream continue exactly like an uninterrupted run', () => {
  const trades = walk(4000, 3);
  const c = cfg({ intervals: parseBarSpecs('1s,1m,5m,tick:50,vol:400'), windows: [{ sizeMs: 300_000, slideMs: 60_000 }] });
  const full = run(trades, c);
  const p1 = new Processor(c);
  const out = new ProcessorOutputs();
  const cut = 1777;
  p1.process(batchFromTrades(trades.slice(0, cut)), out);
  const snap = JSON.parse(JSON.stringify(p1.toJSON()));
  const p2 = new Processor(c);
  p2.restore(snap);
  p2.process(batchFromTrades(trades.slice(cut)), out);
  p2.finish(out);
  const d = out.drain();
  assert.deepEqual(d.bars, full.bars);
  assert.deepEqual(d.windows, full.out.windows);
  assert.deepEqual(p2.counters, full.p.counters);
});

test('tick, volume and dollar bars close on their thresholds', () => {
  const trades = Array.from({ length: 10 }, (_, i) => trade(i, i * 10, 10 + i, 1));
  const { bars } = run(trades, cfg({ intervals: parseBarSpecs('tick:3,vol:4,dollar:50') }));
  assert.deepEqual(
    bars.filter((b) => b.interval === 'tick:3').map((b) => [b.open, b.close, b.trades]),
    [
      [10, 12, 3],
      [13, 15, 3],
      [16, 18, 3],
    ],
  );
  assert.deepEqual(
    bars.filter((b) => b.interval === 'vol:4').map((b) => b.trades),
    [4, 4],
  );
  assert.deepEqual(
    bars.filter((b) => b.interval === 'dollar:50').map((b) => b.quoteVolume),
    [10 + 11 + 12 + 13 + 14, 15 + 16 + 17 + 18],
  );
});

test('hopping windows: 3 min sliding by 1 min from 1 min panes', () => {
  const trades = [trade(1, 0, 10, 1), trade(2, 60_000, 20, 1), trade(3, 120_000, 30, 2), trade(4, 180_000, 5, 1), trade(5, 400_000, 1, 1)];
  const { out } = run(trades, cfg({ windows: [{ sizeMs: 180_000, slideMs: 60_000 }] }));
  const w = out.windows.map((x) => [x.start - T0, x.end - T0, x.trades, x.minPrice, x.maxPrice, x.volume]);
  assert.deepEqual(w.slice(0, 4), [
    [-120_000, 60_000, 1, 10, 10, 1],
    [-60_000, 120_000, 2, 10, 20, 2],
    [0, 180_000, 3, 10, 30, 4],
    [60_000, 240_000, 3, 5, 30, 4],
  ]);
  const third = out.windows[2];
  assert.ok(third);
  assert.equal(third.vwap, (10 + 20 + 60) / 4);
  assert.equal(third.spread, 2);
});

test('idle instruments close their bars by wall clock in live mode', () => {
  const p = new Processor(cfg());
  const out = new ProcessorOutputs();
  p.process(batchFromTrades([trade(1, 100, 10)]), out);
  p.advanceTime(T0 + 1000 + 2000 + 999, out);
  assert.equal(out.bars.length, 0);
  p.advanceTime(T0 + 1000 + 2000 + 1000, out);
  assert.deepEqual(
    out.bars.map((b) => b.interval),
    ['1s'],
  );
  p.process(batchFromTrades([trade(2, 500, 10)]), out);
  assert.equal(p.counters.late, 1, 'a trade for a bar closed by the idle timer is late');
});

test('interim bars are reported once per change', () => {
  const p = new Processor(cfg());
  const out = new ProcessorOutputs();
  p.process(batchFromTrades([trade(1, 100, 10), trade(2, 200, 11)]), out);
  const a: Bar[] = [];
  p.collectInterim(a);
  assert.deepEqual(
    a.map((b) => [b.interval, b.final, b.close]),
    [
      ['1s', false, 11],
      ['1m', false, 11],
    ],
  );
  const b: Bar[] = [];
  p.collectInterim(b);
  assert.equal(b.length, 0);
});

test('instruments have independent watermarks', () => {
  const other = 'binance:ETHUSDT' as InstrumentId;
  const { p } = run([trade(1, 100_000, 10), trade(1, 0, 5, 1, 1, other), trade(2, 50, 5, 1, 1, other)]);
  assert.equal(p.counters.late, 0);
});

test('a revised late trade is counted once in coarser bars merged from finer ones', () => {
  const { bars } = run(
    [trade(1, 0, 10), trade(2, 5000, 11), trade(3, 500, 99, 7)],
    cfg({ latePolicy: 'revise', intervals: parseBarSpecs('1s,1m,1h') }),
  );
  const hour = bars.find((b) => b.interval === '1h');
  const minute = bars.find((b) => b.interval === '1m');
  assert.equal(minute?.trades, 3);
  assert.equal(hour?.trades, 3);
  assert.equal(hour?.volume, 9);
});

test('coarser bars merged from finer ones equal bars aggregated from the trades directly', () => {
  const trades = walk(6000, 11);
  // 1s is not a multiple of 400ms: both are updated from trades; 1m and up are merged from 1s.
  const merged = run(trades, cfg({ intervals: parseBarSpecs('1s,400ms,1m,5m,1h') }));
  for (const iv of ['1m', '5m', '1h', '400ms']) {
    const direct = run(trades, cfg({ intervals: parseBarSpecs(iv) }));
    const a = merged.bars.filter((b) => b.interval === iv);
    const b = direct.bars.filter((x) => x.interval === iv);
    assert.equal(a.length, b.length, iv);
    a.forEach((x, i) => {
      const y = b[i];
      assert.ok(y);
      assert.deepEqual(
        [x.start, x.open, x.high, x.low, x.close, x.trades, x.firstTradeId, x.lastTradeId],
        [y.start, y.open, y.high, y.low, y.close, y.trades, y.firstTradeId, y.lastTradeId],
        iv,
      );
      assert.ok(Math.abs(x.volume - y.volume) <= 1e-12 * y.volume, `${iv} volume`);
      assert.ok(Math.abs(x.quoteVolume - y.quoteVolume) <= 1e-9 * y.quoteVolume, `${iv} quote volume`);
    });
  }
});

test('interim bars of merged intervals include the open finer bars', () => {
  const p = new Processor(cfg({ intervals: parseBarSpecs('1s,1m,1h') }));
  const out = new ProcessorOutputs();
  p.process(batchFromTrades([trade(1, 100, 10), trade(2, 1500, 12), trade(3, 4000, 9)]), out);
  const a: Bar[] = [];
  p.collectInterim(a);
  const hour = a.find((b) => b.interval === '1h');
  assert.deepEqual([hour?.open, hour?.high, hour?.low, hour?.close, hour?.trades, hour?.final], [10, 12, 9, 9, 3, false]);
});

test('liveBar gives each series the interim bar collectInterim reports, on demand', () => {
  const other = 'binance:ETHUSDT' as InstrumentId;
  const c = cfg({ intervals: parseBarSpecs('1s,1m,1h,tick:2') });
  const p = new Processor(c);
  const out = new ProcessorOutputs();
  // 1s bars at 0 s (final once the watermark passes), 61 s and 62 s (open); two instruments
  p.process(
    batchFromTrades([trade(1, 100, 10), trade(2, 61_500, 12), trade(3, 62_100, 9), trade(4, 62_200, 11), trade(1, 300, 5, 1, 1, other)]),
    out,
  );
  const asked = ['1s', '1m', '1h', 'tick:2'].flatMap((iv) => [INST, other].map((i) => p.liveBar(i, iv))).filter((b) => b !== undefined);
  const collected: Bar[] = [];
  p.collectInterim(collected);
  const key = (b: Bar): string => `${b.instrument} ${b.interval} ${b.start}`;
  // collectInterim reports every changed open bar; liveBar the newest of each series
  const newest = new Map<string, Bar>();
  for (const b of collected) {
    const k = `${b.instrument} ${b.interval}`;
    if ((newest.get(k)?.start ?? -Infinity) <= b.start) newest.set(k, b);
  }
  assert.deepEqual(asked.map(key).sort(), [...newest.values()].map(key).sort());
  for (const b of asked) assert.deepEqual(b, newest.get(`${b.instrument} ${b.interval}`));
  const hour = p.liveBar(INST, '1h');
  assert.deepEqual([hour?.open, hour?.high, hour?.low, hour?.close, hour?.trades, hour?.final], [10, 12, 9, 11, 4, false]);
  // asking changes nothing: the next collection still reports nothing new
  const again: Bar[] = [];
  p.collectInterim(again);
  assert.equal(again.length, 0);
  assert.equal(p.liveBar('binance:NOPE' as InstrumentId, '1s'), undefined);
  assert.equal(p.liveBar(INST, '5m'), undefined);
});

test('interimChunks yields what collectInterim gives, whole instruments at a time', () => {
  const ids = Array.from({ length: 5 }, (_, i) => `binance:X${i}USDT` as InstrumentId);
  const make = (): Processor => {
    const p = new Processor(cfg({ intervals: parseBarSpecs('1s,1m,1h') }));
    p.process(batchFromTrades(ids.map((inst, i) => trade(i + 1, 100 * i, 10 + i, 1, 1, inst))), new ProcessorOutputs());
    return p;
  };
  const all: Bar[] = [];
  make().collectInterim(all);
  const chunks = [...make().interimChunks(4)];
  // 3 bars per instrument: a chunk closes at the first instrument that takes it to 4 or more
  assert.deepEqual(
    chunks.map((c) => c.length),
    [6, 6, 3],
  );
  assert.deepEqual(chunks.flat(), all);
});

test('interimChunks leaves out the instruments `only` rejects, and reports their changes when asked later', () => {
  const other = 'binance:ETHUSDT' as InstrumentId;
  const p = new Processor(cfg());
  p.process(batchFromTrades([trade(1, 100, 10), trade(1, 200, 20, 1, 1, other)]), new ProcessorOutputs());
  const first = [...p.interimChunks(100, (id) => id === other)].flat();
  assert.deepEqual(new Set(first.map((b) => b.instrument)), new Set([other]));
  const later = [...p.interimChunks(100)].flat();
  assert.deepEqual(new Set(later.map((b) => b.instrument)), new Set([INST]));
});
