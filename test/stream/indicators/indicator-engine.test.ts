import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from 'typebox/value';
import { IndicatorSetSchema, isTickflowError, type IndicatorSet } from '../../../src/core/index.js';
import {
  DEFAULT_INDICATOR_CONFIG,
  IndicatorEngine,
  resolveIndicatorConfig,
  type IndicatorBar,
} from '../../../src/stream/indicators/index.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { loadDailyBars } from './daily-bars.js';

const code = (c: string) => (e: unknown) => isTickflowError(e) && e.code === c;

function minuteBars(n: number): IndicatorBar[] {
  return Array.from({ length: n }, (_, i) => {
    const close = 50 + 5 * Math.sin(i / 5) + (i % 7) * 0.1;
    return { start: 1_700_000_000_000 + i * 60_000, open: close - 0.05, high: close + 0.3, low: close - 0.4, close, volume: 1 + (i % 3) };
  });
}

describe('IndicatorEngine', () => {
  it('emits core IndicatorSet records, with the instrument and interval it was built for', () => {
    const engine = new IndicatorEngine({ instrument: 'binance:BTCUSDT', interval: '1m' });
    const sets = minuteBars(40).map((b) => engine.onBar(b));
    for (const s of sets) assert.ok(Value.Check(IndicatorSetSchema, s), JSON.stringify(s));
    const last = sets[39];
    assert.ok(last !== undefined);
    assert.equal(last.instrument, 'binance:BTCUSDT');
    assert.equal(last.interval, '1m');
    assert.ok(
      Object.values(last).every((v) => v !== null),
      'everything warmed up by bar 39',
    );
  });

  it('config: TA-Lib defaults, validated, unknown options refused', () => {
    assert.deepEqual(DEFAULT_INDICATOR_CONFIG, {
      smaPeriod: 20,
      emaFastPeriod: 12,
      emaSlowPeriod: 26,
      macdSignalPeriod: 9,
      rsiPeriod: 14,
      bbPeriod: 20,
      bbStdDevs: 2,
      atrPeriod: 14,
      volPeriod: 20,
    });
    assert.equal(resolveIndicatorConfig({ rsiPeriod: 7 }).rsiPeriod, 7);
    for (const bad of [
      { rsiPeriod: 1 },
      { smaPeriod: 2.5 },
      { bbStdDevs: 0 },
      { emaFastPeriod: 26 },
      { atrPeriod: 0 },
      { volPeriod: 1 },
      { rsi: 14 },
      { smaPeriod: '20' },
      null,
      [1],
    ]) {
      assert.throws(() => resolveIndicatorConfig(bad), code('CONFIG_INVALID'), JSON.stringify(bad));
    }
    assert.throws(() => new IndicatorEngine({ instrument: 'x:Y', interval: '7m' }), code('UNKNOWN_INTERVAL'));
  });

  it('annualizes realized vol by the interval; tick/volume/dollar bars get the plain std', () => {
    const bars = minuteBars(30);
    const m1 = new IndicatorEngine({ instrument: 'x:Y', interval: '1m' });
    const h1 = new IndicatorEngine({ instrument: 'x:Y', interval: '1h' });
    const tick = new IndicatorEngine({ instrument: 'x:Y', interval: 'tick:100' });
    const last = bars.map((b) => [m1.onBar(b).realizedVol, h1.onBar(b).realizedVol, tick.onBar(b).realizedVol]).at(-1) ?? [];
    const [vm, vh, vt] = last.map((v) => v ?? NaN) as [number, number, number];
    assert.ok(Math.abs(vm / vt - Math.sqrt(525_600)) < 1e-9 * Math.sqrt(525_600));
    assert.ok(Math.abs(vh / vt - Math.sqrt(8_760)) < 1e-9 * Math.sqrt(8_760));
  });

  it('refuses out-of-order or repeated time bars and bad prices without changing its state', () => {
    const engine = new IndicatorEngine({ instrument: 'x:Y', interval: '1m' });
    const bars = minuteBars(30);
    bars.slice(0, 25).forEach((b) => engine.onBar(b));
    const before = JSON.stringify(engine);
    const b24 = bars[24];
    assert.ok(b24 !== undefined);
    assert.throws(() => engine.onBar(b24), code('BAD_TIMESTAMP'));
    assert.throws(() => engine.onBar({ ...b24, start: b24.start - 60_000 }), code('BAD_TIMESTAMP'));
    for (const bad of [{ close: NaN }, { close: Infinity }, { close: 0 }, { low: -1 }, { high: Infinity }, { high: 1, low: 2 }]) {
      assert.throws(() => engine.onBar({ ...b24, start: b24.start + 60_000, ...bad }), code('BAD_PRICE'), JSON.stringify(bad));
    }
    assert.equal(JSON.stringify(engine), before);
    // information-driven bars may legitimately share a start millisecond
    const ticks = new IndicatorEngine({ instrument: 'x:Y', interval: 'tick:10' });
    ticks.onBar(b24);
    assert.doesNotThrow(() => ticks.onBar(b24));
  });

  it('restored from JSON (through a string, as a checkpoint is) it continues bit for bit', { skip: NO_SHARED_DATA }, () => {
    const bars = loadDailyBars('kaggle-daily/coin_Bitcoin.csv');
    assert.ok(bars !== undefined);
    const straight = new IndicatorEngine({ instrument: 'coinmarketcap:BTCUSD', interval: '1d' });
    const expected = bars.map((b) => straight.onBar(b));
    for (const split of [1, 10, 14, 20, 26, 33, 34, 500, 2861]) {
      let engine = new IndicatorEngine({ instrument: 'coinmarketcap:BTCUSD', interval: '1d' });
      const got: IndicatorSet[] = bars.map((b, i) => {
        if (i === split) engine = IndicatorEngine.fromJSON(JSON.parse(JSON.stringify(engine)));
        return engine.onBar(b);
      });
      assert.deepEqual(got, expected, `restored at bar ${split}`);
    }
  });

  it('fromJSON refuses a checkpoint whose parts disagree with its config', () => {
    const engine = new IndicatorEngine({ instrument: 'x:Y', interval: '1m' });
    minuteBars(5).forEach((b) => engine.onBar(b));
    const state = engine.toJSON();
    assert.throws(() => IndicatorEngine.fromJSON({ ...state, config: { ...state.config, smaPeriod: 21 } }), code('MALFORMED'));
    assert.throws(() => IndicatorEngine.fromJSON({ ...state, version: 2 }), code('MALFORMED'));
    assert.throws(() => IndicatorEngine.fromJSON({ ...state, interval: 'tick:5' }), code('MALFORMED'));
  });
});
