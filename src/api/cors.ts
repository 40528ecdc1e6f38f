import type { FastifyReply, FastifyRequest } from 'fastify';

const EXPOSED = 'x-tickflow-instrument, x-tickflow-interval, x-tickflow-candidates';

/**
 * CORS for a read-only API: any origin may GET (the seed enabled CORS for any origin too, and
 * there are no credentials to protect). Preflights are answered here because no route handles
 * OPTIONS. A hook is all this needs, so no CORS plugin.
 */
export async function corsOnRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  void reply.header('access-control-allow-origin', '*');
  void reply.header('access-control-expose-headers', EXPOSED);
  if (request.method !== 'OPTIONS') return undefined;
  void reply.header('access-control-allow-methods', 'GET, HEAD, OPTIONS');
  void reply.header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? '*');
  void reply.header('access-control-max-age', '86400');
  return reply.code(204).send();
}
