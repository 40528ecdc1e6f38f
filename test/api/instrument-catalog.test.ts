import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstrumentCatalog } from '../../src/api/instrument-catalog.js';
import { waitFor } from '../helpers.js';
import { FakeLive } from './fake-live.js';
import { FakeStore } from './fake-store.js';
import { barSeries, makeBar, T0 } from './fixtures.js';

describe('InstrumentCatalog', () => {
  it('reads the store once per TTL, then serves the stale list while one refresh runs', async () => {
    const store = new FakeStore({ bars: barSeries('binance:BTCUSDT', '1m', 3) });
    let now = 0;
    const catalog = new InstrumentCatalog(store, undefined, { ttlMs: 1000, now: () => now });
    for (let i = 0; i < 50; i++) assert.equal(await catalog.has('binance:BTCUSDT'), true);
    assert.equal(store.calls.get('instruments'), 1);

    await store.commit({
      bars: barSeries('binance:ETHUSDT', '1m', 3),
      indicators: [],
      alerts: [],
      windows: [],
      late: [],
      rejects: [],
      trades: [],
    });
    now = 1500;
    assert.equal(await catalog.has('binance:ETHUSDT'), false, 'stale answer, no waiting on the store');
    await waitFor(() => store.calls.get('instruments') === 2, 2000, 'background refresh');
    await waitFor(async () => catalog.has('binance:ETHUSDT'), 2000, 'refreshed list');
  });

  it('keeps the stale list when a refresh fails', async () => {
    const store = new FakeStore({ bars: barSeries('binance:BTCUSDT', '1m', 3) });
    let now = 0;
    const catalog = new InstrumentCatalog(store, undefined, { ttlMs: 1000, now: () => now });
    await catalog.snapshot();
    store.failWith = new Error('down');
    now = 5000;
    assert.equal(await catalog.has('binance:BTCUSDT'), true);
    await waitFor(() => store.calls.get('instruments') === 2, 2000, 'failed refresh attempt');
    assert.equal(await catalog.has('binance:BTCUSDT'), true);
  });

  it('includes live-only instruments and matches bare symbols ignoring case and separators', async () => {
    const store = new FakeStore({ bars: [...barSeries('binance:BTCUSDT', '1m', 2), ...barSeries('coinbase:BTC-USD', '1m', 2)] });
    const live = new FakeLive();
    live.push({ type: 'bar', bar: makeBar('kraken:BTCUSD', '1m', T0, 1, 1) });
    const catalog = new InstrumentCatalog(store, live);
    assert.equal(await catalog.has('kraken:BTCUSD'), true);
    assert.deepEqual(await catalog.ids(), ['binance:BTCUSDT', 'coinbase:BTC-USD', 'kraken:BTCUSD']);
    assert.deepEqual(await catalog.matchSymbol('btc-usd'), ['coinbase:BTC-USD', 'kraken:BTCUSD']);
    assert.deepEqual(await catalog.matchSymbol('BTCUSDT'), ['binance:BTCUSDT']);
    assert.deepEqual(await catalog.matchSymbol('DOGE'), []);
  });
});
