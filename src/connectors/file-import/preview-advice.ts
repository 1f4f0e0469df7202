/** What the preview advises: the strategy it recommends and the warnings it shows before a confirm. */
import { OWNER_NAME_ENTITIES } from './cell-interpreters.ts';
import type { ImportStrategy } from './import-batches.ts';
import { fieldOf, type ImportEntityType } from './import-fields.ts';
import { stageQuestions, type StageValueReport } from './import-stages.ts';
import { type MoneyColumnReport, moneyWarnings } from './money-units.ts';
import type { OwnerReport } from './owner-directory.ts';

export function recommend(
  entity: string,
  distinct: number,
  matches: number,
  existing: number,
): { recommended_strategy: ImportStrategy; reason: string } {
  if (existing === 0 || matches === 0) {
    return {
      recommended_strategy: existing === 0 ? 'merge' : 'append',
      reason:
        existing === 0
          ? `no imported ${entity} exist yet → merge (inserts every row)`
          : `none of the ${distinct} rows match the ${existing} existing imported ${entity} → append`,
    };
  }
  // Rounded down: 8,797 of 8,800 is 99.9 %, never "100 %" while three records would be new.
  const pct = Math.floor((1000 * matches) / Math.max(1, distinct)) / 10;
  const share = `${matches} of ${distinct} records in the file (${pct} %) match existing ${entity}, ${distinct - matches} would be new`;
  if (matches >= existing * 0.95 && pct >= 80) {
    return {
      recommended_strategy: 'replace',
      reason: `${share}; the file covers ${matches} of the ${existing} → replace`,
    };
  }
  return { recommended_strategy: 'merge', reason: `${share} → merge` };
}

export function collectWarnings(w: {
  owners: OwnerReport[];
  moneyColumns: MoneyColumnReport[];
  entity: ImportEntityType;
  accountsExist: boolean;
  errorRows: number;
  validRows: number;
  formulas: number;
  duplicates: number;
  stageValues: StageValueReport[];
  mapping: Record<string, string | null>;
  nameFrom: string[] | null;
  percentScales: Readonly<Record<string, number>>;
  footer: string[];
  preamble: string[];
}): string[] {
  const out: string[] = [];
  if (w.preamble.length > 0) {
    const shown = w.preamble.slice(0, 3).map((line) => `"${line.slice(0, 80)}"`);
    out.push(
      `${w.preamble.length} lines above the header (a report's title and filters) are left out: ${shown.join(', ')}${w.preamble.length > 3 ? ', …' : ''}`,
    );
  }
  for (const [header, field] of Object.entries(w.mapping)) {
    if (field && w.percentScales[header] && fieldOf(w.entity, field)?.kind === 'percent') {
      out.push(
        `column "${header}" (${field}) holds fractions between 0 and 1: they are read as percentages (0.9 is 90 %)`,
      );
    }
  }
  if (w.footer.length > 0) {
    const shown = w.footer.slice(0, 3).map((line) => `"${line.slice(0, 80)}"`);
    out.push(
      `the last ${w.footer.length} lines are a report footer, not rows, and are left out: ${shown.join(', ')}${w.footer.length > 3 ? ', …' : ''}`,
    );
  }
  if (w.nameFrom) {
    out.push(
      `no column holds the deal name: names are made from ${w.nameFrom.join(' + ')} (set name_from in the confirm body to choose other columns)`,
    );
  }
  if ((w.entity === 'contacts' || w.entity === 'deals') && !w.accountsExist) {
    out.push(
      `importing ${w.entity} before any accounts exist: they will not be linked to accounts until an accounts file is imported (links are inferred then)`,
    );
  }
  if (w.errorRows > 0 && w.validRows === 0) {
    out.push(
      `every row has errors: nothing would be imported (fix the mapping or the file; confirming is refused)`,
    );
  } else if (w.errorRows > 0) out.push(`${w.errorRows} rows have errors and will be skipped`);
  if (w.formulas > 0) {
    out.push(
      `${w.formulas} cells contain spreadsheet formulas; they are imported as text and never evaluated`,
    );
  }
  if (w.duplicates > 0)
    out.push(`${w.duplicates} rows repeat a record earlier in the file; the last one wins`);
  const unsure = stageQuestions(w.stageValues);
  if (unsure.length > 0) {
    out.push(
      `${unsure.length} stage values need an answer before confirming: ${unsure
        .slice(0, 20)
        .map((q) => q.value)
        .join(', ')} (see questions)`,
    );
  }
  const unmatched = w.owners.filter((o) => o.matched_by === 'unmatched');
  if (unmatched.length > 0) {
    out.push(
      `${unmatched.length} owners match no known owner and are kept ${OWNER_NAME_ENTITIES.has(w.entity) ? 'by name' : 'as a custom field (no owner is set)'}: ${unmatched
        .slice(0, 20)
        .map((o) => o.value)
        .join(', ')}`,
    );
  }
  out.push(...moneyWarnings(w.moneyColumns));
  const mapped = new Set(Object.values(w.mapping).filter(Boolean));
  if (w.entity === 'deals' && !mapped.has('stage')) out.push('no column is mapped to the deal stage');
  return out;
}
