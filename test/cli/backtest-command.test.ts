import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BacktestReport } from '../../src/models/backtest/index.js';
import { aucExact, brier, directionHit, logLoss, normalCdf } from '../../src/models/index.js';
import { NO_SHARED_DATA, sharedData, tempDir } from '../helpers.js';
import { backtest, writeBacktest } from '../../src/cli/commands/backtest.js';
import { resolveConfig } from '../../src/cli/config.js';
import { cliResult } from './e2e-helpers.js';

const DAYS = 3;

/** The first days of a real kline month, under a name that keeps the instrument detectable. */
function excerpt(dir: string): { file: string; closes: Map<number, number> } {
  const month = sharedData('binance-klines-1m/LTCUSDT-1m-2026-02.csv') ?? '';
  const lines = readFileSync(month, 'utf8')
    .split('\n')
    .slice(0, 1 + DAYS * 1440);
  const file = join(dir, 'LTCUSDT-1m-2026-02.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  // bars exist for minutes that traded: their closes, straight from the file
  const closes = new Map<number, number>();
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    if (Number(f[8]) > 0) closes.set(Number(f[0]), Number(f[4]));
  }
  return { file, closes };
}

const close = (a: number, b: number, rel = 1e-9): boolean => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300);

test(
  'backtest on 3 days of real 1m klines: report files, metrics that recompute from the steps, the same report twice',
  { skip: NO_SHARED_DATA, timeout: 120_000 },
  async () => {
    const input = tempDir();
    const outA = tempDir();
    const outB = tempDir();
    try {
      const { file, closes } = excerpt(input.dir);
      const a = await cliResult(['backtest', file, '--interval', '1m', '--models', 'rls,logistic', '--out', outA.dir, '--steps']);
      assert.equal(a.code, 0, a.stderr);
      // the second run in this process, through the command's own functions: the same report either way
      writeBacktest(await backtest([file], resolveConfig('backtest', { models: 'rls,logistic' }, {}), { interval: '1m' }), outB.dir);
      assert.match(a.stdout, /binance:LTCUSDT 1m: 4,320 bars, \d[\d,]* steps scored/);
      assert.match(a.stdout, /verdict: /);
      for (const f of ['backtest.md', 'backtest.json', 'binance_LTCUSDT.svg', 'binance_LTCUSDT.steps.csv']) {
        assert.ok(existsSync(join(outA.dir, f)), f);
      }
      assert.ok(!existsSync(join(outB.dir, 'binance_LTCUSDT.steps.csv')), '--steps is opt-in');

      const report = JSON.parse(readFileSync(join(outA.dir, 'backtest.json'), 'utf8')) as BacktestReport;
      assert.equal(report.interval, '1m');
      assert.deepEqual(report.models, ['zero', 'drift', 'sign-persistence', 'rls', 'logistic']);
      assert.equal(report.inputs[0]?.format, 'binance-klines');
      const s = report.series[0];
      assert.ok(s);
      assert.equal(report.series.length, 1);
      assert.equal(s.instrument, 'binance:LTCUSDT');
      assert.equal(s.bars, closes.size);

      // Independent of the pipeline: the random walk's RMSE is sqrt(mean(y^2)) of the kline closes' log returns.
      const times = [...closes.keys()];
      const first = Date.parse(s.firstStep ?? '');
      const ys: number[] = [];
      for (let i = 1; i < times.length; i++) {
        const t = times[i] ?? 0;
        if (t >= first) ys.push(Math.log((closes.get(t) ?? NaN) / (closes.get(times[i - 1] ?? 0) ?? NaN)));
      }
      assert.equal(s.steps, ys.length);
      const zero = s.models.find((m) => m.model === 'zero');
      assert.ok(zero?.rmse !== null && zero?.rmse !== undefined);
      assert.ok(close(zero.rmse, Math.sqrt(ys.reduce((acc, y) => acc + y * y, 0) / ys.length)), 'random walk RMSE');

      // Every model's metrics and DM test, recomputed from the per-step forecasts.
      const csv = readFileSync(join(outA.dir, 'binance_LTCUSDT.steps.csv'), 'utf8').trim().split('\n');
      const head = (csv[0] ?? '').split(',');
      const rows = csv.slice(1).map((l) => l.split(','));
      assert.equal(rows.length, s.steps);
      const col = (name: string): number[] => {
        const k = head.indexOf(name);
        assert.ok(k >= 0, name);
        return rows.map((r) => (r[k] === '' ? NaN : Number(r[k])));
      };
      const y = col('return');
      y.forEach((v, i) => assert.equal(v, ys[i], `realized return of step ${i}`));
      const seZero = y.map((v) => v * v);
      for (const m of s.models) {
        const ret = col(`${m.model}.return`);
        const p = col(`${m.model}.p_up`);
        const n = ret.filter((r) => !Number.isNaN(r)).length;
        assert.equal(m.steps, n, m.model);
        let sse = 0;
        let sae = 0;
        let hits = 0;
        let hitN = 0;
        let ll = 0;
        let bs = 0;
        const se: number[] = [];
        y.forEach((v, i) => {
          const r = ret[i] ?? NaN;
          const e = v - r;
          se.push(e * e);
          if (Number.isNaN(r)) return;
          sse += e * e;
          sae += Math.abs(e);
          const h = directionHit(r, v);
          if (!Number.isNaN(h)) {
            hits += h;
            hitN++;
          }
          ll += logLoss(p[i] ?? NaN, v > 0 ? 1 : 0);
          bs += brier(p[i] ?? NaN, v > 0 ? 1 : 0);
        });
        assert.ok(close(m.rmse ?? NaN, Math.sqrt(sse / n)), `${m.model} RMSE`);
        assert.ok(close(m.mae ?? NaN, sae / n), `${m.model} MAE`);
        assert.ok(close(m.directionalAccuracy ?? NaN, hits / hitN), `${m.model} directional accuracy`);
        assert.ok(close(m.logLoss ?? NaN, ll / n), `${m.model} log loss`);
        assert.ok(close(m.brier ?? NaN, bs / n), `${m.model} Brier`);
        // the pipeline's AUC is binned (256 bins): within a hundredth of the exact one
        const exact = aucExact(
          p,
          y.map((v) => (v > 0 ? 1 : 0)),
        );
        assert.ok(Math.abs((m.auc ?? NaN) - exact) < 0.01, `${m.model} AUC ${m.auc} vs exact ${exact}`);
        if (m.model === 'zero') continue;
        assert.ok(close(m.rmseVsRandomWalkPct ?? NaN, 100 * (Math.sqrt(sse / n) / (zero.rmse ?? NaN) - 1), 1e-6), `${m.model} vs RW`);
        // DM with h = 1: mean(d) / sqrt(var(d) / n), d = model's squared error - the random walk's
        const d = se.map((v, i) => v - (seZero[i] ?? NaN)).filter((v) => !Number.isNaN(v));
        const mean = d.reduce((acc, v) => acc + v, 0) / d.length;
        const variance = d.reduce((acc, v) => acc + (v - mean) ** 2, 0) / d.length;
        const stat = mean / Math.sqrt(variance / d.length);
        assert.ok(close(m.dm?.statistic ?? NaN, stat, 1e-6), `${m.model} DM ${m.dm?.statistic} vs ${stat}`);
        assert.ok(close(m.dm?.pValue ?? NaN, normalCdf(stat), 1e-6), `${m.model} p`);
        assert.equal(m.beatsRandomWalk, normalCdf(stat) < 0.05 && mean < 0);
      }
      const beat = s.models.filter((m) => m.beatsRandomWalk);
      if (beat.length === 0) assert.match(s.verdict, /^no model beats the random walk at the 5% level/);
      else assert.match(s.verdict, /beats? the random walk at the 5% level/);

      // Deterministic: the same input gives the same report, but for the line that says when.
      const reportB = JSON.parse(readFileSync(join(outB.dir, 'backtest.json'), 'utf8')) as BacktestReport;
      assert.deepEqual({ ...reportB, generatedAt: '' }, { ...report, generatedAt: '' });
      const md = (dir: string): string =>
        readFileSync(join(dir, 'backtest.md'), 'utf8')
          .split('\n')
          .filter((l) => !l.startsWith('Generated '))
          .join('\n');
      assert.equal(md(outB.dir), md(outA.dir));
      assert.equal(
        readFileSync(join(outB.dir, 'binance_LTCUSDT.svg'), 'utf8'),
        readFileSync(join(outA.dir, 'binance_LTCUSDT.svg'), 'utf8'),
      );
      assert.match(md(outA.dir), /\| zero \(random walk\) \| /);
      assert.match(md(outA.dir), /!\[binance:LTCUSDT: [^\]]*\]\(binance_LTCUSDT\.svg\)/);
    } finally {
      input.cleanup();
      outA.cleanup();
      outB.cleanup();
    }
  },
);

test(
  'backtest: bad interval, unknown model and missing file give a code, a message and the exit code',
  { skip: NO_SHARED_DATA, timeout: 120_000 },
  async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = sharedData('kaggle-daily/coin_Bitcoin.csv') ?? '';
      const [interval, model, missing] = await Promise.all([
        cliResult(['backtest', file, '--interval', '7x', '--out', dir]),
        cliResult(['backtest', file, '--interval', '1d', '--models', 'rls,oracle', '--out', dir]),
        cliResult(['backtest', join(dir, 'nope.csv'), '--interval', '1d', '--out', dir]),
      ]);
      assert.equal(interval.code, 2);
      assert.match(interval.stderr, /tickflow: error USAGE: --interval '7x': unknown interval '7x'/);
      assert.equal(model.code, 2);
      assert.match(
        model.stderr,
        /tickflow: error CONFIG_INVALID: --models: 'rls,oracle' unknown model 'oracle' \(known: zero, drift, sign-persistence, rls, logistic/,
      );
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /tickflow: error IO: input file not found: .*nope\.csv/);
      assert.ok(!existsSync(join(dir, 'backtest.json')), 'nothing written on an error');
    } finally {
      cleanup();
    }
  },
);
