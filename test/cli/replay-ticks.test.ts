import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedData, tempDir, NO_SHARED_DATA } from '../helpers.js';
import { duck, query, replayFiles } from './e2e-helpers.js';

/**
 * Bars from real tick files must equal an aggregation computed a different way: DuckDB SQL
 * straight over the CSV, with exact DECIMAL volume sums. Each case says how to read the
 * file's event time (ms), trade id, price and size as SQL expressions.
 */
const CASES = [
  {
    name: 'Tardis Binance futures trades (µs timestamps)',
    files: ['trades/tardis_binance-futures_BTCUSDT_trades_2020-02-22.csv'],
    from: (f: string) => `read_csv('${f}', header = true, all_varchar = true)`,
    ts: 'floor(timestamp::BIGINT / 1000)::BIGINT',
    id: 'id::BIGINT',
    price: 'price::DOUBLE',
    size: 'amount::DECIMAL(38,12)',
  },
  {
    name: 'Binance spot trades from the WebSocket capture (crosses midnight)',
    files: ['trades/binance-spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.from-ws.csv'],
    from: (f: string) => `read_csv('${f}', header = true, all_varchar = true)`,
    ts: 'trade_time::BIGINT',
    id: 'trade_id::BIGINT',
    price: 'price::DOUBLE',
    size: 'qty::DECIMAL(38,12)',
  },
  {
    name: 'Binance USD-M trades from the WebSocket capture',
    files: ['trades/binance-usdm_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0000.from-ws.csv'],
    from: (f: string) => `read_csv('${f}', header = true, all_varchar = true)`,
    ts: 'trade_time::BIGINT',
    id: 'trade_id::BIGINT',
    price: 'price::DOUBLE',
    size: 'qty::DECIMAL(38,12)',
  },
  {
    name: 'Binance aggTrades CSV',
    files: ['trades/binance-spot_XRPETH-aggTrades-2019-10-11_2019-10-13.derived.csv'],
    from: (f: string) => `read_csv('${f}', header = true, all_varchar = true)`,
    ts: 'transact_time::BIGINT',
    id: 'agg_trade_id::BIGINT',
    price: 'price::DOUBLE',
    size: 'quantity::DECIMAL(38,12)',
  },
  {
    name: 'Kraken time-and-sales, two files of one market',
    files: ['trades/kraken_BCHEUR_timesales_part1.csv', 'trades/kraken_BCHEUR_timesales_part2.csv'],
    from: (f: string) => `read_csv('${f}', header = false, all_varchar = true, columns = {'t': 'VARCHAR', 'p': 'VARCHAR', 'v': 'VARCHAR'})`,
    // Kraken has no trade ids: equal timestamps keep file order, as tickflow does.
    ts: 'round(t::DOUBLE * 1000)::BIGINT',
    id: 'NULL',
    price: 'p::DOUBLE',
    size: 'v::DECIMAL(38,12)',
  },
];

for (const c of CASES) {
  test(`bars from ${c.name} equal an independent DuckDB aggregation`, { skip: NO_SHARED_DATA, timeout: 120_000 }, async () => {
    const paths = c.files.map((f) => sharedData(f) ?? '');
    const { dir, cleanup } = tempDir();
    try {
      const summary = await replayFiles(paths, dir, { intervals: '1s,1m,1h,1d', windows: 'none' });
      assert.equal(summary.rejected, 0, JSON.stringify(summary.rejectsByReason));
      assert.equal(summary.late, 0);
      const [inst] = await query(dir, 'SELECT DISTINCT instrument FROM bars');
      assert.ok(inst);
      const instrument = String(inst['instrument']);
      const union = paths
        .map(
          (p, i) =>
            `SELECT ${c.ts} AS ts, ${c.id} AS id, ${c.price} AS price, ${c.size} AS size, ${i} AS file, row_number() OVER () AS rn FROM ${c.from(p)}`,
        )
        .join(' UNION ALL ');
      for (const [iv, ms] of [
        ['1s', 1000],
        ['1m', 60_000],
        ['1h', 3_600_000],
        ['1d', 86_400_000],
      ] as const) {
        const expected = await duck(`
          SELECT (ts - ts % ${ms})::BIGINT AS start,
                 first(price ORDER BY ts, id, file, rn) AS open, max(price) AS high, min(price) AS low,
                 last(price ORDER BY ts, id, file, rn) AS close,
                 round(sum(size), 8)::VARCHAR AS volume, count(*)::BIGINT AS trades
          FROM (${union}) GROUP BY 1 ORDER BY 1`);
        const got = await query(
          dir,
          `SELECT start, open, high, low, close, volume, trades FROM bars WHERE instrument = '${instrument}' AND interval = '${iv}' ORDER BY start`,
        );
        assert.equal(got.length, expected.length, `${iv} bar count`);
        for (let i = 0; i < expected.length; i++) {
          const e = expected[i] ?? {};
          const g = got[i] ?? {};
          const ev = Number(e['volume']).toFixed(8);
          assert.deepEqual(
            [Number(g['start']), g['open'], g['high'], g['low'], g['close'], Number(g['trades']), Number(g['volume']).toFixed(8)],
            [Number(e['start']), e['open'], e['high'], e['low'], e['close'], Number(e['trades']), ev],
            `${instrument} ${iv} bar ${new Date(Number(e['start'])).toISOString()}`,
          );
        }
      }
    } finally {
      cleanup();
    }
  });
}
