/**
 * The API's records, as the server defines them (src/core and src/api schemas). Types only:
 * nothing of the server is bundled.
 */
export type {
  Alert,
  Bar,
  FeedConnectionStats,
  FeedStats,
  IndicatorSet,
  PipelineStats,
  Prediction,
  WindowStats,
} from '../../src/core/index.js';
export type { InstrumentInfo, StoreStats, VolatilityPoint } from '../../src/api/schemas.js';
export type { ModelSummary, PredictionWithOutcome } from '../../src/store/store.js';
export type { Channel, ClientMessage, ServerMessage } from '../../src/api/ws-messages.js';

import type { Channel, ServerMessage } from '../../src/api/ws-messages.js';

export type HelloMessage = Extract<ServerMessage, { type: 'hello' }>;

/** A subscription as the client message carries it. */
export interface Subscription {
  readonly instruments: readonly string[] | '*';
  readonly intervals?: readonly string[] | '*';
  readonly channels: readonly Channel[];
}
