// The Grafana dashboard and its provisioning: every query names only metrics the processes
// export (compared with a scrape of a real `tickflow run`), every panel reads the provisioned
// data source, and the provisioning points where deploy/docker-compose.yml mounts things.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';
import { exportedNames, startRun } from '../obs/tickflow-process.js';
import { dashboardQueries, metricNames, readDashboard } from './dashboard.js';

const GRAFANA = join(ROOT, 'deploy', 'grafana');

/** Series Prometheus adds to every scrape itself; the processes do not export them. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

interface Compose {
  services: Record<string, { image?: string; volumes?: string[]; ports?: string[]; command?: string[] }>;
}

function yamlFile<T>(...path: string[]): T {
  return parse(readFileSync(join(...path), 'utf8')) as T;
}

describe('Grafana dashboard', () => {
  it('metricNames reads the selected metrics of PromQL expressions', () => {
    assert.deepEqual(metricNames('sum by (outcome) (rate(tickflow_trades_total{outcome="accepted"}[$__rate_interval]))'), [
      'tickflow_trades_total',
    ]);
    assert.deepEqual(
      metricNames('histogram_quantile(0.99, sum by (le, route) (rate(tickflow_http_request_duration_seconds_bucket[5m])))'),
      ['tickflow_http_request_duration_seconds_bucket'],
    );
    assert.deepEqual(metricNames('tickflow_watermark_lag_seconds and on (job, instance) (tickflow_instruments > 0)'), [
      'tickflow_watermark_lag_seconds',
      'tickflow_instruments',
    ]);
    assert.deepEqual(metricNames('sum(up{job=~"tickflow.*"})'), ['up']);
  });

  it('covers what operators watch, each panel on the provisioned Prometheus data source', () => {
    const d = readDashboard();
    assert.equal(d.uid, 'tickflow-pipeline');
    const datasources = yamlFile<{ datasources: { uid: string; type: string; url: string }[] }>(
      GRAFANA,
      'provisioning',
      'datasources',
      'prometheus.yml',
    ).datasources;
    assert.equal(datasources.length, 1);
    const ds = datasources[0];
    assert.ok(ds);
    assert.equal(ds.type, 'prometheus');
    const ids = new Set<number>();
    for (const p of d.panels) {
      assert.ok(!ids.has(p.id), `panel id ${p.id} is unique`);
      ids.add(p.id);
      assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the 24-column grid`);
      if (p.type === 'row') continue;
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: ds.uid }, `${p.title} reads the provisioned data source`);
      assert.ok((p.targets ?? []).length > 0, `${p.title} has a query`);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${p.title}: refIds are unique`);
      for (const t of p.targets ?? []) assert.deepEqual(t.datasource, p.datasource);
    }
    const used = new Set(dashboardQueries(d).flatMap((q) => metricNames(q.expr)));
    for (const name of [
      'tickflow_trades_total',
      'tickflow_source_trades_total',
      'tickflow_rejects_total',
      'tickflow_bars_final_total',
      'tickflow_watermark_lag_seconds',
      'tickflow_event_to_emit_seconds_bucket',
      'tickflow_consumer_lag',
      'tickflow_queue_depth',
      'tickflow_store_commit_duration_seconds_bucket',
      'tickflow_http_request_duration_seconds_bucket',
      'tickflow_model_score',
    ]) {
      assert.ok(used.has(name), `the dashboard shows ${name}`);
    }
  });

  it('the provisioning matches the compose file: dashboards mounted where the provider reads, the data source at the Prometheus service', () => {
    const compose = yamlFile<Compose>(ROOT, 'deploy', 'docker-compose.yml');
    const grafana = compose.services['grafana'];
    assert.ok(grafana);
    const mounts = new Map((grafana.volumes ?? []).map((v) => [v.split(':')[1], v.split(':')[0]]));
    const providers = yamlFile<{ providers: { type: string; options: { path: string } }[] }>(
      GRAFANA,
      'provisioning',
      'dashboards',
      'tickflow.yml',
    ).providers;
    for (const p of providers) assert.equal(mounts.get(p.options.path), './grafana/dashboards', `${p.options.path} is mounted`);
    assert.equal(mounts.get('/etc/grafana/provisioning'), './grafana/provisioning');
    const ds = yamlFile<{ datasources: { url: string }[] }>(GRAFANA, 'provisioning', 'datasources', 'prometheus.yml').datasources[0];
    assert.ok(ds);
    const url = new URL(ds.url);
    assert.ok(compose.services[url.hostname], `the data source's host ${url.hostname} is a compose service`);
    const prom = compose.services['prometheus'];
    assert.ok(
      (prom?.ports ?? []).some((p) => p.endsWith(`:${url.port}`)),
      `prometheus listens on ${url.port}`,
    );
  });

  it('queries only metrics a real tickflow process exports', { timeout: 120_000 }, async (t) => {
    const run = await startRun(t);
    const text = await (await fetch(`${run.url}/metrics`)).text();
    const exported = exportedNames(text);
    const missing: string[] = [];
    for (const q of dashboardQueries(readDashboard())) {
      for (const name of metricNames(q.expr)) {
        if (!exported.has(name) && !PROMETHEUS_SERIES.has(name)) missing.push(`${q.panel}: ${name}`);
      }
    }
    assert.deepEqual(missing, [], 'metrics the dashboard queries but no process exports');
  });
});
