import type { FastifyReply, FastifyRequest } from 'fastify';
import { TickflowError } from '../core/index.js';
import { changesState, READ_ONLY_POSTS } from './security.js';

const EXPOSED = 'x-tickflow-instrument, x-tickflow-interval, x-tickflow-candidates';

/** `*`: any page may read; otherwise the exact origins (`https://dash.example.com`) that may. */
export type CorsOrigins = '*' | readonly string[];

const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};

/**
 * `--cors-origins`: `*`, `none` (or empty), or comma-separated origins. Each must be an origin
 * exactly as a browser sends it (scheme, host, port only), because that is what is compared.
 */
export function parseCorsOrigins(raw: string): CorsOrigins {
  const t = raw.trim();
  if (t === '*') return '*';
  if (t === '' || t === 'none') return [];
  const out: string[] = [];
  for (const part of t
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    let origin: string;
    try {
      origin = new URL(part).origin;
    } catch {
      origin = 'null';
    }
    if (origin === 'null' || origin !== part.replace(/\/$/, '').toLowerCase()) {
      throw new Error(`'${part}' is not an origin: write scheme://host[:port] with no path, e.g. https://dash.example.com`);
    }
    out.push(origin);
  }
  return out;
}

/**
 * CORS as an onRequest hook (preflights are answered here because no route handles OPTIONS, so
 * no CORS plugin is needed).
 *
 * - `*` (the default): any origin may GET and POST the seed API's predictions, as the seed
 *   allowed; there are no cookies or credentials a foreign page could ride on.
 * - a list: only those origins get CORS headers (with `Vary: Origin`); a browser on any other
 *   page cannot read the answers. Listed origins may also call the state-changing POSTs (with
 *   the API key, which needs a preflight that this answers).
 *
 * Either way a state-changing POST (`/model/reload`, promote) that a browser sends from an origin
 * that is neither this server's nor listed is refused with 403 FORBIDDEN: a form POST needs no
 * preflight, so without this any page could make a visitor's browser call them.
 */
export function corsHook(origins: CorsOrigins): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async (request, reply) => {
    const origin = request.headers.origin;
    const listed = origins !== '*' && origin !== undefined && origins.includes(origin.toLowerCase());
    if (origins === '*') {
      void reply.header('access-control-allow-origin', '*');
      void reply.header('access-control-expose-headers', EXPOSED);
    } else {
      void reply.header('vary', 'Origin');
      if (listed) {
        void reply.header('access-control-allow-origin', origin);
        void reply.header('access-control-expose-headers', EXPOSED);
      }
    }
    const path = pathOf(request.url);
    const sameOrigin = origin === `${request.protocol}://${request.headers.host ?? ''}`;
    if (origin !== undefined && !sameOrigin && !listed && changesState(request.method, path)) {
      throw new TickflowError(
        'FORBIDDEN',
        `${request.method} ${path} changes the running pipeline: it is only accepted from this server's own pages, ` +
          `from origins listed in --cors-origins, or from clients that send no Origin (curl, scripts), not from ${origin}`,
      );
    }
    if (request.method !== 'OPTIONS') return undefined;
    if (origins !== '*' && origin !== undefined && !listed && !sameOrigin) {
      throw new TickflowError('FORBIDDEN', `cross-origin requests from ${origin} are not allowed here: it is not listed in --cors-origins`);
    }
    const post = listed || READ_ONLY_POSTS.has(path);
    void reply.header('access-control-allow-methods', post ? 'GET, HEAD, POST, OPTIONS' : 'GET, HEAD, OPTIONS');
    void reply.header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? '*');
    void reply.header('access-control-max-age', '86400');
    return reply.code(204).send();
  };
}
