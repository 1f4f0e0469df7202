/** Money amounts as people say them: "$120,000", "120k", "1.2M", "80 thousand dollars". */

export const AMOUNT =
  /(?:\$\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s?(?:k|m|mm|million|thousand)\b)?|\b(\d+(?:\.\d+)?)\s?(k|m|mm|million|thousand)\b(?:\s+dollars)?)/gi;

/** Every amount written in the text, in whole units. */
export function amountsIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(AMOUNT)) {
    const n = Number((m[1] ?? m[3] ?? '').replaceAll(',', ''));
    const unit = (m[2] ?? m[4] ?? '').trim().toLowerCase();
    if (!Number.isFinite(n) || n <= 0) continue;
    const scale =
      unit === 'k' || unit === 'thousand'
        ? 1e3
        : unit === 'm' || unit === 'mm' || unit === 'million'
          ? 1e6
          : 1;
    out.push(Math.round(n * scale));
  }
  return out;
}
