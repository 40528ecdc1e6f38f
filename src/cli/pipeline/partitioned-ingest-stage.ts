import type { InstrumentId, TradeBatch } from '../../core/index.js';
import { TOPICS, type Log, type ProduceRecord } from '../../log/index.js';
import { RateMeter, type Logger } from '../../obs/index.js';
import type { TradeSource } from '../../sources/index.js';
import { outputRecords } from './output-codecs.js';
import { splitByInstrument, type TradeRecord } from './trade-records.js';

/**
 * Trades per record: ~84 KB binary, ~230 KB JSON, well under Kafka's default 1 MB message
 * limit, and small enough that a record is not a latency step of its own.
 */
export const MAX_TRADES_PER_RECORD = 2048;

/** Sends not yet acknowledged before the next chunk waits for the oldest. */
const MAX_IN_FLIGHT = 64;

/** `b` cut into batches of at most `max` trades (views, not copies). */
function slices(b: TradeBatch, max: number): TradeBatch[] {
  if (b.length <= max) return [b];
  const out: TradeBatch[] = [];
  for (let s = 0; s < b.length; s += max) {
    const e = Math.min(b.length, s + max);
    out.push({
      length: e - s,
      instruments: b.instruments,
      inst: b.inst.subarray(s, e),
      ts: b.ts.subarray(s, e),
      localTs: b.localTs.subarray(s, e),
      price: b.price.subarray(s, e),
      size: b.size.subarray(s, e),
      id: b.id.subarray(s, e),
      side: b.side.subarray(s, e),
    });
  }
  return out;
}

/**
 * `tickflow ingest` on a partitioned log: each source chunk becomes one record per
 * instrument (key = instrument, so an instrument's trades stay ordered in one partition),
 * rejects go along keyed by source, and a finite source ends with an `end` record on every
 * partition, naming the instruments whose bars may be closed.
 *
 * Positions are not kept: a restarted `ingest` replay starts its files over, and the
 * processor's trade-id dedupe drops what it has already seen.
 */
export class PartitionedIngestStage {
  readonly meter = new RateMeter();
  rejects = 0;
  private readonly instruments = new Set<InstrumentId>();

  constructor(
    private readonly log: Log,
    readonly source: TradeSource,
    /** Partitions of the trades topic (an `end` goes to each). */
    private readonly partitions: number,
    readonly name: string = source.name,
    private readonly logger?: Logger,
  ) {}

  async run(signal?: AbortSignal): Promise<void> {
    const producer = this.log.producer();
    const inFlight: Promise<void>[] = [];
    for await (const chunk of this.source) {
      if (signal?.aborted) return;
      const records: ProduceRecord<TradeRecord>[] = [];
      for (const { instrument, batch } of splitByInstrument(chunk.trades)) {
        this.instruments.add(instrument);
        for (const part of slices(batch, MAX_TRADES_PER_RECORD)) {
          records.push({ key: instrument, value: { kind: 'trades', source: this.name, instrument, batch: part } });
        }
      }
      // Gap markers need no processing: they go straight to the sink (serve) that stores them.
      const gaps = chunk.gaps ?? [];
      for (const g of gaps) this.logger?.warn({ gap: g }, `feed gap on ${g.instrument}: bars over it may be thin`);
      if (gaps.length > 0)
        inFlight.push(
          producer.send(
            TOPICS.gaps,
            outputRecords(gaps, (g) => g.instrument),
          ),
        );
      if (chunk.rejects.length > 0) {
        this.rejects += chunk.rejects.length;
        records.push({ key: this.name, value: { kind: 'rejects', source: this.name, rejects: chunk.rejects } });
      }
      this.meter.mark(chunk.trades.length);
      // Sends are pipelined: the log keeps their order and bounds their memory (a send waits
      // while its buffer is full); awaiting each ack in turn would cap ingest at one round trip
      // per chunk.
      if (records.length > 0) inFlight.push(producer.send(TOPICS.trades, records));
      if (inFlight.length >= MAX_IN_FLIGHT) await inFlight.shift();
    }
    await Promise.all(inFlight);
    if (signal?.aborted) return;
    const instruments = [...this.instruments];
    const ends: ProduceRecord<TradeRecord>[] = [];
    // The topic may have been created by someone else with another count than ours.
    const partitions = (await this.log.partitionCount?.(TOPICS.trades)) ?? this.partitions;
    for (let p = 0; p < partitions; p++)
      ends.push({ key: this.name, partition: p, value: { kind: 'end', source: this.name, instruments } });
    await producer.send(TOPICS.trades, ends);
  }
}
