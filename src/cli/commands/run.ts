import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TickflowError, type Alert, type Bar, type PipelineStats, type Prediction, type WindowStats } from '../../core/index.js';
import { createApiServer } from '../../api/index.js';
import { seedModelPath } from '../../models/seed/index.js';
import { MemoryLog, TOPICS } from '../../log/index.js';
import type { Logger } from '../../obs/index.js';
import { createSimulator, openReplay, type TradeSource } from '../../sources/index.js';
import { openConfiguredStore } from './configured-store.js';
import { Processor } from '../../stream/index.js';
import { apiSecurity } from '../api-security.js';
import { isLive, type Config } from '../config.js';
import { checkpointId } from '../pipeline/checkpoint-id.js';
import { IngestStage } from '../pipeline/ingest-stage.js';
import { liveSourceOf } from '../pipeline/live-source-of.js';
import { LiveHub } from '../pipeline/live-hub.js';
import { observeLog } from '../pipeline/observed-log.js';
import { observeStoreCommits } from '../pipeline/observed-store.js';
import { modelTrackingFromEnv } from '../pipeline/model-tracking.js';
import { warmStarts } from '../pipeline/analytics.js';
import { closeSharedRetrainer } from '../../models/index.js';
import { ProcessStage } from '../pipeline/process-stage.js';
import { outputShapingSettings, processorConfig } from '../pipeline/processor-config.js';
import { pipelineStats } from '../pipeline/stats.js';
import { checkFormat } from './replay.js';
import { VERSION, WEB_DIR } from '../version.js';

export interface RunningPipeline {
  readonly url: string;
  /** Resolves when the pipeline has stopped (after `stop()` or when a finite replay ends and is stopped). */
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

/**
 * `tickflow run`: every stage in one process on the embedded log: a source (simulated
 * market or paced replay) → ingest → trades topic → processor → store + output topics →
 * live hub → API and dashboard.
 */
export async function run(cfg: Config, logger: Logger): Promise<RunningPipeline> {
  const startedAt = Date.now();
  const replaying = cfg.source === 'replay';
  if (replaying && cfg.replay.length === 0) throw new TickflowError('USAGE', '--source replay needs --replay <files>');
  const format = checkFormat(cfg.format);
  const store = await openConfiguredStore(cfg, logger);
  observeStoreCommits(store);
  // counted and exported for /metrics, checked by /ready, until it is closed
  const log = observeLog(new MemoryLog({ capacity: 64 }));
  // A replay resumes its forecasters from its checkpoint; a simulated or live run starts afresh,
  // so its models warm-start from the registry's newest versions (scores start over).
  const warm = replaying || cfg.forecastIntervals.length === 0 ? undefined : warmStarts(await store.latestModelVersions({}));
  const processor = new Processor(processorConfig(cfg, !replaying, warm));
  const files = cfg.replay.map((f) => resolve(f));
  const id = replaying
    ? checkpointId('run-replay', { files, settings: outputShapingSettings(cfg) })
    : isLive(cfg.source)
      ? checkpointId('run-live', { sources: [...cfg.source], settings: outputShapingSettings(cfg) })
      : checkpointId('run-sim', { settings: outputShapingSettings(cfg) });
  const tracking = await modelTrackingFromEnv(logger);
  const stage = new ProcessStage({
    log,
    store,
    processor,
    logger,
    tracking,
    checkpointId: id,
    checkpointIntervalMs: cfg.checkpointInterval,
    storeTrades: cfg.storeTrades,
    publish: true,
    liveTickMs: 250,
    lakeIntervalMs: cfg.lakeInterval,
    persistState: replaying,
    // interim bars only of the instruments an API client takes bars of; `latestBar` asks the processor
    interim: { any: (): boolean => hub.listening(), instrument: (id: string): boolean => hub.listening(id) },
    snapshotModelsAtEnd: !replaying,
    ...(replaying ? { expectedEnds: files.length } : {}),
  });
  // A replay resumes where it stopped. A simulated market starts afresh each time: its
  // prices restart from the seed, so yesterday's open bars and indicators do not apply. A live
  // feed starts afresh too: the trades missed while stopped are gone from the stream, and the
  // bars they belonged to are closed.
  const positions = replaying ? await stage.restore() : (await store.deleteCheckpoint(id), undefined);
  const ingests: IngestStage[] = [];
  const hub: LiveHub = new LiveHub(
    (): PipelineStats => pipelineStats({ mode: 'run', startedAt, log, processor, ingests, process: stage }),
    (instrument, interval) => processor.liveBar(instrument, interval),
  );

  const abort = new AbortController();
  const sources: { name: string; src: TradeSource }[] = replaying
    ? files.map((f) => {
        const resumeFrom = positions?.[f];
        return {
          name: f,
          src: openReplay(f, {
            ...(format ? { format } : {}),
            pace: cfg.pace,
            ...(resumeFrom ? { resumeFrom } : {}),
            signal: abort.signal,
          }),
        };
      })
    : isLive(cfg.source)
      ? [
          {
            name: 'live',
            src: liveSourceOf(cfg, cfg.source, logger, abort.signal),
          },
        ]
      : [
          {
            name: 'sim',
            src: createSimulator({
              instruments: cfg.instruments,
              seed: cfg.seed,
              tradesPerSecond: cfg.rate,
              realtime: true,
              signal: abort.signal,
            }),
          },
        ];

  const hubConsumer = log.consumer<Bar | Alert | WindowStats | Prediction>({
    group: 'api-live',
    topics: [TOPICS.bars, TOPICS.alerts, TOPICS.windows, TOPICS.predictions],
    maxRecords: 4096,
  });
  const hubLoop = (async () => {
    for await (const recs of hubConsumer) {
      for (const r of recs) {
        const v = r.value;
        if (v.type === 'bar') hub.publish({ type: 'bar', bar: v });
        else if (v.type === 'alert') hub.publish({ type: 'alert', alert: v });
        else if (v.type === 'prediction') hub.publish({ type: 'prediction', prediction: v });
        else hub.publish({ type: 'window', window: v });
      }
    }
  })();
  const statsTimer = setInterval(() => hub.publish({ type: 'stats', stats: hub.stats() }), 1000);

  const staticDir = existsSync(WEB_DIR) ? WEB_DIR : undefined;
  const app = await createApiServer({
    store,
    live: hub,
    models: { promote: (instrument, interval, model) => stage.promote(instrument, interval, model) },
    logger,
    ...(staticDir ? { staticDir } : {}),
    version: VERSION,
    intervals: cfg.intervals.map((s) => s.name),
    seedModelPath: seedModelPath(cfg.dataDir),
    security: apiSecurity(cfg),
  });
  const address = await app.listen({ host: cfg.host, port: cfg.port });

  const ingestLoop = (async () => {
    for (const { name, src } of sources) {
      if (stage.state.endedSources.includes(name)) continue;
      const ingest = new IngestStage(log, src, name);
      ingests.push(ingest);
      await ingest.run(abort.signal);
    }
  })().catch((e: unknown) => {
    if (!abort.signal.aborted) logger.error({ err: e }, 'ingest failed');
  });
  const stageLoop = stage.run(abort.signal).then(
    () => {
      if (replaying && !abort.signal.aborted) logger.info('replay finished; the API keeps serving (Ctrl-C to stop)');
    },
    (e: unknown) => {
      logger.error({ err: e }, 'processing failed; stopping');
      abort.abort();
      throw e;
    },
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      abort.abort();
      clearInterval(statsTimer);
      await Promise.allSettled([ingestLoop, stageLoop]);
      await log.close();
      await hubConsumer.close();
      await hubLoop.catch(() => undefined);
      await app.close();
      try {
        await store.exportLake();
      } catch (e) {
        logger.warn({ err: e }, 'final lake export failed; the store is intact and the lake is rewritten next run');
      }
      await store.close();
      await tracking?.close();
      await closeSharedRetrainer();
    })());
  const done = stageLoop.catch(() => stop());
  return { url: address, stop, done: done.then(() => undefined) };
}
