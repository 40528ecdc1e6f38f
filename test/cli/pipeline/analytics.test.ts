// The per-series analytics the pipeline builds: what promote answers for a series that forecasts
// and one that does not (found by the API fuzzer: it answered 200 "already champion").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyticsFactory } from '../../../src/cli/pipeline/analytics.js';
import { DEFAULT_MODELS } from '../../../src/models/model-names.js';
import { ProcessorOutputs } from '../../../src/stream/index.js';

const factory = analyticsFactory(['1m'], { intervals: ['1m'], models: [...DEFAULT_MODELS], alpha: 0.05 });

test('promote on a series without forecasting models is NOT_FOUND, naming the series and the setting', () => {
  const a = factory('binance:BTCUSDT', '5m', 300_000, undefined);
  assert.ok(a);
  assert.throws(() => a.promote?.('rls', new ProcessorOutputs()), {
    code: 'NOT_FOUND',
    message: /binance:BTCUSDT 5m has no forecasting models; --forecast-intervals/,
  });
});

test('promote on a forecasting series makes the model champion (null when it already was)', () => {
  const a = factory('binance:BTCUSDT', '1m', 60_000, undefined);
  assert.ok(a);
  const out = new ProcessorOutputs();
  assert.notEqual(a.promote?.('rls', out), null);
  assert.equal(a.promote?.('rls', out), null);
});
