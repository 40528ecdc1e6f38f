/**
 * The file layouts `openReplay` understands, with the line `--help` prints for each.
 * The names are the values of `--format`.
 */
export const REPLAY_FORMATS = [
  {
    name: 'kaggle-daily',
    description: 'Kaggle "Cryptocurrency Historical Prices" daily bars (SNo,Name,Symbol,Date,High,...); 4 trades per day',
  },
  { name: 'binance-daily-ccxt', description: 'Binance daily klines saved by ccxt (Date,open,high,low,close,volume,Name,Symbol,Marketcap)' },
  {
    name: 'binance-klines',
    description: 'Binance data-archive kline CSV (open_time,open,...,count,...); trades synthesized exactly per kline',
  },
  {
    name: 'binance-trades-ws',
    description: 'Binance trade stream fields as CSV (trade_id,price,qty,trade_time,event_time,is_buyer_maker,local_recv_ns)',
  },
  {
    name: 'binance-aggtrades',
    description: 'Binance data-archive aggTrades CSV (agg_trade_id,price,quantity,...,transact_time,is_buyer_maker,...)',
  },
  { name: 'binance-trades', description: 'Binance data-archive trades CSV (id,price,qty,quote_qty,time,is_buyer_maker,is_best_match)' },
  {
    name: 'tardis-trades',
    description: 'Tardis.dev normalized trades CSV (exchange,symbol,timestamp,local_timestamp,id,side,price,amount), µs times',
  },
  { name: 'kraken-timesales', description: 'Kraken time-and-sales CSV without header (unix_seconds,price,volume)' },
  { name: 'ftx-1m', description: 'FTX 1-minute bars (timestamp,open,high,low,close,volume in USD); 4 trades per bar' },
  { name: 'ccxt-trades-json', description: 'JSON array of ccxt trade objects, e.g. freqtrade *-trades.json.gz' },
] as const;

export type ReplayFormat = (typeof REPLAY_FORMATS)[number]['name'];

export function isReplayFormat(s: string): s is ReplayFormat {
  return REPLAY_FORMATS.some((f) => f.name === s);
}
