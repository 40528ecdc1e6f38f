import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BASELINES,
  defaultCompared,
  directionHit,
  displayOrder,
  scoresEvery,
  verdict,
  vsRandomWalk,
  withLive,
} from '../../web/src/forecasts.js';
import { BASELINE_MODELS, directionHit as metricsDirectionHit } from '../../src/models/index.js';
import { metricsEveryFor } from '../../src/cli/pipeline/analytics.js';
import type { MetricSetRecord, ModelStatus, Prediction } from '../../src/core/index.js';
import type { ModelSummary, PredictionWithOutcome } from '../../src/store/store.js';
import { ROOT } from '../helpers.js';

/**
 * Scores as `GET /api/models?interval=1m` answered after `tickflow replay
 * ../shared/data/binance-klines-1m/LTCUSDT-1m-2026-02.csv --intervals 1m,5m,1h` (rolling = the
 * last 500 forecasts): rls has the lowest rolling RMSE, the random walk stays the champion.
 */
const ROLLING: Record<string, [rmse: number, mae: number, hit: number, auc: number]> = {
  zero: [0.0011536614864397288, 0.0008225550134330443, 0.5, 0.5],
  drift: [0.0011538531061829785, 0.0008228144387651855, 0.49673202614379086, 0.4581180900883503],
  'sign-persistence': [0.0011549706743542913, 0.00082317, 0.5119825708061002, 0.4811471056824217],
  rls: [0.0011524991138682, 0.0008341, 0.4793028322440087, 0.4938605384702039],
  logistic: [0.0011628876139493617, 0.0008262, 0.514161220043573, 0.5272373227763563],
};

function metrics([rmse, mae, hit, auc]: [number, number, number, number], n = 500): MetricSetRecord {
  return { n, rmse, mae, directionalAccuracy: hit, logLoss: null, brier: null, auc };
}

function model(name: string, status: ModelStatus, rolling = ROLLING[name]): ModelSummary {
  assert.ok(rolling, name);
  return {
    id: `binance:LTCUSDT~1m~${name}`,
    instrument: 'binance:LTCUSDT',
    interval: '1m',
    model: name,
    kind: name,
    status,
    updates: 40_200,
    time: 1_772_320_980_000,
    cumulative: metrics(rolling, 40_200),
    rolling: metrics(rolling),
    versions: 40,
    latestVersion: 40,
  };
}

const month = (): ModelSummary[] => [
  model('logistic', 'challenger'),
  model('zero', 'champion'),
  model('rls', 'challenger'),
  model('drift', 'challenger'),
  model('sign-persistence', 'challenger'),
];

test('the baselines the panel groups are the ones the models part runs', () => {
  assert.deepEqual([...BASELINES], [...BASELINE_MODELS]);
});

test('the panel expects scores as often as the pipeline records them', () => {
  for (const ms of [1000, 60_000, 300_000, 900_000, 3_600_000, 86_400_000, null])
    assert.equal(scoresEvery(ms), metricsEveryFor(ms), String(ms));
});

test('models in display order: learned by name, then the baselines, random walk first', () => {
  const { learned, baselines } = displayOrder(month());
  assert.deepEqual(
    learned.map((m) => m.model),
    ['logistic', 'rls'],
  );
  assert.deepEqual(
    baselines.map((m) => m.model),
    ['zero', 'drift', 'sign-persistence'],
  );
});

test('RMSE relative to the random walk, and the verdict: rls beats every baseline over the rolling window', () => {
  const list = month();
  const rls = list.find((m) => m.model === 'rls');
  assert.ok(rls);
  const rel = vsRandomWalk(list, rls, 'rolling');
  assert.ok(rel !== null && Math.abs(rel - (0.0011524991138682 / 0.0011536614864397288 - 1)) < 1e-15);
  assert.ok(rel < 0);
  const v = verdict(list);
  assert.equal(v.kind, 'beats');
  assert.equal(v.best?.model, 'rls');
  assert.equal(v.bestBaseline?.model, 'zero');
  // Without rls, logistic is the best learned model and is behind the baselines.
  const behind = verdict(list.filter((m) => m.model !== 'rls'));
  assert.equal(behind.kind, 'behind');
  assert.equal(behind.best?.model, 'logistic');
  // A quarantined model is not a contender.
  const quarantined = verdict(list.map((m) => (m.model === 'rls' ? { ...m, status: 'quarantined' as const } : m)));
  assert.equal(quarantined.best?.model, 'logistic');
  assert.equal(verdict(list.filter((m) => BASELINES.includes(m.model))).kind, 'baselines-only');
  assert.equal(verdict([]).kind, 'unscored');
});

test('the model drawn beside the champion: the best learned challenger, else the random walk', () => {
  assert.equal(defaultCompared(month()), 'rls');
  const rlsChampion = month().map((m) => ({ ...m, status: (m.model === 'rls' ? 'champion' : 'challenger') as ModelStatus }));
  assert.equal(defaultCompared(rlsChampion), 'logistic');
  assert.equal(defaultCompared(rlsChampion.filter((m) => m.model !== 'logistic')), 'zero');
  assert.equal(defaultCompared(month().filter((m) => BASELINES.includes(m.model))), null);
});

test('a direction hit counts as the scores count it', () => {
  for (const [forecast, actual] of [
    [2e-4, 3e-4],
    [2e-4, -3e-4],
    [-1e-4, -3e-4],
    [0, 3e-4],
    [0, -3e-4],
    [2e-4, 0],
    [0, 0],
  ] as const) {
    const server = metricsDirectionHit(forecast, actual);
    assert.equal(directionHit(forecast, actual), Number.isNaN(server) ? null : server, `${forecast} vs ${actual}`);
  }
});

/** Forecasts of the first closes of samples/LTCUSDT-1m-2026-02-01.csv (Binance 1m klines), as a drift-like model would make. */
function forecasts(n: number): { rows: Prediction[]; closes: number[] } {
  const lines = readFileSync(join(ROOT, 'samples', 'LTCUSDT-1m-2026-02-01.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1, n + 1);
  const bars = lines.map((line) => {
    const [start = 0, , , , close = 0] = line.split(',').map(Number);
    return { start, close };
  });
  const rows = bars.map(({ start, close }, i) => {
    const ret = i % 3 === 0 ? 0 : (i % 2 === 0 ? 1 : -1) * 2e-4;
    return {
      type: 'prediction' as const,
      instrument: 'binance:LTCUSDT',
      interval: '1m',
      model: 'drift',
      start,
      target: start + 60_000,
      close,
      return: ret,
      pUp: ret > 0 ? 0.6 : ret < 0 ? 0.4 : 0.5,
      predictedClose: close * Math.exp(ret),
      champion: true,
    };
  });
  return { rows, closes: bars.map((b) => b.close) };
}

test('a live forecast gives the one before it its outcome, as the API joins it', () => {
  const { rows, closes } = forecasts(12);
  let series: PredictionWithOutcome[] = [];
  for (const p of rows) series = withLive(series, p, 100);
  assert.equal(series.length, 12);
  series.forEach((r, i) => {
    const next = closes[i + 1];
    if (next === undefined) return assert.equal(r.outcome, null, 'the newest forecast waits for its bar');
    assert.ok(r.outcome);
    assert.equal(r.outcome.start, rows[i + 1]?.start);
    assert.equal(r.outcome.close, next);
    assert.ok(Math.abs(r.outcome.return - Math.log(next / (closes[i] ?? 0))) < 1e-15);
    assert.ok(Math.abs(r.outcome.error - (r.outcome.return - r.return)) < 1e-15);
  });
  // Kept to the newest `limit`; the same bar again replaces, not duplicates; a late one slots in.
  assert.deepEqual(
    withLive(series, rows[11] as Prediction, 5).map((r) => r.start),
    rows.slice(7).map((r) => r.start),
  );
  const gap = series.filter((r) => r.start !== rows[5]?.start).map((r) => (r.start === rows[4]?.start ? { ...r, outcome: null } : r));
  const filled = withLive(gap, rows[5] as Prediction, 100);
  assert.deepEqual(
    filled.map((r) => r.start),
    rows.map((r) => r.start),
  );
  assert.equal(filled[4]?.outcome?.close, closes[5]);
  assert.equal(filled[5]?.outcome?.close, closes[6]);
});
