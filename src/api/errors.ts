import Type, { type Static } from 'typebox';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
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
    const status = error.statusCode ?? 500;
    if (status < 500) {
      const code: ErrorCode = status === 404 ? 'NOT_FOUND' : status === 413 ? 'OVERSIZED' : 'BAD_REQUEST';
      return { status, body: errorBody(code, error.message) };
    }
  }
  // Internals (driver messages, stack traces) stay in the log; the request id links the two.
  return { status: 500, body: errorBody('INTERNAL', 'internal error; the server log has the details', { requestId: request.id }) };
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
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
  void reply
    .status(ErrorCodes.NOT_FOUND.status)
    .send(errorBody('NOT_FOUND', `no route ${request.method} ${path}; the routes are listed at /docs and /openapi.json`));
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
