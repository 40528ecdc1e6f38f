// The live source against the fake exchange (test/fake-exchange), replaying the real Binance
// capture: reconnects, stale connections, id gaps backfilled over REST, bad frames, venue errors.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { parseBarSpecs, type Bar, type FeedGap, type InstrumentId, type Reject, type TradeBatch } from '../../../src/core/index.js';
import { openLiveSource, type LiveSource, type LiveSourceOptions } from '../../../src/sources/live/live-source.js';
import { binance } from '../../../src/sources/live/venues/binance.js';
import { Processor, ProcessorOutputs } from '../../../src/stream/processor.js';
import {
  binanceStreamRoute,
  binanceTradesFromFrames,
  binanceTradesRest,
  startFakeExchange,
  type FakeExchange,
  type FakeExchangeOptions,
} from '../../fake-exchange/index.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { hftbacktestCapture, readCapture, receivedFrames, type CaptureEvent } from '../../support/captures.js';

const skip = NO_SHARED_DATA;
const BTC = 'binance:BTCUSDT' as InstrumentId;

let framesCache: CaptureEvent[] | undefined;
/** The spot capture of 2024-08-08: 41,249 frames, 9,757 of them trades (ids 3735683259..3735693015). */
function frames(): CaptureEvent[] {
  framesCache ??= receivedFrames(readCapture(hftbacktestCapture('binance-spot_btcusdt_20240808.gz')));
  return framesCache;
}
const TRADES = 9_757;
const FIRST_ID = 3_735_683_259;

interface Collected {
  batches: TradeBatch[];
  rejects: Reject[];
  gaps: FeedGap[];
  ids: () => number[];
  trades: () => number;
}

/** Iterates the source in the background, collecting what it yields. */
function collect(src: LiveSource): Collected & { done: Promise<void> } {
  const batches: TradeBatch[] = [];
  const rejects: Reject[] = [];
  const gaps: FeedGap[] = [];
  let n = 0;
  const done = (async () => {
    for await (const c of src) {
      if (c.trades.length > 0) batches.push(c.trades);
      n += c.trades.length;
      rejects.push(...c.rejects);
      gaps.push(...(c.gaps ?? []));
    }
  })();
  return {
    batches,
    rejects,
    gaps,
    done,
    trades: () => n,
    ids: () => batches.flatMap((b) => Array.from(b.id.subarray(0, b.length))),
  };
}

async function setup(
  t: TestContext,
  fakeOpts: Partial<FakeExchangeOptions> = {},
  srcOpts: Partial<LiveSourceOptions> = {},
): Promise<{ fake: FakeExchange; src: LiveSource; got: Collected & { done: Promise<void> } }> {
  const f = frames();
  const fake = await startFakeExchange({
    frames: f,
    frameFor: binanceStreamRoute,
    gapFilter: (fr) => fr.data.includes('@trade"'),
    rest: { '/api/v3/historicalTrades': binanceTradesRest(binanceTradesFromFrames(f)) },
    ...fakeOpts,
  });
  const src = openLiveSource({
    subscriptions: [{ venue: binance, symbols: ['BTCUSDT'] }],
    urls: { binance: fake.wsUrl, 'binance.rest': fake.restUrl },
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

function bars1m(batches: readonly TradeBatch[]): Bar[] {
  const p = new Processor({
    intervals: parseBarSpecs('1s,1m'),
    allowedLatenessMs: 2000,
    idleTimeoutMs: 1000,
    latePolicy: 'side-output',
    reviseKeep: 16,
    dedupeWindow: 1_000_000,
    windows: [],
  });
  const out = new ProcessorOutputs();
  for (const b of batches) p.process(b, out);
  p.finish(out);
  return out.drain().bars.map((b) => ({ ...b, revision: 0 }));
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

test('an uninterrupted feed delivers every trade of the capture once, in id order', { skip }, async (t) => {
  const { fake, src, got } = await setup(t);
  await fake.waitFor(() => got.trades() >= TRADES, 60_000, 'every trade');
  assert.deepEqual(got.ids(), range(FIRST_ID, TRADES));
  assert.equal(fake.connectUrls[0], '/stream?streams=btcusdt@trade');
  const s = src.stats().connections[0];
  assert.equal(s?.trades, TRADES);
  assert.equal(s?.gapsDetected, 0);
  assert.equal(s?.rejects, 0);
  // the fake sends each connection only the streams its URL names
  assert.equal(s?.messages, TRADES);
  assert.equal(s?.ignored, 0);
});

test(
  'killed mid-stream with trades missed: reconnects, backfills the gap over REST, and the bars equal an uninterrupted run',
  { skip },
  async (t) => {
    const reference = await (async () => {
      const { fake, got } = await setup(t);
      await fake.waitFor(() => got.trades() >= TRADES, 60_000, 'every trade (reference)');
      return bars1m(got.batches);
    })();

    const { fake, src, got } = await setup(t);
    // a third of the way in: 40 trade frames never reach the client, then the connection dies
    fake.at(12_000, (f) => {
      f.injectGap(40);
      f.drop();
    });
    await fake.waitFor(() => got.trades() >= TRADES, 60_000, 'every trade, backfilled ones included');
    assert.deepEqual(got.ids(), range(FIRST_ID, TRADES));
    assert.ok(fake.connections >= 2, 'reconnected');
    assert.ok(fake.restHits.some((h) => h.path === '/api/v3/historicalTrades' && h.status === 200));
    const s = src.stats();
    assert.equal(s.connections[0]?.gapsDetected, 1);
    assert.equal(s.connections[0]?.tradesMissed, 40);
    assert.equal(s.connections[0]?.tradesBackfilled, 40);
    assert.equal(s.connections[0]?.gapsUnrecovered, 0);
    assert.ok(s.connections[0]?.reconnects ?? 0 >= 1);
    assert.ok(s.events.some((e) => e.type === 'disconnect'));
    assert.ok(
      s.events.some(
        (e) =>
          e.type === 'gap' && e.backfilled === 'yes' && e.instrument === BTC && (e.lastMissingId ?? 0) - (e.firstMissingId ?? 0) === 39,
      ),
    );
    assert.deepEqual(bars1m(got.batches), reference);
    assert.deepEqual(got.gaps, [], 'a gap backfilled whole leaves no marker');
  },
);

test('a backfill that fails leaves the gap recorded and the feed going', { skip }, async (t) => {
  const { fake, src, got } = await setup(t, {}, { backfillAttempts: 2 });
  fake.at(5_000, (f) => {
    f.failRest(10, 500);
    f.injectGap(10);
  });
  await fake.waitFor(() => got.trades() >= TRADES - 10, 60_000, 'every trade but the gap');
  await fake.waitFor(() => src.stats().events.some((e) => e.type === 'gap'), 10_000, 'the gap event');
  const s = src.stats();
  assert.equal(s.connections[0]?.gapsUnrecovered, 1);
  assert.equal(s.connections[0]?.tradesBackfilled, 0);
  const gap = s.events.find((e) => e.type === 'gap');
  assert.equal(gap?.backfilled, 'failed');
  assert.match(gap?.reason ?? '', /HTTP 500/);
  const ids = got.ids();
  assert.equal(ids.length, TRADES - 10);
  // the marker travels with the trades: the stretch between the trades either side of the gap
  assert.equal(got.gaps.length, 1);
  const [marker] = got.gaps;
  const at = ids.findIndex((id, i) => i > 0 && id - (ids[i - 1] ?? 0) > 1);
  const ts = got.batches.flatMap((b) => Array.from(b.ts.subarray(0, b.length)));
  assert.deepEqual(marker, {
    type: 'gap',
    instrument: BTC,
    start: ts[at - 1],
    end: ts[at],
    kind: 'ids',
    missing: 10,
    source: 'binance#0',
    time: marker?.time,
  });
  assert.ok(
    ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0)),
    'still in id order',
  );
});

test('a silent connection is replaced (stale timeout), refused connections are retried', { skip }, async (t) => {
  const { fake, src, got } = await setup(t, {}, { staleMs: 400 });
  fake.at(3_000, (f) => f.stall(3_000));
  await fake.waitFor(() => fake.connections >= 2, 10_000, 'a new connection after the stall');
  fake.refuseConnections(2);
  fake.drop();
  await fake.waitFor(() => got.trades() >= TRADES, 60_000, 'every trade');
  assert.deepEqual(got.ids(), range(FIRST_ID, TRADES));
  assert.ok(fake.refused >= 2);
  const c = src.stats().connections[0];
  assert.ok((c?.reconnects ?? 0) >= 3, `reconnects ${c?.reconnects}`);
});

test('a venue whose ids cannot show what a disconnect cost marks the stretch as a gap', { skip }, async (t) => {
  // ids 'none': the feed cannot tell what the drop cost (its backfill is then never used)
  const noIds = { ...binance, ids: 'none' as const };
  const { fake, got } = await setup(t, {}, { subscriptions: [{ venue: noIds, symbols: ['BTCUSDT'] }] });
  fake.at(4_000, (f) => f.drop());
  await fake.waitFor(() => got.trades() >= TRADES, 60_000, 'every trade');
  await fake.waitFor(() => got.gaps.length >= 1, 5_000, 'the marker');
  const ts = got.batches.flatMap((b) => Array.from(b.ts.subarray(0, b.length)));
  const g = got.gaps[0];
  assert.equal(g?.kind, 'disconnect');
  assert.equal(g?.missing, -1);
  // from the last trade before the drop to the first after it: consecutive trades here (the fake held the tape)
  const i = ts.lastIndexOf(g?.start ?? NaN);
  assert.ok(i >= 0 && ts[i + 1] === g?.end, `${g?.start}..${g?.end}`);
});

test('skew is local receive time minus exchange time', { skip }, async (t) => {
  const T = Date.UTC(2024, 7, 8, 23, 55);
  const { fake, src, got } = await setup(t, { frames: [] }, { now: () => T - 1250 });
  await fake.waitFor(() => fake.open >= 1 && src.stats().connections[0]?.state === 'open', 5_000, 'connected');
  for (let i = 0; i < 3; i++) {
    fake.sendRaw(
      `{"stream":"btcusdt@trade","data":{"e":"trade","E":${T},"s":"BTCUSDT","t":${100 + i},"p":"61000.5","q":"0.1","T":${T},"m":false}}`,
    );
  }
  await fake.waitFor(() => got.trades() >= 3, 5_000, 'three trades');
  // the hftbacktest capture's clock ran about this much behind Binance (SOURCES.md)
  assert.equal(src.stats().connections[0]?.skewMs, -1250);
  const b = got.batches[0];
  assert.equal(b?.localTs[0], T - 1250);
  assert.equal(b?.ts[0], T);
});

test('garbage frames and venue errors are kept as rejects; the feed carries on', { skip }, async (t) => {
  const { fake, src, got } = await setup(t);
  fake.at(2_000, (f) => {
    f.sendRaw('garbage{');
    f.sendRaw('{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"NaN","q":"1","T":1723161255342,"m":true}}');
    f.sendRaw('{"error":{"code":2,"msg":"Invalid request: too many streams"},"id":7}');
  });
  await fake.waitFor(() => got.trades() >= TRADES, 60_000, 'every trade');
  await fake.waitFor(() => got.rejects.length >= 3, 5_000, 'the rejects');
  assert.deepEqual(
    got.rejects.map((r) => r.reason),
    ['MALFORMED', 'BAD_PRICE', 'VENUE_ERROR'],
  );
  assert.equal(got.rejects[0]?.raw, 'garbage{');
  assert.equal(got.rejects[0]?.source, 'binance#0');
  const c = src.stats().connections[0];
  assert.equal(c?.rejects, 2);
  assert.equal(c?.venueErrors, 1);
  assert.match(c?.lastError ?? '', /too many streams/);
});
