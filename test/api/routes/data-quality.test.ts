import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LateTradeSchema, RejectSchema } from '../../../src/core/index.js';
import { LatePageSchema, RejectsPageSchema } from '../../../src/api/index.js';
import { T0 } from '../fixtures.js';
import { assertErrorBody, assertMatches, BTC, harness, type Harness } from '../harness.js';

describe('GET /api/rejects and /api/late', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.app.close());

  it('lists rejects, filtered by reason (case-insensitive), paged', async () => {
    const all = (await h.app.inject('/api/rejects')).json();
    assertMatches(RejectsPageSchema, all);
    assert.equal(all.rejects.length, 3);
    for (const r of all.rejects) assertMatches(RejectSchema, r);
    const bad = (await h.app.inject('/api/rejects?reason=bad_price&limit=1')).json();
    assert.equal(bad.rejects.length, 1);
    assert.equal(bad.rejects[0].reason, 'BAD_PRICE');
    const next = (await h.app.inject(`/api/rejects?reason=bad_price&limit=1&cursor=${bad.nextCursor}`)).json();
    assert.equal(next.rejects.length, 1);
    assert.equal(next.nextCursor, null);
  });

  it('400 for a malformed reason or cursor', async () => {
    const r = await h.app.inject('/api/rejects?reason=bad-price!');
    assert.equal(r.statusCode, 400);
    assertErrorBody(r.json(), 'BAD_REQUEST');
    const c = await h.app.inject('/api/rejects?cursor=%%%');
    assert.equal(c.statusCode, 400);
    assertErrorBody(c.json(), 'INVALID_CURSOR');
  });

  it('lists late trades of one instrument in a time range', async () => {
    const body = (await h.app.inject(`/api/late?instrument=${BTC}&from=${T0}&to=${T0 + 6}`)).json();
    assertMatches(LatePageSchema, body);
    assert.equal(body.late.length, 1);
    assertMatches(LateTradeSchema, body.late[0]);
    const missing = await h.app.inject('/api/late');
    assert.equal(missing.statusCode, 400);
    assertErrorBody(missing.json(), 'BAD_REQUEST');
  });
});
