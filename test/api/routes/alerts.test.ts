import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlertSchema } from '../../../src/core/index.js';
import { AlertsPageSchema } from '../../../src/api/index.js';
import { T0 } from '../fixtures.js';
import { assertErrorBody, assertMatches, BTC, harness, type Harness } from '../harness.js';

describe('GET /api/alerts', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.app.close());

  it('lists every instrument’s alerts unless filtered', async () => {
    const body = (await h.app.inject('/api/alerts')).json();
    assertMatches(AlertsPageSchema, body);
    assert.equal(body.alerts.length, 3);
    for (const a of body.alerts) assertMatches(AlertSchema, a);
  });

  it('filters by instrument, kind, severity and time', async () => {
    const byInstrument = (await h.app.inject(`/api/alerts?instrument=${BTC}`)).json();
    assert.equal(byInstrument.alerts.length, 2);
    const byKind = (await h.app.inject('/api/alerts?kind=price_gap')).json();
    assert.deepEqual(
      byKind.alerts.map((a: { kind: string }) => a.kind),
      ['price_gap'],
    );
    const bySeverity = (await h.app.inject('/api/alerts?severity=critical')).json();
    assert.equal(bySeverity.alerts.length, 1);
    const byTime = (await h.app.inject(`/api/alerts?from=${T0 + 90_000}`)).json();
    assert.equal(byTime.alerts.length, 2);
  });

  it('pages with limit and cursor', async () => {
    const first = (await h.app.inject('/api/alerts?limit=2')).json();
    assert.equal(first.alerts.length, 2);
    const second = (await h.app.inject(`/api/alerts?limit=2&cursor=${first.nextCursor}`)).json();
    assert.equal(second.alerts.length, 1);
    assert.equal(second.nextCursor, null);
  });

  it('400 lists the allowed kinds and severities', async () => {
    const kind = await h.app.inject('/api/alerts?kind=meteor');
    assert.equal(kind.statusCode, 400);
    assert.match(
      assertErrorBody(kind.json(), 'BAD_REQUEST').error.message,
      /querystring\/kind must be one of: return_zscore, volume_spike, price_gap/,
    );
    const severity = await h.app.inject('/api/alerts?severity=loud');
    assert.match(assertErrorBody(severity.json(), 'BAD_REQUEST').error.message, /info, warning, critical/);
  });
});
