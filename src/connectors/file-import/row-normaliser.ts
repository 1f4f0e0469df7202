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
  fieldOf,
  type ImportEntityType,
  type ImportField,
  REFERENCE_FIELDS,
  REQUIRED_ANY,
} from './import-fields.ts';
import type { OwnerDirectory, ResolvedOwner } from './owner-directory.ts';
import { detachedField } from './csv-records.ts';
import type { Cell, RawRow } from './table-reader.ts';
import {
  cellText,
  type DateOrder,
  isFormulaLike,
  neutraliseFormula,
  normaliseDomain,
  normaliseEmail,
  parseBoolean,
  parseDate,
  parseInteger,
  parseMoney,
  parseNumber,
} from './value-parsing.ts';

export const IMPORT_SOURCE = 'csv_import';

/** header → field name, or null for a custom field. */
export type ColumnMapping = Readonly<Record<string, string | null>>;

export interface NormaliserSetup {
  entity: ImportEntityType;
  headers: readonly string[];
  mapping: ColumnMapping;
  dateOrders: Readonly<Record<string, DateOrder>>;
  /** With no column mapped to the name: the columns whose values make it ("Acme — GTX Pro"). */
  nameFrom?: readonly string[] | null;
  /** Raw stage → normalised stage (stored mappings first, then the rules or the classifier). */
  stageOf(raw: string): StageNormalized | null;
  /** Resolves owner names to known owners' emails; without it a name is kept as the owner's name. */
  owners?: OwnerDirectory | null;
  /** header → factor a money column's values are multiplied by (a revenue column in millions: 1e6). */
  moneyUnits?: Readonly<Record<string, number>>;
  /**
   * false: rows are only counted and checked (the preview past its sample rows), so the record carries no
   * custom_fields and its source_data only the refs; validity, key and fields are the same. Default true.
   */
  keepRaw?: boolean;
}

// Entities whose natural key is made from fields; the others' is a hash of all the row's values.
const NAMED_KEY_ENTITIES = new Set<ImportEntityType>(['accounts', 'contacts', 'leads', 'deals']);

// Entity tables with an owner_name column; elsewhere an unmatched owner name stays a custom field.
const OWNER_NAME_ENTITIES = new Set<ImportEntityType>(['accounts', 'contacts', 'deals']);

export interface RowError {
  row: number;
  column?: string;
  message: string;
}

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

const TEXT_LIMIT = 10_000;
const APOSTROPHE = 39;

/** A cell's text as the record keeps it: trimmed, formula-looking text neutralised, length capped. */
function storedText(cell: Cell): string {
  let text = cellText(cell);
  if (typeof cell === 'string' && isFormulaLike(text)) text = neutraliseFormula(text).text;
  return text.length > TEXT_LIMIT ? text.slice(0, TEXT_LIMIT) : text;
}

/** What one mapped cell gives its row: a value for a field (or the owner's name, or a custom field), or an error. */
type CellOutcome =
  | {
      ok: true;
      into: 'field' | 'owner_name' | 'custom';
      value: unknown;
      currency: string | null;
      owner: (ResolvedOwner & { value: string }) | null;
    }
  | { ok: false; error: string };

// A column's outcomes are remembered per distinct cell text: exports repeat the same dates, stages, owners
// and probabilities down a whole file. A column that keeps missing (ids, amounts) stops remembering.
const MEMO_SIZE = 4096;

/**
 * The copy of an outcome a memo keeps. The interpreters' own objects must all die young: if the first
 * few thousand lived on in a memo, V8 would judge their allocation site long-lived (pretenuring) and
 * allocate every later outcome (a million amounts, once the memo stops) in the old generation.
 */
function remembered(out: CellOutcome): CellOutcome {
  if (!out.ok) return { ...out };
  return { ...out, owner: out.owner ? { ...out.owner } : null };
}

interface Column {
  header: string;
  field: ImportField | null;
  target: 'refs' | 'record';
  interpret: (cell: Cell, text: string) => CellOutcome;
  memo: Map<string, CellOutcome> | null;
  hits: number;
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
      interpret: interpret ?? (() => ({ ok: false, error: '' })),
      // Lists are fresh arrays per record; plain text needs no parsing.
      memo: interpret && field!.kind !== 'list' && field!.kind !== 'text' ? new Map() : null,
      hits: 0,
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
  const outcomeOf = (column: Column, cell: Cell, text: string): CellOutcome => {
    const memo = column.memo;
    if (memo === null || typeof cell !== 'string') return column.interpret(cell, text);
    let out = memo.get(cell);
    if (out !== undefined) {
      column.hits++;
      return out;
    }
    if (memo.size >= MEMO_SIZE) {
      if (column.hits < MEMO_SIZE) column.memo = null;
      return column.interpret(cell, text);
    }
    // Kept for the rest of the file: made from a copy of the cell, so nothing in it holds the chunk.
    const key = detachedField(cell);
    out = remembered(column.interpret(key, storedText(key)));
    memo.set(key, out);
    return out;
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
      const out = outcomeOf(column, cell, text);
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
    if (setup.entity === 'deals') applyDealRules(record, setup, currencyFromAmount);
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

const fieldValue = (value: unknown): CellOutcome => ({
  ok: true,
  into: 'field',
  value,
  currency: null,
  owner: null,
});
const cellError = (error: string): CellOutcome => ({ ok: false, error });

/** How a column of `field` turns a non-empty cell (and its text) into an outcome. */
function interpreter(
  field: ImportField,
  header: string,
  setup: NormaliserSetup,
): ((cell: Cell, text: string) => CellOutcome) | null {
  switch (field.kind) {
    case 'text':
      return null;
    case 'email':
      return (cell) => {
        const e = normaliseEmail(cell);
        return e.ok ? fieldValue(e.value) : cellError(e.error);
      };
    case 'domain':
      return (cell, text) => {
        const d = normaliseDomain(cell);
        return d ? fieldValue(d) : cellError(`not a domain: "${text.slice(0, 60)}"`);
      };
    case 'date':
    case 'datetime': {
      const order = setup.dateOrders[header] ?? 'mdy';
      return (cell) => {
        const d = parseDate(cell, order);
        if (!d.ok) return cellError(d.error);
        return fieldValue(field.kind === 'date' ? d.value.slice(0, 10) : d.value);
      };
    }
    case 'owner': {
      const nameEntity = OWNER_NAME_ENTITIES.has(setup.entity);
      return (_cell, text) => {
        const o = setup.owners
          ? setup.owners.resolve(text)
          : { email: null, name: text, matched_by: 'unmatched' as const };
        const owner = { ...o, value: text };
        if (o.email) return { ok: true, into: 'field', value: o.email, currency: null, owner };
        return nameEntity
          ? { ok: true, into: 'owner_name', value: o.name, currency: null, owner }
          : { ok: true, into: 'custom', value: null, currency: null, owner };
      };
    }
    case 'money': {
      const unit = setup.moneyUnits?.[header] ?? 1;
      return (cell, text) => {
        const m = parseMoney(cell);
        if (!m.ok) return cellError(m.error);
        const amount = Math.round(m.value.amount * unit * 100) / 100;
        if (Math.abs(amount) >= 1e16) return cellError(`amount out of range: ${text.slice(0, 40)}`);
        return { ok: true, into: 'field', value: amount, currency: m.value.currency, owner: null };
      };
    }
    case 'number':
      return (cell) => {
        const n = parseNumber(cell);
        if (!n.ok) return cellError(n.error);
        if (field.name === 'probability' && (n.value < 0 || n.value > 100))
          return cellError(`probability must be 0–100, got ${n.value}`);
        return fieldValue(n.value);
      };
    case 'integer':
      return (cell) => {
        const n = parseInteger(cell);
        if (n.ok && n.value >= 0) return fieldValue(n.value);
        return cellError(n.ok ? `must not be negative: ${n.value}` : n.error);
      };
    case 'boolean':
      return (cell) => {
        const b = parseBoolean(cell);
        return b.ok ? fieldValue(b.value) : cellError(b.error);
      };
    case 'list':
      return (_cell, text) =>
        fieldValue(
          text
            .split(/[;,|\n]/)
            .map((s) => s.trim())
            .filter(Boolean),
        );
  }
}

function splitFullName(refs: Record<string, unknown>, record: UpsertRow, entity: ImportEntityType) {
  if (entity !== 'contacts' && entity !== 'leads') return;
  const full = refs.full_name as string | undefined;
  if (!full || record.first_name || record.last_name) return;
  const parts = full.split(/\s+/);
  record.first_name = parts.length > 1 ? parts.slice(0, -1).join(' ') : null;
  record.last_name = parts.at(-1) ?? null;
}

export const NAME_SEPARATOR = ' — ';

export function composeName(headers: readonly string[], values: Readonly<Record<string, string>>): string {
  return headers
    .map((h) => values[h] ?? '')
    .filter((v) => v !== '')
    .join(NAME_SEPARATOR);
}

function applyDealRules(record: UpsertRow, setup: NormaliserSetup, currency: string | null) {
  if (currency && record.currency === undefined) record.currency = currency;
  const stage = record.stage as string | undefined;
  if (!stage) {
    // A deal without a stage is open; is_closed and is_won must never be left empty.
    record.is_closed ??= false;
    record.is_won ??= false;
    return;
  }
  const normalised = setup.stageOf(stage);
  record.stage_normalized = normalised;
  if (record.is_closed === undefined)
    record.is_closed = normalised === 'closed_won' || normalised === 'closed_lost';
  if (record.is_won === undefined) record.is_won = normalised === 'closed_won';
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
