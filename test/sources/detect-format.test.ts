import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPLAY_FORMATS, detectFormatFromHead, isReplayFormat } from '../../src/sources/index.js';

test('headers and header-less first rows map to their formats', () => {
  const cases: readonly (readonly [string, string, string | undefined])[] = [
    ['coin_Bitcoin.csv', 'SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap', 'kaggle-daily'],
    ['x.csv', 'Date,open,high,low,close,volume,Name,Symbol,Marketcap', 'binance-daily-ccxt'],
    [
      'x.csv',
      'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore',
      'binance-klines',
    ],
    [
      'BTCUSDT-1m-2024-01.csv',
      '1704067200000,42283.58,42298.62,42261.02,42298.61,35.92724,1704067259999,1519032.2,1327,17.9,757000.1,0',
      'binance-klines',
    ],
    ['x.csv', 'trade_id,price,qty,trade_time,event_time,is_buyer_maker,local_recv_ns', 'binance-trades-ws'],
    ['x.csv', '3735683259,61837.63,0.02,1723161255342,1723161255343,true,1723161254087896568', 'binance-trades-ws'],
    ['x.csv', 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match', 'binance-aggtrades'],
    ['x.csv', '13519807,0.00141342,23.0,15373518,15373518,1570752011620,true,true', 'binance-aggtrades'],
    ['x.csv', '13519807,0.00141342,23.0,15373518,15373518,1570752011620,true', 'binance-aggtrades'],
    ['x.csv', 'id,price,qty,quote_qty,time,is_buyer_maker,is_best_match', 'binance-trades'],
    ['x.csv', '1,42283.58,0.001,42.28,1704067200000,true,true', 'binance-trades'],
    ['x.csv', 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount', 'tardis-trades'],
    ['x.csv', '1672531436,90.540000,1.10448420', 'kraken-timesales'],
    ['x.csv', 'timestamp,open,high,low,close,volume', 'ftx-1m'],
    ['x.json', '[{"info":{"a":1}}', 'ccxt-trades-json'],
    ['BTCUSDT-1m-2024-01.csv', 'garbage', 'binance-klines'],
    ['x.csv', 'what,is,this', undefined],
    ['x.csv', '', undefined],
  ];
  for (const [name, line, want] of cases) assert.equal(detectFormatFromHead(name, line), want, `${name}: ${line}`);
});

test('REPLAY_FORMATS: unique names, one-line descriptions', () => {
  assert.equal(new Set(REPLAY_FORMATS.map((f) => f.name)).size, REPLAY_FORMATS.length);
  assert.ok(REPLAY_FORMATS.every((f) => f.description.length > 10 && !f.description.includes('\n')));
  assert.ok(isReplayFormat('binance-klines'));
  assert.ok(!isReplayFormat('nope'));
});
