// Binance public data archive, trades files (`<SYMBOL>-trades-<date>.csv`), same fields as
// REST GET /api/v3/historicalTrades: https://github.com/binance/binance-public-data#trades
// `id,price,qty,quote_qty,time,is_buyer_maker,is_best_match` (futures files lack is_best_match);
// times in ms, µs in spot files from 2025 on.
import type { InstrumentId } from '../../core/index.js';
import { BinanceArchiveTradeParser } from './binance-archive-trade-csv.js';

export const BINANCE_TRADES_COLUMNS = ['id', 'price', 'qty', 'quote_qty', 'time', 'is_buyer_maker', 'is_best_match'] as const;

export class BinanceTradesParser extends BinanceArchiveTradeParser {
  constructor(inst: InstrumentId) {
    super(inst, { columns: BINANCE_TRADES_COLUMNS, timeIndex: 4 });
  }
}
