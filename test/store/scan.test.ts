import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { ScanSlots, type ScanSource } from '../../src/store/scan.js';

// tickflow_scan copies numeric columns into DuckDB's vectors a chunk (2048 rows) at a time and
// writes each chunk's validity mask itself: these pin down NULLs, chunk edges and row order.
describe('tickflow_scan', () => {
  it('reads f64 (NaN as NULL), u32 and str columns across chunk edges, with seq = row index', async () => {
    const rows = 2048 * 2 + 5;
    const x = new Float64Array(rows);
    const k = new Uint32Array(rows);
    const s: string[] = [];
    for (let i = 0; i < rows; i++) {
      // NULLs only in the first chunk and at the last rows: a later chunk must not inherit them.
      x[i] = (i < 2048 && i % 7 === 0) || i === rows - 1 ? NaN : i * 0.5 - 3;
      k[i] = (i * 2654435761) % 4294967296;
      s.push(`s${i % 3}`);
    }
    const source: ScanSource = {
      rows,
      columns: [
        { name: 'x', kind: 'f64', data: x },
        { name: 'k', kind: 'u32', data: k },
        { name: 's', kind: 'str', data: s },
      ],
    };
    const instance = await DuckDBInstance.create(':memory:');
    const con = await instance.connect();
    try {
      const slots = new ScanSlots();
      slots.register(con);
      slots.set('t', source);
      const got = (await con.runAndReadAll(`SELECT x, k, s, seq FROM tickflow_scan('t')`)).getRows();
      assert.equal(got.length, rows);
      got.forEach((r, i) => {
        const want = x[i] ?? NaN;
        assert.deepEqual(r, [Number.isNaN(want) ? null : want, k[i], s[i], i], `row ${i}`);
      });
      const [counts] = (await con.runAndReadAll(`SELECT count(x), count(*) FROM tickflow_scan('t') WHERE seq >= 2048`)).getRows();
      assert.deepEqual(counts, [BigInt(rows - 2048 - 1), BigInt(rows - 2048)]);
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  });

  it('reads a source a second time from the start, and an empty source as no rows', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const con = await instance.connect();
    try {
      const slots = new ScanSlots();
      slots.register(con);
      slots.set('a', { rows: 3, columns: [{ name: 'v', kind: 'f64', data: new Float64Array([1, NaN, 3]) }] });
      slots.set('e', { rows: 0, columns: [{ name: 'v', kind: 'f64', data: new Float64Array(0) }] });
      for (let round = 0; round < 2; round++) {
        assert.deepEqual((await con.runAndReadAll(`SELECT v FROM tickflow_scan('a') ORDER BY seq`)).getRows(), [[1], [null], [3]]);
      }
      assert.deepEqual((await con.runAndReadAll(`SELECT count(*) FROM tickflow_scan('e')`)).getRows(), [[0n]]);
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  });
});
