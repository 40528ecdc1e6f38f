import { platform, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { FitJob } from './fit-forest.js';
import type { ForestArrays } from './forest-arrays.js';
import { runFit } from './retrainer.js';

/** A job as it crosses to the worker: the FitJob plus the id its outcome comes back with. */
export interface FitRequestMessage extends FitJob {
  readonly id: number;
}

/** Nice value of the fitting thread: when cores are short, the stream's thread runs first. */
const FIT_NICE = 10;

/** Answers each FitRequestMessage with `{ id, ...FitOutcome }`, one at a time, in order. */
export function serveFits(fit: (job: FitJob) => ForestArrays): void {
  const port = parentPort;
  if (port === null) throw new Error('serveFits runs in a worker thread');
  // On Linux a nice value belongs to a thread, so this lowers the fits alone; elsewhere it would
  // lower the whole process, so it is left alone there.
  if (platform() === 'linux') {
    try {
      setPriority(FIT_NICE);
    } catch {
      // not permitted here: fits run at the stream's priority
    }
  }
  port.on('message', (m: FitRequestMessage) => {
    port.postMessage({ id: m.id, ...runFit(m, fit) });
  });
}
