import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ModelMetricsSchema, ModelVersionSchema, TickflowError, modelId, type IndicatorSet } from '../../../src/core/index.js';
import { ForecastSeries, type ForecastSink } from '../../../src/models/index.js';
import { FakeStore } from '../fake-store.js';
import { IndicatorEngine } from '../../../src/stream/index.js';
import { barSeries, T0 } from '../fixtures.js';
import { assertErrorBody, assertMatches, BTC, harness, type Harness } from '../harness.js';
import { assertConformsToDocument, openApiDocument } from '../openapi-conformance.js';

/** The seeded store plus what a forecaster writes over its BTC 1m bars (short warm-up, frequent records). */
function storeWithModels() {
  const bars = barSeries(BTC, '1m', 300);
  const engine = new IndicatorEngine({ instrument: BTC, interval: '1m' });
  const inds = bars.map((b) => engine.onBar(b));
  const store = new FakeStore({ bars, indicators: inds });
  const fs = new ForecastSeries({
    instrument: BTC,
    interval: '1m',
    features: { momentumWindow: 5, warmup: 10, volumeWindow: 5 },
    metricsEvery: 5,
    versionEvery: 10,
  });
  const out: ForecastSink = { predictions: [], modelMetrics: [], modelVersions: [] };
  bars.forEach((b, t) => fs.onBar(b, inds[t] as IndicatorSet, out));
  store.data.predictions.push(...out.predictions);
  store.data.modelMetrics.push(...out.modelMetrics);
  store.data.modelVersions.push(...out.modelVersions);
  return { store, out, bars };
}

const RLS = encodeURIComponent(modelId(BTC, '1m', 'rls'));

describe('model routes: /api/models, /api/predictions, promote', () => {
  let h: Harness;
  let fixture: ReturnType<typeof storeWithModels>;
  const promoted: string[][] = [];
  before(async () => {
    fixture = storeWithModels();
    h = await harness({
      store: fixture.store,
      models: {
        promote: async (instrument, interval, model) => {
          if (model === 'sick') throw new TickflowError('CONFLICT', "model 'sick' is quarantined (state went non-finite); it cannot serve");
          promoted.push([instrument, interval, model]);
          return model === 'zero' ? null : { from: 'zero', to: model };
        },
      },
    });
  });
  after(() => h.app.close());

  it('lists every model of the series with its status and scores, the champion first', async () => {
    assert.ok(fixture.out.predictions.length > 0 && fixture.out.modelVersions.length > 0, 'the fixture forecast something');
    const r = await h.app.inject('/api/models?instrument=binance:btcusdt&interval=1m');
    assert.equal(r.statusCode, 200, r.body);
    const models = r.json().models as { id: string; model: string; status: string; versions: number; cumulative: { n: number } }[];
    assert.deepEqual(models.map((m) => m.model).sort(), ['drift', 'logistic', 'rls', 'sign-persistence', 'zero']);
    assert.equal(models.filter((m) => m.status === 'champion').length, 1);
    for (const m of models) {
      assert.equal(m.id, modelId(BTC, '1m', m.model));
      assert.ok(m.cumulative.n > 0 && m.versions > 0);
    }
    assert.deepEqual((await h.app.inject('/api/models?interval=5m')).json().models, [], 'no series forecasts 5m');
  });

  it("GET /api/models/{id}: the model's scores over time, paged", async () => {
    const r = await h.app.inject(`/api/models/${RLS}?limit=2`);
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.equal(body.model.model, 'rls');
    assert.equal(body.metrics.length, 2);
    for (const m of body.metrics) assertMatches(ModelMetricsSchema, m);
    assert.ok(body.metrics[0].time < body.metrics[1].time);
    const next = (await h.app.inject(`/api/models/${RLS}?limit=2&cursor=${body.nextCursor}`)).json();
    assert.ok(next.metrics[0].time > body.metrics[1].time);
  });

  it('versions: listed without state, one by number with the state a reload needs', async () => {
    const list = (await h.app.inject(`/api/models/${RLS}/versions`)).json();
    assert.ok(list.versions.length >= 2);
    assert.equal(list.versions[0].version, 1);
    assert.equal('state' in list.versions[0], false);
    const one = await h.app.inject(`/api/models/${RLS}/versions/2`);
    assert.equal(one.statusCode, 200, one.body);
    assertMatches(ModelVersionSchema, one.json());
    assert.equal(one.json().state.kind, 'rls');
    const missing = await h.app.inject(`/api/models/${RLS}/versions/999`);
    assert.equal(missing.statusCode, 404);
    assertErrorBody(missing.json(), 'NOT_FOUND');
  });

  it('404 for a malformed id or a model the series does not have', async () => {
    const short = await h.app.inject('/api/models/rls');
    assert.equal(short.statusCode, 400);
    assertErrorBody(short.json(), 'BAD_REQUEST');
    for (const id of [
      'rls~1m~x~y',
      encodeURIComponent(modelId(BTC, '1m', 'lstm')),
      encodeURIComponent(modelId('binance:NOPEUSDT', '1m', 'rls')),
    ]) {
      const r = await h.app.inject(`/api/models/${id}`);
      assert.equal(r.statusCode, 404, `${id}: ${r.body}`);
      assertErrorBody(r.json(), r.json().error.code === 'UNKNOWN_INSTRUMENT' ? 'UNKNOWN_INSTRUMENT' : 'NOT_FOUND');
    }
  });

  it("/api/predictions: the champion's forecasts with outcome and error; one model or all", async () => {
    const r = await h.app.inject(`/api/predictions?instrument=${BTC}&interval=1m&limit=1000`);
    assert.equal(r.statusCode, 200, r.body);
    const ps = r.json().predictions as {
      start: number;
      champion: boolean;
      close: number;
      return: number;
      outcome: null | { start: number; close: number; return: number; error: number };
    }[];
    assert.ok(ps.length > 10);
    assert.ok(ps.every((p) => p.champion));
    const bars = fixture.bars;
    for (const p of ps.slice(0, -1)) {
      const next = bars.find((b) => b.start > p.start);
      assert.ok(p.outcome !== null && next !== undefined);
      assert.equal(p.outcome.start, next.start);
      assert.equal(p.outcome.return, Math.log(next.close / p.close));
      assert.equal(p.outcome.error, p.outcome.return - p.return);
    }
    assert.equal(ps.at(-1)?.outcome, null, 'the last forecast waits for its bar');
    const all = (await h.app.inject(`/api/predictions?instrument=${BTC}&interval=1m&model=*&limit=5000`)).json().predictions;
    assert.equal(all.length, ps.length * 5);
    const rls = (await h.app.inject(`/api/predictions?instrument=${BTC}&interval=1m&model=rls&limit=1000`)).json().predictions;
    assert.ok(rls.length === ps.length && rls.every((p: { model: string }) => p.model === 'rls'));
    const bad = await h.app.inject(`/api/predictions?instrument=${BTC}&model=rls;drop`);
    assert.equal(bad.statusCode, 400);
    assertErrorBody(bad.json(), 'BAD_REQUEST');
  });

  it('/api/predictions: each forecast with its outcome matches the documented item schema (found by Schemathesis: allOf of the record, which forbids extra properties, and `outcome`)', async () => {
    const doc = await openApiDocument(h.app);
    const r = await h.app.inject(`/api/predictions?instrument=${BTC}&interval=1m&limit=3`);
    assert.equal(r.statusCode, 200, r.body);
    assert.ok(r.json().predictions.length === 3 && r.json().predictions[0].outcome !== null);
    assertConformsToDocument(doc, 'GET', '/api/predictions', 200, r.json());
  });

  it('promote: 200 with whether it changed; 409 for a quarantined model; 503 without forecasters', async () => {
    const r = await h.app.inject({ method: 'POST', url: `/api/models/${RLS}/promote` });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { id: modelId(BTC, '1m', 'rls'), champion: 'rls', changed: true });
    assert.deepEqual(promoted.at(-1), [BTC, '1m', 'rls']);
    const same = (
      await h.app.inject({ method: 'POST', url: `/api/models/${encodeURIComponent(modelId(BTC, '1m', 'zero'))}/promote` })
    ).json();
    assert.equal(same.changed, false);
    const sick = await h.app.inject({ method: 'POST', url: `/api/models/${encodeURIComponent(modelId(BTC, '1m', 'sick'))}/promote` });
    assert.equal(sick.statusCode, 409);
    assertErrorBody(sick.json(), 'CONFLICT');
    const bare = await harness({ store: fixture.store });
    try {
      const u = await bare.app.inject({ method: 'POST', url: `/api/models/${RLS}/promote` });
      assert.equal(u.statusCode, 503);
      assertErrorBody(u.json(), 'UNAVAILABLE');
    } finally {
      await bare.app.close();
    }
  });

  it('T0 fixture sanity: forecasts are made at bar closes of the seeded series', () => {
    assert.ok(fixture.out.predictions.every((p) => p.start >= T0));
  });
});
