// The split pipeline through a real Kafka broker on this machine (the broker shares the 2 cores):
//  1. throughput: a kline file replayed by `ingest` → trades topic → one `process` instance →
//     output topics → `serve`'s sink → DuckDB, binary and JSON codecs (trades and outputs alike);
//     trades/s from the first record produced (once both consumer groups have their
//     partitions) until the store's last commit of the run;
//  2. latency at a steady 20,000 trades/s: trades produced straight to the trades topic (binary)
//     in 5 ms slices; each interim 1s bar update `process` publishes is matched, by its last
//     trade id, to the time that trade was produced.
// Needs a broker: KAFKA_BROKERS, or infra/kafka/kafka.sh start (run `npm run bench -- kafka-pipeline`).
// BENCH_KLINES=file replays another kline file, BENCH_CODECS=binary runs one codec, BENCH_LATENCY=0
// skips the latency run, BENCH_THROUGHPUT=0 the throughput runs, BENCH_PROGRESS_MS sets the progress lines' period (BENCH_NO_RECORD=1: print only).
import { Admin } from '@platformatic/kafka';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../src/cli/config.js';
import { ingest, openSplitLog, processPart, servePart } from '../src/cli/commands/split.js';
import { outputValues, type ColumnBatch } from '../src/cli/pipeline/column-codec.js';
import type { TradeRecord } from '../src/cli/pipeline/trade-records.js';
import { createTradeBatch, instrumentId, type Bar } from '../src/core/index.js';
import { TOPICS } from '../src/log/index.js';
import { silentLogger } from '../src/obs/index.js';
import { report, type Row } from './report.js';

const BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const SHARED = process.env['TICKFLOW_SHARED_DATA'] ?? join(import.meta.dirname, '..', '..', 'shared', 'data');
const FILE = process.env['BENCH_KLINES'] ?? join(SHARED, 'binance-klines-1m', 'DOTUSDT-1m-2026-02.csv');
const PARTITIONS = 6;

async function reachable(): Promise<boolean> {
  const admin = new Admin({ clientId: 'tickflow-bench', bootstrapBrokers: BROKERS.split(','), retries: 0, connectTimeout: 2000 });
  try {
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

async function dropTopics(prefix: string): Promise<void> {
  const admin = new Admin({ clientId: 'tickflow-bench', bootstrapBrokers: BROKERS.split(',') });
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.close();
  }
}

function config(dataDir: string, prefix: string, codec: string, extra: Record<string, string> = {}) {
  return resolveConfig(
    'run',
    {
      dataDir,
      log: `kafka://${BROKERS}?prefix=${prefix}`,
      source: 'replay',
      replay: FILE,
      partitions: String(PARTITIONS),
      tradesCodec: codec,
      outputCodec: codec,
      port: '0',
      pace: '0',
      ...extra,
    },
    {},
  );
}

async function throughput(codec: string): Promise<Row> {
  const prefix = `bench-${Date.now().toString(36)}-${codec}.`;
  const dir = mkdtempSync(join(tmpdir(), 'tickflow-kbench-'));
  const cfg = config(dir, prefix, codec);
  const logger = silentLogger();
  const log = await openSplitLog(cfg, logger);
  try {
    const proc = await processPart(cfg, logger, log);
    const serve = await servePart(cfg, logger, log);
    // Sustained throughput: timed once both consumer groups have their partitions.
    while (proc.stage.partitions().length < PARTITIONS || (await serve.sink.lag()).length === 0)
      await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    const wall0 = Date.now();
    const ing = await ingest(cfg, logger, log);
    const progress = setInterval(
      () =>
        process.stderr.write(
          `  ${codec}: ingested ${ing.stages.reduce((a, s) => a + s.meter.total, 0)}, processed ${proc.stage.meter.total}, sink records ${serve.sink.meter.total}, stored rows ${serve.sink.rowsWritten}\n`,
        ),
      Number(process.env['BENCH_PROGRESS_MS'] ?? 5000),
    );
    await ing.done;
    const ingested = ing.stages.reduce((a, s) => a + s.meter.total, 0);
    process.stderr.write(`  ${codec}: ingest done (${ingested} trades)\n`);
    const produceS = (performance.now() - t0) / 1000;
    // Done when every trade is in a checkpoint of `process` (its group's committed offsets are
    // at the end of the trades topic: a checkpoint is written only once the brokers hold every
    // output of the records it covers) and the sink's are at the end of every output topic (it
    // commits only after the store has the rows). The end time is the sink's last store commit.
    // (Waiting for the store to be quiet for a while ended runs early, while `process` was still
    // encoding or its sends were waiting for acknowledgements.)
    const deadline = performance.now() + 20 * 60_000;
    const caughtUp = (lags: { lag: number }[]): boolean => lags.length > 0 && lags.every((l) => l.lag === 0);
    for (;;) {
      if (proc.stage.meter.total >= ingested && caughtUp(await proc.stage.lag()) && caughtUp(await serve.sink.lag())) break;
      if (performance.now() > deadline) {
        throw new Error(
          `${codec}: not done after 20 min: processed ${proc.stage.meter.total} of ${ingested} trades, ${serve.sink.rowsWritten} rows stored`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    clearInterval(progress);
    const totalS = ((serve.sink.lastCommitAt ?? Date.now()) - wall0) / 1000;
    await proc.stop();
    await serve.stop();
    return {
      codec,
      trades: ingested,
      'produce s': Number(produceS.toFixed(1)),
      'end to end s': Number(totalS.toFixed(1)),
      'trades/s': Math.round(ingested / totalS),
      'rows stored': serve.sink.rowsWritten,
    };
  } finally {
    await log.close();
    await dropTopics(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function latency(rate: number, seconds: number): Promise<Row> {
  const prefix = `bench-${Date.now().toString(36)}-lat.`;
  const dir = mkdtempSync(join(tmpdir(), 'tickflow-kbench-'));
  const cfg = config(dir, prefix, 'binary', { intervals: '1s,1m', checkpointInterval: '1s' });
  const logger = silentLogger();
  const log = await openSplitLog(cfg, logger);
  const producedAt = new Map<number, number>();
  const samples: number[] = [];
  try {
    const proc = await processPart(cfg, logger, log);
    // Wait for the partitions to be assigned before producing.
    while (proc.stage.partitions().length < PARTITIONS) await new Promise((r) => setTimeout(r, 50));
    // A bars record holds one instrument's bar updates from one batch (output-codecs.ts).
    const bars = log.consumer<Bar[] | ColumnBatch>({ group: `${prefix}probe`, topics: [TOPICS.bars], maxRecords: 4096 });
    let measuring = false;
    const probe = (async () => {
      for await (const recs of bars) {
        const now = performance.now();
        for (const r of recs) {
          for (const b of outputValues(r.value)) {
            if (b.final || b.interval !== '1s' || !measuring) continue;
            const at = producedAt.get(b.lastTradeId);
            if (at !== undefined) samples.push(now - at);
          }
        }
      }
    })();
    const producer = log.producer();
    const instruments = Array.from({ length: 20 }, (_, i) => instrumentId('bench', `SYM${i}`));
    const sliceMs = 5;
    const perSlice = Math.round((rate * sliceMs) / 1000);
    let id = 1;
    const start = performance.now();
    const warmup = 3000;
    let next = start;
    const inFlight: Promise<void>[] = [];
    while (performance.now() - start < seconds * 1000 + warmup) {
      measuring = performance.now() - start > warmup;
      // One record per instrument per slice, as a live ingest would send them.
      const per = Math.max(1, Math.floor(perSlice / instruments.length));
      const records = instruments.map((instrument) => {
        const b = createTradeBatch(per);
        b.instruments.push(instrument);
        const now = Date.now();
        for (let k = 0; k < per; k++) {
          const j = b.length++;
          b.ts[j] = now;
          b.localTs[j] = now;
          b.price[j] = 100 + Math.sin(id / 1000);
          b.size[j] = 0.01;
          b.id[j] = id++;
          b.side[j] = k % 2 === 0 ? 1 : -1;
        }
        return { key: instrument, value: { kind: 'trades', source: 'bench', instrument, batch: b } as TradeRecord };
      });
      const t = performance.now();
      for (const r of records) if (r.value.kind === 'trades') producedAt.set(r.value.batch.id[r.value.batch.length - 1] ?? 0, t);
      // Pipelined, as the ingest stage sends: awaiting each acknowledgement held the rate below
      // the target whenever a round trip took longer than a slice.
      inFlight.push(producer.send(TOPICS.trades, records));
      if (inFlight.length > 64) await inFlight.shift();
      next += sliceMs;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
    const achieved = (id - 1) / ((performance.now() - start) / 1000);
    await new Promise((r) => setTimeout(r, 1000));
    await bars.close();
    await probe;
    await proc.stop();
    samples.sort((a, b) => a - b);
    return {
      'target trades/s': rate,
      'achieved trades/s': Math.round(achieved),
      samples: samples.length,
      'p50 ms': Number(percentile(samples, 50).toFixed(1)),
      'p99 ms': Number(percentile(samples, 99).toFixed(1)),
      'max ms': Number((samples[samples.length - 1] ?? NaN).toFixed(1)),
    };
  } finally {
    await log.close();
    await dropTopics(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!(await reachable())) {
  process.stdout.write(`kafka-pipeline bench skipped: no broker at ${BROKERS} (set KAFKA_BROKERS or run infra/kafka/kafka.sh start)\n`);
  process.exit(0);
}
const rows: Row[] = [];
const codecs = process.env['BENCH_THROUGHPUT'] === '0' ? [] : (process.env['BENCH_CODECS'] ?? 'binary,json').split(',');
for (const codec of codecs) rows.push(await throughput(codec));
if (rows.length > 0)
  report('Kafka split pipeline: ingest → trades topic → process → output topics → sink → DuckDB', rows, [
    `${FILE.split('/').pop()} replayed at full speed; ${PARTITIONS} partitions; one process instance; broker (infra/kafka, KRaft, one node) on the same 2 cores`,
    'trades/s = trades / (first produce → last store commit); target ≥ 300,000 trades/s with the binary codec',
  ]);
if (process.env['BENCH_LATENCY'] === '0') process.exit(0);
const lat = await latency(20_000, 20);
report(
  'Kafka split pipeline: produce → interim bar published latency at a steady rate',
  [lat],
  [
    '20 instruments, trades produced straight to the trades topic in 5 ms slices, sends pipelined (binary codecs); each interim 1s bar matched to its last trade by id',
    'one process instance with 1 s checkpoints, in the bench process (its producer shares the log with the trades producer)',
    'target p99 ≤ 50 ms',
  ],
);
process.exit(0);
