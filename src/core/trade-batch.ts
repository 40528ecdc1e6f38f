import type { InstrumentId } from './instrument.js';
import type { Side, Trade } from './trade.js';
import { epochMs } from './time.js';

/**
 * Trades in columnar form: the unit that flows through the hot path. Instruments are
 * indices into the batch's own dictionary `instruments`, so a batch is self-contained
 * (it can be encoded for Kafka without a shared symbol table).
 *
 * `position` is where the source stood after the last trade in the batch: opaque to
 * everything but the source, it is stored in checkpoints so a restart resumes there.
 */
export interface TradeBatch {
  length: number;
  readonly instruments: InstrumentId[];
  readonly inst: Uint32Array;
  readonly ts: Float64Array;
  readonly localTs: Float64Array;
  readonly price: Float64Array;
  readonly size: Float64Array;
  /** Venue trade id; -1 when the venue has none (such trades are never deduplicated). */
  readonly id: Float64Array;
  readonly side: Int8Array;
  position?: SourcePosition;
}

/** Opaque resume point of a source, e.g. `{ file: 'x.csv', line: 1234, sub: 5 }`. */
export type SourcePosition = Readonly<Record<string, string | number>>;

export function createTradeBatch(capacity: number): TradeBatch {
  return {
    length: 0,
    instruments: [],
    inst: new Uint32Array(capacity),
    ts: new Float64Array(capacity),
    localTs: new Float64Array(capacity),
    price: new Float64Array(capacity),
    size: new Float64Array(capacity),
    id: new Float64Array(capacity),
    side: new Int8Array(capacity),
  };
}

export function batchCapacity(b: TradeBatch): number {
  return b.ts.length;
}

/** Returns the index of `instrument` in the batch dictionary, adding it if new. */
export function instrumentIndex(b: TradeBatch, instrument: InstrumentId): number {
  const i = b.instruments.indexOf(instrument);
  if (i >= 0) return i;
  b.instruments.push(instrument);
  return b.instruments.length - 1;
}

/** Appends one trade; the caller checks capacity first. */
export function pushTrade(
  b: TradeBatch,
  inst: number,
  ts: number,
  price: number,
  size: number,
  id: number,
  side: Side,
  localTs: number,
): void {
  const n = b.length;
  b.inst[n] = inst;
  b.ts[n] = ts;
  b.price[n] = price;
  b.size[n] = size;
  b.id[n] = id;
  b.side[n] = side;
  b.localTs[n] = localTs;
  b.length = n + 1;
}

export function tradeAt(b: TradeBatch, i: number): Trade {
  return {
    type: 'trade',
    instrument: b.instruments[b.inst[i] ?? 0] as InstrumentId,
    id: b.id[i] ?? -1,
    timestamp: epochMs(b.ts[i] ?? 0),
    localTimestamp: epochMs(b.localTs[i] ?? 0),
    price: b.price[i] ?? 0,
    size: b.size[i] ?? 0,
    side: (b.side[i] ?? 0) as Side,
  };
}

export function* tradesOf(b: TradeBatch): Generator<Trade> {
  for (let i = 0; i < b.length; i++) yield tradeAt(b, i);
}

export function batchFromTrades(trades: readonly Trade[]): TradeBatch {
  const b = createTradeBatch(Math.max(1, trades.length));
  for (const t of trades) {
    pushTrade(b, instrumentIndex(b, t.instrument), t.timestamp, t.price, t.size, t.id, t.side, t.localTimestamp);
  }
  return b;
}

/**
 * Fills batches one trade at a time, as venue mappers do, with the instrument's batch index
 * found by a Map lookup instead of a scan of the dictionary. `push` returns the full batch
 * when it reaches capacity (the builder then starts a new one); `flush` returns the partial
 * batch, if any.
 */
export class TradeBatchBuilder {
  private batch: TradeBatch;
  private index = new Map<InstrumentId, number>();

  constructor(private readonly capacity = 8192) {
    this.batch = createTradeBatch(capacity);
  }

  push(instrument: InstrumentId, ts: number, price: number, size: number, id: number, side: Side, localTs: number): TradeBatch | undefined {
    const b = this.batch;
    let k = this.index.get(instrument);
    if (k === undefined) {
      k = b.instruments.length;
      b.instruments.push(instrument);
      this.index.set(instrument, k);
    }
    pushTrade(b, k, ts, price, size, id, side, localTs);
    return b.length === this.capacity ? this.flush() : undefined;
  }

  flush(): TradeBatch | undefined {
    const b = this.batch;
    if (b.length === 0) return undefined;
    this.batch = createTradeBatch(this.capacity);
    this.index = new Map();
    return b;
  }
}
