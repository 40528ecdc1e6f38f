import { extname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { TickflowError } from '../core/index.js';
import { startWorkerThread } from '../core/worker-thread.js';
import { DuckDbEngine, type EngineLog, type EngineOptions } from './duckdb-engine.js';
import { dispatch, fromWire, toWire, type EngineMethod, type LogMessage, type RpcRequest, type RpcResponse } from './engine-rpc.js';

/** How the `Store` reaches its engine: on a worker thread (default) or in the calling thread. */
export interface EngineTransport {
  call(method: EngineMethod, args: readonly unknown[], transfer?: readonly ArrayBuffer[]): Promise<unknown>;
  /** Ends the transport after the engine closed. */
  shutdown(): Promise<void>;
}

/**
 * In the calling thread: simplest, but DuckDB pulls each 2048-row chunk of a commit through
 * this thread's event loop, so a busy pipeline slows its own commits (one chunk per loop turn).
 */
export class InProcessTransport implements EngineTransport {
  private engine: DuckDbEngine | undefined;

  constructor(private readonly log: EngineLog) {}

  async call(method: EngineMethod, args: readonly unknown[]): Promise<unknown> {
    if (method === 'open') {
      this.engine = await DuckDbEngine.open(args[0] as EngineOptions, this.log);
      return undefined;
    }
    if (this.engine === undefined) throw new TickflowError('STORE', 'store is not open');
    try {
      return await dispatch(this.engine, method, args);
    } catch (e) {
      // Same errors as across the worker boundary.
      throw fromWire(toWire(e));
    }
  }

  async shutdown(): Promise<void> {}
}

const isResponse = (m: unknown): m is RpcResponse => typeof m === 'object' && m !== null && 'id' in m && 'ok' in m;
const isLog = (m: unknown): m is LogMessage => typeof m === 'object' && m !== null && 'log' in m;

/**
 * On a worker thread: the pipeline's thread only packs columns and transfers them; DuckDB
 * and the scan that feeds it run beside it. The worker is unref'd while idle, so a store
 * that is never closed does not keep the process alive (commits are durable at COMMIT).
 */
export class WorkerTransport implements EngineTransport {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  private dead: TickflowError | undefined;

  constructor(log: EngineLog) {
    this.worker = startWorker();
    this.worker.unref();
    this.worker.on('message', (m: unknown) => {
      if (isLog(m)) log(m.log.level, m.log.obj, m.log.msg);
      else if (isResponse(m)) this.settle(m);
    });
    this.worker.on('error', (e) => this.fail(new TickflowError('STORE', `store worker failed: ${e.message}`, { cause: e })));
    this.worker.on('exit', (code) => this.fail(new TickflowError('STORE', `store worker exited (code ${code})`)));
  }

  private settle(m: RpcResponse): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.ok) p.resolve(m.value);
    else p.reject(fromWire(m.error));
  }

  private fail(e: TickflowError): void {
    this.dead ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  call(method: EngineMethod, args: readonly unknown[], transfer: readonly ArrayBuffer[] = []): Promise<unknown> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    const id = this.nextId++;
    const req: RpcRequest = { id, method, args };
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage(req, [...transfer]);
      } catch (e) {
        this.pending.delete(id);
        if (this.pending.size === 0) this.worker.unref();
        reject(new TickflowError('STORE', `cannot send ${method} to the store worker: ${(e as Error).message}`, { cause: e }));
      }
    });
  }

  async shutdown(): Promise<void> {
    this.dead ??= new TickflowError('STORE', 'store is closed');
    await this.worker.terminate();
  }
}

/**
 * Starts duckdb-worker next to this file. Its JavaScript is an RPC loop around DuckDB's native
 * engine: 8 MB of young generation is plenty (a replay of a month of 1m klines ran as fast as with
 * 64 MB), and it is memory every running pipeline holds.
 */
function startWorker(): Worker {
  const ext = extname(new URL(import.meta.url).pathname);
  return startWorkerThread(new URL(`./duckdb-worker${ext}`, import.meta.url), { youngGenerationMb: 8 });
}
