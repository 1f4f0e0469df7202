/**
 * Cell text to typed values: money with currency symbols, either thousands convention and abbreviated
 * magnitudes, numbers, percentages, outcomes, booleans, emails and domains, people's names and lists,
 * and formula-looking text neutralised so a spreadsheet opening an export never runs it. Dates are in
 * date-values.ts.
 */
import type { Cell } from './table-reader.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The items of a cell that lists several names, split on the strongest separator it holds (a semicolon,
 * a bar or a line break, else a comma). With commas alone the whole text is an item too: a deal's name may
 * hold a comma ("Hooli, Big deal"), and a name that matches nothing links nothing.
 */
export function listItems(text: string): string[] {
  const strong = /[;|\n]/.test(text);
  const items = text
    .split(strong ? /[;|\n]/ : ',')
    .map((s) => s.trim())
    .filter(Boolean);
  return !strong && items.length > 1 ? [text.trim(), ...items] : items;
}

const HONORIFICS = /^(mr|mrs|ms|miss|mx|dr|prof|sir|dame|herr|frau|mme|mlle|m|sr|sra|srta|dott|ing)\.?$/i;
// Words that begin a family name rather than end a given one: "Jane van der Berg", "Luis de la Cruz".
const SURNAME_PARTICLES = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'del',
  'della',
  'da',
  'di',
  'du',
  'la',
  'le',
  'dos',
  'das',
  'bin',
  'ibn',
  'al',
  'ter',
  'ten',
  'zu',
]);

/**
 * A person's full name as first and last: "Last, First" as reports write it, honorifics dropped,
 * surname particles kept with the family name. One word is a last name.
 */
export function splitPersonName(full: string): { first: string | null; last: string | null } {
  const comma = full.indexOf(',');
  if (comma > 0 && full.indexOf(',', comma + 1) < 0) {
    const last = full.slice(0, comma).trim();
    const first = full.slice(comma + 1).trim();
    // "Smith, John"; not "John Smith, PhD" (a several-word part before the comma is a whole name).
    if (last && first && !/\s/.test(last)) return { first, last };
  }
  const words = full.replace(/,.*$/, '').split(/\s+/).filter(Boolean);
  while (words.length > 1 && HONORIFICS.test(words[0]!)) words.shift();
  if (words.length === 0) return { first: null, last: null };
  if (words.length === 1) return { first: null, last: words[0]! };
  let at = words.length - 1;
  while (at > 1 && SURNAME_PARTICLES.has(words[at - 1]!.toLowerCase())) at--;
  return { first: words.slice(0, at).join(' '), last: words.slice(at).join(' ') };
}

export function cellText(c: Cell): string {
  if (typeof c === 'string') return c.trim();
  if (c === null || c === undefined) return '';
  if (c instanceof Date) return c.toISOString();
  return String(c).trim();
}

/**
 * How a percentage column writes its values: 100 when every number in the sample is a fraction between
 * 0 and 1 and one is above 0 (HubSpot exports a deal's probability as 0.9), else 1 (Salesforce writes 90,
 * or "90%"). A sample of zeros says nothing: 0 is 0 either way, and the rows after it may hold 40.
 */
export function detectPercentScale(samples: readonly Cell[]): 1 | 100 {
  let aboveZero = 0;
  for (const c of samples) {
    const text = cellText(c);
    if (text === '') continue;
    if (text.endsWith('%')) return 1;
    const n = parseNumber(c);
    if (!n.ok || n.value < 0 || n.value > 1) return 1;
    if (n.value > 0) aboveZero++;
  }
  return aboveZero > 0 ? 100 : 1;
}

const SYMBOL_CODES: Readonly<Record<string, string>> = {
  $: 'USD',
  '€': 'EUR',
  '£': 'GBP',
  '¥': 'JPY',
  '₹': 'INR',
};
const CURRENCY_SYMBOLS = Object.entries(SYMBOL_CODES);

/** "usd", " EUR ", "€" → the ISO 4217 code; anything else (an amount, a word) is no currency. */
export function parseCurrencyCode(c: Cell): Parsed<string> {
  const t = typeof c === 'string' ? c.trim() : '';
  if (/^[A-Za-z]{3}$/.test(t)) return { ok: true, value: t.toUpperCase() };
  const code = SYMBOL_CODES[t];
  if (code) return { ok: true, value: code };
  return { ok: false, error: `not a currency code: "${String(c).slice(0, 40)}"` };
}
const ZERO = 48;
const NINE = 57;

/**
 * A plain amount: an optional leading currency symbol, digits grouped by commas in threes or not at all,
 * at most two decimals; undefined for anything else. The general rules give these the same value: it is
 * computed from exact integers (digits / 10^decimals, one correctly rounded division), which is the
 * double Number() gives the digit string.
 */
function plainAmount(s: string): { amount: number; currency: string | null } | undefined {
  let i = 0;
  let currency: string | null = null;
  const first = s.charCodeAt(0);
  if (!(first >= ZERO && first <= NINE)) {
    currency = SYMBOL_CODES[s.charAt(0)] ?? null;
    if (currency === null) return undefined;
    i = 1;
  }
  let digits = 0;
  let value = 0;
  let group = 0;
  let grouped = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      digits++;
      group++;
    } else if (c === 44) {
      // A comma closes a group: the first of one to three digits, every later one of exactly three.
      if (group === 0 || group > 3 || (grouped && group !== 3)) return undefined;
      grouped = true;
      group = 0;
    } else break;
  }
  if (digits === 0 || (grouped && group !== 3)) return undefined;
  let scale = 1;
  if (i < s.length) {
    if (s.charCodeAt(i) !== 46) return undefined;
    const decimals = s.length - i - 1;
    if (decimals < 1 || decimals > 2) return undefined;
    for (i++; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (!(c >= ZERO && c <= NINE)) return undefined;
      value = value * 10 + (c - ZERO);
      scale *= 10;
    }
  }
  if (value > Number.MAX_SAFE_INTEGER) return undefined;
  return { amount: value / scale, currency };
}

const MAGNITUDES: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, mm: 1e6, mn: 1e6, b: 1e9, bn: 1e9 };

/** "$1,234.56", "1.234,56 €", "(1,000)", "USD 12 500", "$4.5B" → number, plus the currency it names if any. */
export function parseMoney(c: Cell): Parsed<{ amount: number; currency: string | null }> {
  if (typeof c === 'number')
    return Number.isFinite(c)
      ? { ok: true, value: { amount: c, currency: null } }
      : { ok: false, error: 'not a number' };
  let s = cellText(c);
  // Most amounts are plain ("$1,234.50", "1234"): read those without the general rules below.
  const plain = plainAmount(s);
  if (plain) return { ok: true, value: plain };
  let currency: string | null = null;
  const code = /\b([A-Z]{3})\b/.exec(s);
  if (code) {
    currency = code[1]!;
    s = s.replace(code[0], '');
  }
  for (const [sym, iso] of CURRENCY_SYMBOLS) {
    if (s.includes(sym)) {
      currency ??= iso;
      s = s.replaceAll(sym, '');
    }
  }
  s = s.replace(/[\s\u00a0']/g, '');
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  if (s.startsWith('-')) {
    negative = !negative;
    s = s.slice(1);
  }
  // Abbreviated magnitudes as spreadsheets and reports write them: "12k", "$1.2M", "4.5MM", "$4.5B".
  let magnitude = 1;
  const abbreviated = /^(.*\d)(k|m|mm|mn|b|bn)$/i.exec(s);
  if (abbreviated) {
    magnitude = MAGNITUDES[abbreviated[2]!.toLowerCase()]!;
    s = abbreviated[1]!;
  }
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s))
    return { ok: false, error: `not an amount: "${cellText(c).slice(0, 60)}"` };
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let normalised: string;
  if (magnitude !== 1 && /^\d+([.,]\d+)?$/.test(s)) {
    // Before a magnitude a lone separator is the decimal one: "1.234M" is 1,234,000.
    normalised = s.replace(',', '.');
  } else if (lastDot >= 0 && lastComma >= 0) {
    normalised = lastDot > lastComma ? s.replaceAll(',', '') : s.replaceAll('.', '').replace(',', '.');
  } else if (lastComma >= 0) {
    // "1,234" and "1,234,567" group thousands; "12,5" and "1234,56" are decimal commas.
    normalised = /^\d{1,3}(,\d{3})+$/.test(s) ? s.replaceAll(',', '') : s.replace(',', '.');
  } else if ((s.match(/\./g) ?? []).length > 1 || /^[1-9]\d{0,2}\.\d{3}$/.test(s)) {
    // "1.234.567" and "1.000": amounts do not carry three decimals, so these group thousands.
    normalised = s.replaceAll('.', '');
  } else {
    normalised = s;
  }
  if (!/^\d+(\.\d+)?$/.test(normalised))
    return { ok: false, error: `not an amount: "${cellText(c).slice(0, 60)}"` };
  const amount = Number(normalised) * magnitude * (negative ? -1 : 1);
  return { ok: true, value: { amount, currency } };
}

export function parseNumber(c: Cell): Parsed<number> {
  if (typeof c === 'number') return { ok: true, value: c };
  const s = cellText(c).replace(/%$/, '');
  const money = parseMoney(s);
  return money.ok
    ? { ok: true, value: money.value.amount }
    : { ok: false, error: `not a number: "${cellText(c).slice(0, 60)}"` };
}

export function parseInteger(c: Cell): Parsed<number> {
  const n = parseNumber(c);
  if (!n.ok) return n;
  if (Math.abs(n.value) > 2_147_483_647) return { ok: false, error: `number out of range: ${n.value}` };
  return { ok: true, value: Math.round(n.value) };
}

/** A deal's outcome word: "open", "won", "lost" and their synonyms (Pipedrive's status column). */
export function parseOutcome(c: Cell): Parsed<'open' | 'won' | 'lost'> {
  const s = cellText(c)
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
  if (/^(open|active|in progress|pending)$/.test(s)) return { ok: true, value: 'open' };
  if (/^(won|win|closed won|success|successful)$/.test(s)) return { ok: true, value: 'won' };
  if (/^(lost|loss|closed lost|dead|abandoned|rejected)$/.test(s)) return { ok: true, value: 'lost' };
  return { ok: false, error: `not an outcome (open, won or lost): "${s.slice(0, 60)}"` };
}

export function parseBoolean(c: Cell): Parsed<boolean> {
  if (typeof c === 'boolean') return { ok: true, value: c };
  const s = cellText(c).toLowerCase();
  if (['true', 'yes', 'y', '1', 'x', 'won'].includes(s)) return { ok: true, value: true };
  if (['false', 'no', 'n', '0', 'lost'].includes(s)) return { ok: true, value: false };
  return { ok: false, error: `not a yes/no value: "${s.slice(0, 60)}"` };
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** The first-character test of neutraliseFormula alone: false for nearly every cell, and cheap. */
export function isFormulaLike(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

// Digits with a sign, spaces, brackets, dots, commas and dashes: "-5", "+1 (555) 010-0100". A spreadsheet
// calls nothing in them, and an apostrophe would corrupt every international phone number.
const NUMBER_OR_PHONE = /^[+-]?[\d\s().,-]*\d[\d\s().,-]*$/;

/** Text a spreadsheet would run as a formula gets a leading apostrophe; numbers and phone numbers stay. */
export function neutraliseFormula(text: string): { text: string; neutralised: boolean } {
  if (!FORMULA_START.test(text) || NUMBER_OR_PHONE.test(text)) return { text, neutralised: false };
  return { text: `'${text}`, neutralised: true };
}

export function normaliseEmail(c: Cell): Parsed<string> {
  const s = cellText(c)
    .toLowerCase()
    .replace(/^mailto:/, '');
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)
    ? { ok: true, value: s }
    : { ok: false, error: `not an email address: "${s.slice(0, 60)}"` };
}

export function normaliseDomain(c: Cell): string | null {
  const s = cellText(c)
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[/?#].*$/, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s) ? s : null;
}
