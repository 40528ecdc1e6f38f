import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../src/cli/config.js';
import { tempDir } from '../helpers.js';

test('defaults, then config file, then environment, then flags', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'tickflow.json');
    writeFileSync(file, JSON.stringify({ port: 9001, intervals: ['1m', '1h'], lateness: '5s' }));
    const d = resolveConfig('run', {}, {});
    assert.equal(d.port, 8080);
    assert.deepEqual(
      d.intervals.map((s) => s.name),
      ['1s', '1m', '5m', '15m', '1h', '1d'],
    );
    assert.equal(d.lateness, 2000);
    assert.equal(d.storeTrades, true);
    assert.equal(resolveConfig('replay', {}, {}).storeTrades, false, 'per-command default');
    const f = resolveConfig('run', { config: file }, {});
    assert.equal(f.port, 9001);
    assert.deepEqual(
      f.intervals.map((s) => s.name),
      ['1m', '1h'],
    );
    assert.equal(f.lateness, 5000);
    const e = resolveConfig('run', { config: file }, { TICKFLOW_PORT: '9002' });
    assert.equal(e.port, 9002);
    const fl = resolveConfig('run', { config: file, port: '9003' }, { TICKFLOW_PORT: '9002' });
    assert.equal(fl.port, 9003);
    assert.equal(resolveConfig('run', {}, { TICKFLOW_CONFIG: file }).port, 9001, 'TICKFLOW_CONFIG names the file');
  } finally {
    cleanup();
  }
});

test('invalid values name the setting and where they came from', () => {
  assert.throws(() => resolveConfig('run', { port: 'abc' }, {}), {
    code: 'CONFIG_INVALID',
    message: /--port: 'abc' must be an integer from 0 to 65535/,
  });
  assert.throws(() => resolveConfig('run', {}, { TICKFLOW_PORT: '70000' }), { message: /environment variable TICKFLOW_PORT: '70000'/ });
  assert.throws(() => resolveConfig('run', { intervals: '1m,7m' }, {}), { message: /--intervals: '1m,7m'.*7m/ });
  assert.throws(() => resolveConfig('run', { windows: '5m/2m' }, {}), { message: /size must be a multiple of the slide/ });
  assert.throws(() => resolveConfig('run', { latePolicy: 'drop' }, {}), { message: /must be one of side-output, revise/ });
  const { dir, cleanup } = tempDir();
  try {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"port": 1, "prot": 2}');
    assert.throws(() => resolveConfig('run', { config: bad }, {}), { message: /unknown setting\(s\) prot/ });
    writeFileSync(bad, '{not json');
    assert.throws(() => resolveConfig('run', { config: bad }, {}), { code: 'CONFIG_INVALID', message: /config file .*bad.json/ });
    assert.throws(() => resolveConfig('run', { config: join(dir, 'missing.json') }, {}), { message: /cannot be read/ });
  } finally {
    cleanup();
  }
});

test('--replay files imply the replay source', () => {
  const c = resolveConfig('run', { replay: 'a.csv,b.csv' }, {});
  assert.equal(c.source, 'replay');
  assert.deepEqual(c.replay, ['a.csv', 'b.csv']);
});

test('every command resolves with no flags, env or file (the defaults are all valid)', () => {
  for (const cmd of ['run', 'replay', 'serve', 'bars'] as const) assert.doesNotThrow(() => resolveConfig(cmd, {}, {}), cmd);
});

test('--source takes sim, replay, or live venues (space- or comma-separated), checked against the registry', () => {
  assert.equal(resolveConfig('run', {}, {}).source, 'sim');
  const live = resolveConfig('run', { source: ['binance:btcusdt,ETHUSDT', 'coinbase:BTC-USD'] }, {});
  assert.deepEqual([...(live.source as readonly string[])], ['binance:btcusdt,ETHUSDT', 'coinbase:BTC-USD']);
  const fromFile = resolveConfig('run', {}, { TICKFLOW_SOURCE: 'binance:BTCUSDT,ETHUSDT,coinbase:BTC-USD' });
  assert.deepEqual([...(fromFile.source as readonly string[])], ['binance:BTCUSDT,ETHUSDT', 'coinbase:BTC-USD']);
  assert.throws(() => resolveConfig('run', { source: ['nope:BTC'] }, {}), {
    code: 'CONFIG_INVALID',
    message: /unknown venue 'nope'; known: binance/,
  });
  assert.throws(() => resolveConfig('run', { source: ['binance:BTC-USD'] }, {}), { message: /not a Binance symbol/ });
  assert.throws(() => resolveConfig('run', { source: ['live'] }, {}), { message: /must be sim, replay, or live sources/ });
  assert.throws(() => resolveConfig('run', { source: ['binance:BTCUSDT'], replay: 'a.csv' }, {}), { message: /cannot be combined/ });
  const urls = resolveConfig('run', { venueUrl: 'binance=ws://127.0.0.1:1,binance.rest=http://127.0.0.1:2' }, {});
  assert.deepEqual(urls.venueUrls, { binance: 'ws://127.0.0.1:1', 'binance.rest': 'http://127.0.0.1:2' });
  assert.throws(() => resolveConfig('run', { venueUrl: 'binance=ftp://x' }, {}), { message: /--venue-url: .* must be <venue>=ws/ });
});

test('--source <venue> --instruments <SYMBOLS> is the venue with those symbols; a bare venue without symbols is an error', () => {
  const c = resolveConfig('ingest', { source: ['binance'], instruments: 'BTCUSDT,ETHUSDT' }, {});
  assert.deepEqual([...(c.source as readonly string[])], ['binance:BTCUSDT,ETHUSDT']);
  assert.equal(c.instruments, 20, 'the simulator count keeps its default');
  assert.throws(() => resolveConfig('run', { source: ['coinbase'] }, {}), {
    code: 'CONFIG_INVALID',
    message: /--source coinbase needs symbols/,
  });
  assert.throws(() => resolveConfig('run', { source: ['nope'], instruments: 'X' }, {}), {
    message: /must be sim, replay, or live sources/,
  });
  const stale = resolveConfig('run', { feedStale: '5s', instrumentStale: '10m' }, {});
  assert.equal(stale.feedStale, 5000);
  assert.equal(stale.instrumentStale, 600_000);
  assert.equal(resolveConfig('run', {}, {}).instrumentStale, 0);
});

test('--store takes duckdb or a postgres:// URL; a bad one is refused without repeating its password', () => {
  assert.equal(resolveConfig('run', {}, {}).store, 'duckdb');
  const url = 'postgres://tick:s3cret@db.example:5432/tickflow?schema=prod';
  assert.equal(resolveConfig('serve', {}, { TICKFLOW_STORE: url }).store, url);
  for (const [bad, why] of [
    ['mysql://tick:s3cret@db/x', /must be duckdb or postgres:\/\//],
    ['postgres://tick:s3cret@db/x?schema=a-b', /schema 'a-b' must be a plain identifier/],
    ['postgres://tick:s3cret@', /names no host|not a URL/],
  ] as const) {
    assert.throws(
      () => resolveConfig('run', { store: bad }, {}),
      (e: unknown) => e instanceof Error && why.test(e.message) && !e.message.includes('s3cret') && e.message.includes('tick:***@'),
      bad,
    );
  }
  assert.deepEqual(resolveConfig('run', { retention: 'trades=7d,late_trades=12h' }, {}).retention, {
    trades: 7 * 86_400_000,
    late_trades: 12 * 3_600_000,
  });
  assert.throws(() => resolveConfig('run', { retention: 'bogus=1d' }, {}), { message: /--retention: 'bogus=1d' .*trades=7d/ });
});

test("the Kafka URL's ?partitions= is the partition count unless --partitions says the same or is absent", () => {
  const url = 'kafka://127.0.0.1:9092?prefix=t.&partitions=2';
  assert.equal(resolveConfig('process', { log: url }, {}).partitions, 2, 'the URL wins over the default of 12');
  assert.equal(resolveConfig('process', { log: url, partitions: '2' }, {}).partitions, 2);
  assert.equal(resolveConfig('process', { log: 'kafka://127.0.0.1:9092' }, {}).partitions, 12);
  assert.throws(() => resolveConfig('process', { log: url, partitions: '6' }, {}), {
    code: 'CONFIG_INVALID',
    message: /--partitions says 6 partitions and the log URL says partitions=2/,
  });
});

test("DuckDB's cache after a lake export: 16MB for run and serve, none where nothing exports every minute", () => {
  assert.equal(resolveConfig('run', {}, {}).dbCache, '16MB');
  assert.equal(resolveConfig('serve', {}, {}).dbCache, '16MB');
  assert.equal(resolveConfig('replay', {}, {}).dbCache, '0');
  assert.equal(resolveConfig('run', { dbCache: '0' }, {}).dbCache, '0');
  assert.equal(resolveConfig('run', {}, { TICKFLOW_DB_CACHE: '64MB' }).dbCache, '64MB');
  assert.throws(() => resolveConfig('run', { dbCache: 'lots' }, {}), {
    code: 'CONFIG_INVALID',
    message: /--db-cache: 'lots' must be a size/,
  });
});
