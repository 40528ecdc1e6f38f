/**
 * `matchSnapshot(name, value)`: node:test has no snapshots, so this compares `value` with
 * `__snapshots__/<name>.json` beside this file (another folder can be given, for the helper's own test).
 *
 * - missing file: written (and the test passes), except under CI, where a missing snapshot fails;
 * - `UPDATE_SNAPSHOTS=1`: rewritten;
 * - otherwise the stored JSON must equal `value` as JSON (compared parsed, so the file's layout is free),
 *   or the test fails with a line diff of the two.
 *
 * Files are written through Prettier with the repo's config, so `prettier --check` passes on them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import assert from 'node:assert/strict';

const DIR = join(dirname(new URL(import.meta.url).pathname), '__snapshots__');
/** Lines of diff shown before the rest is summarized. */
const DIFF_MAX_LINES = 60;

export async function matchSnapshot(name: string, value: unknown, dir: string = DIR): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`snapshot name '${name}' must be a plain file name`);
  const path = join(dir, `${name}.json`);
  // what JSON keeps of the value: undefined fields dropped, -0 as 0, NaN as null
  const actual: unknown = JSON.parse(JSON.stringify(value));
  const update = process.env['UPDATE_SNAPSHOTS'] === '1';
  if (!update && !existsSync(path)) {
    if (process.env['CI']) assert.fail(`snapshot ${path} is missing: run the test with UPDATE_SNAPSHOTS=1 and commit the file`);
    await write(path, actual);
    return;
  }
  if (update) {
    await write(path, actual);
    return;
  }
  const expected: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (isDeepStrictEqual(actual, expected)) return;
  assert.fail(`snapshot ${name} differs (- stored, + now; UPDATE_SNAPSHOTS=1 to accept):\n${lineDiff(pretty(expected), pretty(actual))}`);
}

function pretty(v: unknown): string[] {
  return JSON.stringify(v, null, 2).split('\n');
}

async function write(path: string, value: unknown): Promise<void> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(path)) ?? {};
  const text = await prettier.format(JSON.stringify(value), { ...options, filepath: path });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * A readable diff of two line lists: the common head and tail are cut (3 lines of context kept), and
 * the middle is aligned by a longest-common-subsequence table when it is small enough, else shown
 * as all removed then all added.
 */
export function lineDiff(a: readonly string[], b: readonly string[]): string {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const ctx = 3;
  const from = Math.max(0, head - ctx);
  const out: string[] = [];
  if (from > 0) out.push(`@@ line ${from + 1} @@`);
  for (let i = from; i < head; i++) out.push(`  ${a[i]}`);
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  out.push(...middle(am, bm));
  for (let i = a.length - tail; i < Math.min(a.length, a.length - tail + ctx); i++) out.push(`  ${a[i]}`);
  if (out.length <= DIFF_MAX_LINES) return out.join('\n');
  return [...out.slice(0, DIFF_MAX_LINES), `… ${out.length - DIFF_MAX_LINES} more diff lines`].join('\n');
}

function middle(a: readonly string[], b: readonly string[]): string[] {
  if (a.length * b.length > 1_000_000) return [...a.map((l) => `- ${l}`), ...b.map((l) => `+ ${l}`)];
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lcs[i] ?? [];
    const next = lcs[i + 1] ?? [];
    for (let j = b.length - 1; j >= 0; j--) row[j] = a[i] === b[j] ? (next[j + 1] ?? 0) + 1 : Math.max(next[j] ?? 0, row[j + 1] ?? 0);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i++]}`);
      j++;
    } else if (i < a.length && (j === b.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out;
}
