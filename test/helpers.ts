import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repo root. */
export const ROOT = resolve(new URL('..', import.meta.url).pathname);

/** The shared real-data folder (`../shared/data` beside the repo, or TICKFLOW_SHARED_DATA). */
export const SHARED_DATA = process.env['TICKFLOW_SHARED_DATA'] ?? resolve(ROOT, '..', 'shared', 'data');

/** Path of a file in the shared data folder, or undefined when that folder is absent. */
export function sharedData(rel: string): string | undefined {
  const p = join(SHARED_DATA, rel);
  return existsSync(p) ? p : undefined;
}

/** Skip reason for node:test when the shared data is missing (CI always has it). */
export const NO_SHARED_DATA = existsSync(SHARED_DATA) ? false : `shared data not found at ${SHARED_DATA}`;

/** A fresh temp dir removed by the returned cleanup function. */
export function tempDir(prefix = 'tickflow-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Waits until `cond` returns truthy, polling; throws after `timeoutMs`. Never a fixed sleep. */
export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `count()` has not changed for `quietMs` (a stream has drained). */
export async function settle(count: () => number, quietMs = 3000, timeoutMs = 180_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < until) {
    const c = count();
    if (c !== last) {
      last = c;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`did not settle within ${timeoutMs} ms (last count ${last})`);
}
