/**
 * How a mapped column turns one cell into a value for its row: typed parsing per field kind (emails,
 * domains, dates, owners, money with its unit, numbers, flags, lists), and a per-column memo of outcomes.
 */
import { detachedField } from './csv-records.ts';
import type { ImportEntityType, ImportField } from './import-fields.ts';
import type { OwnerDirectory, ResolvedOwner } from './owner-directory.ts';
import type { Cell } from './table-reader.ts';
import { type DateOrder, parseDate } from './date-values.ts';
import {
  cellText,
  isFormulaLike,
  listItems,
  neutraliseFormula,
  normaliseDomain,
  normaliseEmail,
  parseBoolean,
  parseCurrencyCode,
  parseInteger,
  parseMoney,
  parseNumber,
  parseOutcome,
} from './value-parsing.ts';

/** What the interpreters need to know of the import. */
export interface CellContext {
  entity: ImportEntityType;
  dateOrders: Readonly<Record<string, DateOrder>>;
  /** Resolves owner names to known owners' emails; without it a name is kept as the owner's name. */
  owners?: OwnerDirectory | null;
  /** header → factor a money column's values are multiplied by (a revenue column in millions: 1e6). */
  moneyUnits?: Readonly<Record<string, number>>;
  /** header → factor a percentage column is read with (100: the file writes fractions, 0.9 for 90 %). */
  percentScales?: Readonly<Record<string, number>>;
}

// Entity tables with an owner_name column; elsewhere an unmatched owner name stays a custom field.
export const OWNER_NAME_ENTITIES: ReadonlySet<ImportEntityType> = new Set(['accounts', 'contacts', 'deals']);

const TEXT_LIMIT = 10_000;

/** A cell's text as the record keeps it: trimmed, formula-looking text neutralised, length capped. */
export function storedText(cell: Cell): string {
  let text = cellText(cell);
  if (typeof cell === 'string' && isFormulaLike(text)) text = neutraliseFormula(text).text;
  return text.length > TEXT_LIMIT ? text.slice(0, TEXT_LIMIT) : text;
}

/** What one mapped cell gives its row: a value for a field (or the owner's name, or a custom field), or an error. */
export type CellOutcome =
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

/**
 * `interpret` remembering its outcome per distinct cell text (strings only). Stops remembering for good
 * once MEMO_SIZE texts have been seen with fewer than MEMO_SIZE repeats.
 */
export function memoised(
  interpret: (cell: Cell, text: string) => CellOutcome,
): (cell: Cell, text: string) => CellOutcome {
  let memo: Map<string, CellOutcome> | null = new Map();
  let hits = 0;
  return (cell, text) => {
    if (memo === null || typeof cell !== 'string') return interpret(cell, text);
    let out = memo.get(cell);
    if (out !== undefined) {
      hits++;
      return out;
    }
    if (memo.size >= MEMO_SIZE) {
      if (hits < MEMO_SIZE) memo = null;
      return interpret(cell, text);
    }
    // Kept for the rest of the file: made from a copy of the cell, so nothing in it holds the chunk.
    const key = detachedField(cell);
    out = remembered(interpret(key, storedText(key)));
    memo.set(key, out);
    return out;
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
export function interpreter(
  field: ImportField,
  header: string,
  setup: CellContext,
): ((cell: Cell, text: string) => CellOutcome) | null {
  switch (field.kind) {
    case 'text':
      return null;
    case 'currency':
      return (cell) => {
        const c = parseCurrencyCode(cell);
        return c.ok ? fieldValue(c.value) : cellError(c.error);
      };
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
        return fieldValue(n.value);
      };
    case 'percent': {
      const scale = setup.percentScales?.[header] ?? 1;
      return (cell) => {
        const n = parseNumber(cell);
        if (!n.ok) return cellError(n.error);
        // Rounded to the column's two decimals: 0.29 × 100 is 28.999999999999996 in binary.
        const value = Math.round(n.value * scale * 100) / 100;
        if (value < 0 || value > 100) return cellError(`${field.name} must be 0–100 %, got ${n.value}`);
        return fieldValue(value);
      };
    }
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
    case 'outcome':
      return (cell) => {
        const o = parseOutcome(cell);
        return o.ok ? fieldValue(o.value) : cellError(o.error);
      };
    case 'list':
      return (_cell, text) => fieldValue(listItems(text));
  }
}
