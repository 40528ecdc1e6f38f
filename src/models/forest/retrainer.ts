import { performance } from 'node:perf_hooks';
import { fitForest, type FitJob } from './fit-forest.js';
import type { ForestArrays } from './forest-arrays.js';

/** What a fit came to. `fitMs` is wall time in whichever thread ran it. */
export type FitOutcome =
  | { readonly ok: true; readonly forest: ForestArrays; readonly fitMs: number }
  | { readonly ok: false; readonly error: string; readonly fitMs: number };

export type RetrainMode = 'sync' | 'worker';

/**
 * Runs forest fits for ForestModels. `submit` never blocks on a fit in worker mode; in sync mode the
 * fit runs inline and `done` is called before `submit` returns, so runs are reproducible.
 */
export interface Retrainer {
  readonly mode: RetrainMode;
  /**
   * Queues a fit for `owner`, replacing a job of the same owner that has not started (the latest
   * wins). `done` is called once with the outcome, unless the job is replaced or cancelled first.
   * false when the job was refused (queue full): the owner asks again at its next retrain point.
   * The job's arrays may be transferred to another thread: the caller must not use them afterwards.
   */
  submit(owner: object, job: FitJob, done: (outcome: FitOutcome) => void): boolean;
  /** Drops the owner's queued job and ignores the result of its running one. */
  cancel(owner: object): void;
}

/** Fits, catching everything: a failed fit is an outcome, never an exception. */
export function runFit(job: FitJob, fit: (job: FitJob) => ForestArrays = fitForest): FitOutcome {
  const t0 = performance.now();
  try {
    const forest = fit(job);
    return { ok: true, forest, fitMs: performance.now() - t0 };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e), fitMs: performance.now() - t0 };
  }
}

/** The fit runs inline at the retrain point: deterministic, for backtests and tests. */
export class SyncRetrainer implements Retrainer {
  readonly mode = 'sync';

  constructor(private readonly fit: (job: FitJob) => ForestArrays = fitForest) {}

  submit(_owner: object, job: FitJob, done: (outcome: FitOutcome) => void): boolean {
    done(runFit(job, this.fit));
    return true;
  }

  cancel(_owner: object): void {}
}
