import { instrumentId, type InstrumentId } from '../core/index.js';

/** One simulated market: where its price starts, how wild it is, how much it trades. */
export interface SimInstrument {
  readonly id: InstrumentId;
  readonly startPrice: number;
  /** Annualized volatility in the calm regime. */
  readonly vol: number;
  /** Median trade notional in USD. */
  readonly notional: number;
}

// Rough early-2026 levels; only the orders of magnitude matter (ticks and lots follow from them).
const MAJORS: readonly (readonly [string, number, number, number])[] = [
  ['BTCUSD', 95_000, 0.55, 900],
  ['ETHUSD', 3_300, 0.7, 600],
  ['SOLUSD', 190, 0.9, 400],
  ['BNBUSD', 680, 0.6, 350],
  ['XRPUSD', 2.3, 0.85, 300],
  ['DOGEUSD', 0.33, 1.0, 250],
  ['ADAUSD', 0.95, 0.9, 200],
  ['AVAXUSD', 38, 1.0, 200],
  ['LINKUSD', 21, 0.95, 200],
  ['DOTUSD', 7.2, 0.95, 150],
  ['LTCUSD', 105, 0.8, 150],
  ['TRXUSD', 0.25, 0.6, 120],
  ['ATOMUSD', 6.8, 0.95, 120],
  ['UNIUSD', 13, 1.0, 120],
  ['XLMUSD', 0.42, 0.85, 100],
  ['NEARUSD', 5.1, 1.05, 100],
  ['APTUSD', 9.4, 1.05, 100],
  ['ARBUSD', 0.78, 1.1, 90],
  ['OPUSD', 1.9, 1.1, 90],
  ['SUIUSD', 4.2, 1.15, 90],
];

export const MAX_SIM_INSTRUMENTS = 1000;

/**
 * The first 20 are named after real majors; the rest are `SYM021USD`… with prices spread
 * over several orders of magnitude, drawn from `rand` so the set is fixed by the seed.
 */
export function simInstruments(count: number, rand: () => number): SimInstrument[] {
  const out: SimInstrument[] = [];
  for (let i = 0; i < count; i++) {
    const major = MAJORS[i];
    if (major) {
      const [sym, price, vol, notional] = major;
      out.push({ id: instrumentId('sim', sym), startPrice: price, vol, notional });
    } else {
      const price = Number((10 ** (-2 + 5 * rand())).toPrecision(4));
      out.push({
        id: instrumentId('sim', `SYM${String(i + 1).padStart(3, '0')}USD`),
        startPrice: price,
        vol: 0.8 + 0.8 * rand(),
        notional: 40 + 120 * rand(),
      });
    }
  }
  return out;
}
