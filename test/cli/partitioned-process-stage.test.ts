// PartitionedProcessStage against a scripted partitioned log: what the new owner of a partition
// does when the group's committed offset is ahead of the checkpoint it read at assignment (the
// previous owner's checkpoint landed in between), and when the previous owner may no longer
// write one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchFromTrades, epochMs, type Bar, type InstrumentId, type Trade } from '../../src/core/index.js';
import type { AssignmentListener, Log, LogConsumer, LogProducer, LogRecord, ProduceRecord, TopicPartition } from '../../src/log/index.js';
import { TOPICS } from '../../src/log/index.js';
import { silentLogger } from '../../src/obs/index.js';
import { resolveConfig } from '../../src/cli/config.js';
import { PartitionedProcessStage } from '../../src/cli/pipeline/partitioned-process-stage.js';
import { processorConfig } from '../../src/cli/pipeline/processor-config.js';
import type { TradeRecord } from '../../src/cli/pipeline/trade-records.js';

const T0 = Date.UTC(2026, 1, 1);
const INST = 'binance:BTCUSDT' as InstrumentId;
const GROUP = 'g';
const TP: TopicPartition = { topic: TOPICS.trades, partition: 0 };

/** Ten minutes of trades, one record of 20 trades per 10 s, then the source's end. */
function records(): LogRecord<TradeRecord>[] {
  const out: LogRecord<TradeRecord>[] = [];
  let id = 1;
  let px = 100;
  for (let r = 0; r < 60; r++) {
    const trades: Trade[] = [];
    for (let i = 0; i < 20; i++) {
      const t = T0 + r * 10_000 + i * 500;
      px = Math.round((px + Math.sin(id) * 0.3) * 100) / 100;
      trades.push({
        type: 'trade',
        instrument: INST,
        id,
        timestamp: epochMs(t),
        localTimestamp: epochMs(t),
        price: px,
        size: 1 + (id % 7),
        side: id % 2 ? 1 : -1,
      });
      id++;
    }
    out.push(rec(r, { kind: 'trades', source: 's', instrument: INST, batch: batchFromTrades(trades) }));
  }
  out.push(rec(60, { kind: 'end', source: 's', instruments: [INST] }));
  return out;
}

function rec(offset: number, value: TradeRecord): LogRecord<TradeRecord> {
  return { topic: TOPICS.trades, partition: 0, offset, key: INST, value, timestamp: T0 };
}

/** Everything the stages wrote, shared by the members of one scripted group. */
class Broker {
  /** The state topic's records in the order they landed. */
  readonly stateLog: LogRecord<string>[] = [];
  readonly bars: Bar[] = [];
  committed = 0;
  stateOffset = 0;

  /** What a read of the state topic returns: per key the newest record, or the one `prefer` keeps. */
  state(prefer?: (kept: LogRecord<string>, later: LogRecord<string>) => boolean): Map<string, LogRecord<string>> {
    const m = new Map<string, LogRecord<string>>();
    for (const r of this.stateLog) {
      const kept = m.get(r.key);
      if (kept === undefined || prefer === undefined || prefer(kept, r)) m.set(r.key, r);
    }
    return m;
  }
}

/**
 * One member's view: its consumer yields `batches` (records of partition 0 from the committed
 * offset the script chose), then ends. `staleReads` checkpoint reads return what the state
 * topic held before (as if they ran before the previous owner's last checkpoint landed).
 */
function member(
  broker: Broker,
  batches: LogRecord<TradeRecord>[][],
  o: { stale?: Map<string, LogRecord<string>>; rebalancing?: () => boolean } = {},
): Log {
  let stale = o.stale;
  const producer: LogProducer = {
    async send<T>(topic: string, recs: readonly ProduceRecord<T>[]): Promise<void> {
      for (const r of recs) {
        // A bars record holds one instrument's bars from one batch (output-codecs.ts).
        if (topic === TOPICS.bars) broker.bars.push(...(r.value as Bar[]));
        if (topic === TOPICS.state) {
          broker.stateLog.push({
            topic,
            partition: 0,
            offset: broker.stateOffset++,
            key: r.key,
            value: r.value as string,
            timestamp: 0,
          });
        }
      }
    },
  };
  const consumer = (): LogConsumer<TradeRecord> => {
    const listeners: AssignmentListener[] = [];
    let told = false;
    return {
      handover: 'committed',
      rebalancing: o.rebalancing ?? (() => false),
      assignments: () => [TP],
      onAssignmentChange: (l) => (listeners.push(l), () => undefined),
      commit: async (offsets) => {
        for (const x of offsets) broker.committed = x.offset;
      },
      committed: async () => [{ ...TP, offset: broker.committed }],
      close: async () => undefined,
      async *[Symbol.asyncIterator]() {
        if (!told) {
          told = true;
          for (const l of listeners) await l([TP], []);
        }
        for (const b of batches) yield b;
      },
    };
  };
  return {
    url: 'scripted://',
    producer: () => producer,
    consumer: consumer as Log['consumer'],
    readLatest: async <T>(_topic: string, prefer?: (kept: LogRecord<string>, later: LogRecord<string>) => boolean) => {
      const m = stale ?? broker.state(prefer);
      stale = undefined;
      return new Map(m) as unknown as Map<string, LogRecord<T>>;
    },
  } as unknown as Log;
}

function stage(log: Log): PartitionedProcessStage {
  return new PartitionedProcessStage({
    log,
    group: GROUP,
    // What `tickflow process` builds, on two intervals.
    processorConfig: processorConfig(resolveConfig('process', { intervals: '1m,5m' }, {}), true),
    logger: silentLogger(),
    checkpointIntervalMs: 1e9,
    liveTickMs: 1e9,
    liveWindowMs: 0,
    publishInterim: false,
  });
}

/** The stored result: the last bar written per (interval, start), as the store's upsert keeps it. */
function stored(bars: readonly Bar[]): Bar[] {
  const m = new Map<string, Bar>();
  for (const b of bars) m.set(`${b.interval}/${b.start}`, b);
  return [...m.values()].sort((a, b) => a.interval.localeCompare(b.interval) || a.start - b.start);
}

async function clean(): Promise<Bar[]> {
  const b = new Broker();
  await stage(member(b, [records()])).run();
  return stored(b.bars);
}

test('a new owner whose checkpoint read missed the previous owner’s newest checkpoint takes it once records start past it', async () => {
  const all = records();
  const want = await clean();
  const b = new Broker();
  // The first owner processes 40 records, checkpoints (offset 40) and commits 40.
  const first = stage(member(b, [all.slice(0, 20), all.slice(20, 40)]));
  await first.run();
  await first.checkpointAll();
  assert.equal(b.committed, 40);
  // The next owner read the state topic before that checkpoint landed (it saw nothing), but
  // fetches from the committed offset 40.
  const next = stage(member(b, [all.slice(40)], { stale: new Map() }));
  await next.run();
  assert.equal(next.gaps, 0);
  assert.equal(next.restores, 1, 'restored from the checkpoint read again');
  assert.deepEqual(stored(b.bars), want);
});

test('no checkpoint is written while the group rebalances; the next one after it is', async () => {
  const all = records();
  const b = new Broker();
  let rebalancing = true;
  const s = stage(member(b, [all.slice(0, 30)], { rebalancing: () => rebalancing }));
  await s.run();
  await s.checkpointAll();
  assert.equal(b.state().size, 0, 'no checkpoint mid-rebalance');
  assert.equal(b.committed, 0);
  rebalancing = false;
  await s.checkpointAll();
  assert.equal(b.state().size, 1);
  assert.equal(b.committed, 30);
});

test('a checkpoint that lands after a newer one of its partition does not replace it (a former owner’s, late)', async () => {
  const all = records();
  const want = await clean();
  const b = new Broker();
  // A member that held the partition before any checkpoint existed, and processed nothing of it.
  const former = stage(member(b, [], { stale: new Map() }));
  await former.run();
  // The owner processes 40 records, checkpoints (offset 40) and commits 40.
  const owner = stage(member(b, [all.slice(0, 20), all.slice(20, 40)]));
  await owner.run();
  await owner.checkpointAll();
  assert.equal(b.committed, 40);
  // The former member's checkpoint (offset 0: an empty state) lands only now.
  await former.checkpointAll();
  assert.equal(b.stateLog.length, 2);
  assert.equal(b.state().get(`${GROUP}/0`)?.value.split('.')[0], '0', 'newest by landing order: the stale one');
  // The next owner fetches from the committed offset 40 and must resume from the checkpoint at 40.
  const next = stage(member(b, [all.slice(40)]));
  await next.run();
  assert.equal(next.gaps, 0);
  assert.equal(next.skipped, 0);
  assert.deepEqual(stored(b.bars), want);
});
