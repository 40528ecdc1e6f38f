import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInstrumentId, type SourcePosition, type TradeBatch } from '../../src/core/index.js';
import { createSimulator, type SimulatorOptions } from '../../src/sources/index.js';

/** Digest of everything a simulator yields, plus the positions it reported. */
async function run(opts: SimulatorOptions, maxChunks = Infinity): Promise<{ hash: number; n: number; positions: SourcePosition[] }> {
  let h = 0x811c9dc5;
  let n = 0;
  const positions: SourcePosition[] = [];
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for await (const c of createSimulator(opts)) {
    const b = c.trades;
    for (let i = 0; i < b.length; i++) {
      for (const v of [
        b.ts[i] ?? 0,
        b.price[i] ?? 0,
        b.size[i] ?? 0,
        b.id[i] ?? 0,
        b.side[i] ?? 0,
        (b.instruments[b.inst[i] ?? 0] ?? '').length,
      ]) {
        f[0] = v;
        h = Math.imul(h ^ (u[0] ?? 0), 16777619);
        h = Math.imul(h ^ (u[1] ?? 0), 16777619);
      }
    }
    n += b.length;
    positions.push(c.position);
    if (positions.length >= maxChunks) break;
  }
  return { hash: h, n, positions };
}

test('same seed → same trades; another seed → other trades', async () => {
  const a = await run({ seed: 42, maxTrades: 100_000 });
  const b = await run({ seed: 42, maxTrades: 100_000 });
  const c = await run({ seed: 43, maxTrades: 100_000 });
  assert.equal(a.n, 100_000);
  assert.equal(a.hash, b.hash);
  assert.notEqual(a.hash, c.hash);
  assert.deepEqual(a.positions.at(-1), { sim: 42, n: 100_000 });
});

test('resumeFrom a position continues with exactly the next trade', async () => {
  const whole = await run({ seed: 9, maxTrades: 50_000, batchSize: 1000 });
  const first = await run({ seed: 9, maxTrades: 50_000, batchSize: 1000 }, 17);
  const resumeFrom = first.positions.at(-1);
  assert.deepEqual(resumeFrom, { sim: 9, n: 17_000 });
  const rest = await run({ seed: 9, maxTrades: 50_000, batchSize: 1000, ...(resumeFrom ? { resumeFrom } : {}) });
  assert.equal(first.n + rest.n, whole.n);
  const tail = await tradesAfter({ seed: 9, maxTrades: 50_000, batchSize: 1000 }, 17_000);
  const resumed = await tradesAfter({ seed: 9, maxTrades: 50_000, batchSize: 1000, ...(resumeFrom ? { resumeFrom } : {}) }, 0);
  assert.deepEqual(resumed, tail);
});

async function tradesAfter(opts: SimulatorOptions, skip: number): Promise<number[][]> {
  const out: number[][] = [];
  let k = 0;
  for await (const c of createSimulator(opts)) {
    const b = c.trades;
    for (let i = 0; i < b.length; i++, k++) {
      if (k >= skip) out.push([b.ts[i] ?? 0, b.price[i] ?? 0, b.size[i] ?? 0, b.id[i] ?? 0, b.side[i] ?? 0, b.inst[i] ?? 0]);
    }
  }
  return out;
}

/** Per-instrument 1-minute bars from a stream of batches. */
interface MinuteBars {
  close: Map<number, number>;
  volume: Map<number, number>;
}

test('trades are sane, ids run 1, 2, 3… per instrument, and jumps and volume spikes happen', async () => {
  const sim = createSimulator({ seed: 3, maxTrades: 1_500_000 });
  assert.equal(sim.instruments.length, 20);
  assert.ok(sim.instruments.includes('sim:BTCUSD' as never) && sim.instruments.includes('sim:ETHUSD' as never));
  const lastId = new Map<string, number>();
  const bars = new Map<string, MinuteBars>();
  let prevTs = -Infinity;
  let bad = 0;
  const check = (b: TradeBatch): void => {
    for (let i = 0; i < b.length; i++) {
      const inst = b.instruments[b.inst[i] ?? 0] ?? '';
      const ts = b.ts[i] ?? 0;
      const price = b.price[i] ?? 0;
      const size = b.size[i] ?? 0;
      if (!(price > 0 && size > 0 && ts >= prevTs && (b.side[i] === 1 || b.side[i] === -1))) bad++;
      if ((b.id[i] ?? 0) !== (lastId.get(inst) ?? 0) + 1) bad++;
      lastId.set(inst, b.id[i] ?? 0);
      prevTs = ts;
      let m = bars.get(inst);
      if (!m) bars.set(inst, (m = { close: new Map(), volume: new Map() }));
      const minute = Math.floor(ts / 60_000);
      m.close.set(minute, price);
      m.volume.set(minute, (m.volume.get(minute) ?? 0) + size);
    }
  };
  for await (const c of sim) check(c.trades);
  assert.equal(bad, 0);
  const stats = sim.stats();
  assert.ok(stats.jumps > 0 && stats.volumeSpikes > 0 && stats.regimeSwitches > 0, JSON.stringify(stats));

  // what an anomaly detector would see on 1-minute bars: return z-scores and volume ratios
  let bigMoves = 0;
  let volumeSpikes = 0;
  for (const m of bars.values()) {
    const minutes = [...m.close.keys()].sort((a, b) => a - b);
    const rets: number[] = [];
    for (let i = 1; i < minutes.length; i++)
      rets.push(Math.log((m.close.get(minutes[i] ?? 0) ?? 1) / (m.close.get(minutes[i - 1] ?? 0) ?? 1)));
    const absSorted = rets.map(Math.abs).sort((a, b) => a - b);
    const mad = absSorted[absSorted.length >> 1] ?? 0;
    bigMoves += rets.filter((r) => Math.abs(r) > 8 * mad).length;
    const vols = [...m.volume.values()].sort((a, b) => a - b);
    const medianVol = vols[vols.length >> 1] ?? 0;
    volumeSpikes += vols.filter((v) => v > 5 * medianVol).length;
  }
  assert.ok(bigMoves > 0, 'some 1-minute returns far outside the usual');
  assert.ok(volumeSpikes > 0, 'some minutes with several times the usual volume');
});

test('the average rate is close to tradesPerSecond', async () => {
  const durationMs = 3_600_000;
  const { n } = await run({ seed: 5, tradesPerSecond: 500, durationMs });
  const rate = n / (durationMs / 1000);
  assert.ok(rate > 300 && rate < 750, `${rate} trades/s`);
});

test('1000 instruments: unique valid ids, all of them trade', async () => {
  const sim = createSimulator({ seed: 1, instruments: 1000, maxTrades: 300_000 });
  assert.equal(new Set(sim.instruments).size, 1000);
  assert.ok(sim.instruments.every((i) => isInstrumentId(i)));
  const seen = new Set<string>();
  for await (const c of sim) for (let i = 0; i < c.trades.length; i++) seen.add(c.trades.instruments[c.trades.inst[i] ?? 0] ?? '');
  assert.ok(seen.size > 900, `${seen.size}`);
});

test('realtime: stamped with the wall clock, released in small chunks, ends after durationMs', async () => {
  const start = Date.now();
  let n = 0;
  let chunks = 0;
  for await (const c of createSimulator({ seed: 2, realtime: true, tradesPerSecond: 5000, durationMs: 400, tickMs: 20 })) {
    const b = c.trades;
    const wall = Date.now();
    for (let i = 0; i < b.length; i++) assert.ok((b.ts[i] ?? 0) >= start - 1 && (b.ts[i] ?? 0) <= wall);
    n += b.length;
    chunks++;
  }
  assert.ok(Date.now() - start >= 390);
  assert.ok(n > 100 && chunks > 5, `${n} trades in ${chunks} chunks`);
});

test('invalid options are refused with CONFIG_INVALID', () => {
  assert.throws(() => createSimulator({ instruments: 1001 }), { code: 'CONFIG_INVALID' });
  assert.throws(() => createSimulator({ tradesPerSecond: 0 }), { code: 'CONFIG_INVALID' });
  assert.throws(() => createSimulator({ seed: 1, resumeFrom: { sim: 2, n: 5 } }), { code: 'USAGE' });
});
