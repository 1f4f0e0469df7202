/**
 * Dates and times in the formats spreadsheets export: ISO with offsets and fractions, slash and dot dates
 * in the day/month order decided per column (with their time of day, AM/PM read), month names, Excel serials.
 */
import type { Cell } from './table-reader.ts';
import { cellText, type Parsed } from './value-parsing.ts';

export type DateOrder = 'mdy' | 'dmy';

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

function validYmd(y: number, m: number, d: number): string | null {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** 'YYYY-MM-DD' plus the time part when there is one ('YYYY-MM-DDTHH:MM:SSZ'). */
export function parseDate(c: Cell, order: DateOrder = 'mdy'): Parsed<string> {
  if (c instanceof Date) {
    return Number.isNaN(c.getTime())
      ? { ok: false, error: 'invalid date' }
      : { ok: true, value: c.toISOString() };
  }
  if (typeof c === 'number') return excelSerial(c);
  const s = cellText(c);
  let m =
    /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      s,
    );
  if (m) {
    const ymd = validYmd(+m[1]!, +m[2]!, +m[3]!);
    if (!ymd) return { ok: false, error: `not a real date: "${s}"` };
    if (m[4] === undefined) return { ok: true, value: ymd };
    const iso = `${ymd}T${m[4].padStart(2, '0')}:${m[5]}:${m[6] ?? '00'}${m[8] ? normaliseOffset(m[8]) : 'Z'}`;
    const t = new Date(iso);
    if (Number.isNaN(t.getTime())) return { ok: false, error: `not a real date: "${s}"` };
    // The fraction is put back as written (a Date holds milliseconds, a timestamptz microseconds);
    // offsets are whole minutes, so moving to UTC never touches it.
    const fraction = m[7] ?? '000';
    return { ok: true, value: `${t.toISOString().slice(0, 19)}.${fraction}Z` };
  }
  m =
    /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/.exec(
      s,
    );
  if (m) {
    const a = +m[1]!;
    const b = +m[2]!;
    const y = m[3]!.length === 2 ? 2000 + +m[3]! : +m[3]!;
    // An unambiguous value (a part above 12) wins over the column's order.
    const [mo, d] = a > 12 ? [b, a] : b > 12 ? [a, b] : order === 'mdy' ? [a, b] : [b, a];
    const ymd = validYmd(y, mo, d);
    if (!ymd) return { ok: false, error: `not a real date: "${s}"` };
    if (m[4] === undefined) return { ok: true, value: ymd };
    // "3/31/2025 10:22 AM", "15.01.2025 09:30": the time of day is kept (read as UTC, as above).
    let hour = +m[4];
    const meridiem = m[7]?.toLowerCase();
    if (meridiem && (hour < 1 || hour > 12)) return { ok: false, error: `not a real time: "${s}"` };
    if (meridiem === 'pm' && hour < 12) hour += 12;
    if (meridiem === 'am' && hour === 12) hour = 0;
    if (hour > 23 || +m[5]! > 59 || +(m[6] ?? 0) > 59) return { ok: false, error: `not a real time: "${s}"` };
    const time = `${String(hour).padStart(2, '0')}:${m[5]}:${m[6] ?? '00'}`;
    return { ok: true, value: `${ymd}T${time}.000Z` };
  }
  m =
    /^(?:(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+(\d{4})|([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4}))$/.exec(
      s,
    );
  if (m) {
    const monthName = (m[2] ?? m[4])!.slice(0, 4).toLowerCase().replace(/\.$/, '');
    const mo = MONTHS[monthName] ?? MONTHS[monthName.slice(0, 3)];
    const ymd = mo ? validYmd(+(m[3] ?? m[6])!, mo, +(m[1] ?? m[5])!) : null;
    return ymd ? { ok: true, value: ymd } : { ok: false, error: `not a real date: "${s}"` };
  }
  if (/^\d{5}(\.\d+)?$/.test(s)) return excelSerial(Number(s));
  return { ok: false, error: `unrecognised date: "${s.slice(0, 60)}"` };
}

function normaliseOffset(o: string): string {
  return o === 'Z' ? 'Z' : o.includes(':') ? o : `${o.slice(0, 3)}:${o.slice(3)}`;
}

// Excel's day 0 is 1899-12-30 (it counts the fictitious 1900-02-29).
function excelSerial(n: number): Parsed<string> {
  if (!Number.isFinite(n) || n < 1 || n > 109_574) return { ok: false, error: `not a date: ${n}` };
  const ms = Date.UTC(1899, 11, 30) + Math.round(n * 86_400_000);
  const iso = new Date(ms).toISOString();
  return { ok: true, value: Number.isInteger(n) ? iso.slice(0, 10) : iso };
}

/** Which order a column's slash dates use, from the values that are unambiguous. */
export function detectDateOrder(samples: readonly Cell[]): DateOrder {
  let dmy = 0;
  let mdy = 0;
  for (const c of samples) {
    const m = /^(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}/.exec(cellText(c));
    if (!m) continue;
    if (+m[1]! > 12) dmy++;
    else if (+m[2]! > 12) mdy++;
  }
  return dmy > mdy ? 'dmy' : 'mdy';
}
