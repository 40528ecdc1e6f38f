import { parentPort } from 'node:worker_threads';
import { TickflowError } from '../core/index.js';
import { DuckDbEngine, type EngineLog, type EngineOptions } from './duckdb-engine.js';
import { dispatch, toWire, type LogMessage, type RpcRequest, type RpcResponse } from './engine-rpc.js';

/**
 * Entry point of the store's worker thread: owns the DuckDB engine and answers requests.
 * Requests are handled concurrently; the engine orders them per connection.
 */
const port = parentPort;
if (port === null) throw new Error('duckdb-worker must run in a worker thread');

const log: EngineLog = (level, obj, msg) => {
  const m: LogMessage = { log: { level, obj, msg } };
  port.postMessage(m);
};

let engine: DuckDbEngine | undefined;

async function handle(req: RpcRequest): Promise<unknown> {
  if (req.method === 'open') {
    if (engine !== undefined) throw new TickflowError('INTERNAL', 'store worker: opened twice');
    engine = await DuckDbEngine.open(req.args[0] as EngineOptions, log);
    return undefined;
  }
  if (engine === undefined) throw new TickflowError('STORE', 'store is not open');
  return dispatch(engine, req.method, req.args);
}

port.on('message', (req: RpcRequest) => {
  handle(req).then(
    (value) => {
      const res: RpcResponse = { id: req.id, ok: true, value };
      port.postMessage(res);
    },
    (e: unknown) => {
      const res: RpcResponse = { id: req.id, ok: false, error: toWire(e) };
      port.postMessage(res);
    },
  );
});
