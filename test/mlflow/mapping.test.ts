// How a tickflow model version maps onto MLflow's names, params, tags and metrics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  metricInputs,
  mlflowKey,
  registeredModelName,
  runKey,
  versionParams,
  versionTags,
  type TrackedModelVersion,
} from '../../src/mlflow/index.js';

const V: TrackedModelVersion = {
  instrument: 'binance:BTCUSDT',
  interval: '1m',
  model: 'rls',
  kind: 'rls',
  version: 3,
  params: { lambda: 0.999, intercept: true, features: 'mine', prior: null },
  features: ['ret_1', 'rsi_14'],
  trainedFrom: Date.UTC(2026, 1, 1),
  trainedTo: null,
  metrics: {},
  state: null,
  champion: false,
};

test('names: run key, registered model (no ":" or "/", which MLflow refuses)', () => {
  assert.equal(runKey(V), 'binance:BTCUSDT 1m rls v3');
  assert.equal(registeredModelName(V), 'tickflow.binance.BTCUSDT.1m.rls');
  assert.equal(
    registeredModelName({ instrument: 'coinbase:BTC/USD', interval: 'tick 100', model: 'my model' }),
    'tickflow.coinbase.BTC-USD.tick-100.my-model',
  );
});

test('keys MLflow accepts: odd characters become _, no empty or dot path segment, at most 250 characters', () => {
  assert.equal(mlflowKey('cumulative.rmse'), 'cumulative.rmse');
  assert.equal(mlflowKey('p(up)>0.5'), 'p_up__0.5');
  assert.equal(mlflowKey('/a//../b/'), 'a/_/b');
  assert.equal(mlflowKey(''), '_');
  assert.equal(mlflowKey('k'.repeat(300)).length, 250);
});

test("params: the model's own first (they win a clash), then features, their count and the training window", () => {
  assert.deepEqual(versionParams(V), [
    { key: 'lambda', value: '0.999' },
    { key: 'intercept', value: 'true' },
    { key: 'features', value: 'mine' },
    { key: 'prior', value: 'null' },
    { key: 'feature_count', value: '2' },
    { key: 'trained_from', value: '2026-02-01T00:00:00.000Z' },
  ]);
  assert.equal(versionParams({ ...V, params: { long: 'x'.repeat(7000) } })[0]?.value.length, 6000);
});

test('tags name the series, the model and its tickflow version', () => {
  assert.deepEqual(Object.fromEntries(versionTags({ ...V, reason: 'snapshot' }).map((t) => [t.key, t.value])), {
    instrument: 'binance:BTCUSDT',
    interval: '1m',
    model: 'rls',
    kind: 'rls',
    'tickflow.version': '3',
    champion: 'false',
    reason: 'snapshot',
  });
});

test('metrics: null, NaN and ±Infinity are skipped and counted; steps and times are integers', () => {
  assert.deepEqual(metricInputs({ a: 1.5, b: null, c: NaN, d: Infinity, e: -Infinity, f: 0 }, 7.9, 1000.4), {
    metrics: [
      { key: 'a', value: 1.5, timestamp: 1000, step: 7 },
      { key: 'f', value: 0, timestamp: 1000, step: 7 },
    ],
    skipped: 4,
  });
});
