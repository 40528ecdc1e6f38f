// The small HTTP port of the processes that serve no API (`tickflow ingest`, `tickflow process`):
// Prometheus /metrics, /health (liveness) and /ready (dependencies reachable). Plain node:http,
// not Fastify: it answers three GETs, and `process` should not carry an API server for them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { TickflowError } from '../core/index.js';
import type { Logger } from '../obs/index.js';
import { metrics } from './metrics.js';
// The pipeline's metric families are on every process's /metrics, with or without samples
// (a dashboard's queries then name metrics that exist everywhere).
import './pipeline-metrics.js';
import { checkReadiness, type ReadinessCheck } from './readiness.js';

export interface ProbeServerOptions {
  readonly host: string;
  /** 0 = any free port (see `url`). */
  readonly port: number;
  /** What this process is (`ingest`, `process`): reported by /health. */
  readonly role: string;
  readonly version: string;
  /** Checks of this server only, run by /ready besides the process-wide ones (readiness.ts). */
  readonly checks?: readonly { name: string; check: ReadinessCheck }[];
  readonly logger?: Logger;
}

export interface ProbeServer {
  /** `http://host:port` as bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startProbeServer(o: ProbeServerOptions): Promise<ProbeServer> {
  const startedAt = Date.now();
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      o.logger?.warn({ err: e, url: req.url }, 'probe request failed');
      if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } });
      else res.destroy();
    });
  });
  // A scraper that keeps its connection open must not hold up the process's exit.
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      json(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method ?? ''} not allowed; use GET` } });
      return;
    }
    if (path === '/metrics') {
      const text = await metrics.metrics();
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    if (path === '/health') {
      json(res, 200, { status: 'ok', role: o.role, version: o.version, uptimeSec: Math.round((Date.now() - startedAt) / 1000) });
      return;
    }
    if (path === '/ready') {
      const r = await checkReadiness(o.checks);
      json(res, r.ready ? 200 : 503, { status: r.ready ? 'ok' : 'error', role: o.role, checks: r.checks });
      return;
    }
    json(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${path ?? ''}; this port serves /metrics, /health and /ready` } });
  }

  await new Promise<void>((resolve, reject) => {
    const failed = (e: Error): void =>
      reject(new TickflowError('IO', `cannot listen on ${o.host}:${o.port} for /metrics: ${e.message}`, { cause: e }));
    server.once('error', failed);
    server.listen(o.port, o.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new TickflowError('INTERNAL', 'probe server: not listening on a TCP port');
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
