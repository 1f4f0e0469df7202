/**
 * One file row → one entity row for the bulk upsert (source 'csv_import'), or row-level errors. The
 * source_id is the mapped external id, else a natural key (email, domain, name…) so a re-upload of the
 * same records matches them; a deal's key never involves its account. Unmapped columns go to custom_fields; the raw row to source_data.
 */
import { createHash } from 'node:crypto';
import type { StageNormalized } from '../../compute/stage-normalisation.ts';
import type { UpsertRow } from '../../db/bulk-upsert.ts';
import { companyKey } from './account-index.ts';
import { fieldOf, type ImportEntityType, REFERENCE_FIELDS, REQUIRED_ANY } from './import-fields.ts';
import type { OwnerDirectory, ResolvedOwner } from './owner-directory.ts';
import type { Cell, RawRow } from './table-reader.ts';
import {
  cellText,
  type DateOrder,
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
}

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

export function createRowNormaliser(setup: NormaliserSetup): (raw: RawRow) => NormalisedRow {
  const columns = setup.headers.map((header) => {
    const name = setup.mapping[header] ?? null;
    return { header, field: name ? (fieldOf(setup.entity, name) ?? null) : null };
  });
  const required = REQUIRED_ANY[setup.entity];
  // A file names the same few companies over and over; their keys are worth remembering (up to a bound).
  const companyKeys = new Map<string, string | null>();
  const companyKeyOf = (name: string): string | null => {
    let key = companyKeys.get(name);
    if (key === undefined) {
      key = companyKey(name);
      if (companyKeys.size < 20_000) companyKeys.set(name, key);
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
    // One closure per row, not per cell: it sits on the hot path of preview and apply.
    let header = '';
    const fail = (message: string) => errors.push({ row: raw.row, column: header, message });
    for (let i = 0; i < columns.length; i++) {
      const { field } = columns[i]!;
      header = columns[i]!.header;
      const cell: Cell = raw.cells[i] ?? null;
      let text = cellText(cell);
      if (typeof cell === 'string') {
        const n = neutraliseFormula(text);
        if (n.neutralised) formulas++;
        text = n.text;
      }
      if (text.length > TEXT_LIMIT) text = text.slice(0, TEXT_LIMIT);
      if (text !== '') values[header] = text;
      if (!field) {
        if (text !== '') custom[header] = text;
        continue;
      }
      if (text === '') continue;
      const target = REFERENCE_FIELDS.has(field.name) ? refs : record;
      switch (field.kind) {
        case 'email': {
          const e = normaliseEmail(cell);
          if (e.ok) target[field.name] = e.value;
          else fail(e.error);
          break;
        }
        case 'domain': {
          const d = normaliseDomain(cell);
          if (d) target[field.name] = d;
          else fail(`not a domain: "${text.slice(0, 60)}"`);
          break;
        }
        case 'date':
        case 'datetime': {
          const d = parseDate(cell, setup.dateOrders[header] ?? 'mdy');
          if (!d.ok) fail(d.error);
          else target[field.name] = field.kind === 'date' ? d.value.slice(0, 10) : d.value;
          break;
        }
        case 'owner': {
          const o = setup.owners
            ? setup.owners.resolve(text)
            : { email: null, name: text, matched_by: 'unmatched' as const };
          owner = { ...o, value: text };
          if (o.email) target[field.name] = o.email;
          else if (OWNER_NAME_ENTITIES.has(setup.entity)) target.owner_name = o.name;
          else custom[header] = text;
          break;
        }
        case 'money': {
          const m = parseMoney(cell);
          const unit = setup.moneyUnits?.[header] ?? 1;
          const amount = m.ok ? Math.round(m.value.amount * unit * 100) / 100 : 0;
          if (!m.ok) fail(m.error);
          else if (Math.abs(amount) >= 1e16) fail(`amount out of range: ${text.slice(0, 40)}`);
          else {
            target[field.name] = amount;
            currencyFromAmount ??= m.value.currency;
          }
          break;
        }
        case 'number': {
          const n = parseNumber(cell);
          if (!n.ok) fail(n.error);
          else if (field.name === 'probability' && (n.value < 0 || n.value > 100))
            fail(`probability must be 0–100, got ${n.value}`);
          else target[field.name] = n.value;
          break;
        }
        case 'integer': {
          const n = parseInteger(cell);
          if (n.ok && n.value >= 0) target[field.name] = n.value;
          else fail(n.ok ? `must not be negative: ${n.value}` : n.error);
          break;
        }
        case 'boolean': {
          const b = parseBoolean(cell);
          if (b.ok) target[field.name] = b.value;
          else fail(b.error);
          break;
        }
        case 'list':
          target[field.name] = text
            .split(/[;,|\n]/)
            .map((s) => s.trim())
            .filter(Boolean);
          break;
        default:
          target[field.name] = text;
      }
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
    if (!required.some((r) => record[r] !== undefined || refs[r] !== undefined)) {
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
    record.custom_fields = custom;
    record.source_data = { row: raw.row, values, refs };
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

function naturalKey(
  entity: ImportEntityType,
  record: UpsertRow,
  refs: Record<string, unknown>,
  values: Record<string, string>,
): string {
  if (typeof refs.external_id === 'string' && refs.external_id !== '') return `id:${refs.external_id}`;
  const lower = (v: unknown) =>
    String(v ?? '')
      .trim()
      .toLowerCase();
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
