/**
 * One file row → one entity row for the bulk upsert (source 'csv_import'), or row-level errors. The
 * source_id is the mapped external id, else a natural key (email, domain, name…) so a re-upload of the
 * same records matches them; a deal's key never involves its account. Unmapped columns go to custom_fields; the raw row to source_data.
 */
import { createHash } from 'node:crypto';
import type { StageNormalized } from '../../compute/stage-normalisation.ts';
import type { UpsertRow } from '../../db/bulk-upsert.ts';
import { companyKey } from './account-index.ts';
import {
  type CellContext,
  type CellOutcome,
  interpreter,
  memoised,
  storedText,
} from './cell-interpreters.ts';
import { detachedField } from './csv-records.ts';
import {
  fieldOf,
  type ImportEntityType,
  type ImportField,
  REFERENCE_FIELDS,
  REQUIRED_ANY,
} from './import-fields.ts';
import type { ResolvedOwner } from './owner-directory.ts';
import type { Cell, RawRow } from './table-reader.ts';
import { isFormulaLike, splitPersonName } from './value-parsing.ts';

export const IMPORT_SOURCE = 'csv_import';

/** header → field name, or null for a custom field. */
export type ColumnMapping = Readonly<Record<string, string | null>>;

export interface NormaliserSetup extends CellContext {
  headers: readonly string[];
  mapping: ColumnMapping;
  /** With no column mapped to the name: the columns whose values make it ("Acme — GTX Pro"). */
  nameFrom?: readonly string[] | null;
  /** Raw stage → normalised stage (stored mappings first, then the rules or the classifier). */
  stageOf(raw: string): StageNormalized | null;
  /**
   * false: rows are only counted and checked (the preview past its sample rows), so the record carries no
   * custom_fields and its source_data only the refs; validity, key and fields are the same. Default true.
   */
  keepRaw?: boolean;
}

// Entities whose natural key is made from fields; the others' is a hash of all the row's values.
const NAMED_KEY_ENTITIES = new Set<ImportEntityType>(['accounts', 'contacts', 'leads', 'deals']);

export interface RowError {
  row: number;
  column?: string;
  message: string;
}

const APOSTROPHE = 39;

export type NormalisedRow =
  | {
      ok: true;
      row: number;
      key: string;
      record: UpsertRow;
      formulas: number;
      stage: string | null;
      owner: (ResolvedOwner & { value: string }) | null;
    }
  | { ok: false; row: number; errors: RowError[]; formulas: number };

interface Column {
  header: string;
  field: ImportField | null;
  target: 'refs' | 'record';
  interpret: (cell: Cell, text: string) => CellOutcome;
}

export function createRowNormaliser(setup: NormaliserSetup): (raw: RawRow) => NormalisedRow {
  const columns: Column[] = setup.headers.map((header) => {
    const name = setup.mapping[header] ?? null;
    const field = name ? (fieldOf(setup.entity, name) ?? null) : null;
    const interpret = field ? interpreter(field, header, setup) : null;
    return {
      header,
      field,
      target: field && REFERENCE_FIELDS.has(field.name) ? 'refs' : 'record',
      // Lists are fresh arrays per record; plain text needs no parsing (and has no interpreter).
      interpret: !interpret
        ? () => ({ ok: false, error: '' })
        : field!.kind === 'list'
          ? interpret
          : memoised(interpret),
    };
  });
  const required = REQUIRED_ANY[setup.entity];
  const keepRaw = setup.keepRaw ?? true;
  // Without keepRaw the raw values are still needed to make names and to hash keys of keyless entities.
  const keepValues = keepRaw || (setup.nameFrom?.length ?? 0) > 0 || !NAMED_KEY_ENTITIES.has(setup.entity);
  // A file names the same few companies over and over; their keys are worth remembering (up to a bound).
  const companyKeys = new Map<string, string | null>();
  const companyKeyOf = (name: string): string | null => {
    let key = companyKeys.get(name);
    if (key === undefined) {
      key = companyKey(name);
      // A copy, as the name is a slice of the file's text that would keep its chunk alive.
      if (companyKeys.size < 20_000) companyKeys.set(detachedField(name), key);
    }
    return key;
  };
  return (raw) => {
    if (raw.error)
      return { ok: false, row: raw.row, errors: [{ row: raw.row, message: raw.error }], formulas: 0 };
    const errors: RowError[] = [];
    const record: UpsertRow = { source: IMPORT_SOURCE };
    const refs: Record<string, unknown> = {};
    const values: Record<string, string> = {};
    const custom: Record<string, string> = {};
    let formulas = raw.formulas?.length ?? 0;
    let currencyFromAmount: string | null = null;
    let owner: (ResolvedOwner & { value: string }) | null = null;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const header = column.header;
      const cell: Cell = raw.cells[i] ?? null;
      const text = storedText(cell);
      // Only a neutralised formula gains a leading apostrophe.
      if (text.charCodeAt(0) === APOSTROPHE && typeof cell === 'string' && isFormulaLike(cell.trim()))
        formulas++;
      if (keepValues && text !== '') values[header] = text;
      const field = column.field;
      if (!field) {
        if (keepRaw && text !== '') custom[header] = text;
        continue;
      }
      if (text === '') continue;
      const target = column.target === 'refs' ? refs : record;
      if (field.kind === 'text') {
        target[field.name] = text;
        continue;
      }
      const out = column.interpret(cell, text);
      if (!out.ok) {
        errors.push({ row: raw.row, column: header, message: out.error });
        continue;
      }
      if (out.owner) owner = out.owner;
      if (out.into === 'field') target[field.name] = out.value;
      else if (out.into === 'owner_name') target.owner_name = out.value;
      else if (keepRaw) custom[header] = text;
      if (out.currency !== null) currencyFromAmount ??= out.currency;
    }
    splitFullName(refs, record, setup.entity);
    // The key the account link joins on, computed here rather than once per row in SQL.
    if (typeof refs.account_name === 'string') refs.account_key = companyKeyOf(refs.account_name);
    if (typeof refs.parent_account_name === 'string')
      refs.parent_account_key = companyKeyOf(refs.parent_account_name);
    if (record.name === undefined && setup.nameFrom && setup.nameFrom.length > 0) {
      const made = composeName(setup.nameFrom, values);
      if (made !== '') record.name = made;
    }
    let hasRequired = false;
    for (const r of required) if (record[r] !== undefined || refs[r] !== undefined) hasRequired = true;
    if (!hasRequired) {
      errors.push({
        row: raw.row,
        message: `empty required field: one of ${required.join(', ')} must have a value`,
      });
    }
    if (errors.length > 0) return { ok: false, row: raw.row, errors, formulas };
    if (setup.entity === 'deals') applyDealRules(record, refs, setup, currencyFromAmount);
    if (setup.entity === 'activities') record.activity_type = activityType(record.activity_type);
    const key = naturalKey(setup.entity, record, refs, values);
    record.source_id = key;
    if (keepRaw) {
      record.custom_fields = custom;
      record.source_data = { row: raw.row, values, refs };
    } else record.source_data = { row: raw.row, refs };
    return {
      ok: true,
      row: raw.row,
      key,
      record,
      formulas,
      stage: (record.stage as string | undefined) ?? null,
      owner,
    };
  };
}

function splitFullName(refs: Record<string, unknown>, record: UpsertRow, entity: ImportEntityType) {
  if (entity !== 'contacts' && entity !== 'leads') return;
  const full = refs.full_name as string | undefined;
  if (!full || record.first_name || record.last_name) return;
  const { first, last } = splitPersonName(full);
  record.first_name = first;
  record.last_name = last;
}

export const NAME_SEPARATOR = ' — ';

export function composeName(headers: readonly string[], values: Readonly<Record<string, string>>): string {
  return headers
    .map((h) => values[h] ?? '')
    .filter((v) => v !== '')
    .join(NAME_SEPARATOR);
}

function applyDealRules(
  record: UpsertRow,
  refs: Record<string, unknown>,
  setup: NormaliserSetup,
  currency: string | null,
) {
  if (currency && record.currency === undefined) record.currency = currency;
  // The file's own outcome (a status column, Closed and Won flags) decides before the stage's name does.
  const outcome = refs.outcome as 'open' | 'won' | 'lost' | undefined;
  if (outcome) {
    record.is_closed ??= outcome !== 'open';
    record.is_won ??= outcome === 'won';
  }
  if (record.is_won === true) record.is_closed ??= true;
  const stage = record.stage as string | undefined;
  const normalised = stage ? setup.stageOf(stage) : null;
  if (stage) record.stage_normalized = normalised;
  // A deal without a stage is open unless the file says otherwise; the flags are never left empty.
  record.is_closed ??= normalised === 'closed_won' || normalised === 'closed_lost';
  record.is_won ??= record.is_closed === true && normalised === 'closed_won';
  // A deal won or lost in the stage it was in (Pipedrive keeps the stage) is in the closed part of the
  // funnel, as a connector's closed flags put it (normaliseStageBuiltIn).
  if (record.is_closed === true && normalised !== 'closed_won' && normalised !== 'closed_lost')
    record.stage_normalized = record.is_won ? 'closed_won' : 'closed_lost';
}

function activityType(v: unknown): string {
  const s = String(v ?? '').toLowerCase();
  if (/mail/.test(s)) return 'email';
  if (/meet|call|demo/.test(s)) return 'meeting';
  if (/note/.test(s)) return 'note';
  return 'other';
}

const lower = (v: unknown) =>
  String(v ?? '')
    .trim()
    .toLowerCase();

function naturalKey(
  entity: ImportEntityType,
  record: UpsertRow,
  refs: Record<string, unknown>,
  values: Record<string, string>,
): string {
  if (typeof refs.external_id === 'string' && refs.external_id !== '') return `id:${refs.external_id}`;
  switch (entity) {
    case 'accounts':
      return record.domain
        ? `domain:${record.domain}`
        : `name:${companyKey(String(record.name)) ?? lower(record.name)}`;
    case 'contacts':
    case 'leads':
      if (record.email) return `email:${record.email}`;
      return `name:${lower(record.first_name)} ${lower(record.last_name)}|${companyKey(String(refs.account_name ?? record.company ?? '')) ?? ''}`;
    case 'deals':
      // Never the account: a deal that gains an account in a later export is still the same deal.
      return `name:${lower(record.name)}`;
    default:
      return `hash:${createHash('sha1').update(JSON.stringify(values)).digest('hex')}`;
  }
}
