/** Dates spoken relative to a call ("by the end of next quarter", "in six weeks", "by March 15") resolved against the call's date. */

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
};
const DAY_MS = 86_400_000;

const day = (d: Date) => d.toISOString().slice(0, 10);
const endOfMonth = (y: number, m: number) => new Date(Date.UTC(y, m + 1, 0));

export const DATE_PHRASE =
  /\b(?:by|before|until|for) (?:the )?end of (?:the |this |next )?(?:quarter|month|year)\b|\bin (?:\d{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve) (?:days?|weeks?|months?)\b|\b(?:by|before|on) (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}(?:st|nd|rd|th)?\b/i;

/** The date a phrase means, for a call on `callDate`; null when the text holds no date phrase. */
export function resolveRelativeDate(text: string, callDate: Date): { date: string; phrase: string } | null {
  const m = DATE_PHRASE.exec(text);
  if (!m) return null;
  const phrase = m[0];
  const p = phrase.toLowerCase();
  const y = callDate.getUTCFullYear();
  const mo = callDate.getUTCMonth();
  const end = /end of (?:(the|this|next) )?(quarter|month|year)/.exec(p);
  if (end) {
    const ahead = end[1] === 'next' ? 1 : 0;
    if (end[2] === 'quarter') {
      const q = Math.floor(mo / 3) + ahead;
      return { date: day(endOfMonth(y, q * 3 + 2)), phrase };
    }
    if (end[2] === 'month') return { date: day(endOfMonth(y, mo + ahead)), phrase };
    return { date: day(new Date(Date.UTC(y + ahead, 11, 31))), phrase };
  }
  const span = /in (\S+) (day|week|month)s?/.exec(p);
  if (span) {
    const n = /^\d+$/.test(span[1]!) ? Number(span[1]) : (NUMBER_WORDS[span[1]!] ?? 0);
    if (n <= 0) return null;
    if (span[2] === 'month') {
      const target = new Date(Date.UTC(y, mo + n, callDate.getUTCDate()));
      return { date: day(target), phrase };
    }
    return { date: day(new Date(callDate.getTime() + n * (span[2] === 'week' ? 7 : 1) * DAY_MS)), phrase };
  }
  const named =
    /(january|february|march|april|may|june|july|august|september|october|november|december) (\d{1,2})/.exec(
      p,
    );
  if (named) {
    const month = MONTHS.indexOf(named[1]!);
    const dom = Number(named[2]);
    // The next such date on or after the call.
    let target = new Date(Date.UTC(y, month, dom));
    if (target.getTime() < Date.UTC(y, mo, callDate.getUTCDate()))
      target = new Date(Date.UTC(y + 1, month, dom));
    if (target.getUTCDate() !== dom) return null;
    return { date: day(target), phrase };
  }
  return null;
}
