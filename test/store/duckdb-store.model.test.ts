import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bar, LateTrade } from '../../src/core/index.js';
import { openDuckDbStore, type InstrumentSummary } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { BTC, ETH, MIN, bar, lateTrade, write } from './fixtures.js';

/** Deterministic PRNG (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Keys are logical (no PRIMARY KEY), so the store's own commit logic is all that keeps one
// row per key. This drives it with random mixes of appends, revisions, replays and
// duplicates within a write, and compares with a model after every commit.
test('random appends, revisions and replays keep exactly one row per key, as a model predicts', async () => {
  const seed = Number(process.env['STORE_MODEL_SEED'] ?? 20240301);
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const series = [
    { instrument: BTC, interval: '1m', ms: MIN },
    { instrument: BTC, interval: '5m', ms: 5 * MIN },
    { instrument: ETH, interval: '1m', ms: MIN },
  ];
  const model = new Map<string, Bar>();
  const lateModel = new Map<string, LateTrade>();
  const next = new Map<string, number>(series.map((s) => [`${s.instrument}|${s.interval}`, 0]));
  const { dir, cleanup } = tempDir('tickflow-model-');
  let store = await openDuckDbStore({ dataDir: dir });
  try {
    for (let round = 0; round < 60; round++) {
      const batch: Bar[] = [];
      const late: LateTrade[] = [];
      const n = 1 + Math.floor(rand() * 40);
      for (let k = 0; k < n; k++) {
        const s = pick(series);
        const sk = `${s.instrument}|${s.interval}`;
        const head = next.get(sk) ?? 0;
        const r = rand();
        // Mostly new bars in order (the append path), sometimes a revision of an old one.
        const i = r < 0.75 || head === 0 ? head : Math.floor(rand() * head);
        if (i === head) next.set(sk, head + 1);
        const b = {
          ...bar(i, s.instrument, s.interval, s.ms),
          close: Math.round(rand() * 1000) / 8,
          revision: i === head ? 0 : 1 + Math.floor(rand() * 3),
        };
        batch.push(b);
        if (rand() < 0.1) late.push(lateTrade(Math.floor(rand() * 20), rand() < 0.3 ? -1 : 7000 + Math.floor(rand() * 20)));
      }
      // Sometimes replay the previous commit's tail, as a restart after a crash would.
      const w = write({ bars: batch, late });
      await store.commit(w);
      if (rand() < 0.2) await store.commit(w);
      for (const b of batch) model.set(`${b.instrument}|${b.interval}|${b.start}`, b);
      for (const t of late) {
        const key = t.id >= 0 ? `${t.id}|${t.timestamp}` : `-1|${t.timestamp}|${t.price}|${t.size}|${t.side}`;
        if (!lateModel.has(key)) lateModel.set(key, t);
      }
      if (round % 20 === 19) {
        // Reopen: the series summary must come back from the file consistent.
        await store.close();
        store = await openDuckDbStore({ dataDir: dir });
      }

      for (const s of series) {
        const got = (await store.bars({ instrument: s.instrument, interval: s.interval, limit: 10_000 })).items;
        const want = [...model.values()]
          .filter((b) => b.instrument === s.instrument && b.interval === s.interval)
          .sort((a, b) => a.start - b.start);
        assert.deepEqual(got, want, `seed ${seed} round ${round} ${s.instrument} ${s.interval}`);
      }
      const counts = await store.counts();
      assert.equal(counts.bars, model.size, `seed ${seed} round ${round}`);
      assert.equal(counts.late, lateModel.size, `seed ${seed} round ${round} late`);
      const expected: InstrumentSummary[] = [BTC, ETH]
        .map((instrument) => {
          const mine = [...model.values()].filter((b) => b.instrument === instrument);
          if (mine.length === 0) return undefined;
          const last = [...mine].sort((a, b) => b.end - a.end || a.end - a.start - (b.end - b.start))[0];
          return {
            instrument,
            intervals: [...new Set(mine.map((b) => b.interval))].sort((a, b) => (a === '1m' ? -1 : b === '1m' ? 1 : 0)),
            firstTime: Math.min(...mine.map((b) => b.start)),
            lastTime: Math.max(...mine.map((b) => b.start)),
            bars: mine.length,
            lastClose: last?.close ?? null,
          };
        })
        .filter((x) => x !== undefined);
      assert.deepEqual(await store.instruments(), expected, `seed ${seed} round ${round} instruments`);
    }
  } finally {
    await store.close();
    cleanup();
  }
});
