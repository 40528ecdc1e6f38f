/**
 * One table of error codes for the whole project. Callers branch on `code`, never on
 * message text; the API maps each code to an HTTP status.
 */
export const ErrorCodes = {
  // configuration and usage
  CONFIG_INVALID: { status: 400, retry: false },
  USAGE: { status: 400, retry: false },
  // API input
  BAD_REQUEST: { status: 400, retry: false },
  NOT_FOUND: { status: 404, retry: false },
  METHOD_NOT_ALLOWED: { status: 405, retry: false },
  UNKNOWN_INSTRUMENT: { status: 404, retry: false },
  UNKNOWN_INTERVAL: { status: 400, retry: false },
  INVALID_CURSOR: { status: 400, retry: false },
  CONFLICT: { status: 409, retry: false },
  FORBIDDEN: { status: 403, retry: false },
  // API protection (src/api/security.ts): no or a wrong API key, too many requests, too slow
  UNAUTHORIZED: { status: 401, retry: false },
  RATE_LIMITED: { status: 429, retry: true },
  TIMEOUT: { status: 503, retry: true },
  // input records (reject reasons)
  MALFORMED: { status: 422, retry: false },
  WRONG_COLUMN_COUNT: { status: 422, retry: false },
  NOT_NUMERIC: { status: 422, retry: false },
  BAD_PRICE: { status: 422, retry: false },
  BAD_SIZE: { status: 422, retry: false },
  BAD_TIMESTAMP: { status: 422, retry: false },
  TIMESTAMP_TOO_OLD: { status: 422, retry: false },
  TIMESTAMP_IN_FUTURE: { status: 422, retry: false },
  OVERSIZED: { status: 413, retry: false },
  TRUNCATED: { status: 422, retry: false },
  UNKNOWN_FORMAT: { status: 400, retry: false },
  BAD_INSTRUMENT: { status: 422, retry: false },
  VENUE_ERROR: { status: 502, retry: true },
  // runtime
  IO: { status: 500, retry: true },
  STORE: { status: 500, retry: true },
  /** The database server is unreachable or shutting down (PostgreSQL store). */
  STORE_UNAVAILABLE: { status: 503, retry: true },
  LOG_CLOSED: { status: 503, retry: false },
  LOG_TOPIC: { status: 500, retry: false },
  LOG_CODEC: { status: 500, retry: false },
  KAFKA: { status: 503, retry: true },
  UNAVAILABLE: { status: 503, retry: true },
  // the seed prediction API's model (`tickflow train`, src/models/seed)
  DATASET_INVALID: { status: 422, retry: false },
  MODEL_NOT_LOADED: { status: 503, retry: false },
  MODEL_INVALID: { status: 500, retry: false },
  INTERNAL: { status: 500, retry: false },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** Reject reasons are the subset of codes that describe a bad input record. */
export type RejectReason =
  | 'MALFORMED'
  | 'WRONG_COLUMN_COUNT'
  | 'NOT_NUMERIC'
  | 'BAD_PRICE'
  | 'BAD_SIZE'
  | 'BAD_TIMESTAMP'
  | 'TIMESTAMP_TOO_OLD'
  | 'TIMESTAMP_IN_FUTURE'
  | 'OVERSIZED'
  | 'TRUNCATED'
  | 'BAD_INSTRUMENT'
  | 'VENUE_ERROR';

export class TickflowError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly canRetry: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TickflowError';
    this.code = code;
    this.details = options.details;
    this.canRetry = ErrorCodes[code].retry;
  }

  get status(): number {
    return ErrorCodes[this.code].status;
  }
}

export function isTickflowError(e: unknown): e is TickflowError {
  return e instanceof TickflowError;
}
