import { ErrorCodes, TickflowError, isTickflowError, type ErrorCode } from '../core/index.js';
import type { DuckDbEngine, EngineOptions } from './duckdb-engine.js';
import type { PackedWrite } from './packed-write.js';
import type {
  AlertQuery,
  BarQuery,
  ModelListQuery,
  ModelSeriesQuery,
  PredictionQuery,
  RejectQuery,
  TimeRangeQuery,
  WindowQuery,
} from './store.js';

/**
 * The messages between the `Store` a caller holds and the engine on the store's worker
 * thread. Both ends are this module's code, so arguments are trusted to match the method.
 */
export type EngineMethod =
  | 'open'
  | 'commit'
  | 'deleteCheckpoint'
  | 'loadCheckpoint'
  | 'instruments'
  | 'bars'
  | 'latestBar'
  | 'indicators'
  | 'alerts'
  | 'windows'
  | 'rejects'
  | 'late'
  | 'gaps'
  | 'predictions'
  | 'models'
  | 'modelMetrics'
  | 'modelVersions'
  | 'modelVersion'
  | 'latestModelVersions'
  | 'counts'
  | 'exportLake'
  | 'close';

export interface RpcRequest {
  readonly id: number;
  readonly method: EngineMethod;
  readonly args: readonly unknown[];
}

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
  readonly cause?: string;
}

export type RpcResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

export interface LogMessage {
  readonly log: { readonly level: 'info' | 'warn'; readonly obj: object; readonly msg: string };
}

const isCode = (c: string): c is ErrorCode => Object.hasOwn(ErrorCodes, c);

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** Errors cross the thread boundary as data; the code (what callers branch on) survives. */
export function toWire(e: unknown): WireError {
  if (isTickflowError(e)) {
    const base = { code: e.code, message: e.message, details: e.details };
    return e.cause === undefined ? base : { ...base, cause: describe(e.cause) };
  }
  return { code: 'STORE', message: e instanceof Error ? e.message : String(e), cause: describe(e) };
}

export function fromWire(w: WireError): TickflowError {
  const code: ErrorCode = isCode(w.code) ? w.code : 'STORE';
  return new TickflowError(
    code,
    w.message,
    w.cause === undefined ? { details: w.details } : { details: w.details, cause: new Error(w.cause) },
  );
}

/** Runs one request against an open engine. */
export function dispatch(engine: DuckDbEngine, method: Exclude<EngineMethod, 'open'>, args: readonly unknown[]): Promise<unknown> {
  const a0 = args[0];
  switch (method) {
    case 'commit':
      return engine.commit(a0 as PackedWrite);
    case 'deleteCheckpoint':
      return engine.deleteCheckpoint(String(a0));
    case 'loadCheckpoint':
      return engine.loadCheckpoint(String(a0));
    case 'instruments':
      return engine.instruments();
    case 'bars':
      return engine.bars(a0 as BarQuery);
    case 'latestBar':
      return engine.latestBar(String(a0), String(args[1]));
    case 'indicators':
      return engine.indicators(a0 as BarQuery);
    case 'alerts':
      return engine.alerts(a0 as AlertQuery);
    case 'windows':
      return engine.windows(a0 as WindowQuery);
    case 'rejects':
      return engine.rejects(a0 as RejectQuery);
    case 'late':
      return engine.late(a0 as TimeRangeQuery);
    case 'gaps':
      return engine.gaps(a0 as TimeRangeQuery);
    case 'predictions':
      return engine.predictions(a0 as PredictionQuery);
    case 'models':
      return engine.models(a0 as ModelListQuery);
    case 'modelMetrics':
      return engine.modelMetrics(a0 as ModelSeriesQuery);
    case 'modelVersions':
      return engine.modelVersions(a0 as ModelSeriesQuery);
    case 'latestModelVersions':
      return engine.latestModelVersions(a0 as ModelListQuery);
    case 'modelVersion':
      return engine.modelVersion(String(a0), String(args[1]), String(args[2]), Number(args[3]));
    case 'counts':
      return engine.counts();
    case 'exportLake':
      return engine.exportLake();
    case 'close':
      return engine.close();
  }
}

export type { EngineOptions };
