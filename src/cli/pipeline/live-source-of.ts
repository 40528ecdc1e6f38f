import type { Logger } from '../../obs/index.js';
import { openLiveSource, type LiveSource } from '../../sources/live/live-source.js';
import { parseLiveSources } from '../../sources/live/registry.js';
import type { Config, LiveSources } from '../config.js';

/** The live source `--source <venue>:<SYMBOLS>` and the feed flags describe (`run` and `ingest`). */
export function liveSourceOf(cfg: Config, sources: LiveSources, logger: Logger, signal: AbortSignal): LiveSource {
  return openLiveSource({
    subscriptions: parseLiveSources(sources),
    urls: cfg.venueUrls,
    staleMs: cfg.feedStale,
    instrumentStaleMs: cfg.instrumentStale,
    logger,
    signal,
  });
}
