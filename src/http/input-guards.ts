/**
 * Checks every request passes before any route sees it: the path is valid percent-encoding, JSON bodies
 * nest at most MAX_JSON_DEPTH levels, and no path segment, query key or value, or JSON key or string
 * holds what PostgreSQL cannot store (NUL, unpaired surrogates). Each failure is a 400 naming the field.
 */
import type { NextFunction, Request, Response } from 'express';
import { ValidationError } from '../errors.ts';
import { unstorableText } from '../validation/input-values.ts';

/** Far deeper than any body this API takes; deep enough nesting otherwise overflows recursive code. */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The nesting depth of raw JSON, counted without parsing; stops counting once past `limit`. */
export function jsonDepthExceeds(raw: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACKET || b === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) depth--;
  }
  return false;
}

/** `verify` hook for express.json: runs on the raw bytes before they are parsed. */
export function verifyJsonDepth(_req: Request, _res: Response, raw: Buffer): void {
  if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) {
    throw Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), {
      type: 'entity.too.deep',
    });
  }
}

function fail(where: string, field: string, problem: string): never {
  const name = field.slice(0, 100) || where;
  throw new ValidationError(`invalid ${where}: ${name}: ${problem}`, {
    issues: [{ field: name, message: problem }],
  });
}

/** Walks a parsed JSON value (depth already bounded) and rejects the first unstorable key or string. */
function checkJson(value: unknown, path: string[], where: 'body' | 'query'): void {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    if (problem) fail(where, path.join('.'), problem);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJson(value[i], [...path, String(i)], where);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const problem = unstorableText(key);
      if (problem) fail(where, [...path, key.replaceAll('\u0000', '\\u0000')].join('.'), `key ${problem}`);
      checkJson(inner, [...path, key], where);
    }
  }
}

function checkPath(rawPath: string): void {
  for (const segment of rawPath.split('/')) {
    if (!segment.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new ValidationError('invalid path: malformed percent-encoding');
    }
    const problem = unstorableText(decoded);
    if (problem) throw new ValidationError(`invalid path: a segment ${problem}`);
  }
}

export function rejectUnstorableInput(req: Request, _res: Response, next: NextFunction): void {
  checkPath(req.path);
  checkJson(req.query, [], 'query');
  if (req.body !== undefined) checkJson(req.body, [], 'body');
  next();
}
