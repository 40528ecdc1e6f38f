// The split deployment's output codecs on real outputs: the bars, indicator sets and forecasts
// the stream processor makes of one day of LTCUSDT 1-minute klines (synthesized into trades, all
// default intervals), grouped into output records as `process` sends them (one key, at most
// 512 values a record). JSON array vs the column codec (--output-codec binary): values/s
// encoded, values/s decoded (schema check included), bytes a value.
import { join } from 'node:path';
import { resolveConfig } from '../src/cli/config.js';
import { outputValues, type ColumnBatch } from '../src/cli/pipeline/column-codec.js';
import { outputRecords, pipelineCodecs } from '../src/cli/pipeline/output-codecs.js';
import { processorConfig } from '../src/cli/pipeline/processor-config.js';
import { TOPICS } from '../src/log/index.js';
import { openReplay } from '../src/sources/index.js';
import { Processor, ProcessorOutputs } from '../src/stream/index.js';
import { report, type Row } from './report.js';

const SHARED = process.env['TICKFLOW_SHARED_DATA'] ?? join(import.meta.dirname, '..', '..', 'shared', 'data');
const FILE = join(SHARED, 'binance-klines-1m', 'LTCUSDT-1m-2026-02.csv');
const DAY_MS = 86_400_000;

const processor = new Processor(processorConfig(resolveConfig('run', {}, {}), true));
const outputs = new ProcessorOutputs();
const all = { bars: [] as unknown[], indicators: [] as unknown[], predictions: [] as unknown[] };
let first: number | undefined;
for await (const chunk of openReplay(FILE, { pace: 0 })) {
  const t = chunk.trades.ts[0] ?? 0;
  first ??= t;
  if (t - first > DAY_MS) break;
  processor.process(chunk.trades, outputs);
  const d = outputs.drain();
  all.bars.push(...d.bars);
  all.indicators.push(...d.indicators);
  all.predictions.push(...d.predictions);
}

function records(values: unknown[]): unknown[][] {
  return outputRecords(values, (v) => (v as { instrument: string }).instrument).map((r) => r.value);
}

function best(runs: number, f: () => number): number {
  let b = 0;
  for (let i = 0; i < runs; i++) b = Math.max(b, f());
  return b;
}

const rows: Row[] = [];
for (const [topic, values] of [
  [TOPICS.bars, all.bars],
  [TOPICS.indicators, all.indicators],
  [TOPICS.predictions, all.predictions],
] as const) {
  const recs = records(values);
  for (const name of ['json', 'binary'] as const) {
    const codec = pipelineCodecs('binary', name)[topic];
    if (!codec) throw new Error(`no codec for ${topic}`);
    let encoded: Buffer[] = [];
    const enc = best(5, () => {
      const t = performance.now();
      encoded = recs.map((r) => codec.encode(r));
      return (values.length * 1000) / (performance.now() - t);
    });
    const dec = best(5, () => {
      const t = performance.now();
      let n = 0;
      // To objects, like for like (`serve` takes bars and indicator sets from the columns instead).
      for (const b of encoded) n += outputValues(codec.decode(b, codec.version) as unknown[] | ColumnBatch).length;
      if (n !== values.length) throw new Error(`${topic} ${name}: decoded ${n} of ${values.length}`);
      return (values.length * 1000) / (performance.now() - t);
    });
    const bytes = encoded.reduce((s, b) => s + b.length, 0);
    rows.push({
      topic,
      codec: `${name} (${codec.name})`,
      values: values.length,
      records: recs.length,
      'encode values/s': Math.round(enc),
      'decode values/s': Math.round(dec),
      'bytes/value': Math.round(bytes / values.length),
    });
  }
}

report('Output codecs: JSON vs columns on real outputs', rows, [
  'outputs of one day of LTCUSDT-1m-2026-02.csv (all default intervals, forecasting on), grouped into records as `process` sends them',
  'decode: bytes to objects, the schema check included; best of 5 runs, one core',
]);
