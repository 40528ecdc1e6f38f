import Type, { type Static } from 'typebox';

/** A snapshot of what the pipeline is doing, served at /api/stats and over /ws. */
/** One live feed connection (`tickflow run --source binance:…`). */
export const FeedConnectionStatsSchema = Type.Object({
  venue: Type.String(),
  connection: Type.Number({ description: 'index of the connection within the source' }),
  url: Type.String(),
  symbols: Type.Number(),
  state: Type.Union([Type.Literal('connecting'), Type.Literal('open'), Type.Literal('waiting'), Type.Literal('closed')], {
    description: 'waiting: for the next reconnect attempt',
  }),
  messages: Type.Number({ description: 'frames received' }),
  trades: Type.Number(),
  ignored: Type.Number({ description: 'frames that were neither trades nor errors (acks, heartbeats, other channels)' }),
  rejects: Type.Number({ description: 'malformed frames or trades, kept in the rejects table' }),
  venueErrors: Type.Number({ description: 'error messages from the venue' }),
  connects: Type.Number(),
  reconnects: Type.Number({ description: 'connection losses and failed attempts' }),
  gapsDetected: Type.Number({ description: 'jumps in the trade-id sequence' }),
  tradesMissed: Type.Number({ description: 'trades in those jumps' }),
  tradesBackfilled: Type.Number({ description: 'of those, fetched over REST' }),
  gapsUnrecovered: Type.Number({ description: 'gaps that stay (no backfill offered, or it failed)' }),
  outOfOrder: Type.Number({ description: 'trades whose id did not increase (repeats are dropped downstream)' }),
  skewMs: Type.Union([Type.Number(), Type.Null()], {
    description: 'recent mean of local receive time minus exchange time; includes network latency, negative when the local clock is behind',
  }),
  lastMessageAgeMs: Type.Union([Type.Number(), Type.Null()]),
  lastError: Type.Optional(Type.String()),
});

export type FeedConnectionStats = Static<typeof FeedConnectionStatsSchema>;

/** What happened to a stretch of trades a live feed did not see live. */
export const FeedEventSchema = Type.Object({
  type: Type.Union([Type.Literal('disconnect'), Type.Literal('gap')]),
  venue: Type.String(),
  connection: Type.Number(),
  time: Type.Number({ description: 'local time, epoch ms' }),
  from: Type.Optional(Type.Number({ description: 'disconnect: local time of the last message before it' })),
  to: Type.Optional(Type.Number({ description: 'disconnect: local time of reconnecting' })),
  instrument: Type.Optional(Type.String()),
  firstMissingId: Type.Optional(Type.Number()),
  lastMissingId: Type.Optional(Type.Number()),
  backfilled: Type.Optional(Type.Union([Type.Literal('yes'), Type.Literal('no'), Type.Literal('failed')])),
  reason: Type.Optional(Type.String()),
});

export type FeedEvent = Static<typeof FeedEventSchema>;

export const FeedStatsSchema = Type.Object({
  source: Type.String(),
  connections: Type.Array(FeedConnectionStatsSchema),
  events: Type.Array(FeedEventSchema, { description: 'newest last, at most 100' }),
});

export type FeedStats = Static<typeof FeedStatsSchema>;

export const PipelineStatsSchema = Type.Object(
  {
    type: Type.Literal('stats'),
    time: Type.Number({ description: 'local time of this snapshot, epoch ms' }),
    startedAt: Type.Number(),
    mode: Type.String({ description: 'run | replay | process | serve' }),
    log: Type.String({ description: 'memory or kafka://...' }),
    stages: Type.Array(
      Type.Object({
        name: Type.String(),
        records: Type.Number({ description: 'records handled since start' }),
        perSecond: Type.Number({ description: 'rate over the last few seconds' }),
      }),
    ),
    trades: Type.Object({
      received: Type.Number(),
      accepted: Type.Number(),
      rejected: Type.Number(),
      late: Type.Number(),
      duplicates: Type.Number(),
    }),
    rejectsByReason: Type.Record(Type.String(), Type.Number()),
    watermark: Type.Object({
      instruments: Type.Number(),
      minEventTime: Type.Union([Type.Number(), Type.Null()]),
      maxEventTime: Type.Union([Type.Number(), Type.Null()]),
      maxLagMs: Type.Union([Type.Number(), Type.Null()], { description: 'local time minus the slowest instrument watermark' }),
    }),
    queues: Type.Array(Type.Object({ name: Type.String(), depth: Type.Number(), capacity: Type.Number() })),
    consumerLag: Type.Optional(
      Type.Array(
        Type.Object({
          group: Type.String(),
          topic: Type.String(),
          partition: Type.Number(),
          endOffset: Type.Number(),
          committed: Type.Union([Type.Number(), Type.Null()]),
          lag: Type.Number({ description: 'records not yet committed by the group' }),
        }),
        { description: 'Kafka: every consumer group of the log, per partition (refreshed every few seconds)' },
      ),
    ),
    feeds: Type.Optional(Type.Array(FeedStatsSchema, { description: 'live exchange feeds, per source' })),
    barsFinal: Type.Record(Type.String(), Type.Number(), { description: 'final bars emitted, per interval' }),
    alerts: Type.Number(),
    store: Type.Object({ commits: Type.Number(), lastCommitAt: Type.Union([Type.Number(), Type.Null()]), rowsWritten: Type.Number() }),
    memory: Type.Optional(
      Type.Object(
        { rssBytes: Type.Number(), heapUsedBytes: Type.Number(), externalBytes: Type.Number() },
        {
          description:
            "this process: resident set, JS heap in use, and V8's count of memory outside the JS heap held by JS objects (typed arrays, buffers); native libraries' own memory (DuckDB) is only in the resident set",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export type PipelineStats = Static<typeof PipelineStatsSchema>;
