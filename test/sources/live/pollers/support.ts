// Shared by the poller tests: a live source on one poller spec against the fake exchange, with
// what it yields collected in the background.
import type { TestContext } from 'node:test';
import type { FeedGap, Reject } from '../../../../src/core/index.js';
import type { PollerSpec } from '../../../../src/sources/live/feed.js';
import { openLiveSource, type LiveSource, type LiveSourceOptions } from '../../../../src/sources/live/live-source.js';
import { startFakeExchange, type FakeExchange, type FakeExchangeOptions } from '../../../fake-exchange/index.js';

export interface Tick {
  readonly inst: string;
  readonly ts: number;
  readonly price: number;
  readonly size: number;
  readonly id: number;
  readonly side: number;
  readonly localTs: number;
}

export interface Collected {
  readonly ticks: Tick[];
  readonly rejects: Reject[];
  readonly gaps: FeedGap[];
  readonly done: Promise<void>;
  of(inst: string): Tick[];
}

export function collect(src: LiveSource): Collected {
  const ticks: Tick[] = [];
  const rejects: Reject[] = [];
  const gaps: FeedGap[] = [];
  const done = (async () => {
    for await (const c of src) {
      const b = c.trades;
      for (let i = 0; i < b.length; i++) {
        ticks.push({
          inst: b.instruments[b.inst[i] ?? 0] ?? '',
          ts: b.ts[i] ?? NaN,
          price: b.price[i] ?? NaN,
          size: b.size[i] ?? NaN,
          id: b.id[i] ?? NaN,
          side: b.side[i] ?? NaN,
          localTs: b.localTs[i] ?? NaN,
        });
      }
      rejects.push(...c.rejects);
      gaps.push(...(c.gaps ?? []));
    }
  })();
  return { ticks, rejects, gaps, done, of: (inst) => ticks.filter((k) => k.inst === inst) };
}

export interface Setup {
  readonly fake: FakeExchange;
  readonly src: LiveSource;
  readonly got: Collected;
}

/** A fake exchange, a live source polling it with `spec` (fast reconnects), collected; torn down after the test. */
export async function setup(
  t: TestContext,
  spec: PollerSpec,
  symbols: readonly string[],
  fakeOpts: FakeExchangeOptions,
  srcOpts: Partial<LiveSourceOptions> = {},
): Promise<Setup> {
  const fake = await startFakeExchange(fakeOpts);
  const src = openLiveSource({
    subscriptions: [{ venue: spec, symbols: symbols.map((s) => spec.normalizeSymbol(s)) }],
    urls: { [`${spec.name}.rest`]: fake.restUrl },
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    flushMs: 10,
    ...srcOpts,
  });
  const got = collect(src);
  t.after(async () => {
    src.close();
    await got.done;
    await fake.close();
  });
  return { fake, src, got };
}

/** Stats of the source's feed `i` (there is one per request's worth of symbols). */
export function feedStats(src: LiveSource, i = 0): NonNullable<ReturnType<LiveSource['stats']>['connections'][number]> {
  const s = src.stats().connections[i];
  if (s === undefined) throw new Error(`no feed ${i}`);
  return s;
}
