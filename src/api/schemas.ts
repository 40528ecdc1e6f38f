import Type, { type Static } from 'typebox';
import {
  AlertSchema,
  BarSchema,
  FeedGapSchema,
  IndicatorSetSchema,
  LateTradeSchema,
  PipelineStatsSchema,
  RejectSchema,
  WindowStatsSchema,
} from '../core/index.js';

/**
 * Response shapes that are not core records: pages, summaries and the seed-compatible rows.
 * Each one drives fast-json-stringify serialization, the OpenAPI document and the handler types.
 */

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'pass as `cursor` for the next page; null on the last page' });

export const InstrumentInfoSchema = Type.Object({
  instrument: Type.String({ description: 'instrument id, e.g. binance:BTCUSDT' }),
  exchange: Type.String(),
  symbol: Type.String(),
  intervals: Type.Array(Type.String(), { description: 'intervals with data in the store or the live pipeline' }),
  firstTime: Type.Union([Type.Number(), Type.Null()], { description: 'start of the first stored bar, epoch ms' }),
  lastTime: Type.Union([Type.Number(), Type.Null()], { description: 'end of the newest bar (stored or live), epoch ms' }),
  bars: Type.Integer({ description: 'stored bars, all intervals' }),
  lastClose: NullableNumber,
  live: Type.Boolean({ description: 'seen by the running pipeline' }),
});
export type InstrumentInfo = Static<typeof InstrumentInfoSchema>;

export const InstrumentsResponseSchema = Type.Object({ instruments: Type.Array(InstrumentInfoSchema) });

export const BarsPageSchema = Type.Object({
  instrument: Type.String(),
  interval: Type.String(),
  bars: Type.Array(BarSchema),
  nextCursor: NextCursor,
});

export const IndicatorsPageSchema = Type.Object({
  instrument: Type.String(),
  interval: Type.String(),
  indicators: Type.Array(IndicatorSetSchema),
  nextCursor: NextCursor,
});

export const VolatilityPointSchema = Type.Object({
  start: Type.Number({ description: 'bar start, epoch ms' }),
  realizedVol: Type.Union([Type.Number(), Type.Null()], { description: 'annualized rolling std of log returns; null while warming up' }),
  logReturn: Type.Union([Type.Number(), Type.Null()], { description: 'ln(close / previous close)' }),
});
export type VolatilityPoint = Static<typeof VolatilityPointSchema>;

export const VolatilityPageSchema = Type.Object({
  instrument: Type.String(),
  interval: Type.String(),
  points: Type.Array(VolatilityPointSchema),
  nextCursor: NextCursor,
});

export const AlertsPageSchema = Type.Object({ alerts: Type.Array(AlertSchema), nextCursor: NextCursor });

export const WindowsPageSchema = Type.Object({ instrument: Type.String(), windows: Type.Array(WindowStatsSchema), nextCursor: NextCursor });

export const RejectsPageSchema = Type.Object({ rejects: Type.Array(RejectSchema), nextCursor: NextCursor });

export const GapsPageSchema = Type.Object({ instrument: Type.String(), gaps: Type.Array(FeedGapSchema), nextCursor: NextCursor });

export const LatePageSchema = Type.Object({ instrument: Type.String(), late: Type.Array(LateTradeSchema), nextCursor: NextCursor });

export const HealthSchema = Type.Object({
  status: Type.Enum(['ok', 'error']),
  version: Type.String(),
  uptimeSec: Type.Number(),
  store: Type.Enum(['ok', 'error']),
  message: Type.Optional(Type.String({ description: 'why the store check failed' })),
  model_loaded: Type.Boolean({ description: "the seed API's /predict has a model (seeds/000's /health field; see docs/SEED_API.md)" }),
});
export type Health = Static<typeof HealthSchema>;

/** What /api/stats serves when the process has no live pipeline (`tickflow serve` on a store). */
export const StoreStatsSchema = Type.Object(
  {
    type: Type.Literal('store-stats'),
    time: Type.Number({ description: 'local time of this snapshot, epoch ms' }),
    startedAt: Type.Number({ description: 'when this API server started, epoch ms' }),
    mode: Type.Literal('serve'),
    counts: Type.Object({
      bars: Type.Number(),
      indicators: Type.Number(),
      alerts: Type.Number(),
      windows: Type.Number(),
      late: Type.Number(),
      rejects: Type.Number(),
      trades: Type.Number(),
    }),
  },
  { additionalProperties: false },
);
export type StoreStats = Static<typeof StoreStatsSchema>;

export const StatsResponseSchema = Type.Union([PipelineStatsSchema, StoreStatsSchema], {
  description: 'PipelineStats (type "stats") when a live pipeline runs in this process, else store counts (type "store-stats")',
});

export const IndexSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  links: Type.Record(Type.String(), Type.String()),
});

// --- compatibility layer: the seed's FastAPI shapes (seeds/004) -----------------------------

export const SymbolsResponseSchema = Type.Object({
  symbols: Type.Array(Type.String(), { description: 'bare symbols, as the seed listed them (e.g. BTCUSDT)' }),
  instruments: Type.Array(Type.String(), { description: 'full tickflow instrument ids (e.g. binance:BTCUSDT)' }),
});

export const OhlcRowSchema = Type.Object({
  timestamp: Type.String({ description: 'bar start, ISO-8601 UTC' }),
  open: Type.Number(),
  high: Type.Number(),
  low: Type.Number(),
  close: Type.Number(),
  volume: Type.Number(),
  symbol: Type.String({ description: 'bare symbol of the instrument served' }),
});
export type OhlcRow = Static<typeof OhlcRowSchema>;

export const OhlcResponseSchema = Type.Object({
  data: Type.Array(OhlcRowSchema),
  count: Type.Integer(),
  symbol: Type.Union([Type.String(), Type.Null()], { description: 'the symbol as requested' }),
});

export const OhlcLatestResponseSchema = Type.Object({ data: Type.Array(OhlcRowSchema) });

export const CompatVolatilityRowSchema = Type.Object({
  timestamp: Type.String({ description: 'bar start, ISO-8601 UTC' }),
  volatility: Type.Number({ description: 'realized volatility (annualized); 0 while the window warms up, as the seed did' }),
  symbol: Type.String(),
});
export type CompatVolatilityRow = Static<typeof CompatVolatilityRowSchema>;

export const CompatVolatilityResponseSchema = Type.Object({
  data: Type.Array(CompatVolatilityRowSchema),
  count: Type.Integer(),
  symbol: Type.Union([Type.String(), Type.Null()]),
});
