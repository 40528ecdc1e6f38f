import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyHelmet from '@fastify/helmet';
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
  await app.register(fastifyHelmet, {
    global: true,
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
}
