// deploy/docker-compose.yml, the Dockerfile and deploy/prometheus.yml agree with each other and
// with tickflow: pinned images, the split topology, flags tickflow accepts, Prometheus scraping
// the services on the ports they listen on. With the Compose CLI present (`docker compose` or
// DOCKER_COMPOSE=<binary>), `docker compose config` validates the file against the spec too;
// without it that part is skipped with the reason (no Docker engine is needed for `config`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { attributeName, optionsFor, resolveConfig, type CommandName } from '../../src/cli/config.js';
import { ROOT } from '../helpers.js';

const COMPOSE_FILE = join(ROOT, 'deploy', 'docker-compose.yml');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** What a user would put in deploy/.env (a key long enough for tickflow's check). */
const USER_ENV: Record<string, string> = { TICKFLOW_API_KEY: 'compose-test-key-0123456789abcdef' };

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  deploy?: { replicas?: number };
  container_name?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
}

interface Compose {
  name: string;
  services: Record<string, Service>;
}

/** Compose's variable interpolation: `${VAR}`, `${VAR:-default}`, `${VAR:?message}`, `$$`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name: string | undefined, op?: string, arg?: string) => {
      if (whole === '$$') return '$';
      const v = env[name ?? ''];
      const unset = v === undefined || (op?.startsWith(':') === true && v === '');
      if (op?.endsWith('-')) return unset ? (arg ?? '') : (v ?? '');
      if (op?.endsWith('?') && unset) throw new Error(`required variable ${name}: ${arg}`);
      return v ?? '';
    },
  );
}

function loadCompose(env: Record<string, string> = USER_ENV): Compose {
  // YAML 1.1 merge keys (`<<: *tickflow`), as Compose reads them
  return parse(interpolate(readFileSync(COMPOSE_FILE, 'utf8'), env), { merge: true }) as Compose;
}

/** An image reference pinned to a version: a digest, or a tag with at least major.minor and not `latest`. */
function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  return tag !== undefined && tag !== 'latest' && /^v?\d+\.\d+/.test(tag);
}

const TICKFLOW_SERVICES = ['ingest', 'process', 'serve'] as const;

/** A tickflow service's command: the subcommand and its `--flag value` pairs. */
function tickflowCommand(s: Service): { command: CommandName; flags: Map<string, string> } {
  const [command, ...rest] = s.command ?? [];
  assert.ok(command && ['ingest', 'process', 'serve', 'run'].includes(command), `a tickflow command: ${command}`);
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] ?? '';
    assert.match(flag, /^--[a-z-]+$/, `flag ${flag} of ${command}`);
    const value = rest[i + 1];
    assert.ok(value !== undefined && !value.startsWith('--'), `${flag} has a value`);
    flags.set(flag, value);
  }
  return { command: command as CommandName, flags };
}

/** The port a tickflow service listens on for Prometheus: the API port or the metrics port. */
function scrapePort(s: Service): number {
  const { command, flags } = tickflowCommand(s);
  const port = command === 'serve' || command === 'run' ? flags.get('--port') : flags.get('--metrics-port');
  assert.ok(port, `${command} names its port`);
  return Number(port);
}

describe('deploy/docker-compose.yml', () => {
  it('pins every image, and the Dockerfile pins its base images', () => {
    const c = loadCompose();
    for (const [name, s] of Object.entries(c.services)) {
      assert.ok(s.image, `${name} names its image`);
      assert.ok(pinned(s.image), `${name}: ${s.image} is pinned`);
    }
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] ?? '');
    assert.ok(froms.length >= 2, 'multi-stage');
    const stages = new Set([...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]));
    for (const f of froms) assert.ok(stages.has(f) || pinned(f), `FROM ${f} is pinned`);
    assert.doesNotMatch(dockerfile, /^ARG\s+\w+\s*$/m, 'no base image left to a build argument');
  });

  it('has the split topology: Kafka, PostgreSQL, ingest, process (scaled), serve, Prometheus, Grafana', () => {
    const c = loadCompose();
    for (const s of ['kafka', 'postgres', 'ingest', 'process', 'serve', 'prometheus', 'grafana']) assert.ok(c.services[s], `service ${s}`);
    for (const name of TICKFLOW_SERVICES) {
      const s = c.services[name];
      assert.ok(s);
      assert.equal(s.image, `tickflow:${VERSION}`, `${name} runs this version's image`);
      assert.equal(s.build?.context, '..');
      assert.ok(existsSync(join(ROOT, 'deploy', s.build.context, s.build.dockerfile)), 'the Dockerfile exists');
      const { flags } = tickflowCommand(s);
      assert.equal(flags.get('--log'), 'kafka://kafka:19092', `${name} uses the compose network's Kafka listener`);
      const deps = s.depends_on;
      assert.ok(deps && !Array.isArray(deps) && deps['kafka']?.condition === 'service_healthy', `${name} waits for a healthy Kafka`);
    }
    const proc = c.services['process'];
    assert.ok(proc);
    assert.ok((proc.deploy?.replicas ?? 1) >= 2, 'process runs several instances');
    assert.equal(proc.container_name, undefined, 'a fixed container name would prevent scaling');
    assert.equal(proc.ports, undefined, 'a published port would prevent scaling');
    // Kafka's advertised in-network listener is what the tickflow services connect to
    const kafkaEnv = c.services['kafka']?.environment ?? {};
    assert.match(String(kafkaEnv['KAFKA_ADVERTISED_LISTENERS']), /DOCKER:\/\/kafka:19092/);
    // serve stores in the compose PostgreSQL, and waits for it
    const serve = c.services['serve'];
    assert.ok(serve);
    const store = tickflowCommand(serve).flags.get('--store') ?? '';
    const pg = new URL(store);
    assert.equal(pg.protocol, 'postgres:');
    assert.equal(pg.hostname, 'postgres');
    assert.equal(pg.port, '5432');
    assert.equal(pg.pathname, `/${String(c.services['postgres']?.environment?.['POSTGRES_DB'])}`);
    assert.equal(pg.username, String(c.services['postgres']?.environment?.['POSTGRES_USER']));
    assert.equal(pg.password, '', 'no password on the command line');
    assert.equal(
      serve.environment?.['PGPASSWORD'],
      c.services['postgres']?.environment?.['POSTGRES_PASSWORD'],
      'the password by PGPASSWORD',
    );
    assert.ok(!Array.isArray(serve.depends_on) && serve.depends_on?.['postgres']?.condition === 'service_healthy');
  });

  it('uses only tickflow flags and values tickflow accepts', () => {
    const c = loadCompose();
    for (const name of TICKFLOW_SERVICES) {
      const s = c.services[name];
      assert.ok(s);
      const { command, flags } = tickflowCommand(s);
      const known = new Map(optionsFor(command).map((o) => [o.flag.split(' ')[0], o]));
      const given: Record<string, string> = {};
      for (const [flag, value] of flags) {
        assert.ok(known.has(flag), `tickflow ${command} has ${flag} (known: ${[...known.keys()].join(' ')})`);
        given[attributeName(flag)] = value;
      }
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.environment ?? {})) env[k] = String(v);
      const cfg = resolveConfig(command, given, env);
      if (command === 'serve') assert.equal(cfg.port, 8080);
      else assert.equal(cfg.metricsHost, '0.0.0.0', `${name} listens for Prometheus beyond the container's loopback`);
    }
  });

  it('health checks probe the port each service listens on', () => {
    const c = loadCompose();
    for (const name of TICKFLOW_SERVICES) {
      const s = c.services[name];
      assert.ok(s?.healthcheck);
      const probe = s.healthcheck.test.join(' ');
      assert.match(probe, new RegExp(`http://127\\.0\\.0\\.1:${scrapePort(s)}/ready`), `${name} health check`);
    }
  });

  it('deploy/prometheus.yml scrapes every tickflow service on the port it listens on', () => {
    const c = loadCompose();
    interface Job {
      job_name: string;
      static_configs?: { targets: string[] }[];
      dns_sd_configs?: { names: string[]; type: string; port: number }[];
    }
    const jobs = (parse(readFileSync(join(ROOT, 'deploy', 'prometheus.yml'), 'utf8')) as { scrape_configs: Job[] }).scrape_configs;
    const scraped = new Map<string, number>();
    for (const j of jobs) {
      for (const t of (j.static_configs ?? []).flatMap((s) => s.targets)) {
        const [host = '', port = ''] = t.split(':');
        if (host === 'localhost') continue;
        scraped.set(host, Number(port));
      }
      for (const d of j.dns_sd_configs ?? []) {
        assert.equal(d.type, 'A');
        for (const n of d.names) scraped.set(n, d.port);
      }
    }
    for (const [host, port] of scraped) {
      const s = c.services[host];
      assert.ok(s, `scrape target ${host} is a compose service`);
      assert.equal(port, scrapePort(s), `${host} is scraped on the port it listens on`);
    }
    for (const name of TICKFLOW_SERVICES) assert.ok(scraped.has(name), `${name} is scraped`);
    // scaled instances must each be found: a static target would reach one of them at random
    assert.ok(
      jobs.some((j) => j.dns_sd_configs?.some((d) => d.names.includes('process'))),
      'process replicas are discovered by DNS',
    );
    const volumes = (c.services['prometheus'] as { volumes?: string[] } | undefined)?.volumes ?? [];
    assert.ok(volumes.some((v) => v.startsWith('./prometheus.yml:/etc/prometheus/prometheus.yml')));
  });

  const composeCli = findComposeCli();
  it('`docker compose config` accepts it', { skip: composeCli === undefined ? noComposeReason() : false }, () => {
    assert.ok(composeCli);
    const r = spawnSync(composeCli[0] ?? '', [...composeCli.slice(1), '-f', COMPOSE_FILE, 'config', '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, ...USER_ENV },
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    const full = spawnSync(composeCli[0] ?? '', [...composeCli.slice(1), '-f', COMPOSE_FILE, 'config', '--format', 'json'], {
      encoding: 'utf8',
      env: { ...process.env, ...USER_ENV },
    });
    assert.equal(full.status, 0, full.stderr);
    const resolved = JSON.parse(full.stdout) as Compose;
    assert.deepEqual(Object.keys(resolved.services).sort(), Object.keys(loadCompose().services).sort());
    assert.deepEqual(resolved.services['serve']?.command, loadCompose().services['serve']?.command, 'interpolation as the test reads it');
  });
});

/** `docker compose` (the CLI plugin) or a standalone binary from DOCKER_COMPOSE; undefined when neither runs. */
function findComposeCli(): string[] | undefined {
  const explicit = process.env['DOCKER_COMPOSE'];
  const candidates = explicit ? [[explicit]] : [['docker', 'compose'], ['docker-compose']];
  for (const c of candidates) {
    if (spawnSync(c[0] ?? '', [...c.slice(1), 'version'], { stdio: 'ignore' }).status === 0) return c;
  }
  if (explicit || process.env['REQUIRE_DOCKER_COMPOSE'] === '1')
    throw new Error(`the Compose CLI does not run (${explicit ?? 'docker compose'})`);
  return undefined;
}

function noComposeReason(): string {
  const why = 'no Compose CLI (`docker compose` plugin or DOCKER_COMPOSE=<binary>); docs/OPERATIONS.md says how to build it';
  process.stderr.write(`# docker compose config skipped: ${why}\n`);
  return why;
}
