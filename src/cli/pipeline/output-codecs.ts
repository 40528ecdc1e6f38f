import type { TSchema } from 'typebox';
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
import { TOPICS, jsonCodec, type Codec } from '../../log/index.js';
import { TRADE_CODECS, type TradeCodecName } from './trade-records.js';

/** JSON checked against the record type's schema: a wrong-schema record goes to the dead-letter topic, not into the store. */
function checked(topic: string, schema: TSchema): Codec<unknown> {
  // Compiled once: the interpreted check was a fifth of the split pipeline's CPU.
  const validator = Compile(schema);
  return jsonCodec<unknown>({
    validate: (v) => {
      if (validator.Check(v)) return v;
      const first = validator.Errors(v)[0];
      throw new TickflowError(
        'LOG_CODEC',
        `${topic} record does not match its schema: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid'}`,
      );
    },
  });
}

/** The codec of every topic of a split deployment. */
export function pipelineCodecs(trades: TradeCodecName): Record<string, Codec<unknown>> {
  return {
    [TOPICS.trades]: TRADE_CODECS[trades] as Codec<unknown>,
    [TOPICS.bars]: checked('bars', BarSchema),
    [TOPICS.indicators]: checked('indicators', IndicatorSetSchema),
    [TOPICS.alerts]: checked('alerts', AlertSchema),
    [TOPICS.windows]: checked('windows', WindowStatsSchema),
    [TOPICS.late]: checked('late', LateTradeSchema),
    [TOPICS.rejects]: checked('rejects', RejectSchema),
    [TOPICS.gaps]: checked('gaps', FeedGapSchema),
    [TOPICS.predictions]: checked('predictions', PredictionSchema),
    [TOPICS.modelMetrics]: checked('model-metrics', ModelMetricsSchema),
    [TOPICS.modelVersions]: checked('model-versions', ModelVersionSchema),
  };
}
