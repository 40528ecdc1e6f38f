import Type, { type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  AlertSchema,
  BarSchema,
  FeedGapSchema,
  IndicatorSetSchema,
  LateTradeSchema,
  ModelMetricsSchema,
  ModelVersionSchema,
  PredictionSchema,
  RejectSchema,
  TickflowError,
  WindowStatsSchema,
} from '../../core/index.js';
import { TOPICS, jsonCodec, type Codec, type ProduceRecord } from '../../log/index.js';
import { columnCodec } from './column-codec.js';
import { TRADE_CODECS, type TradeCodecName } from './trade-records.js';

/**
 * Schema version of the output topics' records: since version 2 a record holds an array of the
 * values of one key (instrument, or source for rejects) from one batch of input, so the
 * per-record costs of the log (framing, headers, offsets, commits) are paid once per batch, not
 * once per bar. Version 1 records held one value; they are still read (as a one-value array).
 */
export const OUTPUT_SCHEMA_VERSION = 2;

/**
 * Most values in one output record. A record of this many indicator sets, the largest values,
 * stays well under Kafka's default 1 MB record limit (`message.max.bytes`); see the codec test.
 */
export const MAX_VALUES_PER_RECORD = 512;

/** How output records are encoded: JSON (readable by any Kafka tool) or binary (columns; JSON for topics that are not flat). */
export type OutputCodecName = 'json' | 'binary';

/**
 * The codec of one output topic: values checked against the record type's schema, so a
 * wrong-schema record goes to the dead-letter topic, not into the store.
 */
function checked(topic: string, schema: TSchema, codec: OutputCodecName): Codec<unknown> {
  // The column codec checks field by field with checks of its own.
  const columns = codec === 'binary' ? columnCodec(topic, schema, OUTPUT_SCHEMA_VERSION) : null;
  if (columns) return columns;
  // Compiled once: the interpreted check was a fifth of the split pipeline's CPU.
  const one = Compile(schema);
  const many = Compile(Type.Array(schema));
  const refuse = (errors: { instancePath: string; message: string }[]): never => {
    const first = errors[0];
    throw new TickflowError(
      'LOG_CODEC',
      `${topic} record does not match its schema: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid'}`,
    );
  };
  const checkMany = (v: unknown[]): unknown[] => (many.Check(v) ? v : refuse(many.Errors(v)));
  return jsonCodec<unknown>({
    version: OUTPUT_SCHEMA_VERSION,
    reads: [1, OUTPUT_SCHEMA_VERSION],
    validate: (v, version) => {
      if (version === 1) return one.Check(v) ? [v] : refuse(one.Errors(v));
      return Array.isArray(v) ? checkMany(v) : refuse(many.Errors(v));
    },
  });
}

/**
 * The codec of every topic of a split deployment. Output topics' values are arrays (see
 * `OUTPUT_SCHEMA_VERSION`); with `outputs: 'binary'` the flat ones (bars, indicators, windows,
 * alerts, late trades, rejects, gaps, forecasts: whatever `columnFields` takes) are columns,
 * decoded to a `ColumnBatch` (`outputValues` gives the values of either form).
 */
export function pipelineCodecs(trades: TradeCodecName, outputs: OutputCodecName = 'json'): Record<string, Codec<unknown>> {
  return {
    [TOPICS.trades]: TRADE_CODECS[trades] as Codec<unknown>,
    [TOPICS.bars]: checked('bars', BarSchema, outputs),
    [TOPICS.indicators]: checked('indicators', IndicatorSetSchema, outputs),
    [TOPICS.alerts]: checked('alerts', AlertSchema, outputs),
    [TOPICS.windows]: checked('windows', WindowStatsSchema, outputs),
    [TOPICS.late]: checked('late', LateTradeSchema, outputs),
    [TOPICS.rejects]: checked('rejects', RejectSchema, outputs),
    [TOPICS.gaps]: checked('gaps', FeedGapSchema, outputs),
    [TOPICS.predictions]: checked('predictions', PredictionSchema, outputs),
    [TOPICS.modelMetrics]: checked('model-metrics', ModelMetricsSchema, outputs),
    [TOPICS.modelVersions]: checked('model-versions', ModelVersionSchema, outputs),
  };
}

/**
 * Groups `values` into output records: one per key (in the order each key first appears), each
 * value keeping its order within its key, at most `max` values a record (model versions, which
 * carry a model's whole state, go one a record).
 */
export function outputRecords<T>(values: readonly T[], key: (v: T) => string, max = MAX_VALUES_PER_RECORD): ProduceRecord<T[]>[] {
  const byKey = new Map<string, T[][]>();
  for (const v of values) {
    const k = key(v);
    let parts = byKey.get(k);
    if (parts === undefined) byKey.set(k, (parts = [[]]));
    let last = parts[parts.length - 1] as T[];
    if (last.length >= max) parts.push((last = []));
    last.push(v);
  }
  const out: ProduceRecord<T[]>[] = [];
  for (const [k, parts] of byKey) for (const value of parts) out.push({ key: k, value });
  return out;
}
