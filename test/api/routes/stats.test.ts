import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineStatsSchema } from '../../../src/core/index.js';
import { StoreStatsSchema } from '../../../src/api/index.js';
import { assertMatches, harness } from '../harness.js';

describe('GET /api/stats', () => {
  it('serves the live pipeline’s PipelineStats', async () => {
    const h = await harness();
    try {
      const body = (await h.app.inject('/api/stats')).json();
      assertMatches(PipelineStatsSchema, body);
      assert.deepEqual(body, h.live?.statsValue);
    } finally {
      await h.app.close();
    }
  });

  it('serves store counts when there is no live pipeline', async () => {
    const h = await harness({ live: false });
    try {
      const body = (await h.app.inject('/api/stats')).json();
      assertMatches(StoreStatsSchema, body);
      assert.equal(body.type, 'store-stats');
      assert.equal(body.counts.bars, h.store.data.bars.length);
      assert.equal(body.counts.alerts, 3);
    } finally {
      await h.app.close();
    }
  });
});
