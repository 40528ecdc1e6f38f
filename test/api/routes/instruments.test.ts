import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstrumentsResponseSchema, type InstrumentInfo } from '../../../src/api/index.js';
import { makeBar, T0 } from '../fixtures.js';
import { assertMatches, BTC, CB_BTC, ETH, harness } from '../harness.js';

describe('GET /api/instruments', () => {
  it('lists store ∪ live instruments with intervals, time range, bars and last close', async () => {
    const h = await harness();
    try {
      await h.app.ready();
      const liveOnly = makeBar('bybit:SOLUSDT', '1m', T0, 10, 11, { final: false });
      const newer = makeBar(BTC, '1m', T0 + 50 * 60_000, 105, 106, { final: false });
      h.live?.push({ type: 'bar', bar: liveOnly });
      h.live?.push({ type: 'bar', bar: newer });
      const body = (await h.app.inject('/api/instruments')).json();
      assertMatches(InstrumentsResponseSchema, body);
      const by = new Map<string, InstrumentInfo>(body.instruments.map((i: InstrumentInfo) => [i.instrument, i]));
      assert.deepEqual([...by.keys()], ['binance:BTCUSDT', 'binance:ETHUSDT', 'bybit:SOLUSDT', 'coinbase:BTCUSDT']);
      const btc = by.get(BTC);
      assert.deepEqual(btc?.intervals.sort(), ['1m', '1s']);
      assert.equal(btc?.bars, 70);
      assert.equal(btc?.firstTime, T0);
      assert.equal(btc?.lastTime, newer.end, 'the live bar is newer than the store');
      assert.equal(btc?.lastClose, 106);
      assert.equal(btc?.live, true);
      const sol = by.get('bybit:SOLUSDT');
      assert.equal(sol?.bars, 0);
      assert.equal(sol?.firstTime, null);
      assert.equal(sol?.lastClose, 11);
      assert.equal(by.get(ETH)?.live, false);
      assert.equal(by.get(CB_BTC)?.symbol, 'BTCUSDT');
      assert.equal(by.get(CB_BTC)?.exchange, 'coinbase');
    } finally {
      await h.app.close();
    }
  });
});
