import { basename } from 'node:path';
import { TickflowError, instrumentId, parseInstrumentId, type InstrumentId } from '../core/index.js';

/**
 * Venue prefixes used in recorded file names (`binance-spot_BTCUSDT_...`) and the exchange
 * part of the instrument id they stand for. Spot is plain `binance`, as in Binance's own archive.
 */
const VENUE_PREFIXES: Record<string, string> = {
  'binance-spot': 'binance',
  binance: 'binance',
  'binance-usdm': 'binance-usdm',
  'binance-futures': 'binance-usdm',
  'binance-coinm': 'binance-coinm',
  'binance-delivery': 'binance-coinm',
};

/** `binance-spot_BTCUSDT_trades...`, `binance-usdm_BTCUSDT...`, `binance-spot_XRPETH-aggTrades...` */
export function venueSymbolFromName(fileName: string): InstrumentId | undefined {
  const m = /^([a-z-]+)_([A-Za-z0-9]+)[_-]/.exec(basename(fileName));
  const exchange = m ? VENUE_PREFIXES[(m[1] ?? '').toLowerCase()] : undefined;
  return m && exchange ? instrumentId(exchange, m[2] ?? '') : undefined;
}

/** Binance data-archive names: `LTCUSDT-1m-2026-02.csv`, `BTCUSDT-aggTrades-2024-01-01.csv`, `BTCUSDT-1d-ccxt.csv`. */
export function binanceArchiveSymbol(fileName: string): InstrumentId | undefined {
  const m = /^([A-Z0-9]{2,})-(\d+[smhdwM]|aggTrades|trades)-/.exec(basename(fileName));
  return m ? instrumentId('binance', m[1] ?? '') : undefined;
}

/** `kraken_BCHEUR_timesales_part1.csv` → kraken:BCHEUR */
export function krakenSymbol(fileName: string): InstrumentId | undefined {
  const m = /^kraken_([A-Za-z0-9]+)[_.-]/i.exec(basename(fileName));
  return m ? instrumentId('kraken', m[1] ?? '') : undefined;
}

/** `FTX_BTC-PERP-1m-2021-12-31_2022-02-01.csv` → ftx:BTC-PERP */
export function ftxSymbol(fileName: string): InstrumentId | undefined {
  const m = /^ftx_([A-Za-z0-9-]+?)-\d+[smhd]\b/i.exec(basename(fileName));
  return m ? instrumentId('ftx', m[1] ?? '') : undefined;
}

/** `freqtrade_binance_XRP-ETH_...` → binance: the exchange named in a name made of `_` parts. */
export function exchangeFromName(fileName: string): string | undefined {
  const known = ['binance', 'kraken', 'coinbase', 'bybit', 'okx', 'bitstamp', 'bitfinex', 'kucoin', 'gateio', 'huobi', 'ftx'];
  return basename(fileName)
    .toLowerCase()
    .split(/[_.]/)
    .find((part) => known.includes(part));
}

/** The `--instrument` override when given, else what the file name says, else a usage error. */
export function resolveInstrument(override: string | undefined, fromName: InstrumentId | undefined, fileName: string): InstrumentId {
  if (override !== undefined) return parseInstrumentId(override);
  if (fromName !== undefined) return fromName;
  throw new TickflowError(
    'USAGE',
    `cannot tell the instrument from the file name '${basename(fileName)}'; pass --instrument <exchange>:<SYMBOL> (e.g. kraken:BCHEUR)`,
  );
}
