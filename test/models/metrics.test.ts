import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinnedAuc, aucExact, brier, directionHit, logLoss } from '../../src/models/index.js';
import { Prng } from '../../src/sources/prng.js';

describe('forecast metrics', () => {
  it('log loss and Brier score by hand; log loss clipped, never Infinity', () => {
    assert.equal(logLoss(0.8, 1), -Math.log(0.8));
    assert.equal(logLoss(0.8, 0), -Math.log(1 - 0.8));
    assert.ok(Math.abs(brier(0.8, 0) - 0.64) < 1e-15);
    assert.ok(Math.abs(brier(0.8, 1) - 0.04) < 1e-15);
    assert.ok(Math.abs(logLoss(0, 1) - -Math.log(1e-15)) < 1e-9);
    assert.ok(Number.isFinite(logLoss(1, 0)));
  });

  it('direction: same sign 1, opposite 0, a zero forecast 1/2, a flat outcome left out', () => {
    assert.equal(directionHit(0.01, 0.02), 1);
    assert.equal(directionHit(-0.01, 0.02), 0);
    assert.equal(directionHit(0, -0.02), 0.5);
    assert.ok(Number.isNaN(directionHit(0.01, 0)));
  });

  it('exact AUC counts tied positive-negative pairs as 1/2', () => {
    // positives 0.8, 0.3; negatives 0.5, 0.3. Pairs: 0.8>0.5, 0.8>0.3, 0.3<0.5, 0.3=0.3 -> (1+1+0+0.5)/4
    assert.equal(aucExact([0.8, 0.3, 0.5, 0.3], [1, 1, 0, 0]), 0.625);
    assert.equal(aucExact([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]), 1);
    assert.equal(aucExact([0.1, 0.2, 0.3, 0.4], [1, 1, 0, 0]), 0);
    assert.equal(aucExact([0.5, 0.5, 0.5], [1, 0, 0]), 0.5); // all tied
    // positives 0.9, 0.6, 0.2 against negatives 0.6, 0.2, 0.4, two ties across classes:
    // 0.9 wins 3; 0.6 ties 0.6, wins 0.2 and 0.4 (2.5); 0.2 ties 0.2, loses two (0.5): 6 of 9 pairs
    assert.equal(aucExact([0.9, 0.6, 0.2, 0.6, 0.2, 0.4], [1, 1, 1, 0, 0, 0]), 6 / 9);
    assert.ok(Number.isNaN(aucExact([0.1, 0.2], [1, 1])));
    // length takes a prefix
    assert.equal(aucExact([0.8, 0.3, 0.5, 0.3, 0.99], [1, 1, 0, 0, 0], 4), 0.625);
  });

  it('binned AUC equals the exact one when different scores fall in different bins, ties included', () => {
    const scores = [0.8, 0.3, 0.5, 0.3, 0.9, 0.6, 0.2, 0.6, 0.2, 0.4];
    const labels = [1, 1, 0, 0, 1, 1, 1, 0, 0, 0];
    const b = new BinnedAuc();
    scores.forEach((s, i) => b.add(s, labels[i] as number));
    assert.equal(b.value(), aucExact(scores, labels));
    // a coarse histogram makes close scores ties; the error is bounded by half the shared-bin share
    const coarse = new BinnedAuc(4);
    scores.forEach((s, i) => coarse.add(s, labels[i] as number));
    assert.ok(Math.abs(coarse.value() - aucExact(scores, labels)) <= coarse.sharedBinPairs() / 2 + 1e-15);
  });

  it('binned AUC holds only the bins its scores reach, and widening keeps every count', () => {
    // A baseline scores 1/2 always: one bin's worth, not all 1,024 (8 KB per model and series).
    const flat = new BinnedAuc();
    for (let i = 0; i < 500; i++) flat.add(0.5, i % 3 === 0 ? 1 : 0);
    assert.ok(flat.heldBins <= 8, `held ${flat.heldBins}`);
    assert.equal(flat.value(), 0.5);
    // Scores near 1/2, then drifting to both ends: the same value, pairs and state as the exact
    // computation, whichever order widened the held range.
    const prng = new Prng(7);
    const rng = (): number => prng.uniform();
    const scores: number[] = [];
    const labels: number[] = [];
    const b = new BinnedAuc();
    for (let i = 0; i < 3000; i++) {
      const spread = i < 1000 ? 0.01 : i < 2000 ? 0.2 : 0.499;
      const s = 0.5 + (rng() * 2 - 1) * spread;
      const y = rng() < s ? 1 : 0;
      scores.push(s);
      labels.push(y);
      b.add(s, y);
      if (i === 999) assert.ok(b.heldBins < 64, `near 1/2: held ${b.heldBins}`);
    }
    assert.ok(b.heldBins <= 1024);
    assert.ok(Math.abs(b.value() - aucExact(scores, labels)) <= b.sharedBinPairs() / 2 + 1e-12);
    const back = BinnedAuc.fromJSON(b.toJSON());
    assert.deepEqual(back.toJSON(), b.toJSON());
    assert.equal(back.value(), b.value());
    assert.equal(back.sharedBinPairs(), b.sharedBinPairs());
    // Both end bins, out-of-range scores included.
    const ends = new BinnedAuc(16);
    ends.add(1e-300, 0);
    ends.add(1, 1);
    ends.add(0.5, 1);
    assert.deepEqual(ends.toJSON().counts, [
      [0, 0, 1],
      [8, 1, 0],
      [15, 1, 0],
    ]);
    assert.equal(ends.value(), 1);
  });
});
