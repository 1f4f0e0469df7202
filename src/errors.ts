/** The error hierarchy every module throws; the HTTP layer maps `code` to a status in one table. */

export type ErrorCode =
  | 'validation_error'
  | 'not_found'
  | 'gone'
  | 'conflict'
  | 'unauthorized'
  | 'invalid_api_key'
  | 'invalid_signature'
  | 'replayed'
  | 'forbidden'
  | 'payload_too_large'
  | 'unprocessable'
  | 'upstream_error'
  | 'rate_limited'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('validation_error', message, details);
  }
}

/** Well-formed and valid, but nothing could come of it (an import whose every row fails). */
export class UnprocessableError extends AppError {
  constructor(message: string, details?: unknown) {
    super('unprocessable', message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

/** The thing existed and the source no longer has it (a deleted recording's transcript). */
export class GoneError extends AppError {
  constructor(message: string) {
    super('gone', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', message);
  }
}

export class AuthError extends AppError {
  constructor(message = 'missing or invalid credentials') {
    super('unauthorized', message);
  }
}

/** A bearer token that is no live API key: malformed, unknown or revoked (401, unlike another workspace's key). */
export class InvalidApiKeyError extends AppError {
  constructor(message: string) {
    super('invalid_api_key', message);
  }
}

/** A failed call to an external service; `status` is the upstream HTTP status (0 for network errors). */
export class UpstreamError extends AppError {
  constructor(
    readonly service: string,
    readonly status: number,
    readonly bodyExcerpt: string,
    message?: string,
  ) {
    super('upstream_error', message ?? `${service} responded ${status || 'with a network error'}`);
  }
}

/** SQLSTATE classes we act on; see https://www.postgresql.org/docs/current/errcodes-appendix.html */
export const PG_ERROR = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  notNullViolation: '23502',
  checkViolation: '23514',
  invalidTextRepresentation: '22P02',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
  }
  return undefined;
}

export function isRetryablePgError(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code === PG_ERROR.serializationFailure || code === PG_ERROR.deadlockDetected;
}
