/**
 * Declarative entity listings: each entity module states its filters, sorts and search columns; the
 * columns and their types come from the writable-column table specs, so lists cannot drift from the
 * schema. Listing, detail and the OpenAPI document all read these specs.
 */
import type { Queryable } from '../db/db.ts';
import type { ColumnKind, FilterSpec, ScaledKey, ValueType } from '../db/list-filters.ts';
import { JsonText } from '../db/json-text.ts';
import { type ListPage, type ListSpec, runListQuery, type SortSpec, toApiRecord } from '../db/list-query.ts';
import { NotFoundError } from '../errors.ts';
import { ENTITY_TABLES, type EntityName } from './entity-tables.ts';

export type ApiRecord = Record<string, unknown>;

export interface EntityListing extends ListSpec {
  entity: EntityName;
  /** Singular noun for messages and docs. */
  singular: string;
  /** Computed score columns: in every response, `<score>_min/_max` filters, sorts with unscored rows last. */
  scores: readonly string[];
  /** Columns only the one-record response carries (a score's reasons), with their kinds. */
  detailColumns: Readonly<Record<string, ColumnKind>>;
}

const NEVER_NULL = new Set(['id', 'created_at', 'updated_at', 'source', 'source_id']);

function asValueType(kind: ColumnKind, column: string): ValueType {
  if (kind === 'jsonb' || kind === 'text[]') throw new Error(`column ${column} cannot be filtered or sorted`);
  return kind;
}

export interface ListingDefinition {
  singular: string;
  /** Columns beyond the writable ones (owned by later computations: links, classifications). */
  extraColumns?: Record<string, ColumnKind>;
  /** Equality / `in` filters named after their column. */
  equals?: readonly string[];
  /** Boolean columns filterable as `?col=true|false`. */
  booleans?: readonly string[];
  /** Range filters: name prefix → column; gives `<prefix>_min/_max` for numbers, `_from/_to` for dates. */
  ranges?: Readonly<Record<string, string>>;
  /**
   * Numeric columns that range filters and keyset pages read through a generated bigint twin holding
   * `column × 10^scale`. PostgreSQL's numeric comparisons are not LEAKPROOF, so under row-level security
   * a numeric bound can never be an index condition; a bigint bound can. API fields stay numeric.
   */
  scaledKeys?: Readonly<Record<string, ScaledKey>>;
  /**
   * Computed score columns (also listed in extraColumns): each gets `<column>_min/_max` and a sort that
   * puts unscored rows last in both directions.
   */
  scores?: readonly string[];
  /** Columns beyond the list's that the one-record response adds (a score's reasons). */
  detailColumns?: Record<string, ColumnKind>;
  /** `has_<name>=true|false` → column set / empty. */
  presence?: Readonly<Record<string, string>>;
  /** Text columns searched by `q`. */
  search?: readonly string[];
  sorts: readonly string[];
  defaultSort?: string;
}

export function defineListing(entity: EntityName, def: ListingDefinition): EntityListing {
  const writable = { ...ENTITY_TABLES[entity].columns } as Record<string, ColumnKind>;
  delete writable.source_data;
  const softDelete = 'deleted_at' in writable;
  const columns: Record<string, ColumnKind> = {
    id: 'uuid',
    ...writable,
    // The surviving record when the source merged this one into it (src/sync/source-deletions.ts).
    ...(softDelete ? { merged_into_id: 'uuid' as const } : {}),
    ...def.extraColumns,
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  };
  const typeOf = (column: string): ValueType => {
    const kind = columns[column];
    if (!kind) throw new Error(`${entity}: unknown column ${column}`);
    return asValueType(kind, column);
  };
  const filters: Record<string, FilterSpec> = {};
  for (const column of ['source', ...(def.equals ?? [])]) {
    filters[column] = { op: 'in', column, type: typeOf(column) };
  }
  for (const column of def.booleans ?? []) {
    typeOf(column);
    filters[column] = { op: 'is', column };
  }
  const scores = def.scores ?? [];
  const ranges: Record<string, string> = { created: 'created_at', updated: 'updated_at', ...def.ranges };
  for (const column of scores) ranges[column] = column;
  for (const [prefix, column] of Object.entries(ranges)) {
    const type = typeOf(column);
    const [lo, hi] = type === 'numeric' || type === 'integer' ? ['min', 'max'] : ['from', 'to'];
    const scaledKey = def.scaledKeys?.[column];
    filters[`${prefix}_${lo}`] = { op: 'gte', column, type, ...(scaledKey && { scaledKey }) };
    filters[`${prefix}_${hi}`] = { op: 'lte', column, type, ...(scaledKey && { scaledKey }) };
  }
  for (const [name, column] of Object.entries(def.presence ?? {})) {
    typeOf(column);
    filters[`has_${name}`] = { op: 'present', column };
  }
  if (def.search?.length) {
    for (const column of def.search) typeOf(column);
    filters.q = { op: 'search', columns: def.search };
  }
  const sorts: Record<string, SortSpec> = {};
  for (const column of ['created_at', 'updated_at', ...def.sorts, ...scores]) {
    const type = typeOf(column);
    const key = def.scaledKeys?.[column];
    sorts[column] = {
      ...(key ? { column: key.column, type: 'bigint' } : { column, type }),
      nullable: !NEVER_NULL.has(column),
    };
  }
  return Object.freeze({
    entity,
    singular: def.singular,
    table: entity,
    columns: Object.freeze(columns),
    filters: Object.freeze(filters),
    sorts: Object.freeze(sorts),
    defaultSort: def.defaultSort ?? '-updated_at',
    scores: Object.freeze([...scores]),
    detailColumns: Object.freeze({ ...def.detailColumns }),
    softDelete,
  });
}

/** A list's answer, as `listEntity`'s JSON text holds it. */
export interface EntityPage {
  data: ApiRecord[];
  next_cursor: string | null;
  total?: number;
}

/** The page as the API answers it: the records' JSON text as the database wrote it, spliced in. */
function entityPageText(page: ListPage): JsonText<EntityPage> {
  const total = page.total === undefined ? '' : `,"total":${page.total}`;
  return new JsonText(
    `{"data":[${page.records.join(',')}],"next_cursor":${JSON.stringify(page.nextCursor)}${total}}`,
  );
}

export async function listEntity(
  q: Queryable,
  workspaceId: string,
  listing: EntityListing,
  query: Readonly<Record<string, string | string[] | undefined>>,
): Promise<JsonText<EntityPage>> {
  return entityPageText(await runListQuery(q, listing, workspaceId, query));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One record with its raw source_data; 404 for a malformed id or one of another workspace. */
export async function getEntity(
  q: Queryable,
  workspaceId: string,
  listing: EntityListing,
  id: string,
): Promise<ApiRecord> {
  if (!UUID.test(id)) throw new NotFoundError(listing.singular);
  const detail = { ...listing.columns, ...listing.detailColumns };
  const columns = [...Object.keys(detail), 'source_data'].join(', ');
  const { rows } = await q.query(
    `SELECT ${columns} FROM ${listing.table} WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, id],
  );
  if (!rows[0]) throw new NotFoundError(listing.singular);
  return { ...toApiRecord(detail, rows[0]), source_data: rows[0].source_data };
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
