import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isTickflowError } from '../../../src/core/index.js';
import { Prequential, ZeroReturn, modelFromJSON } from '../../../src/models/index.js';
import {
  ForestModel,
  SyncRetrainer,
  WorkerRetrainer,
  fitForest,
  type FitJob,
  type ForestEvent,
  type ForestOptions,
} from '../../../src/models/forest/index.js';
import { Prng } from '../../../src/sources/prng.js';
import { waitFor } from '../../helpers.js';

const DIM = 4;

/**
 * A signal no linear model can fit: the sign of x0 sets the level, a large |x1| adds to it, x2 and
 * x3 are noise features. Seeded.
 */
function nonlinear(n: number, seed: number, sigma = 0.3): { xs: Float64Array[]; ys: number[] } {
  const rng = new Prng(seed);
  const xs: Float64Array[] = [];
  const ys: number[] = [];
  for (let t = 0; t < n; t++) {
    const x = new Float64Array(DIM);
    for (let i = 0; i < DIM; i++) x[i] = rng.normal();
    const x0 = x[0] ?? 0;
    const x1 = x[1] ?? 0;
    xs.push(x);
    ys.push((x0 > 0 ? 0.5 : -0.5) + (Math.abs(x1) > 1 ? 0.6 : 0) + sigma * rng.normal());
  }
  return { xs, ys };
}

// Small settings keep each fit well under a second (ml-cart's split search is quadratic in rows).
const SMALL: ForestOptions = {
  dim: DIM,
  window: 300,
  minRows: 150,
  retrainEvery: 100,
  trial: 0,
  trees: 6,
  maxDepth: 4,
  minSplit: 10,
  features: 2,
};

function sync(extra: Partial<ForestOptions> = {}): ForestModel {
  return new ForestModel({ ...SMALL, mode: 'sync', ...extra });
}

function feed(m: ForestModel, xs: readonly Float64Array[], ys: readonly number[], from = 0, to = xs.length): void {
  for (let t = from; t < to; t++) m.update(xs[t] as Float64Array, ys[t] as number);
}

describe('ForestModel (sync mode)', () => {
  it('learns a nonlinear signal: lower out-of-sample RMSE than the random walk', () => {
    const { xs, ys } = nonlinear(700, 1);
    const forest = sync();
    const pq = new Prequential([new ZeroReturn(), forest]);
    pq.forecast(xs[0] as Float64Array);
    for (let t = 0; t + 1 < xs.length; t++) pq.step(ys[t] as number, xs[t + 1] as Float64Array);
    const [zero, f] = pq.report();
    assert.ok(zero !== undefined && f !== undefined);
    // scored only from its first version on, on labels it had not seen when it forecast them
    assert.ok(f.cumulative.n > 0 && f.cumulative.n < zero.cumulative.n, `forest scored on ${f.cumulative.n} steps`);
    assert.ok(f.cumulative.rmse < 0.75 * zero.cumulative.rmse, `forest RMSE ${f.cumulative.rmse} vs random walk ${zero.cumulative.rmse}`);
    assert.ok(f.cumulative.directionalAccuracy > 0.75, `direction ${f.cumulative.directionalAccuracy}`);
  });

  it('forecasts nothing until the first version, then refits every retrainEvery labels', () => {
    const { xs, ys } = nonlinear(420, 2);
    const events: ForestEvent[] = [];
    const m = sync({ onEvent: (e) => events.push(e) });
    feed(m, xs, ys, 0, 149);
    assert.equal(m.predict(xs[0] as Float64Array), null);
    assert.equal(m.version, 0);
    feed(m, xs, ys, 149, 150); // minRows reached: fitted inline
    assert.equal(m.version, 1);
    assert.equal(m.trainedRows, 150);
    assert.equal(m.trainedAt, 150);
    assert.deepEqual(m.servingVersion, { version: 1, firstRow: 1, lastRow: 150, rows: 150, arrivedAt: 150 });
    const f = m.predict(xs[0] as Float64Array);
    assert.ok(f !== null && Number.isFinite(f.return) && f.pUp > 0 && f.pUp < 1);
    feed(m, xs, ys, 150, 249);
    assert.equal(m.version, 1);
    feed(m, xs, ys, 249, 250);
    assert.equal(m.version, 2);
    feed(m, xs, ys, 250, 420);
    // a full window: rows 51..350 at the third fit
    assert.equal(m.version, 3);
    assert.deepEqual(m.servingVersion, { version: 3, firstRow: 51, lastRow: 350, rows: 300, arrivedAt: 350 });
    assert.deepEqual(
      events.filter((e) => e.type === 'promoted').map((e) => e.version.version),
      [1, 2, 3],
    );
    assert.ok(events.every((e) => e.type !== 'failed'));
  });

  it('toJSON -> modelFromJSON continues bit for bit', () => {
    const { xs, ys } = nonlinear(650, 3);
    const a = sync({ trial: 30 });
    feed(a, xs, ys, 0, 380); // mid-trial: a candidate on trial and a serving version
    const saved = JSON.parse(JSON.stringify(a.toJSON())) as unknown;
    const b = modelFromJSON(saved);
    assert.ok(b instanceof ForestModel);
    assert.equal(b.mode, 'sync');
    assert.deepEqual(b.toJSON(), a.toJSON());
    for (let t = 380; t < 650; t++) {
      const x = xs[t] as Float64Array;
      assert.deepEqual(b.predict(x), a.predict(x), `forecast at ${t}`);
      a.update(x, ys[t] as number);
      b.update(x, ys[t] as number);
    }
    assert.deepEqual(b.toJSON(), a.toJSON());
    assert.ok(a.version >= 3);
  });

  it('keeps the window and both versions in a state of reasonable size', () => {
    const { xs, ys } = nonlinear(300, 4);
    const m = sync();
    feed(m, xs, ys);
    const bytes = JSON.stringify(m.toJSON()).length;
    // 300 rows x 5 float64 as base64 = 16 kB, plus 6 trees
    assert.ok(bytes < 40_000, `${bytes} bytes`);
  });

  it('puts a new version on trial: it serves only if it forecast the trial labels at least as well', () => {
    const { xs, ys } = nonlinear(600, 5);
    const events: ForestEvent[] = [];
    const m = sync({ trial: 40, onEvent: (e) => events.push(e) });
    feed(m, xs, ys, 0, 250);
    assert.equal(m.version, 1);
    assert.equal(m.candidateVersion?.version, 2);
    feed(m, xs, ys, 250, 289);
    assert.equal(m.version, 1, 'the serving version does not change during the trial');
    feed(m, xs, ys, 289, 290);
    assert.equal(m.candidateVersion, null);
    const decided = events.find((e) => (e.type === 'promoted' || e.type === 'rejected') && e.version.version === 2);
    assert.ok(decided !== undefined && (decided.type === 'promoted' || decided.type === 'rejected'));
    assert.ok(decided.trial !== null);
    assert.equal(decided.trial.n, 40);
    const won = decided.trial.sseCandidate <= decided.trial.sseServing;
    assert.equal(decided.type, won ? 'promoted' : 'rejected');
    assert.equal(m.version, won ? 2 : 1);
    feed(m, xs, ys, 290, 600);
    const outcomes = events.filter((e) => e.type === 'promoted' || e.type === 'rejected');
    assert.equal(outcomes.length, 5, 'versions 1 (at once) and 2..5 (after their trials)');
  });

  it('quarantines on a non-finite label or feature, forecasts nothing, and reset lifts it', () => {
    const { xs, ys } = nonlinear(200, 6);
    for (const bad of ['label', 'feature'] as const) {
      const m = sync();
      feed(m, xs, ys, 0, 160);
      const before = JSON.stringify(m.toJSON());
      if (bad === 'label') m.update(xs[160] as Float64Array, NaN);
      else m.update(new Float64Array([0, NaN, 0, 0]), 0.1);
      assert.ok(m.quarantined);
      assert.match(m.quarantineReason ?? '', /non-finite/);
      assert.equal(m.predict(xs[0] as Float64Array), null);
      const after = m.toJSON();
      assert.equal(JSON.stringify({ ...after, quarantineReason: null }), before);
      m.update(xs[161] as Float64Array, ys[161] as number); // ignored
      assert.equal(m.updates, 160);
      m.reset();
      assert.ok(!m.quarantined);
      assert.equal(m.version, 0);
      assert.equal(m.rows, 0);
    }
    // a non-finite x at predict time is no forecast, not a quarantine
    const m = sync();
    feed(m, xs, ys, 0, 160);
    assert.equal(m.predict(new Float64Array([Infinity, 0, 0, 0])), null);
    assert.ok(!m.quarantined);
  });

  it('keeps the serving version when a fit fails, and counts the failure', () => {
    const { xs, ys } = nonlinear(400, 7);
    let calls = 0;
    const failing = new SyncRetrainer((job: FitJob) => {
      if (++calls === 2) throw new Error('injected');
      return fitForest(job);
    });
    const events: ForestEvent[] = [];
    const m = new ForestModel({ ...SMALL, retrainer: failing, onEvent: (e) => events.push(e) });
    feed(m, xs, ys, 0, 250);
    assert.equal(m.version, 1);
    assert.equal(m.failedFits, 1);
    const failed = events.find((e) => e.type === 'failed');
    assert.ok(failed?.type === 'failed' && failed.error === 'injected');
    assert.ok(m.predict(xs[0] as Float64Array) !== null);
    feed(m, xs, ys, 250, 350);
    assert.equal(m.version, 2, 'the next fit is numbered after the last good one');
  });

  it('refuses bad settings and malformed state', () => {
    assert.throws(
      () => new ForestModel({ dim: 4, minRows: 500, window: 300, mode: 'sync' }),
      (e) => isTickflowError(e) && e.code === 'CONFIG_INVALID',
    );
    assert.throws(
      () => new ForestModel({ dim: 4, trial: 200, retrainEvery: 200, mode: 'sync' }),
      (e) => isTickflowError(e) && e.code === 'CONFIG_INVALID',
    );
    const { xs, ys } = nonlinear(200, 8);
    const m = sync();
    feed(m, xs, ys);
    const s = m.toJSON();
    const malformed = (e: unknown) => isTickflowError(e) && e.code === 'MALFORMED';
    assert.throws(() => ForestModel.fromJSON({ ...s, x: s.x.slice(0, 100) }), malformed);
    const forest = s.serving?.forest;
    assert.ok(forest !== undefined);
    assert.throws(
      () => ForestModel.fromJSON({ ...s, serving: { ...s.serving, forest: { ...forest, left: forest.left.map(() => 0) } } }),
      malformed,
    );
    const nan = Buffer.alloc(8);
    nan.writeDoubleLE(NaN);
    const y = Buffer.from(s.y, 'base64');
    nan.copy(y, 0);
    assert.throws(() => ForestModel.fromJSON({ ...s, y: y.toString('base64') }), malformed);
  });
});

describe('ForestModel (worker mode)', () => {
  const retrainers: WorkerRetrainer[] = [];
  after(async () => {
    for (const r of retrainers) await r.close();
  });
  function worker(entry?: URL): WorkerRetrainer {
    const r = new WorkerRetrainer(entry === undefined ? {} : { entry });
    retrainers.push(r);
    return r;
  }
  // one worker for the tests that need nothing special of it: each start loads the fit code anew
  let common: WorkerRetrainer | undefined;
  const shared = (): WorkerRetrainer => (common ??= worker());

  it('never waits for a fit: updates go on, the old version serves until the new one arrives', async () => {
    const { xs, ys } = nonlinear(400, 9);
    const events: ForestEvent[] = [];
    const m = new ForestModel({ ...SMALL, retrainer: shared(), onEvent: (e) => events.push(e) });
    assert.equal(m.mode, 'worker');
    feed(m, xs, ys, 0, 150);
    // the fit runs on the worker; nothing can arrive before this thread yields
    assert.ok(m.fitPending);
    assert.equal(m.version, 0);
    feed(m, xs, ys, 150, 200);
    assert.equal(m.updates, 200);
    assert.equal(m.predict(xs[0] as Float64Array), null);
    await waitFor(() => m.predict(xs[0] as Float64Array) !== null, 20_000, 'the first version');
    assert.equal(m.version, 1);
    assert.equal(m.servingVersion?.lastRow, 150);
    assert.equal(m.servingVersion?.arrivedAt, 200, 'installed at the first call after it arrived');
    const v1 = m.predict(xs[1] as Float64Array);
    feed(m, xs, ys, 200, 260); // the second fit is asked for at 250
    assert.ok(m.fitPending);
    assert.equal(m.version, 1);
    assert.deepEqual(m.predict(xs[1] as Float64Array), v1, 'version 1 still serves');
    await waitFor(() => (m.predict(xs[1] as Float64Array), m.version === 2), 20_000, 'the second version');
    assert.equal(m.servingVersion?.lastRow, 250);
    const fitted = events.filter((e) => e.type === 'fitted');
    assert.equal(fitted.length, 2);
    assert.ok(fitted.every((e) => e.type === 'fitted' && e.fitMs > 0));
  });

  it('keeps the old version when a fit throws in the worker or the worker dies, and goes on', async () => {
    const { xs, ys } = nonlinear(700, 10);
    const r = worker(new URL('./faulty-fit-worker.ts', import.meta.url));
    const events: ForestEvent[] = [];
    const m = new ForestModel({ ...SMALL, retrainer: r, onEvent: (e) => events.push(e) });
    const poke = () => m.predict(xs[0] as Float64Array);
    feed(m, xs, ys, 0, 150);
    await waitFor(() => (poke(), m.version === 1), 20_000, 'version 1');
    feed(m, xs, ys, 150, 250); // job 2 throws
    await waitFor(() => (poke(), m.failedFits === 1), 20_000, 'the failure');
    assert.equal(m.version, 1);
    assert.ok(poke() !== null);
    feed(m, xs, ys, 250, 350); // job 3 kills the worker thread
    await waitFor(() => (poke(), m.failedFits === 2), 20_000, 'the worker death');
    assert.equal(m.version, 1);
    const failures = events.filter((e) => e.type === 'failed').map((e) => (e.type === 'failed' ? e.error : ''));
    assert.match(failures[0] ?? '', /injected fit failure/);
    assert.match(failures[1] ?? '', /retrain worker exited/);
    feed(m, xs, ys, 350, 450); // a fresh worker fits again
    await waitFor(() => (poke(), m.version === 2), 20_000, 'version 2 from a restarted worker');
    assert.equal(r.stats.workerStarts, 2);
    assert.equal(m.servingVersion?.lastRow, 450);
  });

  it('asks again after a restore for a fit that was pending at the checkpoint', async () => {
    const { xs, ys } = nonlinear(300, 11);
    const r = shared();
    const a = new ForestModel({ ...SMALL, retrainer: r });
    feed(a, xs, ys, 0, 150);
    const s = a.toJSON();
    assert.equal(s.pending, true);
    assert.equal(s.serving, null);
    const b = ForestModel.fromJSON(JSON.parse(JSON.stringify(s)), { retrainer: r });
    assert.ok(!b.fitPending);
    b.update(xs[150] as Float64Array, ys[150] as number);
    assert.ok(b.fitPending);
    await waitFor(() => (b.predict(xs[0] as Float64Array), b.version === 1), 20_000, 'the re-asked fit');
    assert.equal(b.servingVersion?.lastRow, 151);
  });

  it('queues one job per model: a newer one replaces the one waiting; a full queue refuses', async () => {
    const r = new WorkerRetrainer({ maxQueue: 2 });
    retrainers.push(r);
    const { xs, ys } = nonlinear(150, 12);
    const x = new Float64Array(xs.flatMap((v) => Array.from(v)));
    const y = Float64Array.from(ys);
    const params = { trees: 4, maxDepth: 3, minSplit: 10, features: 2 };
    const job = (seed: number): FitJob => ({ dim: DIM, x: x.slice(), y: y.slice(), params, seed });
    const done: string[] = [];
    const a = {};
    const b = {};
    r.submit(a, job(1), () => done.push('a1')); // starts at once
    r.submit(b, job(2), () => done.push('b2'));
    r.submit(a, job(3), () => done.push('a3'));
    r.submit(a, job(4), () => done.push('a4')); // replaces a3, keeps its place
    assert.equal(r.queued, 2);
    assert.equal(
      r.submit({}, job(5), () => done.push('c5')),
      false,
    );
    assert.equal(r.stats.refused, 1);
    await waitFor(() => done.length === 3, 20_000, 'three fits');
    assert.deepEqual(done, ['a1', 'b2', 'a4']);
    assert.equal(r.stats.replaced, 1);
  });
});
