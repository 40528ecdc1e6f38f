import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bar, PipelineStats } from '../../../src/core/index.js';
import { LiveHub } from '../../../src/cli/pipeline/live-hub.js';

const bar = (start: number, close: number, final: boolean): Bar => ({
  type: 'bar',
  instrument: 'sim:AAA',
  interval: '1m',
  start,
  end: start + 60_000,
  open: 1,
  high: Math.max(1, close),
  low: Math.min(1, close),
  close,
  volume: 1,
  quoteVolume: close,
  buyVolume: 1,
  sellVolume: 0,
  trades: 1,
  vwap: close,
  firstTradeId: 1,
  lastTradeId: 1,
  final,
  revision: 0,
});

test('latestBar: the newest received bar, kept as a copy that later updates do not reach', () => {
  const hub = new LiveHub(() => ({}) as PipelineStats);
  hub.publish({ type: 'bar', bar: bar(60_000, 2, false) });
  const first = hub.latestBar('sim:AAA', '1m');
  hub.publish({ type: 'bar', bar: bar(60_000, 3, true) });
  // an older bar (a late revision of the previous minute) does not replace it
  hub.publish({ type: 'bar', bar: bar(0, 9, true) });
  assert.equal(first?.close, 2);
  assert.deepEqual(hub.latestBar('sim:AAA', '1m'), bar(60_000, 3, true));
  assert.equal(hub.latestBar('sim:AAA', '5m'), undefined);
});

test('latestBar: an open bar from the processor wins over received bars it is not older than', () => {
  const live: { bar?: Bar } = {};
  const hub = new LiveHub(
    () => ({}) as PipelineStats,
    () => live.bar,
  );
  hub.publish({ type: 'bar', bar: bar(60_000, 3, true) });
  assert.equal(hub.latestBar('sim:AAA', '1m')?.final, true, 'no open bar: the last final');
  live.bar = bar(120_000, 4, false);
  assert.deepEqual(hub.latestBar('sim:AAA', '1m'), live.bar);
  // an interim bar received earlier for the same minute is older than the processor's view
  hub.publish({ type: 'bar', bar: bar(120_000, 3.5, false) });
  assert.equal(hub.latestBar('sim:AAA', '1m')?.close, 4);
});

test('listening: any listener that takes every update, or that takes this instrument', () => {
  const hub = new LiveHub(() => ({}) as PipelineStats);
  assert.equal(hub.listening(), false);
  assert.equal(hub.listening('sim:AAA'), false);
  const off = hub.subscribe(
    () => undefined,
    (instrument) => instrument === undefined || instrument === 'sim:AAA',
  );
  assert.equal(hub.listening(), true);
  assert.equal(hub.listening('sim:AAA'), true);
  assert.equal(hub.listening('sim:BBB'), false);
  off();
  assert.equal(hub.listening('sim:AAA'), false);
});
