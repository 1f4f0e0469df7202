/** Checks of a confirm body against its batch: mapping overrides, money units, stage answers (4xx on failure). */
import { UnprocessableError, ValidationError } from '../../errors.ts';
import type { Preview } from './build-preview.ts';
import { IMPORT_FIELDS, type ImportEntityType } from './import-fields.ts';

/** Unsure stage proposals are applied only when the confirm answers them or accepts the proposals. */
export function requireStageAnswers(
  preview: Preview,
  body: { accept_proposed_stages?: boolean; stage_mappings?: Record<string, string> },
): void {
  if (body.accept_proposed_stages) return;
  const open = (preview.questions ?? []).filter((q) => !(q.value in (body.stage_mappings ?? {})));
  if (open.length === 0) return;
  throw new UnprocessableError(
    `stage values still need an answer: ${open
      .slice(0, 20)
      .map((q) => `"${q.value}" (proposed ${q.proposed}, ${Math.round(q.confidence * 100)} %)`)
      .join(', ')}; answer them in stage_mappings or set accept_proposed_stages: true`,
    { questions: open },
  );
}

export function checkMoneyUnits(
  entity: ImportEntityType,
  mapping: Readonly<Record<string, string | null>>,
  units: Readonly<Record<string, number>>,
): void {
  for (const header of Object.keys(units)) {
    const field = mapping[header];
    const kind = field ? IMPORT_FIELDS[entity].find((f) => f.name === field)?.kind : undefined;
    if (kind !== 'money')
      throw new ValidationError(
        `money_units names "${header}", which is not a column mapped to a money field`,
      );
  }
}

export function checkMapping(
  entity: ImportEntityType,
  headers: string[],
  overrides: Record<string, string | null>,
): void {
  const fields = new Set(IMPORT_FIELDS[entity].map((f) => f.name));
  const known = new Set(headers);
  for (const [header, field] of Object.entries(overrides)) {
    if (!known.has(header))
      throw new ValidationError(`mapping names a column the file does not have: "${header}"`);
    if (field !== null && !fields.has(field)) {
      throw new ValidationError(`"${field}" is not a field of ${entity}; fields: ${[...fields].join(', ')}`);
    }
  }
}
