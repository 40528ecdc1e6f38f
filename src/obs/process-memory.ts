/** The stats' `memory` block of the stats, for the calling process. (`external` already counts array buffers.) */
export function processMemory(): { rssBytes: number; heapUsedBytes: number; externalBytes: number } {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external };
}
