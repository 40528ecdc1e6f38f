import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cooldown, PriceGap, ReturnZScore, VolumeSpike, classify } from '../../../src/stream/alerts/index.js';

describe('detectors', () => {
  it('VolumeSpike: median of an odd and an even count of past volumes, mean on request', () => {
    const odd = new VolumeSpike(5, 3);
    assert.deepEqual(
      [1, 100, 3, 6].map((v) => odd.update(v)),
      [null, null, null, 2],
    ); // median(1, 100, 3) = 3
    assert.equal(odd.lastBaselineVolume, 3);
    const even = new VolumeSpike(4, 4);
    assert.deepEqual(
      [1, 2, 3, 100, 5].map((v) => even.update(v)),
      [null, null, null, null, 2],
    ); // median 2.5
    const mean = new VolumeSpike(4, 4, 'mean');
    assert.deepEqual(
      [1, 2, 3, 94, 50].map((v) => mean.update(v)),
      [null, null, null, null, 2],
    ); // mean 25
    // the window slides: the oldest drops out
    assert.equal(even.update(5), 5 / 4); // past 2, 3, 100, 5 -> median 4
  });

  it('ReturnZScore scores against past returns only, then adds the current one', () => {
    const z = new ReturnZScore(4, 2);
    const out = [100, 101, 100, 101, 150].map((c) => z.update(c));
    assert.deepEqual(out.slice(0, 3), [null, null, null], 'needs 2 past returns, i.e. 3 past bars');
    const [r1, r2, r3, r4] = [Math.log(101 / 100), Math.log(100 / 101), Math.log(101 / 100), Math.log(150 / 101)];
    // two past returns: the mean sits halfway, sigma is half their distance, so z = 1
    assert.ok(Math.abs((out[3] ?? NaN) - 1) < 1e-12);
    const mean = (r1 + r2 + r3) / 3;
    const sigma = Math.sqrt(((r1 - mean) ** 2 + (r2 - mean) ** 2 + (r3 - mean) ** 2) / 3);
    assert.ok(Math.abs((out[4] ?? NaN) - Math.abs(r4 - mean) / sigma) < 1e-12);
    assert.equal(z.lastHistory, 3);
    assert.equal(z.lastReturn, r4);
  });

  it('PriceGap measures from the previous close once minHistory bars have passed', () => {
    const g = new PriceGap(2);
    const bars: [number, number][] = [
      [10, 10],
      [11, 11],
      [11.11, 12],
      [11.4, 11],
    ];
    assert.deepEqual(
      bars.map(([open, close]) => g.update(open, close)),
      [null, null, Math.abs(11.11 - 11) / 11, Math.abs(11.4 - 12) / 12],
    );
    assert.equal(g.lastPrevClose, 12);
    assert.ok(g.lastSignedGap < 0);
  });

  it('classify takes the highest level reached, at-or-above', () => {
    const t = { warning: 4, critical: 6 };
    assert.equal(classify(3.99, t), null);
    assert.deepEqual(classify(4, t), { severity: 'warning', threshold: 4 });
    assert.deepEqual(classify(6, t), { severity: 'critical', threshold: 6 });
  });

  it('Cooldown admits, holds, escalates, and survives JSON', () => {
    const c = new Cooldown(3);
    assert.deepEqual(
      [
        [0, 'warning'],
        [1, 'warning'],
        [2, 'critical'],
        [4, 'warning'],
        [5, 'warning'],
      ].map(([at, s]) => c.admit(at as number, s as 'warning' | 'critical')),
      [true, false, true, false, true],
    );
    const back = Cooldown.fromJSON(JSON.parse(JSON.stringify(c)), 3);
    assert.equal(back.admit(7, 'warning'), false);
    assert.equal(back.admit(8, 'warning'), true);
  });
});
