import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TickflowError } from '../../../src/core/index.js';
import {
  parseDailyCsv,
  parseSeedModel,
  predictClose,
  SEED_MODEL_FORMAT,
  serializeSeedModel,
  trainSeedModel,
  type RegressionMetrics,
} from '../../../src/models/seed/index.js';
import { NO_SHARED_DATA, sharedData } from '../../helpers.js';
import { randomWalkDays } from './days.js';

const SHA = 'ab'.repeat(32);

function finite(m: RegressionMetrics, what: string): void {
  for (const [k, v] of Object.entries(m)) assert.ok(v === null || Number.isFinite(v), `${what}.${k} = ${v}`);
  assert.ok(m.rmse > 0, `${what}.rmse > 0`);
}

describe('trainSeedModel', () => {
  it('on the real Kaggle BTC file: finite metrics on the newest 20% of days, better than close = open', { skip: NO_SHARED_DATA }, () => {
    const path = sharedData('kaggle-daily/coin_Bitcoin.csv') ?? '';
    const data = parseDailyCsv(readFileSync(path, 'utf8'), path);
    const m = trainSeedModel(data, { datasetPath: path, datasetSha256: SHA, createdBy: 'test', createdAt: new Date(0) });
    assert.deepEqual(m.split, {
      kind: 'time-ordered',
      testFraction: 0.2,
      train: { from: '2013-04-29', to: '2019-08-05', rows: 2290 },
      test: { from: '2019-08-06', to: '2021-02-27', rows: 572 },
    });
    finite(m.metrics.test, 'test');
    finite(m.metrics.train, 'train');
    finite(m.metrics.baselines.open, 'baseline open');
    finite(m.metrics.baselines.midrange, 'baseline midrange');
    assert.ok(m.metrics.test.rmse < m.metrics.baselines.open.rmse, 'the regression beats close = open');
    assert.ok(Object.values(m.coefficients).every(Number.isFinite));
    assert.equal(m.dataset.rows, 2862);
    assert.equal(m.dataset.symbol, 'BTC');
    // the reported test RMSE is the one of the model it returns
    const test = data.rows.slice(2290);
    const rmse = Math.sqrt(test.reduce((s, r) => s + (predictClose(m, r) - r.close) ** 2, 0) / test.length);
    assert.ok(Math.abs(rmse - m.metrics.test.rmse) < 1e-9 * rmse);
  });

  it('records the dataset, the split and when; the file round-trips through serialize and parse', () => {
    const rows = randomWalkDays(100);
    const m = trainSeedModel(
      { format: 'kaggle-daily', symbol: 'BTC', rows },
      {
        testFraction: 0.3,
        datasetPath: '/data/x.csv',
        datasetSha256: SHA,
        createdBy: 'tickflow 1.2.3',
        createdAt: new Date(Date.UTC(2026, 0, 2)),
      },
    );
    assert.equal(m.format, SEED_MODEL_FORMAT);
    assert.equal(m.estimator, 'same-bar');
    assert.deepEqual(m.features, ['open', 'high', 'low', 'volume']);
    assert.equal(m.split.test.rows, 30);
    assert.equal(m.createdAt, '2026-01-02T00:00:00.000Z');
    assert.deepEqual(m.dataset, {
      path: '/data/x.csv',
      sha256: SHA,
      format: 'kaggle-daily',
      symbol: 'BTC',
      rows: 100,
      from: '2020-01-01',
      to: '2020-04-09',
    });
    assert.deepEqual(parseSeedModel(serializeSeedModel(m), 'm.json'), m);
  });
});

describe('parseSeedModel', () => {
  const good = trainSeedModel(
    { format: 'daily-ohlcv', symbol: undefined, rows: randomWalkDays(60) },
    { datasetPath: '/d.csv', datasetSha256: SHA, createdBy: 't' },
  );
  const invalid = (text: string, message: RegExp) =>
    assert.throws(
      () => parseSeedModel(text, 'm.json'),
      (e: unknown) => e instanceof TickflowError && e.code === 'MODEL_INVALID' && message.test(e.message),
    );

  it('refuses what is not a valid model with MODEL_INVALID saying where', () => {
    invalid('{"format": ', /m\.json is not JSON/);
    invalid('[]', /not a tickflow seed model/);
    invalid(JSON.stringify({ ...good, version: 2 }), /version 2; this tickflow reads version 1/);
    const { intercept: _drop, ...noIntercept } = good;
    invalid(JSON.stringify(noIntercept), /not a tickflow seed model/);
    invalid(JSON.stringify({ ...good, coefficients: { ...good.coefficients, high: 'x' } }), /\/coefficients\/high/);
    invalid(JSON.stringify({ ...good, dataset: { ...good.dataset, sha256: 'nope' } }), /\/dataset\/sha256/);
  });
});
