// `tickflow ingest` and `tickflow process` serve /metrics, /health and /ready on a port of their
// own (--metrics-port). The Kafka part is skipped (with the reason) when no broker can be had,
// never under REQUIRE_KAFKA=1; the rest needs no broker.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { isTickflowError } from '../../src/core/index.js';
import { resolveConfig } from '../../src/cli/config.js';
import { waitFor } from '../helpers.js';
import { deleteTopicsWithPrefix, findKafka, uniquePrefix } from '../kafka/broker.js';
import { cli, cliResult } from './e2e-helpers.js';

interface Started {
  readonly child: ChildProcess;
  readonly metricsUrl: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Starts a tickflow command and waits for the line that names its metrics port. */
async function start(t: TestContext, args: string[]): Promise<Started> {
  const child = cli(args);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const metricsUrl = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`tickflow ${args[0]} exited ${child.exitCode}: ${err}`);
      return /metrics (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(out)?.[1];
    },
    60_000,
    `the metrics line of tickflow ${args[0]}`,
  );
  return { child, metricsUrl, stdout: () => out, stderr: () => err, exited };
}

async function scrape(url: string): Promise<string> {
  const r = await fetch(`${url}/metrics`);
  assert.equal(r.status, 200);
  return r.text();
}

/** The value of the sample line `name{labels}` (labels as written by prom-client), or undefined. */
function sampleOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

interface Ready {
  status: string;
  role: string;
  checks: { name: string; status: string; message?: string }[];
}

describe('--metrics-port', () => {
  it('is 0 (any free port) by default, `off` turns it off, anything else is refused naming the flag', () => {
    const dflt = resolveConfig('process', {}, {});
    assert.equal(dflt.metricsPort, 0);
    assert.equal(dflt.metricsHost, '127.0.0.1');
    assert.equal(resolveConfig('ingest', { metricsPort: 'off' }, {}).metricsPort, null);
    assert.equal(resolveConfig('ingest', {}, { TICKFLOW_METRICS_PORT: '9464' }).metricsPort, 9464);
    for (const bad of ['70000', '-1', 'abc', '']) {
      assert.throws(
        () => resolveConfig('process', { metricsPort: bad }, {}),
        (e: unknown) => isTickflowError(e) && e.code === 'CONFIG_INVALID' && /--metrics-port/.test(e.message),
        bad,
      );
    }
  });

  it('`tickflow process --help` and `tickflow ingest --help` list it', async () => {
    for (const cmd of ['process', 'ingest']) {
      const r = await cliResult([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /--metrics-port <port>/);
      assert.match(r.stdout, /--metrics-host <host>/);
    }
  });

  it('a process waiting for its brokers is alive (/health 200) and not ready (/ready 503)', async (t) => {
    // Nothing listens on port 1: the log's start-up retries until it is stopped.
    const p = await start(t, ['process', '--log', 'kafka://127.0.0.1:1', '--metrics-port', '0', '--log-level', 'silent']);
    const health = await fetch(`${p.metricsUrl}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { role: string }).role, 'process');
    const ready = await fetch(`${p.metricsUrl}/ready`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as Ready;
    assert.equal(body.status, 'error');
    assert.deepEqual(
      body.checks.map((c) => [c.name, c.status]),
      [['startup', 'error']],
    );
    assert.match(await scrape(p.metricsUrl), /^process_resident_memory_bytes /m);
    p.child.kill('SIGTERM');
    await p.exited;
  });
});

const target = await findKafka();
const skip = typeof target === 'string' ? target : false;

describe('ingest and process on Kafka: /metrics, /health, /ready', { skip }, () => {
  it('each serves its own metrics while trades flow; both stop cleanly on SIGTERM', { timeout: 180_000 }, async (t) => {
    assert.ok(typeof target !== 'string');
    const prefix = uniquePrefix();
    t.after(() => deleteTopicsWithPrefix(target, prefix));
    const log = `kafka://${target.brokers.join(',')}?prefix=${prefix}`;
    const common = ['--log', log, '--partitions', '2', '--metrics-port', '0', '--log-level', 'warn'];
    const proc = await start(t, ['process', ...common, '--checkpoint-interval', '500ms']);
    const ing = await start(t, ['ingest', ...common, '--instruments', '3', '--rate', '300']);
    assert.notEqual(proc.metricsUrl, ing.metricsUrl);

    // process: trades accepted, final bars with their latency, both partitions, the group's lag
    const procText = await waitFor(
      async () => {
        const text = await scrape(proc.metricsUrl);
        const accepted = sampleOf(text, 'tickflow_trades_total{outcome="accepted"}') ?? 0;
        const emitted = sampleOf(text, 'tickflow_event_to_emit_seconds_count{interval="1s"}') ?? 0;
        return accepted > 0 && emitted > 0 && /^tickflow_consumer_lag\{group="process",topic="trades"\} \d+$/m.test(text)
          ? text
          : undefined;
      },
      90_000,
      'process metrics: accepted trades, emitted bars, consumer lag',
    );
    assert.equal(sampleOf(procText, 'tickflow_process_partitions'), 2);
    assert.ok((sampleOf(procText, 'tickflow_bars_final_total{interval="1s"}') ?? 0) > 0);
    assert.ok((sampleOf(procText, 'tickflow_instruments') ?? 0) > 0);
    assert.equal(sampleOf(procText, 'tickflow_log_connected'), 1);
    assert.doesNotMatch(procText, /instrument="/);

    // ingest: trades by source kind, counted as they go to the log
    const ingText = await waitFor(
      async () => {
        const text = await scrape(ing.metricsUrl);
        return (sampleOf(text, 'tickflow_source_trades_total{source="sim"}') ?? 0) > 0 ? text : undefined;
      },
      30_000,
      'ingest metrics: sourced trades',
    );
    assert.equal(sampleOf(ingText, 'tickflow_stage_records_total{stage="ingest"}') !== undefined, true);
    assert.equal(sampleOf(ingText, 'tickflow_log_connected'), 1);

    for (const p of [proc, ing]) {
      const health = await fetch(`${p.metricsUrl}/health`);
      assert.equal(health.status, 200);
      const ready = await fetch(`${p.metricsUrl}/ready`);
      const body = (await ready.json()) as Ready;
      assert.equal(ready.status, 200, JSON.stringify(body));
      assert.deepEqual(
        body.checks.map((c) => [c.name, c.status]),
        [
          ['startup', 'ok'],
          ['log', 'ok'],
        ],
      );
    }

    ing.child.kill('SIGTERM');
    proc.child.kill('SIGTERM');
    assert.equal(await ing.exited, 0, ing.stderr());
    assert.equal(await proc.exited, 0, proc.stderr());
  });
});
