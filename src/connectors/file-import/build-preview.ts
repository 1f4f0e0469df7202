/**
 * The upload preview: reads the whole file once (streaming), proposes the entity type and mapping,
 * normalises every row to find row-level errors, counts matches against existing records to recommend a
 * strategy, and lists stage values with their proposed normalisation. Writes nothing.
 */
import type { Queryable } from '../../db/db.ts';
import { ENTITY_TABLES } from '../../entities/entity-tables.ts';
import { ValidationError } from '../../errors.ts';
import { buildAccountIndex } from './account-index.ts';
import { type ColumnSample, type MappingProposal, proposeMapping } from './column-mapping.ts';
import type { ImportEntityType } from './import-fields.ts';
import type { ImportStrategy } from './import-batches.ts';
import {
  classifyUnknownStages,
  loadStageResolver,
  type StageQuestion,
  stageQuestions,
  type StageValueClassifier,
  type StageValueReport,
} from './import-stages.ts';
import { createMoneySampler, type MoneyColumnReport } from './money-units.ts';
import { proposeNameColumns, requireEntityColumns } from './entity-columns.ts';
import { collectWarnings, recommend } from './preview-advice.ts';
import { loadOwnerDirectory, type OwnerReport } from './owner-directory.ts';
import { DECISION_CONFIDENCE } from './stage-proposals.ts';
import { type ColumnMapping, createRowNormaliser, IMPORT_SOURCE, type RowError } from './row-normaliser.ts';
import { CompactKeySet } from './compact-key-set.ts';
import { detachedField } from './csv-records.ts';
import { type OpenedTable, openTable, type RawRow, type TableLimits } from './table-reader.ts';
import { type DateOrder, detectDateOrder } from './date-values.ts';
import { detectPercentScale } from './value-parsing.ts';

const SAMPLE_ROWS = 200;
const SHOWN_ROWS = 10;
const SHOWN_ERRORS = 100;
const KEY_CHUNK = 5000;

export interface PreviewInput {
  path: string;
  fileName: string;
  limits: TableLimits;
  sheet?: string | null;
  entityHint?: ImportEntityType;
  /** Overrides for a re-preview (confirm with a different mapping reuses this). */
  mapping?: ColumnMapping;
  /** A proposal refined beforehand (column-refinement.ts); the heuristic mapper's otherwise. */
  proposal?: MappingProposal;
  stageClassifier: StageValueClassifier;
  /** The columns a deal's name is made from when none holds it; undefined: proposed here. */
  nameFrom?: string[] | null;
}

export interface ProposedName {
  columns: string[];
  example: string | null;
}

export interface Preview {
  format: 'csv' | 'xlsx';
  encoding: string | null;
  delimiter: string | null;
  sheets: string[];
  sheet: string | null;
  headers: string[];
  entity_type: ImportEntityType;
  entity_confidence: number;
  mapping: MappingProposal['columns'];
  classifier: string;
  date_orders: Record<string, DateOrder>;
  /** Columns written as fractions (header → 100): a percentage field mapped to one reads it ×100. */
  percent_scales: Record<string, number>;
  row_count: number;
  valid_rows: number;
  error_rows: number;
  errors: RowError[];
  sample_rows: Record<string, unknown>[];
  stage_values: StageValueReport[];
  /** Stage values whose proposal is unsure: the confirm answers them (stage_mappings) or accepts them. */
  questions: StageQuestion[];
  /** Distinct owner values: the known owner each matched (by email or name), or kept as a name. */
  owners: OwnerReport[];
  money_columns: MoneyColumnReport[];
  formula_cells: number;
  dedup: {
    existing_matches: number;
    duplicate_keys_in_file: number;
    existing_records: number;
    new_records: number;
    recommended_strategy: ImportStrategy;
    reason: string;
  };
  account_matches: number | null;
  /** Deals with no name column: the columns their names are made from, and the first such name. */
  proposed_name: ProposedName | null;
  /** The report footer's lines at the end of the file, left out of the rows. */
  footer: string[];
  /** A report's title and filter lines above the header, left out of the rows. */
  preamble: string[];
  warnings: string[];
}

async function readSample(table: OpenedTable): Promise<{ sample: RawRow[]; columns: ColumnSample[] }> {
  const sample: RawRow[] = [];
  for (;;) {
    if (sample.length >= SAMPLE_ROWS) break;
    const next = await table.rows.next();
    if (next.done) break;
    sample.push(next.value);
  }
  if (sample.length === 0) throw new ValidationError('the file has a header row but no data rows');
  const columns = table.headers.map((header, i) => ({
    header,
    values: sample.map((r) => r.cells[i] ?? null),
  }));
  return { sample, columns };
}

/** Columns whose sample reads as fractions (header → 100), for whichever is or becomes a percentage field. */
function fractionColumns(columns: readonly ColumnSample[]): Record<string, number> {
  return Object.fromEntries(
    columns.filter((c) => detectPercentScale(c.values) === 100).map((c) => [c.header, 100]),
  );
}

/** The columns and first rows of a file as the mapper sees them, for a refinement before the preview. */
export async function sampleColumns(
  path: string,
  limits: TableLimits,
  sheet?: string | null,
): Promise<ColumnSample[]> {
  const table = await openTable(path, limits, sheet);
  try {
    return (await readSample(table)).columns;
  } finally {
    await table.close();
  }
}

export async function buildPreview(q: Queryable, workspaceId: string, input: PreviewInput): Promise<Preview> {
  const table = await openTable(input.path, input.limits, input.sheet);
  try {
    const { sample, columns } = await readSample(table);
    const proposal = input.proposal ?? proposeMapping(columns, input.fileName, input.entityHint);
    const entity = proposal.entity_type;
    const mapping: Record<string, string | null> = input.mapping
      ? { ...input.mapping }
      : Object.fromEntries(proposal.columns.map((c) => [c.header, c.field]));
    const dateOrders = Object.fromEntries(columns.map((c) => [c.header, detectDateOrder(c.values)]));
    const percentScales = fractionColumns(columns);
    const stages = await loadStageResolver(q, workspaceId);
    const owners = await loadOwnerDirectory(q, workspaceId);
    const nameFrom = input.nameFrom !== undefined ? input.nameFrom : proposeNameColumns(entity, mapping);
    requireEntityColumns(entity, mapping, nameFrom, input.entityHint !== undefined);
    let nameExample: string | null = null;
    const setup = {
      entity,
      headers: table.headers,
      mapping,
      nameFrom,
      dateOrders,
      percentScales,
      stageOf: (raw: string) => stages.resolve(raw).stage,
      owners,
    };
    // The rows shown keep everything; the rest are only counted and checked, which skips their raw values.
    const normaliseShown = createRowNormaliser(setup);
    const normaliseCounted = createRowNormaliser({ ...setup, keepRaw: false });
    const money = createMoneySampler(entity, mapping);
    const ownerCounts = new Map<string, OwnerReport>();
    const accountIndex = entity === 'accounts' ? null : await buildAccountIndex(q, workspaceId);
    const spec = ENTITY_TABLES[entity];

    let rowCount = 0;
    let valid = 0;
    let errorRows = 0;
    let formulas = 0;
    let existingMatches = 0;
    let accountMatches = 0;
    const errors: RowError[] = [];
    const shown: Record<string, unknown>[] = [];
    const stageCounts = new Map<string, { rows: number; probabilitySum: number; probabilities: number }>();
    // Every key of the file is remembered to count repeats exactly; compactly, as a file may hold millions.
    const keys = new CompactKeySet();
    let duplicates = 0;
    let pendingKeys: string[] = [];
    const { rows: existing } = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${spec.table} WHERE workspace_id = $1::uuid AND source = $2::text`,
      [workspaceId, IMPORT_SOURCE],
    );
    const existingRecords = existing[0]!.n;
    const flushKeys = async () => {
      if (pendingKeys.length === 0) return;
      const { rows } = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${spec.table}
         WHERE workspace_id = $1::uuid AND source = $2::text AND source_id = ANY($3::text[])`,
        [workspaceId, IMPORT_SOURCE, pendingKeys],
      );
      existingMatches += rows[0]!.n;
      pendingKeys = [];
    };

    // Synchronous per row: the only wait is the existing-record lookup every KEY_CHUNK new keys.
    const handle = (raw: RawRow) => {
      rowCount++;
      const r = shown.length < SHOWN_ROWS ? normaliseShown(raw) : normaliseCounted(raw);
      formulas += r.formulas;
      // What is kept across the file is copied out of the chunk its text was sliced from (detachedField).
      if (!r.ok) {
        errorRows++;
        for (const e of r.errors)
          if (errors.length < SHOWN_ERRORS) errors.push({ ...e, message: detachedField(e.message) });
        return;
      }
      valid++;
      money.add(r.record);
      if (r.owner) {
        const o = ownerCounts.get(r.owner.value);
        if (o) o.rows++;
        else if (ownerCounts.size < 500) {
          const { email, name, matched_by } = r.owner;
          const value = detachedField(r.owner.value);
          ownerCounts.set(value, {
            email: email === null ? null : detachedField(email),
            name: name === null ? null : detachedField(name),
            matched_by,
            value,
            rows: 1,
          });
        }
      }
      if (nameFrom && nameExample === null) nameExample = String(r.record.name ?? '') || null;
      if (shown.length < SHOWN_ROWS) {
        const { source_data: _raw, ...rest } = r.record;
        shown.push({ row: r.row, ...rest });
      }
      if (r.stage !== null) {
        let c = stageCounts.get(r.stage);
        if (!c && stageCounts.size < 500) {
          c = { rows: 0, probabilitySum: 0, probabilities: 0 };
          stageCounts.set(detachedField(r.stage), c);
        }
        if (c) {
          c.rows++;
          if (typeof r.record.probability === 'number') {
            c.probabilitySum += r.record.probability;
            c.probabilities++;
          }
        }
      }
      if (!keys.add(r.key)) duplicates++;
      // With no records from earlier imports there is nothing to match the keys against.
      else if (existingRecords > 0) pendingKeys.push(r.key);
      if (accountIndex && accountIndex.size > 0) {
        const refs = (r.record.source_data as { refs: Record<string, string | undefined> }).refs;
        if (accountIndex.find(refs.account_name ?? null, refs.account_domain ?? null)) accountMatches++;
      }
    };
    for (const raw of sample) handle(raw);
    for (let batch = await table.nextBatch(); batch !== null; batch = await table.nextBatch()) {
      for (const raw of batch) handle(raw);
      if (pendingKeys.length >= KEY_CHUNK) await flushKeys();
    }
    await flushKeys();

    const stageValues = await classifyUnknownStages(
      [...stageCounts.entries()]
        .sort((a, b) => b[1].rows - a[1].rows)
        .map(([value, c]) => ({
          value,
          rows: c.rows,
          ...renameStage(stages.resolve(value)),
          mean_probability: c.probabilities > 0 ? +(c.probabilitySum / c.probabilities).toFixed(1) : null,
        })),
      input.stageClassifier,
    );
    const ownerValues = [...ownerCounts.values()].sort((a, b) => b.rows - a.rows);
    const moneyColumns = money.report();
    const warnings = collectWarnings({
      owners: ownerValues,
      moneyColumns,
      entity,
      accountsExist: accountIndex ? accountIndex.size > 0 : true,
      errorRows,
      validRows: valid,
      formulas,
      duplicates,
      stageValues,
      mapping,
      nameFrom,
      percentScales,
      footer: table.footer,
      preamble: table.preamble,
    });
    return {
      format: table.format,
      encoding: table.encoding ?? null,
      delimiter: table.delimiter ?? null,
      sheets: table.sheets,
      sheet: table.sheet,
      headers: table.headers,
      entity_type: entity,
      // How sure the columns make us, times the share of rows that would import: a file whose rows all fail
      // is no confident anything.
      entity_confidence: +(proposal.entity_confidence * (valid / Math.max(1, rowCount))).toFixed(2),
      mapping: proposal.columns.map((c) =>
        input.mapping && c.header in input.mapping ? { ...c, field: input.mapping[c.header] ?? null } : c,
      ),
      classifier: proposal.classifier,
      date_orders: dateOrders,
      percent_scales: percentScales,
      row_count: rowCount,
      valid_rows: valid,
      error_rows: errorRows,
      errors,
      sample_rows: shown,
      stage_values: stageValues,
      questions: stageQuestions(stageValues),
      owners: ownerValues,
      money_columns: moneyColumns,
      formula_cells: formulas,
      footer: table.footer,
      preamble: table.preamble,
      dedup: {
        existing_matches: existingMatches,
        duplicate_keys_in_file: duplicates,
        existing_records: existingRecords,
        new_records: valid - duplicates - existingMatches,
        ...recommend(entity, valid - duplicates, existingMatches, existingRecords),
      },
      account_matches: accountIndex ? accountMatches : null,
      proposed_name: nameFrom ? { columns: nameFrom, example: nameExample } : null,
      warnings,
    };
  } finally {
    await table.close();
  }
}

/** Rows a mapping would import, from one streamed pass (a confirm that changes the mapping re-counts). */
export async function countImportableRows(input: {
  path: string;
  limits: TableLimits;
  sheet: string | null;
  entity: ImportEntityType;
  mapping: Readonly<Record<string, string | null>>;
  dateOrders: Readonly<Record<string, DateOrder>>;
  percentScales: Readonly<Record<string, number>>;
  nameFrom: string[] | null;
}): Promise<{ rows: number; valid: number; errors: RowError[] }> {
  const table = await openTable(input.path, input.limits, input.sheet);
  try {
    const normalise = createRowNormaliser({
      entity: input.entity,
      headers: table.headers,
      mapping: input.mapping,
      dateOrders: input.dateOrders,
      percentScales: input.percentScales,
      nameFrom: input.nameFrom,
      stageOf: () => null,
      keepRaw: false,
    });
    let rows = 0;
    let valid = 0;
    const errors: RowError[] = [];
    for (let batch = await table.nextBatch(); batch !== null; batch = await table.nextBatch()) {
      for (const raw of batch) {
        rows++;
        const r = normalise(raw);
        if (r.ok) valid++;
        else for (const e of r.errors) if (errors.length < 10) errors.push(e);
      }
    }
    return { rows, valid, errors };
  } finally {
    await table.close();
  }
}

function renameStage(r: { stage: StageValueReport['proposed']; decided_by: StageValueReport['decided_by'] }) {
  const confidence =
    r.decided_by === 'stored' || r.decided_by === 'rules' ? DECISION_CONFIDENCE[r.decided_by] : 0;
  return { proposed: r.stage, decided_by: r.decided_by, confidence };
}
