import { TickflowError, type FeedStats, type PipelineStats } from '../../core/index.js';
import { exportPipelineStats, exportProcessStage } from '../../api/pipeline-metrics.js';
import { startProbeServer } from '../../api/probe-server.js';
import { processMemory, type Logger } from '../../obs/index.js';
import { LiveSource } from '../../sources/live/live-source.js';
import type { Config } from '../config.js';
import type { PartitionedIngestStage } from '../pipeline/partitioned-ingest-stage.js';
import type { PartitionedProcessStage } from '../pipeline/partitioned-process-stage.js';
import { VERSION } from '../version.js';
import { processStats } from './split.js';

/**
 * The /metrics, /health and /ready port of `tickflow ingest` and `tickflow process` (they serve
 * no API). It listens before the part starts, so a process still waiting for its brokers is
 * alive (/health 200) and not ready (/ready 503); the log's own readiness check takes over once
 * the part is running (observed-log.ts).
 */
export interface Probes {
  /** `http://host:port`, or undefined with `--metrics-port off`. */
  readonly url: string | undefined;
  /** The part is running: export its stats and report ready when its dependencies are. */
  watch(part: { readonly stages: readonly PartitionedIngestStage[] } | { readonly stage: PartitionedProcessStage }): void;
  close(): Promise<void>;
}

export async function startProbes(cfg: Config, role: 'ingest' | 'process', logger: Logger): Promise<Probes> {
  const unexports: (() => void)[] = [];
  const startedAt = Date.now();
  let running = false;
  const server =
    cfg.metricsPort === null
      ? undefined
      : await startProbeServer({
          host: cfg.metricsHost,
          port: cfg.metricsPort,
          role,
          version: VERSION,
          logger,
          checks: [
            {
              name: 'startup',
              check: async () => {
                if (!running) throw new TickflowError('UNAVAILABLE', `${role} is starting: opening the log and its topics`);
              },
            },
          ],
        });
  return {
    url: server?.url,
    watch(part) {
      running = true;
      if ('stage' in part) {
        const stage = part.stage;
        unexports.push(exportPipelineStats(() => processPipelineStats(cfg, stage, startedAt)));
        unexports.push(exportProcessStage(stage));
      } else {
        const stages = part.stages;
        unexports.push(exportPipelineStats(() => ingestPipelineStats(cfg, stages, startedAt)));
      }
    },
    async close() {
      for (const u of unexports.splice(0)) u();
      await server?.close();
    },
  };
}

const NO_TRADES = { received: 0, accepted: 0, rejected: 0, late: 0, duplicates: 0 };
const NO_WATERMARK = { instruments: 0, minEventTime: null, maxEventTime: null, maxLagMs: null };
const NO_STORE = { commits: 0, lastCommitAt: null, rowsWritten: 0 };

/** `ingest` reads sources: its stage rate and live feeds' connections; trades are counted by `process`. */
function ingestPipelineStats(cfg: Config, stages: readonly PartitionedIngestStage[], startedAt: number): PipelineStats {
  const now = Date.now();
  let records = 0;
  let perSecond = 0;
  for (const s of stages) {
    records += s.meter.total;
    perSecond += s.meter.rate(now);
  }
  const feeds: FeedStats[] = stages.flatMap((s) => (s.source instanceof LiveSource ? [s.source.stats()] : []));
  return {
    ...base(cfg, 'ingest', startedAt, now),
    stages: [{ name: 'ingest', records, perSecond }],
    ...(feeds.length > 0 ? { feeds } : {}),
  };
}

function processPipelineStats(cfg: Config, stage: PartitionedProcessStage, startedAt: number): PipelineStats {
  const now = Date.now();
  return {
    ...base(cfg, 'process', startedAt, now),
    stages: [{ name: 'process', records: stage.meter.total, perSecond: stage.meter.rate(now) }],
    ...processStats(stage),
  };
}

function base(cfg: Config, mode: string, startedAt: number, now: number): PipelineStats {
  return {
    type: 'stats',
    time: now,
    startedAt,
    mode,
    log: cfg.log,
    stages: [],
    trades: { ...NO_TRADES },
    rejectsByReason: {},
    watermark: { ...NO_WATERMARK },
    // queues and consumer lag come from the log itself (pipeline-metrics.ts: exportLogStats)
    queues: [],
    barsFinal: {},
    alerts: 0,
    store: { ...NO_STORE },
    memory: processMemory(),
  };
}
