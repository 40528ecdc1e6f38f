import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import {
  AlertSchema,
  BarSchema,
  IndicatorSetSchema,
  LateTradeSchema,
  RejectSchema,
  TickflowError,
  WindowStatsSchema,
} from '../../core/index.js';
import { TOPICS, jsonCodec, type Codec } from '../../log/index.js';
import { TRADE_CODECS, type TradeCodecName } from './trade-records.js';

/** JSON checked against the record type's schema: a wrong-schema record goes to the dead-letter topic, not into the store. */
function checked(topic: string, schema: TSchema): Codec<unknown> {
  return jsonCodec<unknown>({
    validate: (v) => {
      if (Value.Check(schema, v)) return v;
      const first = Value.Errors(schema, v)[0];
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
  };
}
