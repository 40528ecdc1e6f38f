import { parseInstrumentId, type InstrumentId } from '../../core/index.js';
import {
  binanceArchiveSymbol,
  exchangeFromName,
  ftxSymbol,
  krakenSymbol,
  resolveInstrument,
  venueSymbolFromName,
} from '../instrument-from-file.js';
import type { RecordParser } from '../record-parser.js';
import type { ReplayFormat } from '../replay-formats.js';
import { BinanceAggTradesParser } from './binance-aggtrades.js';
import { BinanceDailyCcxtParser } from './binance-daily-ccxt.js';
import { BinanceKlinesParser } from './binance-klines.js';
import { BinanceTradesParser } from './binance-trades.js';
import { BinanceTradesWsParser } from './binance-trades-ws.js';
import { CcxtTradesJsonParser } from './ccxt-trades-json.js';
import { Ftx1mParser } from './ftx-1m.js';
import { KaggleDailyParser } from './kaggle-daily.js';
import { KrakenTimesalesParser } from './kraken-timesales.js';
import { TardisTradesParser } from './tardis-trades.js';

/**
 * The parser for a format, with its instrument: the `instrument` override, else the file
 * name, else (formats whose rows name it) the rows. Throws USAGE when nothing names it.
 */
export function createRecordParser(format: ReplayFormat, fileName: string, instrument: string | undefined): RecordParser {
  const override: InstrumentId | undefined = instrument === undefined ? undefined : parseInstrumentId(instrument);
  switch (format) {
    case 'kaggle-daily':
      return new KaggleDailyParser(override);
    case 'binance-daily-ccxt':
      return new BinanceDailyCcxtParser(resolveInstrument(instrument, binanceArchiveSymbol(fileName), fileName));
    case 'binance-klines':
      return new BinanceKlinesParser(resolveInstrument(instrument, binanceArchiveSymbol(fileName), fileName));
    case 'binance-trades-ws':
      return new BinanceTradesWsParser(
        resolveInstrument(instrument, venueSymbolFromName(fileName) ?? binanceArchiveSymbol(fileName), fileName),
      );
    case 'binance-aggtrades':
      return new BinanceAggTradesParser(
        resolveInstrument(instrument, venueSymbolFromName(fileName) ?? binanceArchiveSymbol(fileName), fileName),
      );
    case 'binance-trades':
      return new BinanceTradesParser(
        resolveInstrument(instrument, venueSymbolFromName(fileName) ?? binanceArchiveSymbol(fileName), fileName),
      );
    case 'tardis-trades':
      return new TardisTradesParser(override);
    case 'kraken-timesales':
      return new KrakenTimesalesParser(resolveInstrument(instrument, krakenSymbol(fileName), fileName));
    case 'ftx-1m':
      return new Ftx1mParser(resolveInstrument(instrument, ftxSymbol(fileName), fileName));
    case 'ccxt-trades-json':
      return new CcxtTradesJsonParser(override, exchangeFromName(fileName));
  }
}
