// The forecasting tables: predictions joined to their outcome (the next stored bar), scores over
// time, and the registry of versions with their state; upserts keep a replayed write single.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricSetRecord, ModelMetrics, ModelVersion, Prediction } from '../../src/core/index.js';
import { STORE_KINDS } from './store-kinds.js';
import { BTC, MIN, T0, bar, write } from './fixtures.js';

function prediction(i: number, model: string, champion: boolean): Prediction {
  const b = bar(i);
  const r = model === 'rls' ? 0.001 * (i + 1) : 0;
  return {
    type: 'prediction',
    instrument: BTC,
    interval: '1m',
    model,
    start: b.start,
    target: b.end,
    close: b.close,
    return: r,
    pUp: 0.5 + r,
    predictedClose: b.close * Math.exp(r),
    champion,
  };
}

const metrics = (n: number, rmse: number | null): MetricSetRecord => ({
  n,
  rmse,
  mae: rmse,
  directionalAccuracy: n > 0 ? 0.5 : null,
  logLoss: null,
  brier: 0.25,
  auc: null,
});

function scores(i: number, model: string, status: ModelMetrics['status']): ModelMetrics {
  return {
    type: 'model-metrics',
    instrument: BTC,
    interval: '1m',
    model,
    kind: model,
    time: T0 + i * MIN,
    status,
    updates: i,
    cumulative: metrics(i, 0.01 / (i + 1)),
    rolling: metrics(Math.min(i, 3), null),
  };
}

function version(v: number, model: string): ModelVersion {
  return {
    type: 'model-version',
    instrument: BTC,
    interval: '1m',
    model,
    kind: model,
    version: v,
    time: T0 + v * MIN,
    reason: v === 2 ? 'champion' : 'snapshot',
    status: v === 2 ? 'champion' : 'challenger',
    params: { dim: 18, lambda: 0.999 },
    features: ['ret_1', 'rsi'],
    trainedFrom: T0,
    trainedTo: v === 1 ? null : T0 + v * MIN,
    updates: v * 10,
    cumulative: metrics(v * 10, 0.002),
    rolling: metrics(v, 0.003),
    detail: v === 2 ? 'beat zero in a Diebold-Mariano test' : null,
    state: { kind: model, w: [1.5, -2, 0], nested: { ok: true } },
  };
}

for (const kind of STORE_KINDS) {
  test(
    `${kind.name}: predictions come back with their outcome, the next stored bar (a missing bar is skipped over)`,
    { skip: kind.skip },
    async () => {
      const { store, cleanup } = await kind.open();
      try {
        // bars 0..5 but not 3: the forecast made at bar 2 is scored against bar 4
        const bars = [0, 1, 2, 4, 5].map((i) => bar(i));
        const preds = [0, 1, 2, 4, 5].flatMap((i) => [prediction(i, 'zero', i < 2), prediction(i, 'rls', i >= 2)]);
        await store.commit(write({ bars, predictions: preds }));
        await store.commit(write({ predictions: preds.slice(0, 4) })); // a replayed write does not double them
        const champ = await store.predictions({ instrument: BTC, interval: '1m', limit: 100 });
        assert.deepEqual(
          champ.items.map((p) => [p.model, p.start, p.outcome?.start ?? null]),
          [
            ['zero', bar(0).start, bar(1).start],
            ['zero', bar(1).start, bar(2).start],
            ['rls', bar(2).start, bar(4).start],
            ['rls', bar(4).start, bar(5).start],
            ['rls', bar(5).start, null],
          ],
        );
        const p2 = champ.items[2];
        assert.ok(p2?.outcome);
        const ret = Math.log(bar(4).close / bar(2).close);
        assert.equal(p2.outcome.close, bar(4).close);
        assert.equal(p2.outcome.return, ret);
        assert.equal(p2.outcome.error, ret - p2.return);
        assert.deepEqual({ ...p2, outcome: undefined }, { ...prediction(2, 'rls', true), outcome: undefined });
        const all = await store.predictions({ instrument: BTC, interval: '1m', model: '*', limit: 3 });
        assert.deepEqual(
          all.items.map((p) => [p.start, p.model]),
          [
            [bar(0).start, 'rls'],
            [bar(0).start, 'zero'],
            [bar(1).start, 'rls'],
          ],
        );
        const next = await store.predictions({ instrument: BTC, interval: '1m', model: '*', limit: 100, cursor: all.nextCursor ?? '' });
        assert.equal(next.items.length, 7);
        const ranged = await store.predictions({
          instrument: BTC,
          interval: '1m',
          model: 'rls',
          from: bar(2).start,
          to: bar(5).start,
          limit: 10,
          desc: true,
        });
        assert.deepEqual(
          ranged.items.map((p) => p.start),
          [bar(4).start, bar(2).start],
        );
        assert.equal(ranged.items[0]?.outcome?.start, bar(5).start, 'the outcome join is not cut by the range');
      } finally {
        await cleanup();
      }
    },
  );
}

for (const kind of STORE_KINDS) {
  test(
    `${kind.name}: models: newest scores per model with registry counts; scores over time; versions with and without state`,
    { skip: kind.skip },
    async () => {
      const { store, cleanup } = await kind.open();
      try {
        await store.commit(
          write({
            modelMetrics: [
              scores(1, 'zero', 'champion'),
              scores(1, 'rls', 'challenger'),
              scores(2, 'zero', 'challenger'),
              scores(2, 'rls', 'champion'),
            ],
            modelVersions: [version(1, 'rls'), version(2, 'rls')],
          }),
        );
        await store.commit(write({ modelVersions: [version(2, 'rls')] }));
        const models = await store.models({});
        assert.deepEqual(
          models.map((m) => [m.id, m.status, m.time, m.versions, m.latestVersion]),
          [
            [`${BTC}~1m~rls`, 'champion', T0 + 2 * MIN, 2, 2],
            [`${BTC}~1m~zero`, 'challenger', T0 + 2 * MIN, 0, null],
          ],
        );
        assert.deepEqual(models[0]?.cumulative, scores(2, 'rls', 'champion').cumulative);
        assert.deepEqual(models[0]?.rolling, scores(2, 'rls', 'champion').rolling, 'null metrics stay null');
        assert.deepEqual(await store.models({ interval: '5m' }), []);
        const over = await store.modelMetrics({ instrument: BTC, interval: '1m', model: 'zero', limit: 10 });
        assert.deepEqual(over.items, [scores(1, 'zero', 'champion'), scores(2, 'zero', 'challenger')]);
        const versions = await store.modelVersions({ instrument: BTC, interval: '1m', model: 'rls', limit: 10 });
        assert.deepEqual(
          versions.items,
          [version(1, 'rls'), version(2, 'rls')].map(({ state: _s, ...rest }) => rest),
        );
        assert.deepEqual(await store.modelVersion(BTC, '1m', 'rls', 2), version(2, 'rls'));
        assert.equal(await store.modelVersion(BTC, '1m', 'rls', 3), undefined);
      } finally {
        await cleanup();
      }
    },
  );
}
