import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  renderMarkdown,
  renderSummaryTable,
  seriesResult,
  type BacktestReport,
  type ScoredSteps,
  type SeriesFinal,
} from '../../../src/models/backtest/index.js';
import { dieboldMariano, type MetricSet, type ModelReport } from '../../../src/models/index.js';

/** A deterministic pseudo-random sequence in (-1, 1). */
function noise(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}

/** Steps where `good` forecasts half of each return and `bad` forecasts it with the wrong sign. */
function synthetic(n: number): ScoredSteps {
  const y = noise(n, 7).map((v) => v * 0.01);
  return {
    instrument: 'test:ABC',
    interval: '1m',
    models: ['zero', 'good', 'bad'],
    bars: n + 1,
    firstBar: 0,
    lastBar: n * 60_000,
    time: y.map((_, i) => (i + 1) * 60_000),
    y,
    ret: [y.map(() => 0), y.map((v) => v / 2), y.map((v) => -v / 4)],
    pUp: [y.map(() => 0.5), y.map((v) => (v > 0 ? 0.6 : 0.4)), y.map((v) => (v > 0 ? 0.45 : 0.55))],
    champion: y.map((_, i) => (i < n / 2 ? 0 : 1)),
  };
}

function metrics(steps: ScoredSteps, m: number): MetricSet {
  const ret = steps.ret[m] ?? [];
  let sse = 0;
  steps.y.forEach((y, i) => (sse += (y - (ret[i] ?? 0)) ** 2));
  const n = steps.y.length;
  return { n, rmse: Math.sqrt(sse / n), mae: NaN, directionalAccuracy: NaN, directionalN: 0, logLoss: NaN, brier: NaN, auc: NaN };
}

function final(steps: ScoredSteps): SeriesFinal {
  const reports: ModelReport[] = steps.models.map((model, m) => ({
    model,
    kind: model,
    quarantined: false,
    quarantineReason: null,
    updates: steps.y.length,
    cumulative: metrics(steps, m),
    rolling: metrics(steps, m),
  }));
  return {
    reports,
    champion: 'good',
    changes: [{ step: 100, from: 'zero', to: 'good', reason: 'dm-test', statistic: 3.2, pValue: 0.0007, n: 100 }],
  };
}

describe('seriesResult', () => {
  const steps = synthetic(400);
  const r = seriesResult(steps, final(steps), 0.05);

  it('tests every model against the random walk on squared error over the whole run', () => {
    const good = r.models.find((m) => m.model === 'good');
    const bad = r.models.find((m) => m.model === 'bad');
    assert.equal(r.models.find((m) => m.model === 'zero')?.dm, null);
    const se = (k: number): number[] => steps.y.map((y, i) => (y - (steps.ret[k]?.[i] ?? 0)) ** 2);
    const expected = dieboldMariano(se(1), se(0), { alternative: 'less' });
    assert.equal(good?.dm?.statistic, expected.statistic);
    assert.equal(good?.dm?.pValue, expected.pValue);
    assert.equal(good?.dm?.n, 400);
    assert.ok(good?.beatsRandomWalk);
    assert.ok((bad?.dm?.statistic ?? 0) > 0);
    assert.equal(bad?.beatsRandomWalk, false);
    // half the return forecast: squared error (y/2)^2 = y^2 / 4, RMSE half the random walk's
    assert.ok(Math.abs((good?.rmseVsRandomWalkPct ?? 0) - -50) < 1e-9);
    assert.ok(Math.abs((bad?.rmseVsRandomWalkPct ?? 0) - 25) < 1e-9);
    assert.deepEqual(r.beatRandomWalk, ['good']);
    assert.deepEqual(r.beatRandomWalkBonferroni, ['good']);
    assert.equal(good?.championSteps, 200);
  });

  it('says in words which model beats the random walk, and whether it survives Bonferroni', () => {
    assert.match(r.verdict, /^good \(RMSE -50\.0 %, DM -\d+\.\d\d, p [\d.e-]+\) beats the random walk at the 5% level/);
    assert.match(r.verdict, /it holds at 5%\/2 \(Bonferroni over the 2 models tested\)/);
  });

  it('says so plainly when nothing beats the random walk', () => {
    const s = {
      ...steps,
      models: ['zero', 'bad'],
      ret: [steps.ret[0] ?? [], steps.ret[2] ?? []],
      pUp: [steps.pUp[0] ?? [], steps.pUp[2] ?? []],
    };
    const v = seriesResult(s, final(s), 0.05);
    assert.deepEqual(v.beatRandomWalk, []);
    assert.match(
      v.verdict,
      /^no model beats the random walk at the 5% level \(one-sided Diebold-Mariano test on squared error over 400 steps\)/,
    );
  });

  it('reports a series too short to score', () => {
    const s: ScoredSteps = { ...steps, bars: 12, time: [], y: [], ret: [[], [], []], pUp: [[], [], []], champion: [] };
    const v = seriesResult(s, final(s), 0.05);
    assert.equal(v.steps, 0);
    assert.match(v.verdict, /^not scored: 12 1m bars/);
  });

  it('maps champion changes to the time of the step and renders Markdown and the terminal table', () => {
    assert.deepEqual(r.championChanges[0], {
      time: new Date(100 * 60_000).toISOString(),
      step: 100,
      from: 'zero',
      to: 'good',
      reason: 'dm-test',
      statistic: 3.2,
      pValue: 0.0007,
      n: 100,
    });
    const report: BacktestReport = {
      tool: 'tickflow backtest',
      version: '0.0.0',
      generatedAt: '2026-01-01T00:00:00.000Z',
      interval: '1m',
      models: steps.models,
      alpha: 0.05,
      evaluation: null,
      inputs: [
        {
          file: 'x.csv',
          format: 'binance-klines',
          instruments: ['test:ABC'],
          trades: 10,
          rejected: 0,
          rejectsByReason: {},
          synthesisWarnings: 0,
        },
      ],
      series: [r],
    };
    const md = renderMarkdown(report);
    assert.match(md, /^# Backtest: next-bar forecasts on 1m bars/);
    assert.match(md, /\| good \| 400 \| .* \| -50\.0 % \| -\d+\.\d\d \| [\d.e-]+ \*\*✓\*\* \| 50\.00 % \|/);
    assert.match(md, /!\[test:ABC: [^\]]*\]\(test_ABC\.svg\)/);
    assert.match(md, /- 1970-01-01 01:40, step 100: zero → good/);
    const table = renderSummaryTable(report);
    assert.match(table, /^test:ABC 1m: 401 bars, 400 steps scored, champion at the end good/);
    assert.match(table, /verdict: good/);
  });
});
