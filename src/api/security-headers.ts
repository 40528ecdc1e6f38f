import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import helmet, { type HelmetOptions } from 'helmet';
import type { ApiServer } from './context.js';

/**
 * The SHA-256 CSP sources of the inline scripts of an HTML page (`'sha256-…'`). The dashboard's
 * index.html runs one inline script before the app loads (theme before first paint, prefetch
 * of the first data); allowing exactly its hash keeps `script-src` free of 'unsafe-inline'.
 */
export function inlineScriptHashes(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script\s*>/gi)) {
    const attrs = m[1] ?? '';
    const body = m[2] ?? '';
    if (/\ssrc\s*=/i.test(attrs) || body.trim() === '') continue;
    out.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return out;
}

/**
 * Helmet's headers on every response. The Content-Security-Policy is helmet's default with
 * what the dashboard and the Swagger UI at /docs need, and two changes for a server that speaks
 * plain HTTP (TLS, when there is one, ends at a proxy in front):
 * - no `upgrade-insecure-requests`: it would make a browser fetch the dashboard's own scripts
 *   over https from a server that only has http, a blank page;
 * - no `Strict-Transport-Security`: it belongs to whatever terminates TLS, and a wrong one
 *   pins a whole host name to https for a year.
 * `connect-src 'self'` covers the WebSocket at /ws (CSP 3: 'self' matches ws: and wss: of the
 * same host).
 */
export async function registerSecurityHeaders(app: ApiServer, staticRoot: string | undefined): Promise<void> {
  const index = staticRoot === undefined ? undefined : join(staticRoot, 'index.html');
  const hashes = index !== undefined && existsSync(index) ? inlineScriptHashes(readFileSync(index, 'utf8')) : [];
  const headers = helmetHeaders({
    strictTransportSecurity: false,
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'script-src': ["'self'", ...hashes],
        'style-src': ["'self'", "'unsafe-inline'"],
        'font-src': ["'self'", 'data:'],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'upgrade-insecure-requests': null,
      },
    },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw;
    for (const [name, value] of headers) raw.setHeader(name, value);
    done();
  });
}

/**
 * The headers helmet sets for these options, worked out once. The options are static, so every
 * response gets the same headers; @fastify/helmet (used before) rebuilt helmet's middleware,
 * CSP parsing included, on every request, which was a fifth of the CPU of a `POST /predict`
 * (docs/BENCHMARKS.md). Helmet itself still decides the headers and their values.
 */
export function helmetHeaders(options: Readonly<HelmetOptions>): [string, string][] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: unknown): void {
      headers.set(name, String(value));
    },
    removeHeader(name: string): void {
      headers.delete(name);
    },
  };
  let failed: unknown;
  // Helmet's middleware is synchronous for static options: it has run when this call returns.
  helmet(options)({} as never, recorder as never, (e?: unknown) => {
    failed = e;
  });
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error(String(failed));
  return [...headers];
}
