// The oracle: trades synthesized from a Binance 1-minute kline file, re-aggregated per
// minute with a plain OHLCV, must give back every row of the file.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openReplay } from '../../src/sources/index.js';
import { NO_SHARED_DATA, sharedData } from '../helpers.js';

const FILES = ['LTCUSDT-1m-2026-02.csv', 'LINKUSDT-1m-2026-02.csv', 'DOTUSDT-1m-2026-02.csv'];

for (const name of FILES) {
  test(`kline oracle: ${name} re-aggregates to its own rows`, { skip: NO_SHARED_DATA }, async () => {
    const path = sharedData(`binance-klines-1m/${name}`);
    assert.ok(path, `${name} missing`);
    const rows = readFileSync(path, 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => l.split(','));
    const first = Number(rows[0]?.[0]);
    const n = rows.length;
    const open = new Float64Array(n).fill(NaN);
    const high = new Float64Array(n).fill(-Infinity);
    const low = new Float64Array(n).fill(Infinity);
    const close = new Float64Array(n);
    const count = new Float64Array(n);
    const vol = new Float64Array(n);
    const buyVol = new Float64Array(n);
    let lastId = 0;
    let firstId = NaN;
    let badTrades = 0;
    const src = openReplay(path, {});
    for await (const chunk of src) {
      const b = chunk.trades;
      if (Number.isNaN(firstId)) firstId = b.id[0] ?? NaN;
      for (let i = 0; i < b.length; i++) {
        const ts = b.ts[i] ?? 0;
        const k = Math.floor((ts - first) / 60_000);
        const p = b.price[i] ?? 0;
        const s = b.size[i] ?? 0;
        const id = b.id[i] ?? 0;
        if (!(id > lastId) || !(s >= 0) || !(k >= 0 && k < n) || Math.floor(ts) !== ts) badTrades++;
        lastId = id;
        if (Number.isNaN(open[k] ?? 0)) open[k] = p;
        if (p > (high[k] ?? 0)) high[k] = p;
        if (p < (low[k] ?? 0)) low[k] = p;
        close[k] = p;
        count[k] = (count[k] ?? 0) + 1;
        vol[k] = (vol[k] ?? 0) + s;
        if (b.side[i] === 1) buyVol[k] = (buyVol[k] ?? 0) + s;
        else if (b.side[i] !== -1) badTrades++;
      }
    }
    assert.equal(badTrades, 0, 'ids increase, sizes ≥ 0, integer ms timestamps inside the file, side ±1');
    assert.equal(firstId, first * 1000, 'ids are open_time × 1000 + index: stable across files and resumes');
    let mismatches = 0;
    const examples: string[] = [];
    rows.forEach((r, k) => {
      const [ot, o, h, l, c, v, , , cnt, tb] = r;
      assert.equal(Number(ot), first + k * 60_000, 'no missing minute in the file');
      const ok =
        open[k] === Number(o) &&
        high[k] === Number(h) &&
        low[k] === Number(l) &&
        close[k] === Number(c) &&
        count[k] === Number(cnt) &&
        (vol[k] ?? 0).toFixed(8) === Number(v).toFixed(8) &&
        (buyVol[k] ?? 0).toFixed(8) === Number(tb).toFixed(8);
      if (!ok) {
        mismatches++;
        if (examples.length < 3)
          examples.push(`${r.join(',')} vs ${open[k]},${high[k]},${low[k]},${close[k]},${vol[k]},${count[k]},${buyVol[k]}`);
      }
    });
    assert.equal(mismatches, 0, examples.join('\n'));
    assert.equal(src.synthesisWarnings(), 0, 'no kline in these files has too few trades for its OHLC');
  });
}
