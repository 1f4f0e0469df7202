/**
 * The value checks every edge shares (HTTP bodies and query strings, list filters and cursors, skill
 * inputs, the CLI): dates that exist on a calendar within the years a GTM record can have, numbers that
 * fit the column they go to, text PostgreSQL can store. A value that passes reaches SQL as it is.
 */
import { z } from 'zod';

/** Business dates outside these years are typos or attacks, and some date arithmetic overflows past them. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2200;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Hours, minutes, seconds with an optional fraction, then Z or an offset of at most ±14:00 (the real range).
const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2})?)?)?$/i;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `YYYY-MM-DD` naming a real day between MIN_YEAR and MAX_YEAR (no 2024-02-30, no 0000-01-01). */
export function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return (
    year >= MIN_YEAR &&
    year <= MAX_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/** An ISO 8601 date or date-time whose date is a calendar date and whose clock and offset are real. */
export function isCalendarDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m || !isCalendarDate(m[1]!)) return false;
  const [hh, mm, ss, zone, offH, offM] = [m[2], m[3], m[4], m[5], m[6], m[7]];
  if (hh !== undefined && (Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 59)) return false;
  if (zone && zone.toUpperCase() !== 'Z' && (Number(offH) > 14 || Number(offM ?? 0) > 59)) return false;
  return true;
}

const dateRange = `a calendar date between ${MIN_YEAR}-01-01 and ${MAX_YEAR}-12-31`;

export const isoDate = z
  .string()
  .regex(DATE, 'expected a date as YYYY-MM-DD')
  .refine(isCalendarDate, `not ${dateRange}`);

export const isoDateTime = z
  .string()
  .max(40)
  .regex(DATE_TIME, 'expected an ISO 8601 date or date-time')
  .refine(isCalendarDateTime, `not ${dateRange} with a real time of day`);

/** numeric(18, 2) money columns (quotas, amounts); kept well inside what a double holds exactly. */
export const MAX_MONEY = 1e15;
export const moneyAmount = z.number().finite().nonnegative().max(MAX_MONEY, 'must be at most 1e15');

/** Whole numbers bound for an `integer` column or parameter. */
export const int32 = z.number().int().min(-2_147_483_648).max(2_147_483_647);

// Unpaired UTF-16 surrogates: JSON can carry them as escapes, PostgreSQL's jsonb refuses them.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored in PostgreSQL text or jsonb (NUL, a lone surrogate), or null when it can. */
export function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}
