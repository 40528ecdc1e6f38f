// Resume: read k chunks, take the position, reopen with resumeFrom, repeat: the
// concatenation must be exactly the trades of one uninterrupted read.
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SourcePosition, TradeBatch } from '../../src/core/index.js';
import { openReplay, type ReplayOptions } from '../../src/sources/index.js';
import { NO_SHARED_DATA, sharedData, tempDir } from '../helpers.js';
import { collect } from './collect.js';

const NOW = Date.now();
const now = (): number => NOW;

/** Reads the file in legs of `legs[i]` chunks, reopening from the last position each time. */
async function readInLegs(
  path: string,
  opts: ReplayOptions,
  legs: readonly number[],
  onChunk: (b: TradeBatch) => void,
): Promise<SourcePosition[]> {
  const seen: SourcePosition[] = [];
  let resumeFrom: SourcePosition | undefined;
  for (let leg = 0; ; leg++) {
    const want = legs[leg % legs.length] ?? 1;
    let got = 0;
    let any = false;
    const src = openReplay(path, resumeFrom ? { ...opts, resumeFrom } : opts);
    for await (const c of src) {
      any = true;
      onChunk(c.trades);
      resumeFrom = c.position;
      seen.push(c.position);
      if (++got >= want) break;
    }
    if (!any) return seen;
  }
}

/** Order-sensitive digest of every field of every trade (FNV-1a over the doubles' bytes). */
class Digest {
  h = 0x811c9dc5;
  n = 0;
  private readonly f = new Float64Array(1);
  private readonly u = new Uint32Array(this.f.buffer);
  add(b: TradeBatch): void {
    for (let i = 0; i < b.length; i++) {
      for (const v of [b.ts[i] ?? 0, b.price[i] ?? 0, b.size[i] ?? 0, b.id[i] ?? 0, b.side[i] ?? 0, b.localTs[i] ?? 0]) {
        this.f[0] = v;
        this.h = Math.imul(this.h ^ (this.u[0] ?? 0), 16777619);
        this.h = Math.imul(this.h ^ (this.u[1] ?? 0), 16777619);
      }
      const inst = b.instruments[b.inst[i] ?? 0] ?? '';
      this.h = Math.imul(this.h ^ inst.length, 16777619);
      this.n++;
    }
  }
}

async function gzipTo(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src), createGzip(), createWriteStream(dest));
}

const SMALL: readonly (readonly [string, Partial<ReplayOptions>])[] = [
  ['trades/binance-spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.from-ws.csv', { batchSize: 1000 }],
  ['trades/freqtrade_binance_XRP-ETH_ccxt-trades_2019-10-11.json.gz', { batchSize: 997 }],
  ['trades/tardis_binance-futures_BTCUSDT_trades_2020-02-22.csv', { batchSize: 333 }],
  ['kaggle-daily/coin_Bitcoin.csv', { batchSize: 101 }],
  ['ftx-1m/FTX_BTC-PERP-1m-2021-12-31_2022-02-01.csv', { batchSize: 4095 }],
  ['trades/kraken_BCHEUR_timesales_part2.csv', { batchSize: 7 }],
];

for (const [file, extra] of SMALL) {
  test(`resume ${file} in legs of 1, 3, 2 chunks equals one read`, { skip: NO_SHARED_DATA }, async () => {
    const path = sharedData(file);
    assert.ok(path);
    const opts: ReplayOptions = { now, ...extra };
    const whole = await collect(openReplay(path, opts));
    const legs: TradeBatch[] = [];
    await readInLegs(path, opts, [1, 3, 2], (b) => legs.push(b));
    const again = legs.flatMap((b) =>
      Array.from({ length: b.length }, (_, i) => [b.ts[i], b.price[i], b.size[i], b.id[i], b.side[i], b.instruments[b.inst[i] ?? 0]]),
    );
    assert.equal(again.length, whole.trades.length);
    assert.deepEqual(
      again,
      whole.trades.map((t) => [t.timestamp, t.price, t.size, t.id, t.side, t.instrument]),
    );
  });
}

test('resume a whole kline month at mid-kline positions (byte seek) reproduces every trade', { skip: NO_SHARED_DATA }, async () => {
  const path = sharedData('binance-klines-1m/LTCUSDT-1m-2026-02.csv');
  assert.ok(path);
  const opts: ReplayOptions = { now, batchSize: 7777 };
  const whole = new Digest();
  for await (const c of openReplay(path, opts)) whole.add(c.trades);
  const legs = new Digest();
  const positions = await readInLegs(path, opts, [97, 211, 1, 350], (b) => legs.add(b));
  assert.equal(legs.n, 11_427_525);
  assert.equal(legs.n, whole.n);
  assert.equal(legs.h, whole.h);
  assert.ok(
    positions.some((p) => (p['sub'] as number) > 0),
    'some positions fall inside a kline',
  );
  assert.ok(positions.every((p) => typeof p['byte'] === 'number'));
});

test('resume without a byte offset (line skipping) and from gzip gives the same trades', { skip: NO_SHARED_DATA }, async () => {
  const src = sharedData('binance-klines-1m/DOTUSDT-1m-2026-02.csv');
  assert.ok(src);
  const { dir, cleanup } = tempDir();
  try {
    // a 3000-minute excerpt keeps this quick
    const plain = join(dir, 'DOTUSDT-1m-2026-02.csv');
    writeFileSync(plain, readFileSync(src, 'utf8').split('\n').slice(0, 3001).join('\n') + '\n');
    const gz = join(dir, 'DOTUSDT-1m-2026-02.csv.gz');
    await gzipTo(plain, gz);
    const opts: ReplayOptions = { now, batchSize: 5000 };
    const whole = new Digest();
    for await (const c of openReplay(plain, opts)) whole.add(c.trades);

    // positions without `byte`: the reader skips lines instead of seeking
    const noByte = new Digest();
    let resumeFrom: SourcePosition | undefined;
    for (;;) {
      let got = 0;
      for await (const c of openReplay(plain, resumeFrom ? { ...opts, resumeFrom } : opts)) {
        noByte.add(c.trades);
        const { byte: _byte, ...rest } = c.position;
        resumeFrom = rest;
        got++;
        if (got === 5) break;
      }
      if (got === 0) break;
    }
    assert.equal(noByte.h, whole.h);

    const gzipped = new Digest();
    const positions = await readInLegs(gz, opts, [4, 1], (b) => gzipped.add(b));
    assert.equal(gzipped.n, whole.n);
    assert.equal(gzipped.h, whole.h);
    assert.ok(
      positions.every((p) => p['byte'] === undefined),
      'no byte offsets into a compressed stream',
    );
  } finally {
    cleanup();
  }
});

test('resume works for paced replays too (chunks cut at 100 ms of event time)', { skip: NO_SHARED_DATA }, async () => {
  const path = sharedData('binance-klines-1m/LINKUSDT-1m-2026-02.csv');
  assert.ok(path);
  // 100 000× real time: a few minutes of klines in a few ms of wall time
  const opts: ReplayOptions = { now, pace: 100_000 };
  const first = new Digest();
  const firstPositions: SourcePosition[] = [];
  let n = 0;
  for await (const c of openReplay(path, opts)) {
    first.add(c.trades);
    firstPositions.push(c.position);
    const b = c.trades;
    assert.ok((b.ts[b.length - 1] ?? 0) - (b.ts[0] ?? 0) < 100);
    if (++n === 300) break;
  }
  const legs = new Digest();
  let count = 0;
  let resumeFrom: SourcePosition | undefined;
  while (count < 300) {
    let k = 0;
    for await (const c of openReplay(path, resumeFrom ? { ...opts, resumeFrom } : opts)) {
      legs.add(c.trades);
      resumeFrom = c.position;
      count++;
      if (++k === 7 || count === 300) break;
    }
  }
  assert.equal(legs.h, first.h);
  assert.ok(firstPositions.some((p) => (p['sub'] as number) > 0));
});

test('resumeFrom of another file or format is refused', { skip: NO_SHARED_DATA }, async () => {
  const a = sharedData('trades/kraken_BCHEUR_timesales_part1.csv');
  const b = sharedData('trades/kraken_BCHEUR_timesales_part2.csv');
  assert.ok(a && b);
  const pos = (await collect(openReplay(a, { now, batchSize: 10 }), 1)).positions[0];
  assert.ok(pos);
  assert.throws(() => openReplay(b, { resumeFrom: pos }), { code: 'USAGE' });
  assert.throws(() => openReplay(a, { resumeFrom: { ...pos, line: -1 } }), { code: 'USAGE' });
});
