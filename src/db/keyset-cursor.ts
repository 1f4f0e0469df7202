/** Opaque keyset cursors: base64url JSON of the sort order, the last row's sort value and its id. */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';

export interface KeysetCursor {
  /** The sort as requested, e.g. '-amount'; a cursor is only valid for the same sort. */
  sort: string;
  /** The sort column's value as text (null for a null value). */
  value: string | null;
  id: string;
}

const cursorSchema = z
  .object({ s: z.string().max(100), v: z.string().max(100).nullable(), i: z.string().max(64) })
  .strict();

export function encodeCursor(c: KeysetCursor): string {
  return Buffer.from(JSON.stringify({ s: c.sort, v: c.value, i: c.id }), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): KeysetCursor {
  if (raw.length > 400 || !/^[A-Za-z0-9_-]+$/.test(raw))
    throw new ValidationError('invalid query: cursor: malformed');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('invalid query: cursor: malformed');
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError('invalid query: cursor: malformed');
  return { sort: parsed.data.s, value: parsed.data.v, id: parsed.data.i };
}
