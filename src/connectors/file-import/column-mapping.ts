/**
 * Column mapping: which entity type a file holds and which field each column feeds, with a confidence.
 * The heuristic mapper scores header synonyms and value patterns (emails, domains, dates, money);
 * column-refinement.ts asks the classify tier about the columns it is unsure of.
 */
import { parseDate } from './date-values.ts';
import { cellText, parseBoolean, parseCurrencyCode, parseMoney, parseOutcome } from './value-parsing.ts';
import {
  IMPORT_ENTITY_TYPES,
  IMPORT_FIELDS,
  type ImportEntityType,
  type ImportField,
  type ValueKind,
} from './import-fields.ts';
import type { Cell } from './table-reader.ts';

export interface ColumnProposal {
  header: string;
  /** null: kept in custom_fields. */
  field: string | null;
  confidence: number;
  reason: 'header' | 'values' | 'classifier' | 'none';
}

export interface MappingProposal {
  entity_type: ImportEntityType;
  entity_confidence: number;
  columns: ColumnProposal[];
  classifier: string;
}

export interface ColumnSample {
  header: string;
  values: readonly Cell[];
}

export function normaliseHeader(h: string): string {
  return h
    .toLowerCase()
    .replace(/[_\-./()#:]+/g, ' ')
    .replace(/[^\p{L}\p{N}% ]+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function headerScore(header: string, field: ImportField): number {
  const h = normaliseHeader(header);
  let best = 0;
  for (const s of field.synonyms) {
    if (h === s) return 1;
    if (h.replaceAll(' ', '') === s.replaceAll(' ', '')) best = Math.max(best, 0.95);
    else if (new RegExp(`(^| )${s}( |$)`).test(h)) best = Math.max(best, 0.6 + 0.3 * (s.length / h.length));
  }
  if (best === 0 && normaliseHeader(field.name.replaceAll('_', ' ')) === h) best = 1;
  return Math.min(best, 0.95);
}

/** Share of non-empty sample values that look like `kind`. */
function valueScore(values: readonly Cell[], kind: ValueKind): number {
  const present = values.filter((v) => cellText(v) !== '');
  if (present.length === 0) return 0;
  const test: Record<ValueKind, (v: Cell) => boolean> = {
    email: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(cellText(v)),
    owner: () => false,
    domain: (v) =>
      /^(https?:\/\/)?(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+\/?$/i.test(cellText(v)) && !cellText(v).includes('@'),
    date: (v) => v instanceof Date || (/[-/.\s]/.test(cellText(v)) && parseDate(v).ok),
    datetime: (v) => v instanceof Date || (/[-/.\s]/.test(cellText(v)) && parseDate(v).ok),
    money: (v) => /[$€£¥]|\d[.,]\d{3}/.test(cellText(v)) && parseMoney(v).ok,
    currency: (v) => parseCurrencyCode(v).ok,
    number: () => false,
    percent: () => false,
    integer: () => false,
    boolean: (v) => parseBoolean(v).ok,
    outcome: (v) => parseOutcome(v).ok,
    list: () => false,
    text: () => false,
  };
  return present.filter(test[kind]).length / present.length;
}

/**
 * Whether a column's sample values can be `field` at all, whatever its header says: "Amount in company
 * currency" names a currency and a company but holds amounts, which are neither a currency code nor anyone's
 * name.
 */
export function valuesFit(field: ImportField, values: readonly Cell[]): boolean {
  const present = values.filter((v) => cellText(v) !== '');
  if (present.length === 0) return true;
  if (field.kind === 'currency') return valueScore(present, 'currency') >= 0.5;
  // A "Status" of stage names is no outcome; a "Closed" column of dates is no flag.
  if (field.kind === 'outcome' || field.kind === 'boolean') return valueScore(present, field.kind) >= 0.8;
  if (field.name.endsWith('name')) {
    const numbers = present.filter((v) => typeof v === 'number' || /^[-+]?[\d.,\s]+$/.test(cellText(v)));
    return numbers.length / present.length < 0.9;
  }
  return true;
}

function entityScores(columns: readonly ColumnSample[], fileName: string): Record<ImportEntityType, number> {
  const scores = {} as Record<ImportEntityType, number>;
  for (const entity of IMPORT_ENTITY_TYPES) {
    let s = 0;
    for (const field of IMPORT_FIELDS[entity]) {
      if (field.name === 'external_id' || field.name.startsWith('source_') || field.name === 'owner_email')
        continue;
      const best = Math.max(0, ...columns.map((c) => headerScore(c.header, field)));
      s += best >= 0.6 ? best : 0;
    }
    scores[entity] = s;
  }
  // Distinctive columns settle the usual confusions (a contact file with a company column is not accounts).
  const headers = columns.map((c) => normaliseHeader(c.header));
  const has = (re: RegExp) => headers.some((h) => re.test(h));
  if (has(/\b(stage|amount|close date|deal|opportunity)\b/)) scores.deals += 2;
  if (has(/\b(first name|last name|email)\b/)) scores.contacts += 1.5;
  if (has(/\blead\b/)) scores.leads += 3;
  if (has(/\b(domain|website|industry|employees)\b/) && !has(/\bemail\b/)) scores.accounts += 2;
  if (has(/\b(subject|activity|notes|body)\b/)) scores.activities += 2;
  const name = fileName.toLowerCase();
  for (const entity of IMPORT_ENTITY_TYPES) {
    const stem = entity.replace(/s$/, '');
    if (name.includes(stem) || (entity === 'accounts' && name.includes('compan'))) scores[entity] += 3;
  }
  return scores;
}

// A header that names an identifier: "Opportunity ID", "deal_key", "Account Number", "Ref #".
const ID_HEADER = /(^| )(id|key|number|no|nr|num|ref|reference|code)$/;
const NOT_AN_ID = /\b(phone|fax|mobile|tel|telephone|zip|postal|vat|tax)\b/;
// Identifiers of another record (the deal's account, its owner) are references, never the row's identity.
const FOREIGN_ID =
  /^(account|company|organi[sz]ation|customer|client|contact|owner|user|rep|agent|parent|pipeline|stage|product)\b/;
const ID_MAX_LENGTH = 64;
// Above every header-synonym score, so an id column never ends up as the name (the key would become name + account).
const ID_CONFIDENCE = 0.97;

/**
 * An id-like column: its header names an id, key or number, and its sample values are all present, unique,
 * short and without spaces. Returns a preference (higher is better), or 0 when it is not id-like.
 */
export function idLikeScore(column: ColumnSample, entity: ImportEntityType): number {
  const h = normaliseHeader(column.header);
  if (!(ID_HEADER.test(h) || column.header.includes('#')) || NOT_AN_ID.test(h)) return 0;
  const values = column.values.map(cellText);
  if (values.length === 0 || values.some((v) => v === '' || v.length > ID_MAX_LENGTH || /\s/.test(v)))
    return 0;
  if (new Set(values).size !== values.length) return 0;
  if (FOREIGN_ID.test(h) && !h.startsWith(entity.replace(/s$/, ''))) return 0.5;
  const own = new RegExp(`^(${entity.replace(/s$/, '')}|${ENTITY_WORDS[entity]})\\b`).test(h) ? 1 : 0;
  return 2 + own;
}

const ENTITY_WORDS: Record<ImportEntityType, string> = {
  accounts: 'company|organi[sz]ation',
  contacts: 'person|people',
  deals: 'opportunity|opp',
  activities: 'event|note',
  leads: 'prospect',
};

export function proposeMapping(
  columns: readonly ColumnSample[],
  fileName: string,
  entityHint?: ImportEntityType,
): MappingProposal {
  const scores = entityScores(columns, fileName);
  const ranked = [...IMPORT_ENTITY_TYPES].sort((a, b) => scores[b] - scores[a]);
  const entity = entityHint ?? ranked[0]!;
  // Against the runner-up alone: generic columns (name, owner, created date) score a little for every
  // entity, and a share of the sum over all five made a plain opportunities report look 0.46 sure.
  const runnerUp = scores[ranked[1]!];
  const entityConfidence = entityHint
    ? 1
    : scores[entity] > 0
      ? +(scores[entity] / (scores[entity] + runnerUp)).toFixed(2)
      : 0;

  // Best header or value match per column, each field used once (highest confidence first).
  const candidates: Array<{ col: number; field: string; confidence: number; reason: 'header' | 'values' }> =
    [];
  columns.forEach((c, col) => {
    for (const field of IMPORT_FIELDS[entity]) {
      const h = headerScore(c.header, field);
      const v = valueScore(c.values, field.kind);
      if (!valuesFit(field, c.values)) continue;
      if (h >= 0.6)
        candidates.push({
          col,
          field: field.name,
          confidence: +Math.min(1, h + 0.05 * v).toFixed(2),
          reason: 'header',
        });
      else if (v >= 0.8 && field.kind !== 'text')
        candidates.push({ col, field: field.name, confidence: +(0.5 * v).toFixed(2), reason: 'values' });
    }
  });
  // The best id-like column is the record's identity; lesser ones stay ordinary columns.
  const idColumn = columns
    .map((c, col) => ({ col, score: idLikeScore(c, entity) }))
    .filter((c) => c.score >= 2)
    .sort((a, b) => b.score - a.score || a.col - b.col)[0];
  if (idColumn) {
    candidates.push({ col: idColumn.col, field: 'external_id', confidence: ID_CONFIDENCE, reason: 'values' });
  }
  candidates.sort((a, b) => b.confidence - a.confidence);
  const taken = new Set<string>();
  const chosen = new Map<number, (typeof candidates)[number]>();
  for (const c of candidates) {
    if (taken.has(c.field) || chosen.has(c.col)) continue;
    taken.add(c.field);
    chosen.set(c.col, c);
  }
  return {
    entity_type: entity,
    entity_confidence: entityConfidence,
    classifier: 'heuristic',
    columns: columns.map((c, col) => {
      const hit = chosen.get(col);
      return hit
        ? { header: c.header, field: hit.field, confidence: hit.confidence, reason: hit.reason }
        : { header: c.header, field: null, confidence: 0, reason: 'none' as const };
    }),
  };
}
