import type { Socket } from 'node:net';
import Type, { type Static } from 'typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { ErrorCodes, isTickflowError, type ErrorCode } from '../core/index.js';

/** Every error response has this body, whatever the route and status. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'a code from the core ErrorCodes table, e.g. BAD_REQUEST, UNKNOWN_INSTRUMENT' }),
      message: Type.String({ description: 'what went wrong and what to change' }),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { description: 'error' },
);

export type ErrorBody = Static<typeof ErrorBodySchema>;

/** Spread into a route's `response` so the error shape is serialized and documented everywhere. */
export const errorResponses = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema } as const;

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export interface MappedError {
  readonly status: number;
  readonly body: ErrorBody;
}

/** Turns anything a handler or fastify throws into a status and a body. */
export function mapError(error: unknown, request: FastifyRequest): MappedError {
  if (isTickflowError(error)) {
    return { status: error.status, body: errorBody(error.code, error.message, error.details) };
  }
  if (isFastifyError(error)) {
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      return {
        status: 400,
        body: errorBody('BAD_REQUEST', describeValidation(where, error.validation, knownQueryParams(request)), {
          errors: error.validation.map((e) => ({ path: `${where}${e.instancePath}`, keyword: e.keyword, message: e.message ?? '' })),
        }),
      };
    }
    if (error.code === 'FST_ERR_HANDLER_TIMEOUT') {
      const ms = request.routeOptions.handlerTimeout;
      const took = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
      return {
        status: ErrorCodes.TIMEOUT.status,
        body: errorBody(
          'TIMEOUT',
          `the answer took longer than ${took} and was abandoned; ask for less (a shorter from..to, a smaller limit) or retry`,
        ),
      };
    }
    const status = error.statusCode ?? 500;
    if (status === 413) {
      const limit = request.routeOptions.bodyLimit;
      return {
        status,
        body: errorBody(
          'OVERSIZED',
          `the request body is larger than ${limit} bytes, the most ${request.method} ${request.routeOptions.url ?? request.url} accepts`,
          {
            limitBytes: limit,
          },
        ),
      };
    }
    if (status < 500) {
      const code: ErrorCode = status === 404 ? 'NOT_FOUND' : status === 413 ? 'OVERSIZED' : 'BAD_REQUEST';
      return { status, body: errorBody(code, error.message) };
    }
  }
  // Internals (driver messages, stack traces) stay in the log; the request id links the two.
  return { status: 500, body: errorBody('INTERNAL', 'internal error; the server log has the details', { requestId: request.id }) };
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // A request no route takes can still fail on its body first (QUERY or POST without a
  // Content-Type, invalid JSON); what it needs to hear is that the route or method does not exist.
  if (request.is404 && isBodyError(error)) {
    notFoundHandler(request, reply);
    return;
  }
  const mapped = mapError(error, request);
  // A 503 says what the operator must do (train a model, start the pipeline): the answer tells
  // the client, so it is not a server fault to log with a stack.
  if (mapped.status === 503)
    request.log.warn({ code: mapped.body.error.code, reason: mapped.body.error.message }, 'request refused: unavailable');
  else if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
  void reply.status(mapped.status).send(mapped.body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? request.url;
  const allowed = allowedMethods(request.server, path);
  if (allowed.length > 0) {
    // RFC 9110: the resource exists but not with this method; Allow says which methods it has.
    const allow = [...allowed, 'OPTIONS'].join(', ');
    void reply
      .status(ErrorCodes.METHOD_NOT_ALLOWED.status)
      .header('allow', allow)
      .send(
        errorBody('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; it answers ${allow}`, {
          allow: [...allowed, 'OPTIONS'],
        }),
      );
    return;
  }
  void reply
    .status(ErrorCodes.NOT_FOUND.status)
    .send(errorBody('NOT_FOUND', `no route ${request.method} ${path}; the routes are listed at /docs and /openapi.json`));
}

/** Methods a route can be declared with here; OPTIONS is answered for every path by the CORS hook. */
const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The methods some route answers on this concrete path. The dashboard's catch-all file route
 * (`/*`, a wildcard) does not count: it would make every unknown path "exist" for GET.
 */
function allowedMethods(app: FastifyInstance, path: string): string[] {
  return ROUTE_METHODS.filter((method) => {
    const found = app.findRoute({ method, url: path });
    return found !== null && !('*' in found.params);
  });
}

function isBodyError(error: FastifyError): boolean {
  return error.code.startsWith('FST_ERR_CTP_') || error.code === 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE';
}

/**
 * Fastify's `frameworkErrors`: a path with a malformed percent-escape, or a path parameter longer
 * than the router's `maxParamLength`, fails before routing. Fastify's own answer to those has a
 * body of its own shape (`{"error":"Bad Request","code":"FST_ERR_…"}`); this gives the API's.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? request.url;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply
      .status(414)
      .send(errorBody('OVERSIZED', `a path parameter of ${shorten(path)} is too long; ids listed by the API are far shorter`));
    return;
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply
      .status(ErrorCodes.BAD_REQUEST.status)
      .send(
        errorBody(
          'BAD_REQUEST',
          `the path ${shorten(path)} is not valid percent-encoding (RFC 3986); encode path parameters with encodeURIComponent`,
        ),
      );
    return;
  }
  errorHandler(error, request, reply);
}

/**
 * Fastify's `clientErrorHandler`: Node refuses a request it cannot even parse (a URL and headers
 * over its 16 KiB limit, malformed HTTP, a request not received in time) before Fastify sees it,
 * so the answer is written to the socket here, in the API's error shape like every other answer.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, body] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          errorBody('OVERSIZED', "the request's URL and headers are over 16 KiB; send a shorter query"),
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', errorBody('TIMEOUT', 'the request was not received in time; send it again')]
        : [400, 'Bad Request', errorBody('BAD_REQUEST', `the request is not valid HTTP/1.1 (${error.code ?? error.message})`)];
  this.log.debug({ err: error }, 'client error');
  if (socket.writable) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}

/** A path short enough to quote in a message (the ones refused for length are not). */
function shorten(path: string): string {
  return path.length <= 120 ? `'${path}'` : `'${path.slice(0, 117)}...'`;
}

/**
 * One sentence a user can act on, from Ajv's errors: "querystring/limit must be <= 10000",
 * "querystring/order must be one of: asc, desc", "querystring has unknown parameter 'limt' (known: ...)".
 */
export function describeValidation(where: string, errors: readonly FastifySchemaValidationError[], known: readonly string[] = []): string {
  const e = errors[0];
  if (e === undefined) return `${where} is invalid`;
  const path = `${where}${e.instancePath}`;
  const params: Record<string, unknown> = e.params;
  switch (e.keyword) {
    case 'enum': {
      const allowed = Array.isArray(params['allowedValues']) ? params['allowedValues'].map(String) : [];
      return `${path} must be one of: ${allowed.join(', ')}`;
    }
    case 'const': {
      // A union of literals fails with one `const` error per branch; list them as the choices.
      const allowed = errors
        .filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath)
        .map((x) => String(x.params['allowedValue']));
      return `${path} must be one of: ${allowed.join(', ')}`;
    }
    case 'required':
      return `${where}${e.instancePath}/${String(params['missingProperty'])} is required`;
    case 'additionalProperties': {
      const extra = String(params['additionalProperty']);
      const hint = known.length > 0 ? ` (known: ${known.join(', ')})` : '';
      return `${where} has unknown parameter '${extra}'${hint}`;
    }
    default:
      return `${path} ${e.message ?? 'is invalid'}`;
  }
}

function knownQueryParams(request: FastifyRequest): string[] {
  const qs: unknown = request.routeOptions.schema?.querystring;
  if (typeof qs !== 'object' || qs === null || !('properties' in qs)) return [];
  const props: unknown = qs.properties;
  return typeof props === 'object' && props !== null ? Object.keys(props) : [];
}

function isFastifyError(e: unknown): e is FastifyError {
  return e instanceof Error && 'code' in e && typeof e.code === 'string';
}
