import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTickflowError, type Bar, type IndicatorSet } from '../../src/core/index.js';
import { FEATURE_COUNT, FEATURE_NAMES, FeatureBuilder } from '../../src/models/index.js';
import { NO_SHARED_DATA } from '../helpers.js';
import { indicatorSets, loadKlineBars } from './kline-bars.js';

const LTC = 'binance-klines-1m/LTCUSDT-1m-2026-02.csv';
const code = (c: string) => (e: unknown) => isTickflowError(e) && e.code === c;

function data(n: number): { bars: Bar[]; inds: IndicatorSet[] } {
  const bars = loadKlineBars(LTC, 'binance:LTCUSDT', n) ?? [];
  return { bars, inds: indicatorSets(bars, 'binance:LTCUSDT') };
}

/** Raw (unstandardized) values of some features, computed here from their definitions. */
function rawByHand(bars: readonly Bar[], inds: readonly IndicatorSet[], t: number): Record<string, number> {
  const b = bars[t] as Bar;
  const ind = inds[t] as IndicatorSet;
  const prev = bars[t - 1] as Bar;
  const upper = ind.bbUpper ?? NaN;
  const lower = ind.bbLower ?? NaN;
  return {
    ret_1: Math.log(b.close / prev.close),
    ret_2: Math.log(prev.close / (bars[t - 2] as Bar).close),
    momentum: Math.log(b.close / (bars[t - 20] as Bar).close),
    rsi: ((ind.rsi ?? NaN) - 50) / 50,
    macd_hist: (ind.macdHist ?? NaN) / b.close,
    bb_pct_b: upper > lower ? (b.close - lower) / (upper - lower) : 0.5,
    vwap_dev: Math.log(b.close / b.vwap),
    buy_imbalance: (2 * b.buyVolume - b.volume) / b.volume,
    hl_range: Math.log(b.high / b.low),
  };
}

describe('FeatureBuilder', { skip: NO_SHARED_DATA }, () => {
  it('emits a fixed-length vector once warmed up: the indicators, 20 returns, then `warmup` raw vectors', () => {
    assert.equal(FEATURE_NAMES.length, FEATURE_COUNT);
    assert.equal(new Set(FEATURE_NAMES).size, FEATURE_COUNT);
    const { bars, inds } = data(200);
    const fb = new FeatureBuilder({ warmup: 50 });
    const firstRaw = inds.findIndex(
      (s, t) => t >= 20 && s.macdHist !== null && s.rsi !== null && s.bbUpper !== null && s.realizedVol !== null,
    );
    assert.equal(firstRaw, 33, 'MACD(12, 26, 9) is the last indicator to warm up');
    const out = bars.map((b, t) => fb.onBar(b, inds[t] as IndicatorSet)?.slice() ?? null);
    assert.equal(
      out.findIndex((x) => x !== null),
      firstRaw + 50,
    );
    for (const x of out.slice(firstRaw + 50)) {
      assert.ok(x !== null && x.length === FEATURE_COUNT);
      assert.ok(x.every((v) => Number.isFinite(v) && Math.abs(v) <= 5));
    }
  });

  it('standardizes each value with the mean and sample std of the raw values BEFORE it (clipped at +-5)', () => {
    const { bars, inds } = data(400);
    const fb = new FeatureBuilder();
    const firstRaw = 33;
    const raws: Record<string, number>[] = [];
    bars.forEach((b, t) => {
      const x = fb.onBar(b, inds[t] as IndicatorSet);
      if (t < firstRaw) return;
      const raw = rawByHand(bars, inds, t);
      if (x !== null) {
        for (const [name, v] of Object.entries(raw)) {
          const past = raws.map((r) => r[name] ?? NaN);
          const mean = past.reduce((s, p) => s + p, 0) / past.length;
          const sd = Math.sqrt(past.reduce((s, p) => s + (p - mean) ** 2, 0) / (past.length - 1));
          const z = Math.max(-5, Math.min(5, (v - mean) / sd));
          const got = x[FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number])] ?? NaN;
          assert.ok(Math.abs(got - z) < 1e-9 * Math.max(1, Math.abs(z)), `${name} at bar ${t}: ${got} vs ${z}`);
        }
      }
      raws.push(raw);
    });
    assert.equal(fb.observations, raws.length);
  });

  it('puts time of day and of week (of the forecast bar start, UTC) on the unit circle', () => {
    const { bars, inds } = data(400);
    const fb = new FeatureBuilder();
    let x: Float64Array | null = null;
    for (let t = 0; t <= 359; t++) x = fb.onBar(bars[t] as Bar, inds[t] as IndicatorSet);
    assert.ok(x !== null);
    // bar 359 of 2026-02-01 (a Sunday) ends at 06:00 UTC: a quarter of the day, 150 h into a week from Monday
    const at = (name: (typeof FEATURE_NAMES)[number]) => x?.[FEATURE_NAMES.indexOf(name)] ?? NaN;
    assert.ok(Math.abs(at('tod_sin') - 1) < 1e-15 && Math.abs(at('tod_cos')) < 1e-15);
    assert.ok(Math.abs(at('dow_sin') - Math.sin((2 * Math.PI * 150) / 168)) < 1e-12);
    assert.ok(Math.abs(at('dow_cos') - Math.cos((2 * Math.PI * 150) / 168)) < 1e-12);
  });

  it('skips a bar with unusable numbers without touching its state; refuses out-of-order and mismatched input', () => {
    const { bars, inds } = data(120);
    const fb = new FeatureBuilder();
    for (let t = 0; t < 100; t++) fb.onBar(bars[t] as Bar, inds[t] as IndicatorSet);
    const before = JSON.stringify(fb.toJSON());
    const b = bars[100] as Bar;
    for (const bad of [{ close: NaN }, { close: -1 }, { volume: Infinity }, { high: b.low / 2 }]) {
      assert.equal(fb.onBar({ ...b, ...bad }, inds[100] as IndicatorSet), null);
    }
    assert.equal(fb.skipped, 4);
    assert.equal(JSON.stringify({ ...fb.toJSON(), skipped: 0 }), before);
    assert.throws(() => fb.onBar(bars[50] as Bar, inds[50] as IndicatorSet), code('BAD_TIMESTAMP'));
    assert.throws(() => fb.onBar(bars[100] as Bar, inds[101] as IndicatorSet), code('INTERNAL'));
  });

  it('restores from JSON mid-stream and continues bit for bit', () => {
    const { bars, inds } = data(300);
    const a = new FeatureBuilder();
    let b: FeatureBuilder | null = null;
    bars.forEach((bar, t) => {
      const xa = a.onBar(bar, inds[t] as IndicatorSet)?.slice() ?? null;
      if (t === 150) b = FeatureBuilder.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
      else if (b !== null) {
        const xb = (b as FeatureBuilder).onBar(bar, inds[t] as IndicatorSet);
        assert.deepEqual(xb, xa);
      }
    });
    assert.throws(() => FeatureBuilder.fromJSON({ ...a.toJSON(), mean: [1] }), code('MALFORMED'));
    assert.throws(() => new FeatureBuilder({ momentumWindow: 3 }), code('CONFIG_INVALID'));
  });
});
