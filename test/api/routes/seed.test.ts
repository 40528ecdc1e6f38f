import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HealthSchema } from '../../../src/api/index.js';
import { MAX_BATCH } from '../../../src/api/routes/seed.js';
import { predictClose, SAME_BAR_LABEL, serializeSeedModel, trainSeedModel, type SeedModel } from '../../../src/models/seed/index.js';
import { tempDir } from '../../helpers.js';
import { randomWalkDays } from '../../models/seed/days.js';
import { assertErrorBody, assertMatches, harness, type Harness } from '../harness.js';

const BAR = { open: 89000, high: 90000, low: 88000, volume: 45000000000 };

function model(seed: number, createdAt = new Date(Date.UTC(2026, 0, 1))): SeedModel {
  return trainSeedModel(
    { format: 'kaggle-daily', symbol: 'BTC', rows: randomWalkDays(200, seed) },
    { datasetPath: '/data/coin_Bitcoin.csv', datasetSha256: 'ab'.repeat(32), createdBy: 'tickflow test', createdAt },
  );
}

const post = (h: Harness, url: string, payload?: unknown) =>
  h.app.inject({
    method: 'POST',
    url,
    ...(payload === undefined
      ? {}
      : typeof payload === 'string'
        ? { payload, headers: { 'content-type': 'application/json' } }
        : { payload: payload as object }),
  });

async function assertBad(h: Harness, url: string, payload: unknown, message: RegExp): Promise<void> {
  const r = await post(h, url, payload);
  assert.equal(r.statusCode, 400, `${JSON.stringify(payload)}: ${r.body}`);
  assert.match(assertErrorBody(r.json(), 'BAD_REQUEST').error.message, message, JSON.stringify(payload));
}

describe('seed prediction API (seeds/000 routes)', () => {
  const tmp = tempDir('tickflow-seed-api-');
  const path = join(tmp.dir, 'models', 'seed-linear.json');
  const first = model(1);
  let h: Harness;
  before(async () => {
    mkdirSync(join(tmp.dir, 'models'));
    writeFileSync(path, serializeSeedModel(first));
    h = await harness({ seedModelPath: path });
    await h.app.ready();
  });
  after(async () => {
    await h.app.close();
    tmp.cleanup();
  });

  it("GET /health keeps its fields and adds the seed's model_loaded", async () => {
    const r = await h.app.inject('/health');
    assert.equal(r.statusCode, 200);
    assertMatches(HealthSchema, r.json());
    assert.equal(r.json().status, 'ok');
    assert.equal(r.json().model_loaded, true);
  });

  it('GET /model/info: coefficients, test RMSE, baselines and window, labelled a same-bar estimator', async () => {
    const r = await h.app.inject('/model/info');
    assert.equal(r.statusCode, 200);
    const info = r.json();
    assert.equal(info.status, 'loaded');
    assert.equal(info.model_type, 'LinearRegression');
    assert.equal(info.label, SAME_BAR_LABEL);
    assert.match(info.note, /cannot forecast/);
    assert.deepEqual(info.features, ['open', 'high', 'low', 'volume']);
    assert.deepEqual(info.coefficients, first.coefficients);
    assert.equal(info.intercept, first.intercept);
    assert.equal(info.rmse, first.metrics.test.rmse);
    assert.deepEqual(info.metrics, first.metrics);
    assert.deepEqual(info.training_window, { split: 'time-ordered', test_fraction: 0.2, train: first.split.train, test: first.split.test });
    assert.equal(info.dataset.sha256, first.dataset.sha256);
    assert.equal(info.created_at, '2026-01-01T00:00:00.000Z');
    assert.equal(info.model_path, path);
    assert.ok(Number.isFinite(Date.parse(info.loaded_at)));
  });

  it('POST /predict: {open, high, low, volume} → {predicted_close, label}; unknown fields are ignored like pydantic did', async () => {
    const r = await post(h, '/predict', BAR);
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { predicted_close: predictClose(first, BAR), label: SAME_BAR_LABEL });
    const extra = await post(h, '/predict', { ...BAR, marketcap: 1.6e12, date: '2021-01-01' });
    assert.equal(extra.json().predicted_close, predictClose(first, BAR));
    // a flat bar (open = high = low) and zero volume are valid bars
    assert.equal((await post(h, '/predict', { open: 5, high: 5, low: 5, volume: 0 })).statusCode, 200);
  });

  it('POST /predict refuses missing and non-finite fields, prices ≤ 0, negative volume, high < low, open outside the bar: 400 BAD_REQUEST', async () => {
    for (const k of ['open', 'high', 'low', 'volume'] as const) {
      const { [k]: _drop, ...rest } = BAR;
      await assertBad(h, '/predict', rest, new RegExp(`body/${k} is required`));
      await assertBad(h, '/predict', { ...BAR, [k]: null }, new RegExp(`body/${k} must be a finite number`));
      await assertBad(h, '/predict', { ...BAR, [k]: String(BAR[k]) }, new RegExp(`body/${k} must be a finite number`));
    }
    // JSON has no NaN or Infinity; 1e999 is how one arrives (JSON.parse makes it Infinity)
    await assertBad(h, '/predict', '{"open":1e999,"high":90000,"low":88000,"volume":1}', /body\/open must be a finite number/);
    await assertBad(h, '/predict', '{"open":89000,"high":90000,"low":88000,"volume":-1e999}', /body\/volume must be a finite number/);
    await assertBad(h, '/predict', { ...BAR, low: -5 }, /body\/low must be > 0 \(a price\)/);
    await assertBad(h, '/predict', { ...BAR, open: 0 }, /body\/open must be > 0/);
    await assertBad(h, '/predict', { ...BAR, volume: -1 }, /body\/volume must be >= 0/);
    await assertBad(h, '/predict', { ...BAR, high: 87000 }, /high 87000 is below low 88000/);
    await assertBad(h, '/predict', { ...BAR, open: 95000 }, /open 95000 is outside \[low 88000, high 90000\]/);
    await assertBad(h, '/predict', '[1, 2, 3, 4]', /body must be object/);
    await assertBad(h, '/predict', '{"open": 1,', /JSON|body/);
    const empty = await h.app.inject({ method: 'POST', url: '/predict' });
    assert.equal(empty.statusCode, 400);
    assertErrorBody(empty.json(), 'BAD_REQUEST');
  });

  it('a bad field is reported with its path and the validator keyword', async () => {
    const r = await post(h, '/predict', { ...BAR, high: 'x' });
    const e = assertErrorBody(r.json(), 'BAD_REQUEST').error;
    assert.deepEqual((e.details as { errors: unknown[] }).errors[0], {
      path: 'body/high',
      keyword: 'type',
      message: 'must be a finite number',
    });
  });

  it('POST /batch_predict: {data: [bars]} → one estimate per bar, in order', async () => {
    const bars = [BAR, { open: 90000, high: 91000, low: 89500, volume: 50000000000 }];
    const r = await post(h, '/batch_predict', { data: bars });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), {
      predictions: bars.map((b) => ({ predicted_close: predictClose(first, b) })),
      count: 2,
      label: SAME_BAR_LABEL,
    });
    assert.deepEqual((await post(h, '/batch_predict', { data: [] })).json(), { predictions: [], count: 0, label: SAME_BAR_LABEL });
  });

  it(`POST /batch_predict takes ${MAX_BATCH} bars and refuses ${MAX_BATCH + 1}; a bad bar is named by its index`, async () => {
    const full = await post(h, '/batch_predict', { data: Array.from({ length: MAX_BATCH }, () => BAR) });
    assert.equal(full.statusCode, 200);
    assert.equal(full.json().count, MAX_BATCH);
    await assertBad(
      h,
      '/batch_predict',
      { data: Array.from({ length: MAX_BATCH + 1 }, () => BAR) },
      new RegExp(`body/data must not have more than ${MAX_BATCH} items; split the batch`),
    );
    const bad = [BAR, BAR, BAR, { ...BAR, low: 95000 }];
    await assertBad(h, '/batch_predict', { data: bad }, /body\/data\/3: high 90000 is below low 95000/);
    await assertBad(h, '/batch_predict', { data: [BAR, { open: 1, high: 2 }] }, /body\/data\/1\/low is required/);
    await assertBad(h, '/batch_predict', { rows: [BAR] }, /body\/data is required/);
    await assertBad(h, '/batch_predict', { data: BAR }, /body\/data must be array/);
  });

  it('POST /model/reload serves a newly trained file; a corrupt or missing file keeps the old model serving', async () => {
    const second = model(2, new Date(Date.UTC(2026, 0, 2)));
    writeFileSync(path, serializeSeedModel(second));
    const r = await post(h, '/model/reload');
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().status, 'reloaded');
    assert.equal(r.json().created_at, '2026-01-02T00:00:00.000Z');
    assert.equal(r.json().rmse, second.metrics.test.rmse);
    assert.equal((await post(h, '/predict', BAR)).json().predicted_close, predictClose(second, BAR));

    for (const [content, why] of [
      ['{"format": "tickflow/seed-linear", "vers', /not JSON/],
      [JSON.stringify({ ...second, version: 99 }), /version 99/],
      [JSON.stringify({ ...second, coefficients: { open: 1 } }), /coefficients/],
      [undefined, /no model file at/],
    ] as const) {
      if (content === undefined) rmSync(path);
      else writeFileSync(path, content);
      const bad = await post(h, '/model/reload');
      assert.equal(bad.statusCode, 500);
      const e = assertErrorBody(bad.json(), 'MODEL_INVALID').error;
      assert.match(e.message, why);
      assert.match(e.message, /the model trained 2026-01-02T00:00:00.000Z is still serving/);
      assert.deepEqual(e.details, { path, serving: '2026-01-02T00:00:00.000Z' });
      assert.equal((await post(h, '/predict', BAR)).json().predicted_close, predictClose(second, BAR));
      assert.equal((await h.app.inject('/model/info')).json().created_at, '2026-01-02T00:00:00.000Z');
      assert.equal((await h.app.inject('/health')).json().model_loaded, true);
    }
  });

  it('OpenAPI: the seed routes are documented under the seed-model tag, saying which seed route they mirror', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    for (const [p, m] of [
      ['/model/info', 'get'],
      ['/predict', 'post'],
      ['/batch_predict', 'post'],
      ['/model/reload', 'post'],
    ] as const) {
      const op = doc.paths[p][m];
      assert.deepEqual(op.tags, ['seed-model'], p);
      assert.match(op.description, /seeds\/000/, p);
      assert.ok(op.responses['200'] && (op.responses['4XX'] ?? op.responses['4xx']), `${p} documents its answers`);
    }
    assert.ok(doc.paths['/predict'].post.requestBody, '/predict documents its body');
  });
});

describe('seed prediction API without a model', () => {
  it('503 MODEL_NOT_LOADED telling the user to run tickflow train; /health says model_loaded false', async () => {
    const tmp = tempDir('tickflow-seed-api-');
    const h = await harness({ seedModelPath: join(tmp.dir, 'models', 'seed-linear.json') });
    try {
      await h.app.ready();
      for (const r of [
        await post(h, '/predict', BAR),
        await post(h, '/batch_predict', { data: [BAR] }),
        await h.app.inject('/model/info'),
      ]) {
        assert.equal(r.statusCode, 503);
        assert.match(assertErrorBody(r.json(), 'MODEL_NOT_LOADED').error.message, /tickflow train --dataset/);
      }
      const health = (await h.app.inject('/health')).json();
      assert.equal(health.status, 'ok');
      assert.equal(health.model_loaded, false);
      // bad input is still a 400: the request is wrong whether or not a model is loaded
      assert.equal((await post(h, '/predict', { ...BAR, high: 1 })).statusCode, 400);
      const reload = await post(h, '/model/reload');
      assert.equal(reload.statusCode, 500);
      assert.match(assertErrorBody(reload.json(), 'MODEL_INVALID').error.message, /no model is serving: no model file at .*tickflow train/);
      // once the file exists, reload serves it
      mkdirSync(join(tmp.dir, 'models'));
      const m = model(3);
      writeFileSync(join(tmp.dir, 'models', 'seed-linear.json'), serializeSeedModel(m));
      assert.equal((await post(h, '/model/reload')).statusCode, 200);
      assert.equal((await post(h, '/predict', BAR)).json().predicted_close, predictClose(m, BAR));
    } finally {
      await h.app.close();
      tmp.cleanup();
    }
  });

  it('a corrupt file at startup: the server starts, /predict says why the model is missing', async () => {
    const tmp = tempDir('tickflow-seed-api-');
    const path = join(tmp.dir, 'seed-linear.json');
    writeFileSync(path, 'not json');
    const h = await harness({ seedModelPath: path });
    try {
      const r = await post(h, '/predict', BAR);
      assert.equal(r.statusCode, 503);
      assert.match(assertErrorBody(r.json(), 'MODEL_NOT_LOADED').error.message, /last load: .*is not JSON/);
    } finally {
      await h.app.close();
      tmp.cleanup();
    }
  });

  it('an estimate that overflows is refused, not served as null', async () => {
    const tmp = tempDir('tickflow-seed-api-');
    const path = join(tmp.dir, 'seed-linear.json');
    // a valid file whose coefficients make 1e308 overflow
    writeFileSync(path, serializeSeedModel({ ...model(4), coefficients: { open: 10, high: 10, low: 10, volume: 0 } }));
    const h = await harness({ seedModelPath: path });
    try {
      await h.app.ready();
      assert.equal((await post(h, '/predict', BAR)).statusCode, 200);
      await assertBad(h, '/predict', { open: 1e308, high: 1e308, low: 1e308, volume: 0 }, /body: the estimate overflows/);
      await assertBad(
        h,
        '/batch_predict',
        { data: [BAR, { open: 1e308, high: 1e308, low: 1e308, volume: 0 }] },
        /body\/data\/1: the estimate overflows/,
      );
    } finally {
      await h.app.close();
      tmp.cleanup();
    }
  });

  it('a server built without a model path (tests, benches): 503, and reload says there is no file to read', async () => {
    const h = await harness();
    try {
      assert.equal((await post(h, '/predict', BAR)).statusCode, 503);
      const reload = await post(h, '/model/reload');
      assert.equal(reload.statusCode, 503);
      assert.match(assertErrorBody(reload.json(), 'MODEL_NOT_LOADED').error.message, /without a model file path/);
    } finally {
      await h.app.close();
    }
  });
});
