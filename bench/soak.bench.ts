// `tickflow run` with 1,000 simulated instruments for 10 minutes (SOAK_SECONDS to change):
// RSS sampled every 10 s from /api/stats, to show the peak and that it stays flat; at the end,
// how many files the Parquet lake holds (exports add files, compaction bounds them per partition).
// SOAK_ARGS adds flags to the command (e.g. "--db-memory 128MB").
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { report } from './report.js';
import { memorySummary, startNodeFlags, startThousandInstruments } from './thousand-instruments.js';

const seconds = Number(process.env['SOAK_SECONDS'] ?? 600);
// extra flags to compare settings, e.g. SOAK_ARGS="--db-memory 128MB"
const run = startThousandInstruments('soak', process.env['SOAK_ARGS'] ?? '');
let lake: { files: number; maxPerPartition: number } | undefined;
try {
  await new Promise((r) => setTimeout(r, seconds * 1000));
} finally {
  await run.stop();
  const perDir = new Map<string, number>();
  const lakeDir = join(run.dir, 'lake');
  const all = existsSync(lakeDir) ? readdirSync(lakeDir, { recursive: true, withFileTypes: true }) : [];
  const entries = all.filter((e) => e.name.endsWith('.parquet'));
  for (const e of entries) perDir.set(e.parentPath, (perDir.get(e.parentPath) ?? 0) + 1);
  lake = { files: entries.length, maxPerPartition: Math.max(0, ...perDir.values()) };
  run.cleanup();
}
report(
  'tickflow run: 1,000 simulated instruments',
  [
    {
      'duration s': seconds,
      samples: run.samples.length,
      ...memorySummary(run.samples),
      'lake files': lake?.files ?? 0,
      'max files per partition': lake?.maxPerPartition ?? 0,
    },
  ],
  [
    `node ${startNodeFlags().join(' ')} bin/tickflow.js run --instruments 1000 --rate 10000${process.env['SOAK_ARGS'] ? ` ${process.env['SOAK_ARGS']}` : ''} (all default intervals, indicators, alerts, windows, raw trades stored); RSS from /api/stats every 10 s`,
    'target: peak RSS < 400 MB, flat',
  ],
);
