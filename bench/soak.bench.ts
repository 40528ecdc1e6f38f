// `tickflow run` with 1,000 simulated instruments for 10 minutes (SOAK_SECONDS to change):
// RSS sampled every 10 s from /api/stats, to show the peak and that it stays flat; at the end,
// how many files the Parquet lake holds (exports add files, compaction bounds them per partition).
// SOAK_ARGS adds flags to the command (e.g. "--db-memory 128MB").
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PipelineStats } from '../src/core/index.js';
import { report } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.env['SOAK_SECONDS'] ?? 600);
const port = 18_400 + Math.floor(Math.random() * 500);
const dir = mkdtempSync(join(tmpdir(), 'tickflow-soak-'));
const child = spawn(
  process.execPath,
  [
    join(ROOT, 'bin', 'tickflow.js'),
    'run',
    '--instruments',
    '1000',
    '--rate',
    '10000',
    '--data-dir',
    dir,
    '--port',
    String(port),
    '--log-level',
    'warn',
    // extra flags to compare settings, e.g. SOAK_ARGS="--db-memory 128MB"
    ...(process.env['SOAK_ARGS'] ?? '').split(' ').filter(Boolean),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const samples: { t: number; rss: number; heap: number; rate: number }[] = [];
const started = Date.now();
let lake: { files: number; maxPerPartition: number } | undefined;
try {
  while (Date.now() - started < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 10_000));
    try {
      const s = (await (await fetch(`http://127.0.0.1:${port}/api/stats`)).json()) as PipelineStats;
      samples.push({
        t: Math.round((Date.now() - started) / 1000),
        rss: (s.memory?.rssBytes ?? 0) / 2 ** 20,
        heap: (s.memory?.heapUsedBytes ?? 0) / 2 ** 20,
        rate: s.stages[1]?.perSecond ?? 0,
      });
    } catch {
      // not listening yet
    }
  }
} finally {
  child.kill('SIGINT');
  await new Promise((r) => child.on('close', r));
  const perDir = new Map<string, number>();
  const lakeDir = join(dir, 'lake');
  const all = existsSync(lakeDir) ? readdirSync(lakeDir, { recursive: true, withFileTypes: true }) : [];
  const entries = all.filter((e) => e.name.endsWith('.parquet'));
  for (const e of entries) perDir.set(e.parentPath, (perDir.get(e.parentPath) ?? 0) + 1);
  lake = { files: entries.length, maxPerPartition: Math.max(0, ...perDir.values()) };
  rmSync(dir, { recursive: true, force: true });
}
const third = Math.max(1, Math.floor(samples.length / 3));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const firstThird = samples.slice(0, third).map((x) => x.rss);
const lastThird = samples.slice(-third).map((x) => x.rss);
report(
  'tickflow run: 1,000 simulated instruments',
  [
    {
      'duration s': seconds,
      samples: samples.length,
      'trades/s': Math.round(mean(samples.map((x) => x.rate))),
      'peak RSS MB': Math.round(Math.max(...samples.map((x) => x.rss))),
      'mean RSS first third MB': Math.round(mean(firstThird)),
      'mean RSS last third MB': Math.round(mean(lastThird)),
      'peak heap MB': Math.round(Math.max(...samples.map((x) => x.heap))),
      'lake files': lake?.files ?? 0,
      'max files per partition': lake?.maxPerPartition ?? 0,
    },
  ],
  [
    `node bin/tickflow.js run --instruments 1000 --rate 10000${process.env['SOAK_ARGS'] ? ` ${process.env['SOAK_ARGS']}` : ''} (all default intervals, indicators, alerts, windows, raw trades stored); RSS from /api/stats every 10 s`,
    'target: peak RSS < 400 MB, flat',
  ],
);
