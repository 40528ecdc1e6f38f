import type { FeedStats, PipelineStats } from '../../core/index.js';
import { processMemory } from '../../obs/index.js';
import { LiveSource } from '../../sources/live/live-source.js';
import type { Log } from '../../log/index.js';
import type { Processor } from '../../stream/index.js';
import type { IngestStage } from './ingest-stage.js';
import type { ProcessStage } from './process-stage.js';

export interface StatsSources {
  readonly mode: string;
  readonly startedAt: number;
  readonly log: Log;
  readonly processor: Processor;
  readonly ingests: readonly IngestStage[];
  readonly process: ProcessStage;
  readonly now?: () => number;
}

/** Builds the /api/stats snapshot from the live parts of a pipeline. */
export function pipelineStats(s: StatsSources): PipelineStats {
  const now = (s.now ?? Date.now)();
  const c = s.processor.counters;
  const wm = s.processor.watermarks();
  let ingested = 0;
  let ingestRate = 0;
  for (const i of s.ingests) {
    ingested += i.meter.total;
    ingestRate += i.meter.rate(now);
  }
  const alerts = s.process.state.alerts;
  const feeds: FeedStats[] = s.ingests.flatMap((i) => (i.source instanceof LiveSource ? [i.source.stats()] : []));
  return {
    type: 'stats',
    time: now,
    startedAt: s.startedAt,
    mode: s.mode,
    log: s.log.url,
    stages: [
      { name: 'ingest', records: ingested, perSecond: ingestRate },
      { name: 'process', records: s.process.meter.total, perSecond: s.process.meter.rate(now) },
      { name: 'store', records: s.process.rowsWritten, perSecond: s.process.storeMeter.rate(now) },
    ],
    trades: {
      received: c.received + s.process.rejected(),
      accepted: c.accepted,
      rejected: s.process.rejected(),
      late: c.late,
      duplicates: c.duplicates,
    },
    rejectsByReason: { ...s.process.state.rejectsByReason },
    watermark: {
      instruments: wm.instruments,
      minEventTime: wm.minEventTime,
      maxEventTime: wm.maxEventTime,
      maxLagMs: wm.minWatermark === null ? null : Math.max(0, now - wm.minWatermark),
    },
    queues: s.log.depths().map((d) => ({ name: d.name, depth: d.depth, capacity: d.capacity })),
    ...(feeds.length > 0 ? { feeds } : {}),
    barsFinal: { ...c.barsFinal },
    alerts,
    store: { commits: s.process.commits, lastCommitAt: s.process.lastCommitAt, rowsWritten: s.process.rowsWritten },
    memory: processMemory(),
  };
}
