import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TickflowError } from '../../../src/core/index.js';
import { MIN_TEST_ROWS, MIN_TRAIN_ROWS, timeOrderedSplit } from '../../../src/models/seed/index.js';
import { randomWalkDays } from './days.js';

describe('timeOrderedSplit', () => {
  it('holds out the newest days, in order, with nothing shuffled', () => {
    const rows = randomWalkDays(1000);
    const { train, test } = timeOrderedSplit(rows, 0.2);
    assert.equal(test.length, 200);
    assert.equal(train.length, 800);
    const lastTrain = Math.max(...train.map((r) => r.day));
    assert.ok(
      test.every((r) => r.day > lastTrain),
      'every test day is after every training day',
    );
    assert.deepEqual([...train, ...test], rows, 'the two parts are the input, in its order');
  });

  it('rounds the test share and keeps at least the minimum test rows', () => {
    assert.equal(timeOrderedSplit(randomWalkDays(101), 0.25).test.length, 25);
    assert.equal(timeOrderedSplit(randomWalkDays(30), 0.01).test.length, MIN_TEST_ROWS);
  });

  it('refuses too few rows (DATASET_INVALID), a fraction outside (0, 1) (USAGE) and unsorted rows', () => {
    assert.throws(
      () => timeOrderedSplit(randomWalkDays(MIN_TRAIN_ROWS + MIN_TEST_ROWS - 1), 0.2),
      (e: unknown) => e instanceof TickflowError && e.code === 'DATASET_INVALID' && /too few/.test(e.message),
    );
    for (const f of [0, 1, -0.1, NaN]) {
      assert.throws(
        () => timeOrderedSplit(randomWalkDays(100), f),
        (e: unknown) => e instanceof TickflowError && e.code === 'USAGE',
      );
    }
    const rows = randomWalkDays(100);
    assert.throws(() => timeOrderedSplit([...rows].reverse(), 0.2), TickflowError);
  });
});
