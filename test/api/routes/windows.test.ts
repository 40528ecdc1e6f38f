import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WindowStatsSchema } from '../../../src/core/index.js';
import { WindowsPageSchema } from '../../../src/api/index.js';
import { assertErrorBody, assertMatches, BTC, harness, type Harness } from '../harness.js';

describe('GET /api/windows', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.app.close());

  it('returns the hopping-window KPIs of one instrument', async () => {
    const body = (await h.app.inject(`/api/windows?instrument=${BTC}`)).json();
    assertMatches(WindowsPageSchema, body);
    assert.equal(body.windows.length, 3);
    for (const w of body.windows) assertMatches(WindowStatsSchema, w);
  });

  it('size accepts ms or a duration', async () => {
    const ms = (await h.app.inject(`/api/windows?instrument=${BTC}&size=300000`)).json();
    const dur = (await h.app.inject(`/api/windows?instrument=${BTC}&size=5m`)).json();
    assert.equal(ms.windows.length, 2);
    assert.deepEqual(ms.windows, dur.windows);
  });

  it('400 for a bad size, 404 for an unknown instrument', async () => {
    const bad = await h.app.inject(`/api/windows?instrument=${BTC}&size=five`);
    assert.equal(bad.statusCode, 400);
    assert.match(assertErrorBody(bad.json(), 'BAD_REQUEST').error.message, /size: 'five'/);
    const unknown = await h.app.inject('/api/windows?instrument=binance:NOPE');
    assert.equal(unknown.statusCode, 404);
    assertErrorBody(unknown.json(), 'UNKNOWN_INSTRUMENT');
  });
});
