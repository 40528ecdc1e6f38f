import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_OVERLAYS, formatView, parseView } from '../../web/src/url-state.js';

test('a view survives the address bar: format then parse gives it back', () => {
  const view = {
    instrument: 'kraken:XBT/USD',
    interval: '5m',
    overlays: ['ema', 'vwap'] as const,
    compare: ['binance:ETHUSDT', 'coinbase:BTC-USD'],
  };
  const hash = formatView(view);
  assert.equal(hash, 'instrument=kraken:XBT/USD&interval=5m&overlays=ema,vwap&compare=binance:ETHUSDT,coinbase:BTC-USD');
  assert.deepEqual(parseView(`#${hash}`), view);
});

test('defaults stay out of the address; junk in it is ignored', () => {
  assert.equal(
    formatView({ instrument: 'sim:BTCUSD', interval: '1m', overlays: DEFAULT_OVERLAYS, compare: [] }),
    'instrument=sim:BTCUSD&interval=1m',
  );
  assert.deepEqual(parseView('#interval=1m%3Cscript%3E&overlays=sma,nope,bb&compare=BTC,sim:ETHUSD,sim:ETHUSD&x=1'), {
    overlays: ['sma', 'bb'],
    compare: ['sim:ETHUSD'],
  });
  assert.deepEqual(parseView(''), {});
});
