// A real Prometheus scrapes a running `tickflow run`, and PromQL answers what the dashboard asks:
// trades/s above zero, final bars' event-to-emit latency, every dashboard query valid. Uses
// Debian's `prometheus` package (or PROMETHEUS_BIN); skipped with the reason when it is absent,
// a failure under REQUIRE_PROMETHEUS=1 (.ci/run installs it and sets that).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ROOT, tempDir, waitFor } from '../helpers.js';
import { concreteExpr, dashboardQueries, readDashboard } from '../deploy/dashboard.js';
import { startRun } from './tickflow-process.js';

const PROMETHEUS = process.env['PROMETHEUS_BIN'] ?? 'prometheus';
const PROMTOOL = process.env['PROMTOOL_BIN'] ?? 'promtool';

function present(bin: string): boolean {
  return spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
}

function skipReason(): string | false {
  if (present(PROMETHEUS)) return false;
  const why = `no Prometheus: '${PROMETHEUS} --version' failed (apt-get install prometheus, or set PROMETHEUS_BIN)`;
  if (process.env['REQUIRE_PROMETHEUS'] === '1') throw new Error(`REQUIRE_PROMETHEUS=1 but ${why}`);
  process.stderr.write(`# Prometheus tests skipped: ${why}\n`);
  return why;
}

const skip = skipReason();

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address();
  await new Promise((r) => s.close(r));
  assert.ok(addr !== null && typeof addr === 'object');
  return addr.port;
}

interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** A Prometheus of its own: temp config and storage, a free port; stopped after the test. */
async function startPrometheus(t: TestContext, scrapeConfig: string): Promise<{ query(q: string): Promise<QueryResult> }> {
  const dir = tempDir('tickflow-prometheus-');
  const config = join(dir.dir, 'prometheus.yml');
  writeFileSync(config, scrapeConfig);
  const port = await freePort();
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    dir.cleanup();
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${err}`);
      return (await fetch(`${base}/-/ready`).catch(() => undefined))?.status === 200;
    },
    60_000,
    'prometheus /-/ready',
  );
  return {
    async query(q) {
      const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
      return (await r.json()) as QueryResult;
    },
  };
}

/** The single value of an instant vector query, or undefined while it has none. */
function scalarOf(r: QueryResult): number | undefined {
  const v = r.data?.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

describe('Prometheus', { skip }, () => {
  it('promtool accepts deploy/prometheus.yml', { skip: present(PROMTOOL) ? false : `no ${PROMTOOL}` }, () => {
    const r = spawnSync(PROMTOOL, ['check', 'config', join(ROOT, 'deploy', 'prometheus.yml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it('scrapes tickflow run: trades/s > 0, event-to-emit latency, every dashboard query runs', { timeout: 180_000 }, async (t) => {
    const run = await startRun(t);
    const target = new URL(run.url).host;
    const prom = await startPrometheus(
      t,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: tickflow-run',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );

    const up = await waitFor(async () => scalarOf(await prom.query('up{job="tickflow-run"}')), 60_000, 'the first scrape of tickflow run');
    assert.equal(up, 1);

    // rate() needs two samples in its window: waited for, never slept
    const tradesPerSecond = await waitFor(
      async () => {
        const v = scalarOf(await prom.query('sum(rate(tickflow_trades_total{outcome="accepted"}[10s]))'));
        return v !== undefined && v > 0 ? v : undefined;
      },
      90_000,
      'a positive trades/s from PromQL',
    );
    assert.ok(tradesPerSecond > 0);

    const p99 = await waitFor(
      async () => {
        const v = scalarOf(await prom.query('histogram_quantile(0.99, sum by (le) (rate(tickflow_event_to_emit_seconds_bucket[10s])))'));
        return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
      },
      90_000,
      "final bars' event-to-emit p99",
    );
    assert.ok(p99 > 0);

    const failed: string[] = [];
    for (const q of dashboardQueries(readDashboard())) {
      const r = await prom.query(concreteExpr(q.expr, '10s'));
      if (r.status !== 'success') failed.push(`${q.panel}: ${q.expr}: ${r.error ?? r.status}`);
    }
    assert.deepEqual(failed, [], 'dashboard queries Prometheus refuses');

    // a query of the dashboard's first row answers with data from this process
    const accepted = scalarOf(
      await prom.query(concreteExpr('sum(rate(tickflow_trades_total{outcome="accepted"}[$__rate_interval]))', '10s')),
    );
    assert.ok(accepted !== undefined && accepted > 0);
  });
});
