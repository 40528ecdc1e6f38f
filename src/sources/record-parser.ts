import { MAX_FUTURE_SKEW_MS, MIN_TRADE_TIME, type InstrumentId, type Side, type TradeBatch } from '../core/index.js';
import { OhlcSynthesizer } from './ohlc-synthesizer.js';
import type { RecordError } from './record-checks.js';

/**
 * What a replay format implements: turn one record (a line, or a JSON element) into
 * trades. `parse` reads the record into the parser's own state; the reader then asks for
 * the trades with `write`, possibly in several slices when a bar yields thousands of them.
 */
export interface RecordParser {
  /** Whether the splitter cuts JSON array elements instead of lines. */
  readonly records: 'lines' | 'json-array';
  /** Whether record 1 is this format's header line (skipped without a reject). */
  isHeader(text: string): boolean;
  /** Number of trades the record yields (0 is fine), or why it is refused. */
  parse(text: string, now: number): number | RecordError;
  /**
   * Optional fast path on the raw bytes of a line: trades yielded, or -1 when the line is
   * anything but the plain valid case (then `parse` runs and names the problem).
   */
  parseBytes?(buf: Buffer, start: number, end: number, now: number): number;
  /** Instrument of the record last parsed. */
  instrument(): InstrumentId;
  /** Event time of trade `i` of the record last parsed. */
  tsAt(i: number): number;
  /** Appends trades [from, to) of the record, stopping before one stamped ≥ maxTs; returns how many. */
  write(b: TradeBatch, inst: number, from: number, to: number, maxTs: number, localTs: number): number;
  /** Bars that could not show all of OHLC with their trade count (klines with count < 4). */
  synthesisWarnings(): number;
}

/** Base for formats where one record is one trade. */
export abstract class SingleTradeParser implements RecordParser {
  readonly records: 'lines' | 'json-array' = 'lines';
  protected ts = 0;
  protected price = 0;
  protected size = 0;
  protected id = -1;
  protected side: Side = 0;
  /** NaN when the format has no local receive time: the reader's clock is used. */
  protected localTs = NaN;

  constructor(protected inst: InstrumentId) {}

  abstract isHeader(text: string): boolean;
  abstract parse(text: string, now: number): number | RecordError;

  instrument(): InstrumentId {
    return this.inst;
  }

  tsAt(): number {
    return this.ts;
  }

  write(b: TradeBatch, inst: number, from: number, to: number, maxTs: number, localTs: number): number {
    if (from >= to || this.ts >= maxTs) return 0;
    const w = b.length;
    b.inst[w] = inst;
    b.ts[w] = this.ts;
    b.localTs[w] = Number.isNaN(this.localTs) ? localTs : this.localTs;
    b.price[w] = this.price;
    b.size[w] = this.size;
    b.id[w] = this.id;
    b.side[w] = this.side;
    b.length = w + 1;
    return 1;
  }

  synthesisWarnings(): number {
    return 0;
  }
}

/** Base for bar formats: trades come from the OHLC synthesizer. */
export abstract class BarParser implements RecordParser {
  readonly records = 'lines' as const;
  protected readonly synth = new OhlcSynthesizer();

  constructor(protected inst: InstrumentId) {}

  abstract isHeader(text: string): boolean;
  abstract parse(text: string, now: number): number | RecordError;

  instrument(): InstrumentId {
    return this.inst;
  }

  tsAt(i: number): number {
    return this.synth.tsAt(i);
  }

  /**
   * Ids are the bar's start in ms × 1000 + the trade's index in the bar: unique and
   * increasing across files and resumes (a month after a month never reuses an id, which
   * dedupe would take for a resend), as long as a bar has fewer than 1000 trades per ms of
   * its interval; good until the year 2255.
   */
  write(b: TradeBatch, inst: number, from: number, to: number, maxTs: number, localTs: number): number {
    return this.synth.write(b, inst, from, to, maxTs, Math.floor(this.synth.tsAt(0)) * 1000, localTs);
  }

  synthesisWarnings(): number {
    return this.synth.warnings;
  }
}

/** The byte fast paths accept only what the string path would accept without a reject. */
export function plainTradeOk(price: number, size: number, ts: number, now: number): boolean {
  return price > 0 && price < Infinity && size >= 0 && size < Infinity && ts >= MIN_TRADE_TIME && ts <= now + MAX_FUTURE_SKEW_MS;
}

/** Compares a header line with the expected column names, ignoring case, spaces and quotes. */
export function headerMatches(text: string, columns: readonly string[]): boolean {
  const got = text.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
  return got.length === columns.length && got.every((c, i) => c === columns[i]);
}

/** True when the first field of a line is not a number: a header, not data. */
export function looksLikeHeader(text: string): boolean {
  const first = text.split(',', 1)[0] ?? '';
  return first.trim() !== '' && Number.isNaN(Number(first));
}
