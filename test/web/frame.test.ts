import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Coalescer } from '../../web/src/frame.js';

/** A frame clock the test advances by hand. */
function frames() {
  const queued: (() => void)[] = [];
  return {
    request: (cb: () => void) => queued.push(cb),
    tick() {
      for (const cb of queued.splice(0)) cb();
    },
    get pending() {
      return queued.length;
    },
  };
}

test('updates between two frames are drawn once, newest value per key, in first-arrival order', () => {
  const clock = frames();
  const drawn: string[][] = [];
  const q = new Coalescer<number, string>((values) => drawn.push(values), clock.request);
  // 20 updates of the forming bar (start 1000) and the close of the one before (start 0).
  q.push(0, 'bar0 interim');
  for (let i = 1; i <= 20; i++) q.push(1000, `bar1 update ${i}`);
  q.push(0, 'bar0 final');
  assert.equal(clock.pending, 1, 'one frame requested for the whole burst');
  assert.deepEqual(drawn, []);
  clock.tick();
  assert.deepEqual(drawn, [['bar0 final', 'bar1 update 20']]);
  assert.deepEqual(q.counters, { received: 22, applied: 2, frames: 1 });
});

test('a frame with nothing queued draws nothing; the next push asks for a new frame', () => {
  const clock = frames();
  let flushes = 0;
  const q = new Coalescer<string, number>(() => flushes++, clock.request);
  q.push('stats', 1);
  q.clear();
  clock.tick();
  assert.equal(flushes, 0, 'cleared before the frame (the selection changed)');
  q.push('stats', 2);
  assert.equal(clock.pending, 1);
  clock.tick();
  assert.equal(flushes, 1);
});
