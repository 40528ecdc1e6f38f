// Binance public data archive, aggTrades files (`<SYMBOL>-aggTrades-<date>.csv`), same fields as
// REST GET /api/v3/aggTrades: https://github.com/binance/binance-public-data#aggtrades
// `agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match`,
// with or without header; times in ms, µs in spot files from 2025 on.
import type { InstrumentId } from '../../core/index.js';
import { BinanceArchiveTradeParser } from './binance-archive-trade-csv.js';

export const BINANCE_AGGTRADES_COLUMNS = [
  'agg_trade_id',
  'price',
  'quantity',
  'first_trade_id',
  'last_trade_id',
  'transact_time',
  'is_buyer_maker',
  'is_best_match',
] as const;

export class BinanceAggTradesParser extends BinanceArchiveTradeParser {
  constructor(inst: InstrumentId) {
    super(inst, { columns: BINANCE_AGGTRADES_COLUMNS, timeIndex: 5 });
  }
}
