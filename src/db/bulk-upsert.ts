/**
 * The bulk upsert: the one way entity rows are written in bulk.
 *
 * Rows are de-duplicated on the conflict key (last one wins: Postgres refuses to update one row twice in
 * a statement), sorted by it (concurrent writers then lock rows in the same order and cannot deadlock),
 * and written in batches with `ON CONFLICT … DO UPDATE … WHERE (row) IS DISTINCT FROM (excluded row)`,
 * so re-applying unchanged data writes no tuple at all.
 *
 * Two statement shapes, chosen by measurement (bench/upsert):
 * - copy: COPY the batch into a transaction-local temp table, then one INSERT … SELECT … ON CONFLICT.
 *   Fastest where the driver offers COPY.
 * - recordset: the batch as one JSON parameter expanded by jsonb_to_recordset. No bind-parameter limit,
 *   one round trip; the fallback for handles without COPY.
 */
import type { Db, Queryable } from './db.ts';

export type ColumnType =
  | 'text'
  | 'integer'
  | 'numeric'
  | 'boolean'
  | 'date'
  | 'timestamptz'
  | 'uuid'
  | 'jsonb'
  | 'text[]';

export interface UpsertTableSpec {
  /** Table name; a constant from code, never user input. */
  readonly table: string;
  /** Conflict columns after workspace_id, e.g. ['source', 'source_id']. */
  readonly conflictKey: readonly string[];
  /** Every column a writer may set, with its SQL type. */
  readonly columns: Readonly<Record<string, ColumnType>>;
  /** Whether the table has an updated_at column to bump on change. */
  readonly hasUpdatedAt: boolean;
}

export type UpsertRow = Record<string, unknown>;

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface UpsertOptions {
  shape?: 'auto' | 'copy' | 'recordset';
  batchSize?: number;
}

// 1000 rows keeps a recordset parameter around 1 MB for ~1 KB rows; COPY batches amortise the temp table.
const RECORDSET_BATCH = 1000;
const COPY_BATCH = 5000;

export function emptyCounts(): UpsertCounts {
  return { inserted: 0, updated: 0, unchanged: 0 };
}

export function addCounts(into: UpsertCounts, more: UpsertCounts): UpsertCounts {
  into.inserted += more.inserted;
  into.updated += more.updated;
  into.unchanged += more.unchanged;
  return into;
}

export async function bulkUpsert(
  q: Queryable | Db,
  spec: UpsertTableSpec,
  workspaceId: string,
  rows: readonly UpsertRow[],
  options: UpsertOptions = {},
): Promise<UpsertCounts> {
  const totals = emptyCounts();
  if (rows.length === 0) return totals;
  const columns = writtenColumns(spec, rows);
  const prepared = dedupeAndSort(spec, rows);
  const shape =
    options.shape === 'auto' || !options.shape ? (q.copyFrom ? 'copy' : 'recordset') : options.shape;
  if (shape === 'copy' && !q.copyFrom) throw new Error('this database handle does not support COPY');
  const size = options.batchSize ?? (shape === 'copy' ? COPY_BATCH : RECORDSET_BATCH);

  for (let start = 0; start < prepared.length; start += size) {
    const batch = prepared.slice(start, start + size);
    const write = (h: Queryable) =>
      shape === 'copy'
        ? upsertViaCopy(h, spec, columns, workspaceId, batch)
        : upsertViaRecordset(h, spec, columns, workspaceId, batch);
    // A bare Db gets one transaction per batch (the COPY temp table lives for one transaction);
    // a transaction handle from the caller keeps the caller's all-or-nothing boundary.
    const counts = 'transaction' in q ? await q.transaction(write) : await write(q);
    addCounts(totals, counts);
  }
  return totals;
}

function writtenColumns(spec: UpsertTableSpec, rows: readonly UpsertRow[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  for (const key of seen) {
    if (!(key in spec.columns)) throw new Error(`${spec.table}: unknown column "${key}" in upsert rows`);
  }
  for (const key of spec.conflictKey) {
    if (!seen.has(key)) throw new Error(`${spec.table}: upsert rows must carry conflict column "${key}"`);
  }
  // Fixed order (the spec's) so the statement text is the same for every batch.
  return Object.keys(spec.columns).filter((c) => seen.has(c));
}

function conflictKeyOf(spec: UpsertTableSpec, row: UpsertRow): string {
  return spec.conflictKey.map((k) => String(row[k] ?? '')).join('\u0001');
}

function dedupeAndSort(spec: UpsertTableSpec, rows: readonly UpsertRow[]): UpsertRow[] {
  const byKey = new Map<string, UpsertRow>();
  for (const row of rows) {
    for (const k of spec.conflictKey) {
      if (row[k] === null || row[k] === undefined)
        throw new Error(`${spec.table}: conflict column "${k}" is empty`);
    }
    byKey.set(conflictKeyOf(spec, row), row);
  }
  // Sort by the same bytes Postgres compares under the C collation is not needed: any total order
  // shared by all writers prevents lock-order deadlocks.
  return [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, row]) => row);
}

function conflictClause(spec: UpsertTableSpec, columns: string[]): string {
  const updatable = columns.filter((c) => !spec.conflictKey.includes(c));
  if (updatable.length === 0) return `ON CONFLICT (workspace_id, ${spec.conflictKey.join(', ')}) DO NOTHING`;
  const set = updatable.map((c) => `${c} = EXCLUDED.${c}`);
  if (spec.hasUpdatedAt) set.push('updated_at = now()');
  const current = updatable.map((c) => `${spec.table}.${c}`).join(', ');
  const incoming = updatable.map((c) => `EXCLUDED.${c}`).join(', ');
  return (
    `ON CONFLICT (workspace_id, ${spec.conflictKey.join(', ')}) DO UPDATE SET ${set.join(', ')} ` +
    `WHERE (${current}) IS DISTINCT FROM (${incoming})`
  );
}

// xmax = 0 marks a freshly inserted tuple; an updated one carries the updating transaction's id.
function countingWrapper(insertSql: string, batchSize: number): string {
  return /* sql */ `
    WITH written AS (${insertSql} RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
           count(*) FILTER (WHERE NOT inserted)::int AS updated,
           ${batchSize} - count(*)::int AS unchanged
    FROM written`;
}

async function upsertViaRecordset(
  q: Queryable,
  spec: UpsertTableSpec,
  columns: string[],
  workspaceId: string,
  batch: UpsertRow[],
): Promise<UpsertCounts> {
  const recordType = columns.map((c) => `${c} ${spec.columns[c]}`).join(', ');
  const insert =
    `INSERT INTO ${spec.table} (workspace_id, ${columns.join(', ')}) ` +
    `SELECT $1::uuid, ${columns.map((c) => `r.${c}`).join(', ')} FROM jsonb_to_recordset($2::jsonb) AS r(${recordType}) ` +
    conflictClause(spec, columns);
  const { rows } = await q.query<UpsertCounts>(countingWrapper(insert, batch.length), [
    workspaceId,
    toJsonParam(batch),
  ]);
  return rows[0]!;
}

async function upsertViaCopy(
  q: Queryable,
  spec: UpsertTableSpec,
  columns: string[],
  workspaceId: string,
  batch: UpsertRow[],
): Promise<UpsertCounts> {
  const stage = `pandora_stage_${spec.table}`;
  const stageColumns = columns.map((c) => `${c} ${spec.columns[c]}`).join(', ');
  await q.query(`CREATE TEMP TABLE ${stage} (${stageColumns}) ON COMMIT DROP`);
  await q.copyFrom!(
    `COPY ${stage} (${columns.join(', ')}) FROM STDIN (FORMAT csv)`,
    csvLines(batch, columns, spec),
  );
  const insert =
    `INSERT INTO ${spec.table} (workspace_id, ${columns.join(', ')}) ` +
    `SELECT $1::uuid, ${columns.join(', ')} FROM ${stage} ` +
    conflictClause(spec, columns);
  const { rows } = await q.query<UpsertCounts>(countingWrapper(insert, batch.length), [workspaceId]);
  await q.query(`DROP TABLE ${stage}`);
  return rows[0]!;
}

/** JSON for jsonb parameters; jsonb cannot hold U+0000, which some sources put in free text. */
export function toJsonParam(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\u0000') ? json.replaceAll('\\u0000', '') : json;
}

function* csvLines(batch: UpsertRow[], columns: string[], spec: UpsertTableSpec): Generator<string> {
  let chunk = '';
  for (const row of batch) {
    chunk += csvLine(row, columns, spec);
    if (chunk.length > 256 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** One row as a line of COPY CSV, newline included. */
export function csvLine(row: UpsertRow, columns: readonly string[], spec: UpsertTableSpec): string {
  return `${columns.map((c) => csvField(row[c], spec.columns[c]!)).join(',')}\n`;
}

function csvField(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return ''; // unquoted empty = NULL in CSV COPY
  let text: string;
  if (type === 'jsonb') text = toJsonParam(value);
  else if (type === 'text[]') text = pgArrayLiteral(value as unknown[]);
  else if (value instanceof Date) text = value.toISOString();
  else text = String(value);
  if (type !== 'jsonb' && text.includes('\u0000')) text = text.replaceAll('\u0000', '');
  return `"${text.replaceAll('"', '""')}"`;
}

function pgArrayLiteral(values: unknown[]): string {
  return `{${values.map((v) => `"${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
