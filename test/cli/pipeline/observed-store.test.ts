import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metrics } from '../../../src/api/metrics.js';
import { observeStoreCommits } from '../../../src/cli/pipeline/observed-store.js';
import { FakeStore } from '../../api/fake-store.js';

async function commitCount(): Promise<number> {
  const m = metrics.getSingleMetric('tickflow_store_commit_duration_seconds');
  assert.ok(m);
  const v = (await m.get()).values.find(
    (x) => (x as { metricName?: string }).metricName === 'tickflow_store_commit_duration_seconds_count',
  );
  return v?.value ?? 0;
}

const EMPTY = { bars: [], indicators: [], alerts: [], windows: [], late: [], rejects: [], trades: [] } as const;

describe('observeStoreCommits', () => {
  it('times each commit of the store and keeps what the commit does', async () => {
    const store = new FakeStore();
    assert.equal(observeStoreCommits(store), store);
    const before = await commitCount();
    await store.commit({ ...EMPTY, checkpoint: { id: 'x', positions: '{}', state: '{}', updatedAt: 1 } });
    await store.commit(EMPTY);
    assert.equal(await commitCount(), before + 2);
    assert.equal((await store.loadCheckpoint('x'))?.positions, '{}');
  });
});
