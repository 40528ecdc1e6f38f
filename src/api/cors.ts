import type { FastifyReply, FastifyRequest } from 'fastify';
import { TickflowError } from '../core/index.js';

const EXPOSED = 'x-tickflow-instrument, x-tickflow-interval, x-tickflow-candidates';

/** POST routes any page may call (they change nothing: the seed API's predictions). */
const OPEN_POSTS = new Set(['/predict', '/batch_predict']);

const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};

/**
 * CORS: any origin may GET, and POST the seed API's predictions (the seed enabled CORS for any
 * origin too, and there are no credentials to protect). Preflights are answered here because no
 * route handles OPTIONS. The POSTs that change state (`/model/reload`, promoting a model) are
 * refused with 403 FORBIDDEN when a browser sends them from another origin: without this any web
 * page could make a visitor's browser call them (a form POST needs no preflight). A hook is all
 * this needs, so no CORS plugin.
 */
export async function corsOnRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  void reply.header('access-control-allow-origin', '*');
  void reply.header('access-control-expose-headers', EXPOSED);
  const path = pathOf(request.url);
  if (request.method === 'POST' && !OPEN_POSTS.has(path)) {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `${request.protocol}://${request.headers.host ?? ''}`) {
      throw new TickflowError(
        'FORBIDDEN',
        `POST ${path} changes the running pipeline: it is only accepted from this server's own pages or from clients that send no Origin (curl, scripts), not from ${origin}`,
      );
    }
  }
  if (request.method !== 'OPTIONS') return undefined;
  void reply.header('access-control-allow-methods', OPEN_POSTS.has(path) ? 'GET, HEAD, POST, OPTIONS' : 'GET, HEAD, OPTIONS');
  void reply.header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? '*');
  void reply.header('access-control-max-age', '86400');
  return reply.code(204).send();
}
