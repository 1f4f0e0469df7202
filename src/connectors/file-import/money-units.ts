/**
 * Money columns whose magnitudes look like another unit: an annual revenue whose median is 1,100 is in
 * millions, a deal amount whose median is 45 is likely in thousands. The preview warns and suggests a
 * multiplier; the confirm body's money_units applies one per column.
 */
import { fieldOf, type ImportEntityType } from './import-fields.ts';

const KEPT_VALUES = 10_000;

// Below this median the column is implausible in plain units: [threshold, suggested multiplier, unit word].
const PLAUSIBLE: Readonly<Record<string, ReadonlyArray<readonly [number, number, string]>>> = {
  annual_revenue: [
    [10_000, 1_000_000, 'millions'],
    [100_000, 1_000, 'thousands'],
  ],
  amount: [[100, 1_000, 'thousands']],
};

export interface MoneyColumnReport {
  header: string;
  field: string;
  median: number | null;
  /** The multiplier the magnitudes suggest (null: plausible as they are). */
  suggested_multiplier: number | null;
  unit: string | null;
}

/** Collects a bounded sample of each money column's values while the preview streams the file. */
export function createMoneySampler(
  entity: ImportEntityType,
  mapping: Readonly<Record<string, string | null>>,
) {
  const columns = Object.entries(mapping).filter(
    (e): e is [string, string] => e[1] !== null && fieldOf(entity, e[1])?.kind === 'money',
  );
  const values = new Map(columns.map(([header]) => [header, [] as number[]]));
  return {
    add(record: Readonly<Record<string, unknown>>) {
      for (const [header, field] of columns) {
        const v = record[field];
        const kept = values.get(header)!;
        if (typeof v === 'number' && v > 0 && kept.length < KEPT_VALUES) kept.push(v);
      }
    },
    report(): MoneyColumnReport[] {
      return columns.map(([header, field]) => {
        const sorted = values.get(header)!.sort((a, b) => a - b);
        const median = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)]! : null;
        const hit =
          median === null ? undefined : (PLAUSIBLE[field] ?? []).find(([threshold]) => median < threshold);
        return {
          header,
          field,
          median,
          suggested_multiplier: hit ? hit[1] : null,
          unit: hit ? hit[2] : null,
        };
      });
    },
  };
}

export function moneyWarnings(report: readonly MoneyColumnReport[]): string[] {
  return report
    .filter((m) => m.suggested_multiplier !== null)
    .map(
      (m) =>
        `column "${m.header}" (${m.field}) has a median of ${m.median!.toLocaleString('en-US')}, which looks like ${m.unit}: ` +
        `set money_units: {"${m.header}": ${m.suggested_multiplier}} in the confirm body if it is`,
    );
}
