/**
 * What a money figure left out: deals with an amount in a currency that has no exchange rate into the
 * base currency. Every answer that sums amounts reports this beside the sum.
 */

export interface NotConverted {
  deals: number;
  by_currency: Record<string, number>;
  /** "395 deals in EUR/GBP not converted: no rate", or null when nothing was left out. */
  note: string | null;
}

export function describeNotConverted(rows: ReadonlyArray<{ currency: string; deals: number }>): NotConverted {
  const byCurrency: Record<string, number> = {};
  let deals = 0;
  for (const r of rows) {
    if (r.deals === 0) continue;
    byCurrency[r.currency] = (byCurrency[r.currency] ?? 0) + r.deals;
    deals += r.deals;
  }
  const currencies = Object.keys(byCurrency).sort();
  return {
    deals,
    by_currency: byCurrency,
    note:
      deals === 0
        ? null
        : `${deals} deal${deals === 1 ? '' : 's'} in ${currencies.join('/')} not converted: no rate`,
  };
}
