// Readiness: can this process do its work now? Each dependency (the log, the store) registers a
// check while it is open; GET /ready (on the API server, or on the small probe server of
// `ingest` and `process`) runs them all. Liveness (/health) stays separate: a process whose
// broker is down is alive and will recover, so it must not be restarted for it.
import { TickflowError } from '../core/index.js';

/** Resolves when the dependency answers; throws (or rejects) with the reason when it does not. */
export type ReadinessCheck = () => Promise<void>;

export interface ReadinessResult {
  readonly name: string;
  readonly status: 'ok' | 'error';
  readonly message?: string;
  readonly ms: number;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: readonly ReadinessResult[];
}

export const READINESS_TIMEOUT_MS = 2000;

// Process-wide, like the process's one Prometheus registry: a process has one log and one store.
const checks = new Map<number, { name: string; check: ReadinessCheck }>();
let nextId = 0;

/** Registers a dependency's check; returns the function that removes it (call it when the dependency is closed). */
export function addReadinessCheck(name: string, check: ReadinessCheck): () => void {
  const id = nextId++;
  checks.set(id, { name, check });
  return () => {
    checks.delete(id);
  };
}

/** Runs every registered check (and `extra`) in parallel, each bounded by `timeoutMs`. */
export async function checkReadiness(
  extra: readonly { name: string; check: ReadinessCheck }[] = [],
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<Readiness> {
  const all = [...extra, ...checks.values()];
  const results = await Promise.all(
    all.map(async ({ name, check }): Promise<ReadinessResult> => {
      const t0 = performance.now();
      try {
        await withTimeout(check(), timeoutMs, name);
        return { name, status: 'ok', ms: Math.round(performance.now() - t0) };
      } catch (e) {
        return { name, status: 'error', message: e instanceof Error ? e.message : String(e), ms: Math.round(performance.now() - t0) };
      }
    }),
  );
  return { ready: results.every((r) => r.status === 'ok'), checks: results };
}

/**
 * Shares one attempt among concurrent callers: a check against a down broker retries until it
 * comes back, and a probe every few seconds must not pile up attempts behind it.
 */
export function singleFlight(check: ReadinessCheck): ReadinessCheck {
  let running: Promise<void> | undefined;
  return () =>
    (running ??= (async () => {
      try {
        await check();
      } finally {
        running = undefined;
      }
    })());
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TickflowError('TIMEOUT', `${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
