/** Response schemas of the file import routes: a batch through its lifecycle, and its preview. */
import { IMPORT_ENTITY_TYPES } from '../../../connectors/file-import/import-fields.ts';
import {
  arr,
  dateTime,
  enumOf,
  int,
  named,
  nullable,
  obj,
  open,
  record,
  str,
  uuid,
} from '../schema-builders.ts';

export const importBatchSchema = named(
  'ImportBatch',
  obj({
    id: uuid,
    entity_type: enumOf(IMPORT_ENTITY_TYPES),
    status: enumOf(['pending', 'confirmed', 'applied', 'rolled_back', 'cancelled', 'failed']),
    file_name: str,
    file_format: enumOf(['csv', 'xlsx']),
    file_size: int,
    sheet: nullable(str),
    row_count: int,
    column_mapping: record(nullable(str), 'file header → field (null: not imported)'),
    classification: open({}, { description: 'how the columns and entity type were recognised' }),
    strategy: nullable(enumOf(['replace', 'merge', 'append'])),
    counts: record(int, 'rows inserted, updated, unchanged, skipped, errored, deleted'),
    warnings: arr(str),
    progress: open({}, { description: 'phase, rows_done, rows_total while it applies' }),
    result: open({}, { description: 'what the apply (and a rollback) did: relink counts, sync_log_id, …' }),
    error: nullable(str),
    created_by: nullable(str),
    created_at: dateTime,
    confirmed_at: nullable(dateTime),
    applied_at: nullable(dateTime),
    rolled_back_at: nullable(dateTime),
    cancelled_at: nullable(dateTime),
  }),
);

export const importPreviewSchema = named(
  'ImportPreview',
  open(
    {
      format: enumOf(['csv', 'xlsx']),
      headers: arr(str),
      entity_type: enumOf(IMPORT_ENTITY_TYPES),
      mapping: arr(open({ header: str, field: nullable(str) })),
      row_count: int,
      valid_rows: int,
      error_rows: int,
      errors: arr(open({})),
      sample_rows: arr(open({}, { description: 'a parsed row as it would be written' })),
      footer: {
        ...arr(str),
        description: "a report footer's lines at the end of the file (one value each), left out of the rows",
      },
      preamble: {
        ...arr(str),
        description: "a formatted report's title and filter lines above the header, left out of the rows",
      },
      percent_scales: record(
        int,
        'columns written as fractions (header → 100): a probability mapped to one is read ×100',
      ),
      warnings: arr(str),
    },
    { description: 'what the file holds and how it would be imported; more keys by format' },
  ),
);

const relinkSchema = record(int, 'links made per kind');

export const importUploadSchema = obj({ batch: importBatchSchema, preview: importPreviewSchema });
export const importBatchOnlySchema = obj({ batch: importBatchSchema });
export const importRollbackSchema = obj({
  batch: importBatchSchema,
  rollback: record(int, 'rows removed, restored, reinserted, stage history removed'),
});
export const importBatchDetailSchema = obj({
  batch: importBatchSchema,
  preview: { ...importPreviewSchema, description: 'the preview as of the upload' },
});
export const importRelinkSchema = obj({ relink: relinkSchema });
