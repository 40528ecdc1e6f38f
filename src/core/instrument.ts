import { TickflowError } from './errors.js';

/**
 * An instrument id names a market on a venue: `<exchange>:<SYMBOL>`, e.g. `binance:BTCUSDT`.
 * The exchange part is lower case, the symbol part upper case, both [A-Za-z0-9._-].
 */
export type InstrumentId = string & { readonly __kind: 'InstrumentId' };

const INSTRUMENT_RE = /^[a-z0-9][a-z0-9_-]{0,31}:[A-Z0-9][A-Z0-9._/-]{0,63}$/;

export function isInstrumentId(s: string): s is InstrumentId {
  return INSTRUMENT_RE.test(s);
}

/** Builds an id from its parts, normalizing case; throws BAD_INSTRUMENT when the parts cannot form one. */
export function instrumentId(exchange: string, symbol: string): InstrumentId {
  const id = `${exchange.trim().toLowerCase()}:${symbol.trim().toUpperCase()}`;
  if (!isInstrumentId(id)) {
    throw new TickflowError('BAD_INSTRUMENT', `'${id}' is not a valid instrument id (expected <exchange>:<SYMBOL>, e.g. binance:BTCUSDT)`);
  }
  return id;
}

/** Parses user input: accepts `binance:btcusdt` and normalizes case. */
export function parseInstrumentId(s: string): InstrumentId {
  const i = s.indexOf(':');
  if (i <= 0) {
    throw new TickflowError('BAD_INSTRUMENT', `'${s}' is not a valid instrument id (expected <exchange>:<SYMBOL>, e.g. binance:BTCUSDT)`);
  }
  return instrumentId(s.slice(0, i), s.slice(i + 1));
}

export function splitInstrument(id: InstrumentId): { exchange: string; symbol: string } {
  const i = id.indexOf(':');
  return { exchange: id.slice(0, i), symbol: id.slice(i + 1) };
}
