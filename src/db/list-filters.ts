/**
 * List filters: a per-entity whitelist of query keys turned into parameterised WHERE conditions. Only
 * identifiers from the whitelist are spliced into SQL; every value is a `$n` parameter with a cast.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import type { SqlParam } from './db.ts';
import { isoDate, isoDateTime, unstorableText } from '../validation/input-values.ts';

export type ValueType =
  | 'text'
  | 'uuid'
  | 'numeric'
  | 'integer'
  | 'bigint'
  | 'date'
  | 'timestamptz'
  | 'boolean';
export type ColumnKind = ValueType | 'jsonb' | 'text[]';

export type FilterSpec =
  /** `?f=a` or `?f=a,b` (or the key repeated): equality or membership. */
  | { op: 'in'; column: string; type: ValueType }
  /**
   * Inclusive range bounds. With `scaledKey`, the bound is compared with a bigint twin of the column
   * holding it `× 10^scale` (see ListingDefinition.scaledKeys in src/entities/entity-listing.ts).
   */
  | { op: 'gte' | 'lte'; column: string; type: ValueType; scaledKey?: ScaledKey }
  /** `?f=true|false` on a boolean column. */
  | { op: 'is'; column: string }
  /** `?f=true|false`: the column is set / empty (linked / unlinked). */
  | { op: 'present'; column: string }
  /** Case-insensitive substring match on an expression built from text columns. */
  | { op: 'search'; columns: readonly string[] };

export interface ScaledKey {
  column: string;
  scale: number;
}

const MAX_IN_VALUES = 100;
// Query keys the list itself reads (paging, order, totals), never filters.
const RESERVED = new Set(['limit', 'cursor', 'sort', 'include_total', 'include_deleted']);

/** The expression a search filter matches; migrations index exactly this text with gin_trgm_ops. */
export function searchExpression(columns: readonly string[]): string {
  return columns.length === 1
    ? columns[0]!
    : `(${columns.map((c) => `coalesce(${c}, '')`).join(` || ' ' || `)})`;
}

const valueSchemas: Record<ValueType, z.ZodType<SqlParam>> = {
  // Cursor values arrive decoded from base64, past the request's own NUL check.
  text: z
    .string()
    .max(500)
    .refine((t) => unstorableText(t) === null, 'contains a NUL or an unpaired surrogate'),
  uuid: z.string().uuid('expected a uuid'),
  numeric: z
    .string()
    .regex(/^-?\d{1,15}(\.\d{1,6})?$/, 'expected a number')
    .transform((s) => s),
  integer: z.string().regex(/^-?\d{1,9}$/, 'expected an integer'),
  bigint: z.string().regex(/^-?\d{1,18}$/, 'expected an integer'),
  date: isoDate,
  timestamptz: isoDateTime,
  boolean: z.enum(['true', 'false'], 'expected true or false').transform((s) => s === 'true'),
};

export function parseValue(type: ValueType, raw: string, field: string): SqlParam {
  const parsed = valueSchemas[type].safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(`invalid query: ${field}: ${parsed.error.issues[0]?.message ?? 'bad value'}`);
  }
  return parsed.data;
}

export interface Condition {
  sql: string;
  params: SqlParam[];
}

/** Accumulates `$n` parameters; conditions reference them by number. */
export class ParamList {
  readonly values: SqlParam[] = [];
  add(value: SqlParam, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function singleValue(name: string, raw: string | string[]): string {
  if (Array.isArray(raw)) throw new ValidationError(`invalid query: ${name}: give one value`);
  return raw;
}

/** Builds the WHERE conditions (after workspace_id) for the whitelisted filters in `query`. */
export function filterConditions(
  spec: { filters: Readonly<Record<string, FilterSpec>> },
  query: Readonly<Record<string, string | string[] | undefined>>,
  params: ParamList,
  ignore: ReadonlySet<string> = RESERVED,
): string[] {
  const where: string[] = [];
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined || ignore.has(name)) continue;
    if (!Object.hasOwn(spec.filters, name)) {
      throw new ValidationError(`unknown filter "${name.slice(0, 100)}"`, { field: name.slice(0, 100) });
    }
    const f = spec.filters[name]!;
    switch (f.op) {
      case 'in': {
        const values = (Array.isArray(raw) ? raw : [raw])
          .flatMap((v) => v.split(','))
          .filter((v) => v !== '');
        if (values.length === 0) throw new ValidationError(`invalid query: ${name}: give at least one value`);
        if (values.length > MAX_IN_VALUES) {
          throw new ValidationError(`invalid query: ${name}: at most ${MAX_IN_VALUES} values`);
        }
        const parsed = values.map((v) => parseValue(f.type, v, name));
        where.push(
          parsed.length === 1
            ? `${f.column} = ${params.add(parsed[0]!, f.type)}`
            : `${f.column} = ANY(${params.add(parsed, `${f.type}[]`)})`,
        );
        break;
      }
      case 'gte':
      case 'lte': {
        const v = parseValue(f.type, singleValue(name, raw), name);
        const op = f.op === 'gte' ? '>=' : '<=';
        if (!f.scaledKey) {
          where.push(`${f.column} ${op} ${params.add(v, f.type)}`);
        } else {
          // Rounded inwards, so `amount_min=10.005` still means amount >= 10.005 on a scale-2 key.
          const round = f.op === 'gte' ? 'ceil' : 'floor';
          const { column, scale } = f.scaledKey;
          where.push(`${column} ${op} ${round}(${params.add(v, 'numeric')} * ${10 ** scale})::bigint`);
        }
        break;
      }
      case 'is': {
        const v = parseValue('boolean', singleValue(name, raw), name);
        where.push(`${f.column} = ${params.add(v, 'boolean')}`);
        break;
      }
      case 'present': {
        const v = parseValue('boolean', singleValue(name, raw), name);
        where.push(`${f.column} IS ${v ? 'NOT NULL' : 'NULL'}`);
        break;
      }
      case 'search': {
        const q = singleValue(name, raw).trim();
        if (q.length === 0 || q.length > 200) {
          throw new ValidationError(`invalid query: ${name}: give 1 to 200 characters`);
        }
        where.push(`${searchExpression(f.columns)} ILIKE ${params.add(likePattern(q), 'text')}`);
        break;
      }
    }
  }
  return where;
}
