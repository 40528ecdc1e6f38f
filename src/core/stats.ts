import Type, { type Static } from 'typebox';

/** A snapshot of what the pipeline is doing, served at /api/stats and over /ws. */
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
    barsFinal: Type.Record(Type.String(), Type.Number(), { description: 'final bars emitted, per interval' }),
    alerts: Type.Number(),
    store: Type.Object({ commits: Type.Number(), lastCommitAt: Type.Union([Type.Number(), Type.Null()]), rowsWritten: Type.Number() }),
    memory: Type.Optional(
      Type.Object(
        { rssBytes: Type.Number(), heapUsedBytes: Type.Number(), externalBytes: Type.Number() },
        { description: 'this process: resident set, JS heap in use, memory outside the JS heap (buffers, native)' },
      ),
    ),
  },
  { additionalProperties: false },
);

export type PipelineStats = Static<typeof PipelineStatsSchema>;
