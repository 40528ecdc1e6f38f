import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { erf, erfc, normalCdf } from '../../src/models/index.js';

// Reference values: CPython 3.11 math.erf / math.erfc (correctly rounded or within 1 ulp on these).
const REFERENCE: readonly [number, number, number][] = [
  [0, 0, 1],
  [0.1, 0.1124629160182849, 0.8875370839817152],
  [0.3, 0.3286267594591274, 0.6713732405408726],
  [0.46875, 0.49261347321793797, 0.507386526782062],
  [0.5, 0.5204998778130465, 0.4795001221869535],
  [1, 0.8427007929497149, 0.15729920705028513],
  [1.5, 0.9661051464753108, 0.033894853524689274],
  [2, 0.9953222650189527, 0.004677734981047265],
  [3, 0.9999779095030014, 2.2090496998585438e-5],
  [4, 0.9999999845827421, 1.541725790028002e-8],
  [4.5, 0.9999999998033839, 1.9661604415428873e-10],
  [6, 1, 2.1519736712498916e-17],
  [10, 1, 2.088487583762545e-45],
  [-0.2, -0.22270258921047847, 1.2227025892104786],
  [-1, -0.8427007929497149, 1.842700792949715],
  [-3, -0.9999779095030014, 1.9999779095030015],
  [-5, -0.9999999999984626, 1.9999999999984626],
];

const close = (actual: number, expected: number, rel: number, what: string) => {
  const err = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(err <= rel, `${what}: got ${actual}, expected ${expected} (relative error ${err})`);
};

describe("erf, erfc (Cody's rational approximations)", () => {
  it('match reference values to ~1e-15 relative, erfc in the far tail too', () => {
    for (const [x, ef, efc] of REFERENCE) {
      close(erf(x), ef, 4e-16, `erf(${x})`);
      close(erfc(x), efc, 2e-15, `erfc(${x})`);
    }
  });

  it('are odd / reflect, saturate without overflow, pass NaN through', () => {
    for (const x of [0.01, 0.4, 0.47, 0.9, 2.5, 3.99, 4.01, 7]) {
      assert.equal(erf(-x), -erf(x));
      close(erfc(-x), 2 - erfc(x), 1e-16, `erfc(-${x})`);
    }
    assert.equal(erfc(27), 0);
    assert.equal(erfc(Infinity), 0);
    assert.equal(erfc(-Infinity), 2);
    assert.equal(erf(Infinity), 1);
    assert.ok(Number.isNaN(erf(NaN)) && Number.isNaN(erfc(NaN)));
  });

  it('normalCdf gives the textbook quantiles and keeps precision in the lower tail', () => {
    close(normalCdf(1.96), 0.9750021048517795, 1e-15, 'Phi(1.96)');
    assert.equal(normalCdf(0), 0.5);
    close(normalCdf(-5), 2.866515718791946e-7, 1e-14, 'Phi(-5)');
    close(normalCdf(-12), 1.776482112077702e-33, 1e-13, 'Phi(-12)');
    assert.equal(normalCdf(Infinity), 1);
    assert.equal(normalCdf(-Infinity), 0);
  });
});
