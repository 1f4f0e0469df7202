/** import_batches: the lifecycle row of one upload (pending → confirmed → applied → rolled_back, or cancelled). */
import type { Queryable } from '../../db/db.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import type { ImportEntityType } from './import-fields.ts';

export type BatchStatus = 'pending' | 'confirmed' | 'applied' | 'rolled_back' | 'cancelled' | 'failed';
export type ImportStrategy = 'replace' | 'merge' | 'append';

export interface ImportBatchRow {
  id: string;
  entity_type: ImportEntityType;
  status: BatchStatus;
  file_name: string;
  file_format: 'csv' | 'xlsx';
  file_size: number;
  temp_path: string | null;
  sheet: string | null;
  row_count: number;
  column_mapping: Record<string, string | null>;
  classification: Record<string, unknown>;
  preview: Record<string, unknown>;
  strategy: ImportStrategy | null;
  counts: Record<string, number>;
  warnings: string[];
  progress: Record<string, unknown>;
  result: Record<string, unknown>;
  error: string | null;
  created_by: string | null;
  created_at: string;
  confirmed_at: string | null;
  applied_at: string | null;
  rolled_back_at: string | null;
  cancelled_at: string | null;
}

const COLUMNS = /* sql */ `id, entity_type, status, file_name, file_format, file_size, temp_path, sheet, row_count,
  column_mapping, classification, preview, strategy, counts, warnings, progress, result, error, created_by,
  created_at, confirmed_at, applied_at, rolled_back_at, cancelled_at`;

export interface NewBatch {
  entity_type: ImportEntityType;
  file_name: string;
  file_format: 'csv' | 'xlsx';
  file_size: number;
  temp_path: string;
  sheet: string | null;
  row_count: number;
  column_mapping: Record<string, string | null>;
  classification: Record<string, unknown>;
  preview: Record<string, unknown>;
  warnings: string[];
  created_by: string | null;
}

export async function createBatch(q: Queryable, workspaceId: string, b: NewBatch): Promise<ImportBatchRow> {
  const { rows } = await q.query<ImportBatchRow>(
    /* sql */ `INSERT INTO import_batches (workspace_id, entity_type, file_name, file_format, file_size, temp_path,
                 sheet, row_count, column_mapping, classification, preview, warnings, created_by)
               VALUES ($1::uuid, $2::text, $3::text, $4::text, $5::bigint, $6::text, $7::text, $8::int, $9::jsonb,
                 $10::jsonb, $11::jsonb, $12::jsonb, $13::text)
               RETURNING ${COLUMNS}`,
    [
      workspaceId,
      b.entity_type,
      b.file_name,
      b.file_format,
      b.file_size,
      b.temp_path,
      b.sheet,
      b.row_count,
      JSON.stringify(b.column_mapping),
      JSON.stringify(b.classification),
      JSON.stringify(b.preview),
      JSON.stringify(b.warnings),
      b.created_by,
    ],
  );
  return rows[0]!;
}

export async function getBatch(
  q: Queryable,
  workspaceId: string,
  batchId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ImportBatchRow> {
  const { rows } = await q.query<ImportBatchRow>(
    `SELECT ${COLUMNS} FROM import_batches WHERE workspace_id = $1::uuid AND id = $2::uuid${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    [workspaceId, batchId],
  );
  if (!rows[0]) throw new NotFoundError(`import batch ${batchId}`);
  return rows[0];
}

export async function listBatches(
  q: Queryable,
  workspaceId: string,
  limit: number,
): Promise<ImportBatchRow[]> {
  const { rows } = await q.query<ImportBatchRow>(
    `SELECT ${COLUMNS} FROM import_batches WHERE workspace_id = $1::uuid ORDER BY created_at DESC, id LIMIT $2::int`,
    [workspaceId, limit],
  );
  return rows;
}

export function requireStatus(batch: ImportBatchRow, allowed: readonly BatchStatus[], action: string): void {
  if (!allowed.includes(batch.status)) {
    throw new ConflictError(`cannot ${action} an import batch that is ${batch.status}`);
  }
}

/** The API shape: everything but the temp file location. */
export function batchToApi(b: ImportBatchRow) {
  const { temp_path: _hidden, preview: _preview, ...rest } = b;
  return rest;
}

export async function setProgress(
  q: Queryable,
  workspaceId: string,
  batchId: string,
  progress: Record<string, unknown>,
): Promise<void> {
  await q.query(
    /* sql */ `UPDATE import_batches SET progress = $3::jsonb, updated_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, batchId, JSON.stringify(progress)],
  );
}
