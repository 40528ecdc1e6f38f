import Type, { type Static } from 'typebox';
import { AlertSchema, BarSchema, PipelineStatsSchema, PredictionSchema, WindowStatsSchema } from '../core/index.js';

/**
 * The WebSocket protocol at /ws, as schemas the web client can import. Client → server:
 * `subscribe`, `unsubscribe`, `ping`. Server → client: `hello` on connect, `subscribed` after
 * each change, then `bar` / `alert` / `window` / `stats` pushes, `error` for a bad message.
 */

export const CHANNELS = ['bars', 'alerts', 'stats', 'windows', 'predictions'] as const;
export type Channel = (typeof CHANNELS)[number];

export const ChannelSchema = Type.Enum(CHANNELS);

export const ClientMessageSchema = Type.Object(
  {
    op: Type.Enum(['subscribe', 'unsubscribe', 'ping']),
    instruments: Type.Optional(
      Type.Union([Type.Literal('*'), Type.Array(Type.String({ maxLength: 100 }), { maxItems: 1000 })], {
        description: 'instrument ids, or "*" for all',
      }),
    ),
    intervals: Type.Optional(
      Type.Union([Type.Literal('*'), Type.Array(Type.String({ maxLength: 32 }), { maxItems: 100 })], {
        description: 'bar intervals (filters the bars channel), or "*" for all',
      }),
    ),
    channels: Type.Optional(
      Type.Union([Type.Literal('*'), Type.Array(ChannelSchema)], {
        description: 'bars, alerts, stats, windows, predictions, or "*" for all',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ClientMessage = Static<typeof ClientMessageSchema>;

const SelectionOut = (description: string) => Type.Union([Type.Literal('*'), Type.Array(Type.String())], { description });

export const HelloMessageSchema = Type.Object({
  type: Type.Literal('hello'),
  version: Type.String(),
  channels: Type.Array(ChannelSchema),
  intervals: Type.Array(Type.String()),
  live: Type.Boolean({ description: 'false when this server has no live pipeline: nothing will be pushed' }),
  maxBufferedBytes: Type.Number({ description: 'above this many unsent bytes, interim bar updates are dropped' }),
});

export const SubscribedMessageSchema = Type.Object({
  type: Type.Literal('subscribed'),
  instruments: SelectionOut('instruments now subscribed'),
  intervals: SelectionOut('bar intervals now subscribed'),
  channels: Type.Array(ChannelSchema),
});

export const BarMessageSchema = Type.Object({ type: Type.Literal('bar'), data: BarSchema });
export const AlertMessageSchema = Type.Object({ type: Type.Literal('alert'), data: AlertSchema });
export const WindowMessageSchema = Type.Object({ type: Type.Literal('window'), data: WindowStatsSchema });
export const PredictionMessageSchema = Type.Object(
  { type: Type.Literal('prediction'), data: PredictionSchema },
  { description: "a model's forecast of the next bar, made at a bar close (channel predictions; filtered by instruments and intervals)" },
);
export const StatsMessageSchema = Type.Object({ type: Type.Literal('stats'), data: PipelineStatsSchema });
export const DroppedMessageSchema = Type.Object({
  type: Type.Literal('dropped'),
  data: Type.Object({
    bars: Type.Integer({ description: 'interim bar updates skipped since the last notice because this client read too slowly' }),
  }),
});
export const PongMessageSchema = Type.Object({ type: Type.Literal('pong'), time: Type.Number() });
export const ErrorMessageSchema = Type.Object({
  type: Type.Literal('error'),
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const ServerMessageSchema = Type.Union([
  HelloMessageSchema,
  SubscribedMessageSchema,
  BarMessageSchema,
  AlertMessageSchema,
  WindowMessageSchema,
  PredictionMessageSchema,
  StatsMessageSchema,
  DroppedMessageSchema,
  PongMessageSchema,
  ErrorMessageSchema,
]);
export type ServerMessage = Static<typeof ServerMessageSchema>;
