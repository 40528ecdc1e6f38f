import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from 'typebox/value';
import { AlertSchema, isTickflowError, type Alert } from '../../../src/core/index.js';
import {
  AlertEngine,
  DEFAULT_ALERT_CONFIG,
  resolveAlertConfig,
  type AlertBar,
  type AlertConfigInput,
} from '../../../src/stream/alerts/index.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { loadDailyBars } from '../indicators/daily-bars.js';
import { MINUTE, T0, minuteBars, zigzag } from './synthetic-bars.js';

const code = (c: string) => (e: unknown) => isTickflowError(e) && e.code === c;

function run(bars: readonly AlertBar[], config: AlertConfigInput = {}, interval = '1m'): Alert[] {
  const engine = new AlertEngine({ instrument: 'binance:BTCUSDT', interval, config });
  return bars.flatMap((b) => engine.onBar(b));
}

/** Which bar (by index) raised each alert, with kind and severity: compact to compare. */
function summary(alerts: readonly Alert[], bars: readonly AlertBar[]): string[] {
  return alerts.map((a) => `${bars.findIndex((b) => b.start === a.start)}:${a.kind}:${a.severity}`);
}

describe('AlertEngine', () => {
  it('return z-score: known sigma, warning at >= 4, critical at >= 6, message says it plainly', () => {
    // 21 zigzag closes = 20 returns of +-1% (sigma 1%, mean ~0), then +5% (z ~5), then reset, then -7%.
    const closes = zigzag(21);
    const last = closes[20] ?? NaN;
    closes.push(last * Math.exp(0.05));
    const bars = minuteBars(closes.map((close) => ({ close })));
    const alerts = run(bars, { window: 20, minHistory: 20 });
    assert.deepEqual(summary(alerts, bars), ['21:return_zscore:warning']);
    const a = alerts[0];
    assert.ok(a !== undefined && Value.Check(AlertSchema, a));
    assert.ok(Math.abs(a.value - 5) < 1e-6, `z ${a.value}`);
    assert.equal(a.threshold, 4);
    assert.equal(a.time, (bars[21]?.start ?? NaN) + MINUTE);
    assert.equal(a.message, 'binance:BTCUSDT 1m return +5.13% is 5.0σ from the mean of the last 20 returns (warning)');

    const down = zigzag(21);
    down.push((down[20] ?? NaN) * Math.exp(-0.07));
    const bars2 = minuteBars(down.map((close) => ({ close })));
    const alerts2 = run(bars2, { window: 20, minHistory: 20 });
    assert.deepEqual(summary(alerts2, bars2), ['21:return_zscore:critical']);
    assert.match(alerts2[0]?.message ?? '', /^binance:BTCUSDT 1m return -6\.76% is 7\.0σ .* \(critical\)$/);
    assert.equal(alerts2[0]?.threshold, 6);
  });

  it('return z-score stays quiet on a flat history (sigma 0 gives no scale)', () => {
    const bars = minuteBars([...Array.from({ length: 30 }, () => ({ close: 1 })), { close: 1.001 }]);
    assert.deepEqual(run(bars, { priceGap: { warning: 1, critical: 1 } }), []);
  });

  it('volume spike against the median of past volumes; the mean baseline is available', () => {
    const rows = Array.from({ length: 25 }, () => ({ close: 100, volume: 10 }));
    const bars = minuteBars([...rows, { close: 100, volume: 60 }, ...rows.slice(0, 6), { close: 100, volume: 121 }]);
    const alerts = run(bars);
    assert.deepEqual(summary(alerts, bars), ['25:volume_spike:warning', '32:volume_spike:critical']);
    assert.equal(alerts[0]?.value, 6);
    assert.equal(alerts[0]?.message, 'binance:BTCUSDT 1m volume 60 is 6.0× the median 10 of the last 25 bars (warning)');
    assert.equal(alerts[1]?.value, 12.1);
    assert.equal(alerts[1]?.threshold, 10);
    // a mean baseline counts the earlier spike: (25 * 10 + 60 + 6 * 10) / 32 = 11.5625
    const mean = run(bars, { volumeSpike: { baseline: 'mean' } });
    assert.deepEqual(summary(mean, bars), ['25:volume_spike:warning', '32:volume_spike:critical']);
    assert.equal(mean[1]?.value, 121 / 11.5625);
  });

  it('volume spike stays quiet while the baseline is zero (no trading yet)', () => {
    const bars = minuteBars([...Array.from({ length: 30 }, () => ({ close: 100, volume: 0 })), { close: 100, volume: 5 }]);
    assert.deepEqual(run(bars), []);
  });

  it('price gap: |open - previous close| / previous close, 0.5% warning, 2% critical', () => {
    const rows = Array.from({ length: 25 }, () => ({ close: 200 }));
    const bars = minuteBars([
      ...rows,
      { open: 201, close: 201 },
      ...rows.slice(0, 10),
      { open: 195.9, close: 196 },
      ...rows.slice(0, 10),
      { open: 200.9, close: 200 },
    ]);
    // the moves behind the gaps are also return outliers; that detector is tested above
    const alerts = run(bars, { returnZScore: { warning: 1e9, critical: 1e9 } });
    assert.deepEqual(summary(alerts, bars), ['25:price_gap:warning', '36:price_gap:critical']);
    assert.equal(alerts[0]?.value, 0.005);
    assert.equal(alerts[0]?.message, 'binance:BTCUSDT 1m opened at 201, +0.50% from the previous close 200 (warning)');
    assert.match(alerts[1]?.message ?? '', /opened at 195\.9, -2\.05% from the previous close 200 \(critical\)$/);
  });

  it('no detector fires before minHistory past values', () => {
    // A huge volume spike at every bar index from 0 to 25 in separate runs: only index >= 20 (20 past bars) alerts.
    const firstFiring: number[] = [];
    for (let k = 0; k <= 25; k++) {
      const bars = minuteBars(Array.from({ length: 26 }, (_, i) => ({ close: 100, volume: i === k ? 1000 : 10 })));
      if (run(bars).length > 0) firstFiring.push(k);
    }
    assert.deepEqual(firstFiring, [20, 21, 22, 23, 24, 25]);
    // z-score needs 20 past returns = 21 past bars; gap needs 20 past bars.
    const crash = (k: number) =>
      minuteBars(zigzag(30).map((close, i) => ({ close: i >= k ? close / 2 : close, open: i === k ? close / 2 : undefined })));
    const kinds = (k: number) => run(crash(k)).map((a) => a.kind);
    assert.deepEqual(kinds(20), ['price_gap']);
    assert.deepEqual(kinds(21), ['return_zscore', 'price_gap']);
    assert.deepEqual(run(crash(5)), []);
  });

  it('cooldown: one alert per kind per 5 following bars, escalation gets through, kinds are independent', () => {
    const base = Array.from({ length: 25 }, () => ({ close: 100, volume: 10 }));
    const burst = [60, 60, 60, 60, 60, 60, 60, 200, 60, 60].map((volume) => ({ close: 100, volume }));
    const bars = minuteBars([...base, ...burst]);
    // 25 warning; 26-30 quiet; 31 warning again; 32 escalates to critical; 33.. quiet (within 32's cooldown)
    assert.deepEqual(summary(run(bars), bars), ['25:volume_spike:warning', '31:volume_spike:warning', '32:volume_spike:critical']);
    // a critical is not followed by a warning inside its cooldown
    const bars2 = minuteBars([...base, ...[200, 60, 60].map((volume) => ({ close: 100, volume }))]);
    assert.deepEqual(summary(run(bars2), bars2), ['25:volume_spike:critical']);
    // another kind on the same bars is not held back
    const bars3 = minuteBars([...base, { close: 100, volume: 60 }, { open: 103, close: 103, volume: 60 }]);
    assert.deepEqual(summary(run(bars3), bars3), ['25:volume_spike:warning', '26:price_gap:critical']);
    // cooldownBars 0 lets every bar alert
    assert.equal(run(bars, { cooldownBars: 0 }).length, burst.length);
  });

  it('cooldown runs on time for time bars (missing bars do not stretch it) and on counts otherwise', () => {
    const base = Array.from({ length: 25 }, () => ({ close: 100, volume: 10 }));
    const start25 = T0 + 25 * MINUTE;
    // the bar after the first spike comes 10 minutes later: past the 5-bar (6-minute) quiet period
    const bars = minuteBars([...base, { close: 100, volume: 60 }, { close: 100, volume: 60, start: start25 + 10 * MINUTE }]);
    assert.deepEqual(summary(run(bars), bars), ['25:volume_spike:warning', '26:volume_spike:warning']);
    // as tick bars the same sequence is just two consecutive bars
    assert.deepEqual(summary(run(bars, {}, 'tick:100'), bars), ['25:volume_spike:warning']);
  });

  it('no lookahead: changing any later bar never changes an earlier alert (real BTC daily data)', { skip: NO_SHARED_DATA }, () => {
    const daily = loadDailyBars('kaggle-daily/coin_Bitcoin.csv');
    assert.ok(daily !== undefined);
    const bars: AlertBar[] = daily.map((b) => ({
      start: b.start,
      end: b.start + 86_400_000,
      open: b.open,
      close: b.close,
      volume: b.volume,
    }));
    const config = { returnZScore: { warning: 3, critical: 4 }, volumeSpike: { warning: 2.5, critical: 4 } };
    const base = run(bars, config, '1d');
    assert.ok(base.length > 20, `real data should raise some alerts with these thresholds, got ${base.length}`);
    for (const k of [30, 200, 1000, 1500, 2500]) {
      const altered = bars.map((b, i) =>
        i <= k ? b : { ...b, open: b.open * 1.3, close: b.close * (i % 2 ? 0.5 : 1.7), volume: b.volume * 50 },
      );
      const cutoff = bars[k]?.start ?? NaN;
      const before = (as: Alert[]) => as.filter((a) => a.start <= cutoff);
      assert.deepEqual(before(run(altered, config, '1d')), before(base), `bars after ${k} changed`);
    }
  });

  it('restored from JSON at any bar it raises exactly the alerts of an uninterrupted run', { skip: NO_SHARED_DATA }, () => {
    const daily = loadDailyBars('binance-daily/ETHUSDT-1d-ccxt.csv');
    assert.ok(daily !== undefined);
    const bars: AlertBar[] = daily.map((b) => ({
      start: b.start,
      end: b.start + 86_400_000,
      open: b.open,
      close: b.close,
      volume: b.volume,
    }));
    const config = {
      returnZScore: { warning: 2.5, critical: 4 },
      volumeSpike: { warning: 2, critical: 3 },
      priceGap: { warning: 0.0001, critical: 0.001 },
    };
    const expected = run(bars, config, '1d');
    assert.ok(expected.length > 50);
    for (const every of [1, 7, 50, 333]) {
      let engine = new AlertEngine({ instrument: 'binance:BTCUSDT', interval: '1d', config });
      const got = bars.flatMap((b, i) => {
        if (i > 0 && i % every === 0) engine = AlertEngine.fromJSON(JSON.parse(JSON.stringify(engine)));
        return engine.onBar(b);
      });
      assert.deepEqual(got, expected, `restored every ${every} bars`);
    }
  });

  it('config: documented defaults, validated', () => {
    assert.deepEqual(DEFAULT_ALERT_CONFIG, {
      window: 50,
      minHistory: 20,
      cooldownBars: 5,
      returnZScore: { warning: 4, critical: 6 },
      volumeSpike: { warning: 5, critical: 10, baseline: 'median' },
      priceGap: { warning: 0.005, critical: 0.02 },
    });
    const input = { volumeSpike: { critical: 20 } };
    assert.equal(resolveAlertConfig(input).volumeSpike.warning, 5);
    assert.deepEqual(input, { volumeSpike: { critical: 20 } }, 'the caller object is not modified');
    for (const bad of [
      { window: 1 },
      { minHistory: 60 },
      { cooldownBars: -1 },
      { returnZScore: { warning: 7 } },
      { priceGap: { critical: 0 } },
      { volumeSpike: { baseline: 'mode' } },
      { thresholds: {} },
      'x',
    ]) {
      assert.throws(() => resolveAlertConfig(bad), code('CONFIG_INVALID'), JSON.stringify(bad));
    }
  });

  it('refuses bad or out-of-order bars without changing state, and corrupt checkpoints', () => {
    const engine = new AlertEngine({ instrument: 'binance:BTCUSDT', interval: '1m' });
    const bars = minuteBars(Array.from({ length: 10 }, () => ({ close: 100 })));
    bars.forEach((b) => engine.onBar(b));
    const before = JSON.stringify(engine);
    const b9 = bars[9];
    assert.ok(b9 !== undefined);
    assert.throws(() => engine.onBar(b9), code('BAD_TIMESTAMP'));
    assert.throws(() => engine.onBar({ ...b9, start: b9.start + MINUTE, close: NaN }), code('BAD_PRICE'));
    assert.throws(() => engine.onBar({ ...b9, start: b9.start + MINUTE, volume: -1 }), code('BAD_PRICE'));
    assert.equal(JSON.stringify(engine), before);
    const state = engine.toJSON();
    assert.throws(() => AlertEngine.fromJSON({ ...state, config: { ...state.config, window: 40 } }), code('MALFORMED'));
    assert.throws(() => AlertEngine.fromJSON({ ...state, seen: -1 }), code('MALFORMED'));
  });
});
