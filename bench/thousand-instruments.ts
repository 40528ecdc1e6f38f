// `tickflow run` with 1,000 simulated instruments at ~10k trades/s, for the long benchmarks
// (soak.bench.ts, load.bench.ts): started on a random port in a temp data dir, its memory and
// rate sampled every 10 s from /api/stats.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PipelineStats } from '../src/core/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The node flags of `npm start` (package.json's start script: `node <flags> bin/tickflow.js run`),
 * so that these benchmarks measure what `npm start` runs.
 */
export function startNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  const bin = words.indexOf('bin/tickflow.js');
  if (words[0] !== 'node' || bin < 0)
    throw new Error(`package.json start script is not 'node <flags> bin/tickflow.js ...': ${pkg.scripts.start}`);
  return words.slice(1, bin);
}

export interface MemorySample {
  readonly t: number;
  readonly rss: number;
  readonly heap: number;
  /** Memory outside the JS heap that V8 knows of (typed arrays, buffers); the rest of RSS is native (DuckDB) and V8's spare heap. */
  readonly external: number;
  readonly rate: number;
}

export interface SimulatedRun {
  readonly base: string;
  readonly dir: string;
  readonly samples: MemorySample[];
  /** SIGINT, then waits for the process to exit; sampling stops. The data dir stays until cleanup. */
  stop(): Promise<void>;
  cleanup(): void;
}

/** `extraArgs`: flags added to the command (space-separated), e.g. "--db-memory 128MB". */
export function startThousandInstruments(label: string, extraArgs: string): SimulatedRun {
  const port = 18_400 + Math.floor(Math.random() * 1000);
  const base = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), `tickflow-${label}-`));
  const args = ['run', '--instruments', '1000', '--rate', '10000', '--data-dir', dir, '--port', String(port), '--log-level', 'warn'];
  const node = [...startNodeFlags(), join(ROOT, 'bin', 'tickflow.js')];
  const child = spawn(process.execPath, [...node, ...args, ...extraArgs.split(' ').filter(Boolean)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const started = Date.now();
  const samples: MemorySample[] = [];
  const sampler = setInterval(() => {
    fetch(`${base}/api/stats`)
      .then(async (r) => {
        const s = (await r.json()) as PipelineStats;
        const x: MemorySample = {
          t: Math.round((Date.now() - started) / 1000),
          rss: (s.memory?.rssBytes ?? 0) / 2 ** 20,
          heap: (s.memory?.heapUsedBytes ?? 0) / 2 ** 20,
          external: (s.memory?.externalBytes ?? 0) / 2 ** 20,
          rate: s.stages[1]?.perSecond ?? 0,
        };
        samples.push(x);
        // Progress on a long run: a line a minute.
        if (samples.length % 6 === 0) {
          const mb = (v: number): string => `${Math.round(v)} MB`;
          process.stderr.write(
            `# ${label} ${x.t} s: RSS ${mb(x.rss)}, heap ${mb(x.heap)}, external ${mb(x.external)}, ${Math.round(x.rate)} trades/s\n`,
          );
        }
      })
      // not listening yet
      .catch(() => undefined);
  }, 10_000);
  const exited = new Promise((r) => child.on('close', r));
  return {
    base,
    dir,
    samples,
    stop: async () => {
      clearInterval(sampler);
      child.kill('SIGINT');
      await exited;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Peak and mean RSS of the first and last thirds, peak heap, mean rate, and the RSS trend once
 * warmed up (flat memory: a trend near 0 MB/h; the first third holds start-up and filling caches).
 */
export function memorySummary(samples: readonly MemorySample[]): Record<string, number> {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    'pipeline trades/s': Math.round(mean(samples.map((x) => x.rate))),
    'peak RSS MB': Math.round(Math.max(...samples.map((x) => x.rss))),
    'mean RSS first third MB': Math.round(mean(samples.slice(0, third).map((x) => x.rss))),
    'mean RSS last third MB': Math.round(mean(samples.slice(-third).map((x) => x.rss))),
    'peak heap MB': Math.round(Math.max(...samples.map((x) => x.heap))),
    'peak external MB': Math.round(Math.max(...samples.map((x) => x.external))),
    'RSS trend after the first third MB/h': Math.round(slopePerHour(samples.slice(third))),
  };
}

/** Least-squares slope of RSS over time, in MB per hour (0 for fewer than two samples). */
function slopePerHour(samples: readonly MemorySample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((a, x) => a + x.t, 0) / n;
  const mr = samples.reduce((a, x) => a + x.rss, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of samples) {
    num += (x.t - mt) * (x.rss - mr);
    den += (x.t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3600;
}
