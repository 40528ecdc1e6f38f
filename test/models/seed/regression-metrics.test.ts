import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { regressionMetrics } from '../../../src/models/seed/index.js';

describe('regressionMetrics', () => {
  it('RMSE, MAE and R² of a small worked example', () => {
    // errors 1, -1, 2, 0: SSE 6, SAE 4; actual mean 2.5, SST 5
    const m = regressionMetrics([1, 2, 3, 4], [0, 3, 1, 4]);
    assert.equal(m.rows, 4);
    assert.equal(m.rmse, Math.sqrt(6 / 4));
    assert.equal(m.mae, 1);
    assert.equal(m.r2, 1 - 6 / 5);
  });

  it('a perfect fit has R² 1; constant actual values have no R² (null)', () => {
    assert.equal(regressionMetrics([1, 2, 3], [1, 2, 3]).r2, 1);
    assert.equal(regressionMetrics([2, 2, 2], [1, 2, 3]).r2, null);
  });
});
