import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TickflowError, type SourcePosition } from '../../core/index.js';
import { MemoryLog } from '../../log/index.js';
import type { Logger } from '../../obs/index.js';
import { isReplayFormat, openReplay, type ReplayFormat, type TradeSource } from '../../sources/index.js';
import { describeStore } from '../../store/index.js';
import { openConfiguredStore } from './configured-store.js';
import { Processor } from '../../stream/index.js';
import type { Config } from '../config.js';
import { checkpointId } from '../pipeline/checkpoint-id.js';
import { closeSharedRetrainer } from '../../models/index.js';
import { IngestStage } from '../pipeline/ingest-stage.js';
import { modelTrackingFromEnv } from '../pipeline/model-tracking.js';
import { ProcessStage } from '../pipeline/process-stage.js';
import { outputShapingSettings, processorConfig } from '../pipeline/processor-config.js';
import { fmtInt, fmtRate, Progress } from '../pipeline/progress.js';

export interface ReplaySummary {
  files: number;
  resumed: boolean;
  tradesRead: number;
  accepted: number;
  rejected: number;
  rejectsByReason: Record<string, number>;
  late: number;
  duplicates: number;
  bars: Record<string, number>;
  windows: number;
  alerts: number;
  /** Forecasts made, every model's (scores: GET /api/models). */
  predictions: number;
  elapsedMs: number;
  tradesPerSecond: number;
  dataDir: string;
  /** Where the outputs went: the DuckDB file, or the PostgreSQL URL without its password. */
  store: string;
  lakeFiles: number;
}

export interface ReplayOptions {
  readonly fresh?: boolean;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

export function checkFormat(format: string): ReplayFormat | undefined {
  if (format === 'auto') return undefined;
  if (!isReplayFormat(format))
    throw new TickflowError('CONFIG_INVALID', `--format ${format}: unknown format; run \`tickflow formats\` for the list`);
  return format;
}

/**
 * `tickflow replay`: processes files as fast as possible through the full pipeline (log,
 * processor, store) and returns a summary. Resumes from a checkpoint of an interrupted
 * run of the same files and settings.
 */
export async function replay(files: readonly string[], cfg: Config, opts: ReplayOptions): Promise<ReplaySummary> {
  if (files.length === 0) throw new TickflowError('USAGE', 'replay needs at least one file');
  const paths = files.map((f) => resolve(f));
  for (const p of paths) {
    if (!existsSync(p)) throw new TickflowError('IO', `input file not found: ${p}`);
    if (!statSync(p).isFile()) throw new TickflowError('IO', `not a file: ${p}`);
  }
  if (cfg.log !== 'memory') {
    throw new TickflowError(
      'USAGE',
      `tickflow replay runs on the embedded log; through Kafka, replay with \`tickflow ingest --source replay --replay <files> --log ${cfg.log}\` beside \`tickflow process\` and \`tickflow serve\``,
    );
  }
  const format = checkFormat(cfg.format);
  const started = Date.now();
  const store = await openConfiguredStore(cfg, opts.logger);
  const tracking = await modelTrackingFromEnv(opts.logger);
  try {
    const processor = new Processor(processorConfig(cfg, false));
    const log = new MemoryLog({ capacity: 8 });
    const id = checkpointId('replay', { paths, format: cfg.format, settings: outputShapingSettings(cfg) });
    const stage = new ProcessStage({
      log,
      store,
      processor,
      logger: opts.logger,
      tracking,
      checkpointId: id,
      checkpointIntervalMs: cfg.checkpointInterval,
      storeTrades: cfg.storeTrades,
      publish: false,
      expectedEnds: paths.length,
      // Export the lake in the background as the replay goes, so the export after it covers only the tail.
      lakeIntervalMs: 10_000,
    });
    let positions: Record<string, SourcePosition> | undefined;
    if (opts.fresh) await store.deleteCheckpoint(id);
    else positions = await stage.restore();
    const resumed = positions !== undefined;
    if (resumed) {
      opts.logger.info({ checkpoint: id, trades: processor.counters.received }, 'resuming an interrupted replay from its last checkpoint');
    }
    const ended = new Set(stage.state.endedSources);
    let current: TradeSource | undefined;
    const abort = new AbortController();
    const onOuterAbort = (): void => abort.abort();
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const totalBytes = paths.reduce((s, p) => s + statSync(p).size, 0);
    let doneBytes = 0;
    const progress = new Progress(() => {
      const cur = current?.progress();
      const fraction = (doneBytes + (cur?.done ?? 0)) / totalBytes;
      const elapsed = (Date.now() - started) / 1000;
      return { fraction, text: `${fmtInt(processor.counters.received)} trades  ${fmtRate(stage.meter.rate())}/s  ${elapsed.toFixed(0)}s` };
    }).start();
    const ingestAll = async (): Promise<void> => {
      for (const p of paths) {
        if (ended.has(p)) {
          doneBytes += statSync(p).size;
          continue;
        }
        const resumeFrom = positions?.[p];
        const src = openReplay(p, { ...(format ? { format } : {}), ...(resumeFrom ? { resumeFrom } : {}), signal: abort.signal });
        current = src;
        await new IngestStage(log, src, p).run(abort.signal);
        doneBytes += statSync(p).size;
      }
    };
    const stageRun = stage.run(abort.signal);
    try {
      await Promise.all([
        ingestAll().catch((e: unknown) => {
          abort.abort();
          throw e;
        }),
        stageRun,
      ]);
    } finally {
      progress.stop();
      opts.signal?.removeEventListener('abort', onOuterAbort);
      await log.close();
    }
    if (opts.signal?.aborted) {
      throw new TickflowError('UNAVAILABLE', 'replay interrupted; its last checkpoint is saved: run the same command again to resume');
    }
    const lake = await store.exportLake();
    await store.deleteCheckpoint(id);
    const c = processor.counters;
    const elapsedMs = Date.now() - started;
    return {
      files: paths.length,
      resumed,
      tradesRead: c.received,
      accepted: c.accepted,
      rejected: stage.rejected(),
      rejectsByReason: { ...stage.state.rejectsByReason },
      late: c.late,
      duplicates: c.duplicates,
      bars: { ...c.barsFinal },
      windows: c.windows,
      alerts: stage.state.alerts,
      predictions: stage.state.predictions ?? 0,
      elapsedMs,
      tradesPerSecond: (stage.meter.total * 1000) / Math.max(1, elapsedMs),
      dataDir: resolve(cfg.dataDir),
      store: describeStore(cfg.store, resolve(cfg.dataDir)),
      lakeFiles: lake.files,
    };
  } finally {
    await store.close();
    await tracking?.close();
    await closeSharedRetrainer();
  }
}

export function formatSummary(s: ReplaySummary): string {
  const lines = [
    `replayed ${s.files} file${s.files === 1 ? '' : 's'} in ${(s.elapsedMs / 1000).toFixed(1)} s${s.resumed ? ' (resumed from a checkpoint)' : ''}`,
    `  trades read   ${fmtInt(s.tradesRead).padStart(14)}   ${fmtRate(s.tradesPerSecond)} trades/s`,
    `  accepted      ${fmtInt(s.accepted).padStart(14)}`,
    `  rejected      ${fmtInt(s.rejected).padStart(14)}${
      Object.keys(s.rejectsByReason).length
        ? `   ${Object.entries(s.rejectsByReason)
            .map(([k, v]) => `${k} ${fmtInt(v)}`)
            .join(', ')}`
        : ''
    }`,
    `  late          ${fmtInt(s.late).padStart(14)}`,
    `  duplicates    ${fmtInt(s.duplicates).padStart(14)}`,
    `  bars          ${Object.entries(s.bars)
      .map(([k, v]) => `${k} ${fmtInt(v)}`)
      .join('  ')}`,
    `  windows       ${fmtInt(s.windows).padStart(14)}`,
    `  alerts        ${fmtInt(s.alerts).padStart(14)}`,
    `  predictions   ${fmtInt(s.predictions).padStart(14)}${s.predictions > 0 ? '   scores: GET /api/models (tickflow serve)' : ''}`,
    `  store         ${s.store}${s.store.endsWith('.duckdb') ? `   lake ${s.dataDir}/lake (${s.lakeFiles} files)` : ''}`,
  ];
  return lines.join('\n');
}
