import { tradesOf, type Reject, type SourcePosition, type Trade } from '../../src/core/index.js';
import type { TradeSource } from '../../src/sources/index.js';

/** Everything a (small) source yields, as objects: for comparisons in tests. */
export interface Collected {
  trades: Trade[];
  rejects: Reject[];
  positions: SourcePosition[];
  chunkSizes: number[];
}

export async function collect(src: TradeSource, maxChunks = Infinity): Promise<Collected> {
  const out: Collected = { trades: [], rejects: [], positions: [], chunkSizes: [] };
  if (maxChunks <= 0) return out;
  for await (const c of src) {
    for (const t of tradesOf(c.trades)) out.trades.push(t);
    out.rejects.push(...c.rejects);
    out.positions.push(c.position);
    out.chunkSizes.push(c.trades.length);
    if (out.positions.length >= maxChunks) break;
  }
  return out;
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) out[key(it)] = (out[key(it)] ?? 0) + 1;
  return out;
}
