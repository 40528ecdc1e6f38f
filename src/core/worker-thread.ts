import { extname } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';

export interface WorkerThreadOptions {
  /**
   * Most memory the worker's young generation may take (V8's semi-spaces), in MB; V8's own
   * sizing when absent.
   */
  readonly youngGenerationMb?: number;
}

/**
 * Starts the worker module at `entry`. Under tsx (no build step) a worker does not inherit the
 * TypeScript loader, so a tiny bootstrap registers it before importing.
 *
 * bin/tickflow.js runs node with `--max-semi-space-size=32`, for the main thread's throughput.
 * V8 flags hold for every isolate of the process, and that one overrides a worker's
 * `resourceLimits`: each worker got a 64 MB young generation too, all of it resident (the store's
 * worker never had more than 25 MB of it in use). V8 reads the flag only when it creates an
 * isolate's heap, so it is cleared here before a worker starts; the main thread keeps the heap it
 * was created with. (Node keeps V8's flags writable after start-up for `v8.setFlagsFromString`.)
 */
export function startWorkerThread(entry: URL, opts: WorkerThreadOptions = {}): Worker {
  setFlagsFromString('--max-semi-space-size=0');
  const resourceLimits = opts.youngGenerationMb === undefined ? {} : { maxYoungGenerationSizeMb: opts.youngGenerationMb };
  if (extname(entry.pathname) !== '.ts') return new Worker(entry, { resourceLimits });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}
