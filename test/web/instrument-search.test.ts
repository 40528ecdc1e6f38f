import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchInstruments } from '../../web/src/components/instrument-search.js';

const inst = (instrument: string, live = true) => {
  const [exchange = '', symbol = ''] = instrument.split(':');
  return { instrument, exchange, symbol, live };
};

const LIST = [
  inst('binance:BTCUSDT'),
  inst('binance:ETHBTC'),
  inst('coinbase:BTC-USD'),
  inst('kraken:XBT/USD'),
  inst('binance:WBTCUSDT', false),
  inst('bitstamp:btcusd'),
];

test('exact symbol first, then prefix, then anywhere; separators and case do not matter', () => {
  const { items, total } = searchInstruments(LIST, 'btc-usd', 10);
  assert.deepEqual(
    items.map((i) => i.instrument),
    ['bitstamp:btcusd', 'coinbase:BTC-USD', 'binance:BTCUSDT', 'binance:WBTCUSDT'],
  );
  assert.equal(total, 4);
});

test('every word must match, the exchange included', () => {
  assert.deepEqual(
    searchInstruments(LIST, 'binance btc', 10).items.map((i) => i.instrument),
    ['binance:BTCUSDT', 'binance:ETHBTC', 'binance:WBTCUSDT'],
  );
  assert.deepEqual(
    searchInstruments(LIST, 'xbt usd', 10).items.map((i) => i.instrument),
    ['kraken:XBT/USD'],
  );
  assert.equal(searchInstruments(LIST, 'doge', 10).total, 0);
});

test('a thousand instruments: the list is capped, the count is not, live ones lead', () => {
  const many = Array.from({ length: 1000 }, (_, i) => inst(`sim:C${String(i).padStart(4, '0')}USD`, i % 2 === 0));
  const all = searchInstruments(many, '', 60);
  assert.equal(all.items.length, 60);
  assert.equal(all.total, 1000);
  assert.ok(all.items.every((i) => i.live));
  const narrowed = searchInstruments(many, 'c012', 60);
  assert.equal(narrowed.total, 10);
  assert.equal(narrowed.items[0]?.symbol, 'C0120USD');
});
