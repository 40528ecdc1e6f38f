import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cumulativeDifference, niceTicks, renderChart, type ScoredSteps } from '../../../src/models/backtest/index.js';

function steps(n: number): ScoredSteps {
  const y = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 1e-3);
  return {
    instrument: 'binance:LTCUSDT',
    interval: '1m',
    models: ['zero', 'drift', 'rls'],
    bars: n + 80,
    firstBar: 1_769_904_000_000,
    lastBar: 1_769_904_000_000 + (n + 79) * 60_000,
    time: y.map((_, i) => 1_769_904_000_000 + (i + 80) * 60_000),
    y,
    ret: [y.map(() => 0), y.map(() => 1e-4), y.map((v, i) => (i === 5 ? NaN : v / 3))],
    pUp: [y.map(() => 0.5), y.map(() => 0.5), y.map(() => 0.5)],
    champion: y.map(() => 0),
  };
}

describe('renderChart', () => {
  it('is a self-contained SVG with a title, axis labels and a legend entry per model', () => {
    const s = steps(3000);
    const svg = renderChart(s, { notes: { rls: 'RMSE -10 % vs RW' }, changes: [{ step: 1000, to: 'rls' }] });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="960" height="540"/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.ok(svg.includes("<title>binance:LTCUSDT 1m: cumulative squared error minus the random walk's</title>"));
    for (const label of [
      'random walk (zero)',
      '>drift<',
      '>rls<',
      'RMSE -10 % vs RW',
      'champion change',
      'time of the forecast bar (UTC)',
    ]) {
      assert.ok(svg.includes(label), label);
    }
    assert.ok(!svg.includes('NaN'));
    assert.ok(!svg.includes('Infinity'));
    assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
    // thinned to at most two points per bucket (600 buckets) plus the last
    const pts = /<polyline [^>]*points="([^"]*)"/.exec(svg)?.[1]?.split(' ') ?? [];
    assert.ok(pts.length > 100 && pts.length <= 1201, String(pts.length));
    assert.equal(renderChart(s, { notes: { rls: 'RMSE -10 % vs RW' }, changes: [{ step: 1000, to: 'rls' }] }), svg, 'deterministic');
  });

  it('says so when there is nothing to draw', () => {
    const svg = renderChart(steps(1));
    assert.match(svg, /not enough scored steps to draw \(1\)/);
  });
});

describe('cumulativeDifference', () => {
  it('sums the squared-error difference to the random walk, skipping steps the model did not forecast', () => {
    const s = steps(10);
    const c = cumulativeDifference(s, 2);
    let acc = 0;
    s.y.forEach((y, i) => {
      if (i !== 5) acc += (y - y / 3) ** 2 - y * y;
      assert.ok(Math.abs((c[i] ?? NaN) - acc) < 1e-18, `step ${i}`);
    });
    assert.ok((c[9] ?? 0) < 0);
  });
});

describe('niceTicks', () => {
  it('gives round steps covering the range', () => {
    assert.deepEqual(niceTicks(0, 10, 5), { ticks: [0, 2, 4, 6, 8, 10], step: 2 });
    const { ticks, step } = niceTicks(-0.83, 1.9, 6);
    assert.equal(step, 0.5);
    assert.deepEqual(ticks, [-0.5, 0, 0.5, 1, 1.5]);
  });
});
