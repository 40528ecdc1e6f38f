import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { resolveConfig, type Config } from '../../src/cli/config.js';
import { silentLogger } from '../../src/obs/index.js';
import { replay, type ReplaySummary } from '../../src/cli/commands/replay.js';
import { ROOT } from '../helpers.js';

export function config(dataDir: string, flags: Record<string, string> = {}): Config {
  return resolveConfig('replay', { dataDir, ...flags }, {});
}

export function replayFiles(files: string[], dataDir: string, flags: Record<string, string> = {}): Promise<ReplaySummary> {
  return replay(files, config(dataDir, flags), { logger: silentLogger() });
}

/** Runs SQL against a data dir's DuckDB file (read-only) and returns row objects. */
export async function query(dataDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(join(dataDir, 'tickflow.duckdb'), { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(sql);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Runs DuckDB SQL in memory (independent aggregations over CSV files). */
export async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(sql);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export function cli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin', 'tickflow.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function cliResult(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = cli(args, env);
  let stdout = '';
  let stderr = '';
  p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => p.on('close', r));
  return { code, stdout, stderr };
}

/** Rounds a decimal to 8 places as a string, the precision Binance publishes. */
export function dec8(x: number): string {
  return x.toFixed(8);
}

/** Exact sum of decimal strings, rounded to 8 places (BigInt arithmetic). */
export function exactSum8(values: readonly string[]): string {
  let sum = 0n;
  for (const v of values) {
    const [i = '0', f = ''] = v.split('.');
    sum += BigInt(i) * 100_000_000n + BigInt((f + '00000000').slice(0, 8));
  }
  const s = sum.toString().padStart(9, '0');
  return `${s.slice(0, -8)}.${s.slice(-8)}`;
}
