import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TickflowError, type PipelineStats } from '../../core/index.js';
import { createApiServer } from '../../api/index.js';
import { seedModelPath } from '../../models/seed/index.js';
import { TOPICS, kafkaOptionsFromEnv, openLog, type Log, type TopicSpec } from '../../log/index.js';
import { processMemory, type Logger } from '../../obs/index.js';
import { createSimulator, openReplay, type TradeSource } from '../../sources/index.js';
import { openConfiguredStore } from './configured-store.js';
import { apiSecurity } from '../api-security.js';
import { isLive, type Config } from '../config.js';
import { LiveHub } from '../pipeline/live-hub.js';
import { observeLog } from '../pipeline/observed-log.js';
import { observeStoreCommits } from '../pipeline/observed-store.js';
import { modelTrackingFromEnv } from '../pipeline/model-tracking.js';
import { pipelineCodecs } from '../pipeline/output-codecs.js';
import { PartitionedIngestStage } from '../pipeline/partitioned-ingest-stage.js';
import { PartitionedProcessStage } from '../pipeline/partitioned-process-stage.js';
import { liveSourceOf } from '../pipeline/live-source-of.js';
import { processorConfig } from '../pipeline/processor-config.js';
import { OUTPUT_TOPICS, SinkStage } from '../pipeline/sink-stage.js';
import { VERSION, WEB_DIR } from '../version.js';
import { checkFormat } from './replay.js';

/**
 * The split deployment on Kafka: `ingest` (sources → trades topic), `process` (trades →
 * bars, indicators, alerts, windows, late, rejects topics; N instances share the partitions)
 * and `serve` (output topics → store, API and live feed). `run --log kafka://…` runs all
 * three in one process. See docs/KAFKA.md.
 */
export interface SplitPart {
  /** Resolves when the part has stopped (a finite ingest ends by itself). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
  /** The API's address (`serve`). */
  readonly url?: string;
}

/** How long after a trade's event time an instrument still counts as live (idle close applies). */
const LIVE_WINDOW_MS = 5 * 60_000;

export async function openSplitLog(cfg: Config, logger: Logger): Promise<Log> {
  if (!cfg.log.startsWith('kafka://')) {
    throw new TickflowError('USAGE', `this command runs on a Kafka log: pass --log kafka://host:port (or TICKFLOW_LOG); got '${cfg.log}'`);
  }
  const log = await openLog(cfg.log, {
    kafka: { ...kafkaOptionsFromEnv(), partitions: cfg.partitions, codecs: pipelineCodecs(cfg.tradesCodec, cfg.outputCodec), logger },
  });
  try {
    await log.ensureTopics(splitTopics(cfg.partitions));
  } catch (e) {
    await log.close().catch(() => undefined);
    throw e;
  }
  // counted and exported for /metrics, checked by /ready, until it is closed
  return observeLog(log);
}

/** The topics of a split deployment with `n` partitions each (state and dead letters: one). */
export function splitTopics(n: number): TopicSpec[] {
  return [
    { name: TOPICS.trades, partitions: n },
    ...OUTPUT_TOPICS.map((name) => ({ name, partitions: n })),
    // Operator state: only the newest checkpoint of each key matters.
    { name: TOPICS.state, partitions: 1, config: { 'cleanup.policy': 'compact', 'max.message.bytes': String(64 * 1024 * 1024) } },
    { name: TOPICS.deadLetter, partitions: 1 },
  ];
}

function sourcesOf(cfg: Config, signal: AbortSignal, logger: Logger): { name: string; src: TradeSource }[] {
  if (cfg.source === 'replay') {
    if (cfg.replay.length === 0) throw new TickflowError('USAGE', '--source replay needs --replay <files>');
    const format = checkFormat(cfg.format);
    return cfg.replay.map((f) => {
      const path = resolve(f);
      return { name: path, src: openReplay(path, { ...(format ? { format } : {}), pace: cfg.pace, signal }) };
    });
  }
  if (isLive(cfg.source)) {
    return [
      {
        name: 'live',
        src: liveSourceOf(cfg, cfg.source, logger, signal),
      },
    ];
  }
  return [
    {
      name: 'sim',
      src: createSimulator({ instruments: cfg.instruments, seed: cfg.seed, tradesPerSecond: cfg.rate, realtime: true, signal }),
    },
  ];
}

/** `tickflow ingest`: sources → trades topic. A replay ends when its files are read; the simulator runs until stopped. */
export async function ingest(cfg: Config, logger: Logger, log?: Log): Promise<SplitPart & { stages: PartitionedIngestStage[] }> {
  const own = log === undefined;
  const l = log ?? (await openSplitLog(cfg, logger));
  const abort = new AbortController();
  const stages: PartitionedIngestStage[] = [];
  const done = (async () => {
    for (const { name, src } of sourcesOf(cfg, abort.signal, logger)) {
      const stage = new PartitionedIngestStage(l, src, cfg.partitions, name, logger);
      stages.push(stage);
      await stage.run(abort.signal);
      logger.info({ source: name, trades: stage.meter.total, rejects: stage.rejects }, 'source ingested');
    }
  })().finally(async () => {
    if (own) await l.close();
  });
  return {
    stages,
    done,
    stop: async () => {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}

/** `tickflow process`: one of N instances in the group sharing the trades partitions. */
export async function processPart(cfg: Config, logger: Logger, log?: Log): Promise<SplitPart & { stage: PartitionedProcessStage }> {
  const own = log === undefined;
  const l = log ?? (await openSplitLog(cfg, logger));
  const stage = new PartitionedProcessStage({
    log: l,
    group: cfg.group,
    processorConfig: processorConfig(cfg, true),
    logger,
    checkpointIntervalMs: cfg.checkpointInterval,
    liveTickMs: 250,
    liveWindowMs: LIVE_WINDOW_MS,
    publishInterim: true,
  });
  const abort = new AbortController();
  const done = stage.run(abort.signal).finally(async () => {
    if (own) await l.close();
  });
  return {
    stage,
    done,
    stop: async () => {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}

/** `tickflow serve --log kafka://…`: output topics → store (the one writer of the data dir) + API + live feed. */
export async function servePart(
  cfg: Config,
  logger: Logger,
  log?: Log,
  extraStats?: () => Partial<PipelineStats>,
): Promise<SplitPart & { sink: SinkStage; url: string }> {
  const own = log === undefined;
  const l = log ?? (await openSplitLog(cfg, logger));
  const startedAt = Date.now();
  const store = await openConfiguredStore(cfg, logger);
  observeStoreCommits(store);
  const box: { sink?: SinkStage } = {};
  const hub = new LiveHub(() => splitStats(l, startedAt, box.sink, extraStats?.()));
  const tracking = await modelTrackingFromEnv(logger);
  const sink = new SinkStage({ log: l, store, logger, hub, tracking, checkpointIntervalMs: cfg.checkpointInterval });
  box.sink = sink;
  const statsTimer = setInterval(() => hub.publish({ type: 'stats', stats: hub.stats() }), 1000);
  const lakeTimer = setInterval(() => {
    store.exportLake().catch((e: unknown) => logger.warn({ err: e }, 'lake export failed; will retry'));
  }, cfg.lakeInterval);
  const app = await createApiServer({
    store,
    live: hub,
    logger,
    ...(existsSync(WEB_DIR) ? { staticDir: WEB_DIR } : {}),
    version: VERSION,
    intervals: cfg.intervals.map((s) => s.name),
    seedModelPath: seedModelPath(cfg.dataDir),
    security: apiSecurity(cfg),
  });
  const url = await app.listen({ host: cfg.host, port: cfg.port });
  const abort = new AbortController();
  const loop = sink.run(abort.signal);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      abort.abort();
      clearInterval(statsTimer);
      clearInterval(lakeTimer);
      await loop.catch((e: unknown) => logger.error({ err: e }, 'sink failed'));
      await app.close();
      await store.exportLake().catch((e: unknown) => logger.warn({ err: e }, 'final lake export failed'));
      await store.close();
      await tracking?.close();
      if (own) await l.close();
    })());
  const done = loop.then(
    () => stop(),
    async (e: unknown) => {
      logger.error({ err: e }, 'sink failed; stopping');
      await stop();
      throw e;
    },
  );
  return { sink, url, done, stop };
}

function splitStats(log: Log, startedAt: number, sink: SinkStage | undefined, extra: Partial<PipelineStats> | undefined): PipelineStats {
  const now = Date.now();
  return {
    type: 'stats',
    time: now,
    startedAt,
    mode: 'serve',
    log: log.url,
    stages: [
      { name: 'sink', records: sink?.meter.total ?? 0, perSecond: sink?.meter.rate(now) ?? 0 },
      { name: 'store', records: sink?.rowsWritten ?? 0, perSecond: sink?.storeMeter.rate(now) ?? 0 },
    ],
    trades: { received: 0, accepted: 0, rejected: 0, late: 0, duplicates: 0 },
    rejectsByReason: {},
    watermark: { instruments: 0, minEventTime: null, maxEventTime: null, maxLagMs: null },
    queues: log.depths().map((d) => ({ name: d.name, depth: d.depth, capacity: d.capacity })),
    ...(log.groupLag ? { consumerLag: log.groupLag() } : {}),
    barsFinal: {},
    alerts: 0,
    store: { commits: sink?.commits ?? 0, lastCommitAt: sink?.lastCommitAt ?? null, rowsWritten: sink?.rowsWritten ?? 0 },
    memory: processMemory(),
    ...extra,
  };
}

/** `tickflow run --log kafka://…`: ingest, one process instance and serve in one process, through the brokers. */
export async function runSplitInOne(cfg: Config, logger: Logger): Promise<SplitPart & { url: string }> {
  const log = await openSplitLog(cfg, logger);
  const proc = await processPart(cfg, logger, log);
  const serve = await servePart(cfg, logger, log, () => ({ ...processStats(proc.stage), mode: 'run' }));
  const ing = await ingest(cfg, logger, log);
  ing.done.catch((e: unknown) => logger.error({ err: e }, 'ingest failed'));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await ing.stop();
      await proc.stop();
      await serve.stop();
      await log.close();
    })());
  return { url: serve.url, stop, done: Promise.race([proc.done, serve.done]).then(() => undefined) };
}

/** The processing part of /api/stats, from the partition processors of this process. */
export function processStats(stage: PartitionedProcessStage): Partial<PipelineStats> {
  const procs = stage.processors();
  const trades = { received: 0, accepted: 0, rejected: 0, late: 0, duplicates: 0 };
  const barsFinal: Record<string, number> = {};
  let instruments = 0;
  let minWm = Infinity;
  let minTs = Infinity;
  let maxTs = -Infinity;
  for (const p of procs) {
    const c = p.counters;
    trades.received += c.received;
    trades.accepted += c.accepted;
    trades.late += c.late;
    trades.duplicates += c.duplicates;
    for (const [k, v] of Object.entries(c.barsFinal)) barsFinal[k] = (barsFinal[k] ?? 0) + v;
    const w = p.watermarks();
    instruments += w.instruments;
    if (w.minWatermark !== null) minWm = Math.min(minWm, w.minWatermark);
    if (w.minEventTime !== null) minTs = Math.min(minTs, w.minEventTime);
    if (w.maxEventTime !== null) maxTs = Math.max(maxTs, w.maxEventTime);
  }
  const totals = stage.stageTotals();
  for (const v of Object.values(totals.rejectsByReason)) trades.rejected += v;
  const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    trades,
    barsFinal,
    alerts: totals.alerts,
    rejectsByReason: totals.rejectsByReason,
    watermark: {
      instruments,
      minEventTime: fin(minTs),
      maxEventTime: fin(maxTs),
      maxLagMs: Number.isFinite(minWm) ? Math.max(0, Date.now() - minWm) : null,
    },
  };
}
