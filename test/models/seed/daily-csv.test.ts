import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TickflowError, type ErrorCode } from '../../../src/core/index.js';
import { parseDailyCsv } from '../../../src/models/seed/index.js';
import { NO_SHARED_DATA, sharedData } from '../../helpers.js';
import { DAY0, kaggleCsv, randomWalkDays } from './days.js';

const HEADER = 'SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap';

function rejects(text: string, code: ErrorCode, message: RegExp): void {
  assert.throws(
    () => parseDailyCsv(text, 'f.csv'),
    (e: unknown) => {
      assert.ok(e instanceof TickflowError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    },
  );
}

describe('parseDailyCsv', () => {
  it('reads the real Kaggle BTC file: 2,862 days oldest first, 3.51E+11 volumes, zero volumes of 2013', { skip: NO_SHARED_DATA }, () => {
    const path = sharedData('kaggle-daily/coin_Bitcoin.csv') ?? '';
    const d = parseDailyCsv(readFileSync(path, 'utf8'), path);
    assert.equal(d.format, 'kaggle-daily');
    assert.equal(d.symbol, 'BTC');
    assert.equal(d.rows.length, 2862);
    assert.deepEqual(d.rows[0], {
      day: Date.UTC(2013, 3, 29),
      open: 134.4440002,
      high: 147.4880066,
      low: 134,
      close: 144.5399933,
      volume: 0,
    });
    assert.equal(d.rows[d.rows.length - 2]?.volume, 3.51e11);
    assert.equal(d.rows[d.rows.length - 1]?.day, Date.UTC(2021, 1, 27));
  });

  it("reads ccxt's daily layout by column name (binance-daily)", { skip: NO_SHARED_DATA }, () => {
    const path = sharedData('binance-daily/BTCUSDT-1d-ccxt.csv') ?? '';
    const d = parseDailyCsv(readFileSync(path, 'utf8'), path);
    assert.equal(d.format, 'daily-ohlcv');
    assert.equal(d.rows.length, 1792);
    assert.deepEqual(d.rows[0], {
      day: Date.UTC(2020, 7, 28),
      open: 11330.38,
      high: 11542.65,
      low: 11276.89,
      close: 11526.91,
      volume: 45953.908365,
    });
  });

  it('sorts by day, accepts CRLF and a BOM', () => {
    const rows = randomWalkDays(10);
    const text = kaggleCsv(rows, 'BTC', '\r\n').split('\r\n');
    const shuffled = `\uFEFF${[text[0], ...text.slice(1, -1).reverse()].join('\r\n')}\r\n`;
    const d = parseDailyCsv(shuffled, 'f.csv');
    assert.deepEqual(
      d.rows.map((r) => r.day),
      rows.map((r) => r.day),
    );
  });

  const row = (date: string, h: string, l: string, o: string, c: string, v = '1000'): string =>
    `1,Bitcoin,BTC,${date},${h},${l},${o},${c},${v},1`;
  const file = (...lines: string[]): string => [HEADER, ...lines].join('\n');

  it('stops at a bad row, naming the line and what to fix', () => {
    rejects('', 'UNKNOWN_FORMAT', /empty/);
    rejects('open_time,open,high,low,close,volume\n1,2,3,4,5,6', 'UNKNOWN_FORMAT', /no date column/);
    rejects(file(row('2020-01-01', '2', '1', '1.5', '1.5'), '1,Bitcoin,BTC,2020-01-02,2,1'), 'WRONG_COLUMN_COUNT', /f\.csv:3: 6 fields/);
    rejects(file(row('2020-13-01', '2', '1', '1.5', '1.5')), 'BAD_TIMESTAMP', /f\.csv:2: date '2020-13-01'/);
    rejects(file(row('2021-02-30', '2', '1', '1.5', '1.5')), 'BAD_TIMESTAMP', /2021-02-30/);
    rejects(file(row('2020-01-01', 'abc', '1', '1.5', '1.5')), 'NOT_NUMERIC', /high 'abc' is not a number/);
    rejects(file(row('2020-01-01', '2', '', '1.5', '1.5')), 'NOT_NUMERIC', /low is empty/);
    rejects(file(row('2020-01-01', '2', '1', 'NaN', '1.5')), 'BAD_PRICE', /open is NaN, not a finite number/);
    rejects(file(row('2020-01-01', 'Infinity', '1', '1.5', '1.5')), 'BAD_PRICE', /high is Infinity/);
    rejects(file(row('2020-01-01', '2', '-1', '1.5', '1.5')), 'BAD_PRICE', /low -1 is not a positive price/);
    rejects(file(row('2020-01-01', '2', '1', '1.5', '1.5', '-5')), 'BAD_SIZE', /volume -5 is negative/);
    rejects(file(row('2020-01-01', '1', '2', '1.5', '1.5')), 'BAD_PRICE', /inconsistent bar/);
    rejects(file(row('2020-01-01', '2', '1', '3', '1.5')), 'BAD_PRICE', /open and close must lie within \[low, high\]/);
    rejects(
      file(row('2020-01-01', '2', '1', '1.5', '1.5'), row('2020-01-01', '2', '1', '1.5', '1.5')),
      'BAD_TIMESTAMP',
      /2020-01-01 appears more than once/,
    );
    rejects(
      file(row('2020-01-01', '2', '1', '1.5', '1.5'), row('2020-01-02', '2', '1', '1.5', '1.5').replace(',BTC,', ',ETH,')),
      'DATASET_INVALID',
      /mixes 2 symbols/,
    );
  });

  it('an empty day list parses (the split then says there are too few rows)', () => {
    assert.deepEqual(parseDailyCsv(`${HEADER}\n`, 'f.csv').rows, []);
    assert.equal(DAY0 % 86_400_000, 0);
  });
});
