import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IndicatorSetSchema } from '../../../src/core/index.js';
import { IndicatorsPageSchema, VolatilityPageSchema } from '../../../src/api/index.js';
import { T0 } from '../fixtures.js';
import { assertErrorBody, assertMatches, BTC, harness, type Harness } from '../harness.js';

describe('indicator routes', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.app.close());

  it('GET /api/indicators pages IndicatorSets', async () => {
    const r = await h.app.inject(`/api/indicators?instrument=${BTC}&interval=1m&limit=10&from=${T0}`);
    assert.equal(r.statusCode, 200);
    const body = r.json();
    assertMatches(IndicatorsPageSchema, body);
    assert.equal(body.indicators.length, 10);
    for (const s of body.indicators) assertMatches(IndicatorSetSchema, s);
    const next = (await h.app.inject(`/api/indicators?instrument=${BTC}&interval=1m&limit=10&from=${T0}&cursor=${body.nextCursor}`)).json();
    assert.equal(next.indicators[0].start, T0 + 10 * 60_000);
  });

  it('GET /api/volatility returns {start, realizedVol, logReturn} points', async () => {
    const r = await h.app.inject(`/api/volatility?instrument=${BTC}&interval=1m&limit=5`);
    assert.equal(r.statusCode, 200);
    const body = r.json();
    assertMatches(VolatilityPageSchema, body);
    assert.deepEqual(Object.keys(body.points[0]).sort(), ['logReturn', 'realizedVol', 'start']);
    assert.equal(body.points[0].logReturn, null, 'no return for the first bar');
    assert.equal(typeof body.points[4].realizedVol, 'number');
  });

  it('validates like every range route', async () => {
    const bad = await h.app.inject(`/api/indicators?instrument=${BTC}&interval=3m`);
    assert.equal(bad.statusCode, 400);
    assertErrorBody(bad.json(), 'UNKNOWN_INTERVAL');
    const unknown = await h.app.inject('/api/volatility?instrument=binance:NOPE');
    assert.equal(unknown.statusCode, 404);
    assertErrorBody(unknown.json(), 'UNKNOWN_INSTRUMENT');
    const limit = await h.app.inject(`/api/volatility?instrument=${BTC}&limit=99999`);
    assert.equal(limit.statusCode, 400);
    assertErrorBody(limit.json(), 'BAD_REQUEST');
  });
});
