// `serve`'s sink takes bars and indicator sets of the binary output codec straight from the
// record's columns (no object per row) and, when no WebSocket client listens, publishes only
// each series' newest bar to the live hub. Both must come out as the JSON path does: the same
// rows stored, the same interim count, the same `latestBar` for every series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pipelineCodecs } from '../../src/cli/pipeline/output-codecs.js';
import { LiveHub } from '../../src/cli/pipeline/live-hub.js';
import { SinkStage } from '../../src/cli/pipeline/sink-stage.js';
import type { Bar, IndicatorSet, PipelineStats } from '../../src/core/index.js';
import { MemoryLog, TOPICS } from '../../src/log/index.js';
import { silentLogger } from '../../src/obs/index.js';
import type { PackedWrite, Store } from '../../src/store/index.js';
import { ETH, MIN, bar, indicatorSet } from '../store/fixtures.js';

const SEC = 1000;

/** Bars as `process` emits them: finals, then the open bars' interim updates, a late revision of an older bar last. */
function barsOf(instrument: string): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < 5; i++) out.push(bar(i, instrument, '1s', SEC));
  out.push({ ...bar(5, instrument, '1s', SEC), final: false });
  out.push(bar(0, instrument, '1m', MIN));
  out.push({ ...bar(1, instrument, '1m', MIN), final: false });
  out.push({ ...bar(2, instrument, '1s', SEC), revision: 1, close: 99 });
  out.push({ ...bar(5, instrument, '1s', SEC), final: false, close: 101 });
  return out;
}

const indicators = (instrument: string): IndicatorSet[] => [
  indicatorSet(0, instrument, '1s'),
  { ...indicatorSet(1, instrument, '1s'), rsi: null },
];

async function sink(values: (topic: string, v: unknown[]) => unknown, listen: boolean) {
  const log = new MemoryLog();
  const writes: PackedWrite[] = [];
  const store = {
    loadCheckpoint: () => Promise.resolve(undefined),
    commit: (w: PackedWrite) => {
      writes.push(w);
      return Promise.resolve();
    },
  } as unknown as Store;
  const hub = new LiveHub(() => ({}) as PipelineStats);
  // The listener sees every bar published; `interested` says whether it wants them all.
  const seen: Bar[] = [];
  hub.subscribe(
    (e) => e.type === 'bar' && seen.push(e.bar),
    () => listen,
  );
  const s = new SinkStage({ log, store, logger: silentLogger(), hub, checkpointIntervalMs: 60_000 });
  const abort = new AbortController();
  const run = s.run(abort.signal);
  const producer = log.producer();
  for (const inst of ['binance:BTCUSDT', ETH]) {
    await producer.send(TOPICS.bars, [{ key: inst, value: values(TOPICS.bars, barsOf(inst)) }]);
    await producer.send(TOPICS.indicators, [{ key: inst, value: values(TOPICS.indicators, indicators(inst)) }]);
  }
  while (s.meter.total < 2 * (barsOf(ETH).length + 2)) await new Promise((r) => setTimeout(r, 5));
  abort.abort();
  await run;
  await log.close();
  const latest = ['binance:BTCUSDT', ETH].flatMap((i) => ['1s', '1m'].map((iv) => hub.latestBar(i, iv)));
  return { writes, interim: s.interim, latest, seen };
}

const binary = pipelineCodecs('binary', 'binary');
const columns = (topic: string, v: unknown[]): unknown => {
  const c = binary[topic];
  assert.ok(c);
  return c.decode(c.encode(v), c.version);
};

for (const listen of [false, true]) {
  test(`column records store, count and publish as JSON arrays do (${listen ? 'a client listens' : 'no client listens'})`, async () => {
    const json = await sink((_t, v) => v, listen);
    const cols = await sink(columns, listen);
    assert.deepEqual(
      cols.writes.map((w) => w.tables),
      json.writes.map((w) => w.tables),
    );
    assert.deepEqual(
      cols.writes.map((w) => w.dict),
      json.writes.map((w) => w.dict),
    );
    // Interim bars reach the sink on purpose (for the live feed): not "dropped", which the store warns about.
    assert.deepEqual(
      cols.writes.map((w) => w.droppedInterim),
      json.writes.map((w) => w.droppedInterim),
    );
    assert.ok(json.writes.every((w) => w.droppedInterim === 0));
    assert.equal(cols.interim, json.interim);
    assert.equal(json.interim, 6);
    assert.deepEqual(cols.latest, json.latest);
    // The newest bar is the last interim of bar 5, not the later revision of bar 2.
    assert.equal(cols.latest[0]?.close, 101);
    assert.equal(cols.latest[0]?.final, false);
    if (listen) assert.deepEqual(cols.seen, json.seen);
    // Without interest: one bar per series (2 instruments × 2 intervals) instead of all 20.
    else assert.deepEqual([cols.seen.length, json.seen.length], [4, 20]);
  });
}
