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
  forbidden: 403,
  not_found: 404,
  gone: 410,
  conflict: 409,
  payload_too_large: 413,
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

function mapError(err: unknown): Mapped | null {
  if (err instanceof AppError) {
    return { status: STATUS[err.code], code: err.code, message: err.message, details: err.details };
  }
  // body-parser errors carry a `type` and an HTTP status.
  if (typeof err === 'object' && err !== null && 'type' in err) {
    const type = (err as { type: unknown }).type;
    if (type === 'entity.too.large')
      return { status: 413, code: 'payload_too_large', message: 'request body too large' };
    if (type === 'entity.parse.failed')
      return { status: 400, code: 'bad_json', message: 'request body is not valid JSON' };
    if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
      return { status: 415 as number, code: 'validation_error', message: 'unsupported body encoding' };
    }
  }
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
      log.error({ err, reqId: res.locals.requestId, path: req.path }, 'unhandled error');
      res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
      return;
    }
    if (mapped.status >= 500) log.warn({ err, reqId: res.locals.requestId }, mapped.message);
    const body: Record<string, unknown> = { code: mapped.code, message: mapped.message };
    if (mapped.details !== undefined) body.details = mapped.details;
    res.status(mapped.status).json({ error: body });
  };
}
