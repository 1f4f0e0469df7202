/**
 * The one place errors become HTTP responses: `{"error": {"code", "message"}}`. Unknown errors are logged
 * and answered 500 with no details, so stack traces and secrets never leave the process.
 */
import type { NextFunction, Request, Response } from 'express';
import { AppError, type ErrorCode, PG_ERROR, pgErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';

const STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  unauthorized: 401,
  invalid_api_key: 401,
  invalid_signature: 401,
  replayed: 409,
  forbidden: 403,
  not_found: 404,
  gone: 410,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  upstream_error: 502,
};

interface Mapped {
  status: number;
  code: ErrorCode | 'bad_json';
  message: string;
  details?: unknown;
}

/**
 * Errors of reading the request itself, before any route: body-parser's (each with a `type`), the
 * router's failure to percent-decode a path parameter, and any other http-errors error marked `expose`
 * with a 4xx status (its message is meant for the client).
 */
function transportError(err: unknown): Mapped | null {
  if (typeof err !== 'object' || err === null) return null;
  const { type, status, expose } = err as { type?: unknown; status?: unknown; expose?: unknown };
  switch (type) {
    case 'entity.too.large':
      return { status: 413, code: 'payload_too_large', message: 'request body too large' };
    case 'entity.parse.failed':
      return { status: 400, code: 'bad_json', message: 'request body is not valid JSON' };
    case 'entity.too.deep':
      return { status: 400, code: 'bad_json', message: (err as Error).message };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { status: 415, code: 'validation_error', message: 'unsupported body encoding or charset' };
  }
  if (err instanceof URIError && status === 400)
    return { status: 400, code: 'validation_error', message: 'invalid path: malformed percent-encoding' };
  if (expose === true && typeof status === 'number' && status >= 400 && status < 500) {
    // e.g. a body whose Content-Encoding says gzip but whose bytes are not gzip.
    return {
      status,
      code: 'validation_error',
      message: `request body could not be read: ${(err as Error).message}`,
    };
  }
  return null;
}

function mapError(err: unknown): Mapped | null {
  if (err instanceof AppError) {
    return { status: STATUS[err.code], code: err.code, message: err.message, details: err.details };
  }
  const transport = transportError(err);
  if (transport) return transport;
  switch (pgErrorCode(err)) {
    case PG_ERROR.uniqueViolation:
      return { status: 409, code: 'conflict', message: 'a record with these values already exists' };
    case PG_ERROR.foreignKeyViolation:
      return { status: 400, code: 'validation_error', message: 'a referenced record does not exist' };
    case PG_ERROR.checkViolation:
    case PG_ERROR.notNullViolation:
    case PG_ERROR.invalidTextRepresentation:
      return { status: 400, code: 'validation_error', message: 'a value is out of range or malformed' };
  }
  return null;
}

export function errorMapper(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const mapped = mapError(err);
    if (!mapped) {
      log.error(
        { err, reqId: res.locals.requestId, path: req.originalUrl.split('?', 1)[0] },
        'unhandled error',
      );
      res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
      return;
    }
    if (mapped.status >= 500) log.warn({ err, reqId: res.locals.requestId }, mapped.message);
    const body: Record<string, unknown> = { code: mapped.code, message: mapped.message };
    if (mapped.details !== undefined) body.details = mapped.details;
    res.status(mapped.status).json({ error: body });
  };
}
