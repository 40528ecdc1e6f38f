import { extname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { TickflowError } from '../../core/index.js';
import { startWorkerThread } from '../../core/worker-thread.js';
import type { FitJob } from './fit-forest.js';
import type { FitOutcome, Retrainer } from './retrainer.js';
import type { FitRequestMessage } from './serve-fits.js';

export interface WorkerRetrainerOptions {
  /** Jobs waiting (one per model at most). A job past it is refused and asked for again later. Default 1024. */
  readonly maxQueue?: number;
  /** Worker entry module; default retrain-worker next to this file (tests swap in one that fails). */
  readonly entry?: URL;
}

interface Waiting {
  readonly job: FitJob;
  readonly done: (outcome: FitOutcome) => void;
}

interface Running extends Waiting {
  readonly owner: object;
  readonly id: number;
  cancelled: boolean;
}

const isOutcome = (m: unknown): m is FitOutcome & { id: number } =>
  typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'number' && typeof (m as { ok?: unknown }).ok === 'boolean';

/**
 * Fits on one worker thread shared by every ForestModel that uses it, one job at a time, from a
 * FIFO queue that holds at most one job per model (a newer job replaces the waiting one). The
 * window snapshot is transferred, not copied; the fitted forest comes back as JSON. The worker is
 * started on the first job, runs at a lower priority (nice 10 on Linux, see serve-fits.ts), is
 * unref'd (a fit in progress does not keep the process alive), and is started again after it dies:
 * the job it was running fails, the queue goes on.
 */
export class WorkerRetrainer implements Retrainer {
  readonly mode = 'worker';
  readonly maxQueue: number;
  private readonly entry: URL | undefined;
  private worker: Worker | undefined;
  private readonly queue = new Map<object, Waiting>();
  private running: Running | undefined;
  private nextId = 1;
  private closed = false;
  /** Counters since start. */
  readonly stats = { submitted: 0, completed: 0, failed: 0, replaced: 0, refused: 0, workerStarts: 0 };

  constructor(options: WorkerRetrainerOptions = {}) {
    this.maxQueue = options.maxQueue ?? 1024;
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 1)
      throw new TickflowError('CONFIG_INVALID', `retrainer maxQueue must be a positive integer, got ${this.maxQueue}`);
    this.entry = options.entry;
  }

  /** Jobs waiting, not counting the one running. */
  get queued(): number {
    return this.queue.size;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  submit(owner: object, job: FitJob, done: (outcome: FitOutcome) => void): boolean {
    if (this.closed) return false;
    if (this.queue.has(owner)) {
      this.stats.replaced++;
      this.queue.set(owner, { job, done }); // keeps its place in line
    } else if (this.queue.size >= this.maxQueue) {
      this.stats.refused++;
      return false;
    } else {
      this.queue.set(owner, { job, done });
    }
    this.stats.submitted++;
    this.pump();
    return true;
  }

  cancel(owner: object): void {
    this.queue.delete(owner);
    if (this.running?.owner === owner) this.running.cancelled = true;
  }

  /** Stops the worker; waiting jobs are dropped without a call to `done`. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.clear();
    if (this.running !== undefined) this.running.cancelled = true;
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) await w.terminate();
  }

  private pump(): void {
    if (this.running !== undefined || this.closed) return;
    const next = this.queue.entries().next();
    if (next.done === true) return;
    const [owner, waiting] = next.value;
    this.queue.delete(owner);
    const run: Running = { ...waiting, owner, id: this.nextId++, cancelled: false };
    this.running = run;
    const msg: FitRequestMessage = { ...waiting.job, id: run.id };
    try {
      const transfer = [waiting.job.x.buffer, waiting.job.y.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      this.ensureWorker().postMessage(msg, transfer);
    } catch (e) {
      this.finish(run.id, { ok: false, error: `cannot send the fit to the retrain worker: ${(e as Error).message}`, fitMs: 0 });
    }
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = startWorkerThread(this.entry ?? new URL(`./retrain-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url));
    this.stats.workerStarts++;
    w.unref();
    w.on('message', (m: unknown) => {
      if (isOutcome(m))
        this.finish(m.id, m.ok ? { ok: true, forest: m.forest, fitMs: m.fitMs } : { ok: false, error: m.error, fitMs: m.fitMs });
    });
    const died = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      const run = this.running;
      if (run !== undefined) this.finish(run.id, { ok: false, error: `retrain worker ${why}`, fitMs: 0 });
    };
    w.on('error', (e) => died(`failed: ${e.message}`));
    w.on('exit', (code) => died(`exited (code ${code})`));
    this.worker = w;
    return w;
  }

  private finish(id: number, outcome: FitOutcome): void {
    const run = this.running;
    if (run === undefined || run.id !== id) return;
    this.running = undefined;
    if (outcome.ok) this.stats.completed++;
    else this.stats.failed++;
    if (!run.cancelled) {
      try {
        run.done(outcome);
      } catch {
        // a model's callback only stores the outcome; nothing it throws may stop the queue
      }
    }
    this.pump();
  }
}

let shared: WorkerRetrainer | undefined;

/** The process-wide retrainer every worker-mode ForestModel uses unless given its own. */
export function sharedRetrainer(): WorkerRetrainer {
  shared ??= new WorkerRetrainer();
  return shared;
}

/** Stops the process-wide retrainer's worker, if one was started: a command calls it when it is done (a pending fit would otherwise keep the process alive). */
export async function closeSharedRetrainer(): Promise<void> {
  const s = shared;
  shared = undefined;
  await s?.close();
}
