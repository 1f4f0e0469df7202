/**
 * Column mapping refinement on the classify tier (src/llm): columns the heuristic mapper left unmapped or
 * mapped with low confidence are classified in one batched call, from their header and a few sample
 * values, among the entity's fields no confident column has taken. With no model configured the
 * offline provider matches field synonyms in the text, and the proposal names that provider.
 * Runs before the preview's transaction: a model call must never hold a database transaction open.
 */
import { type Category, classifyItems } from '../../llm/classify-batch.ts';
import type { LlmSession } from '../../llm/llm-client.ts';
import { cellText } from './value-parsing.ts';
import { type ColumnProposal, type ColumnSample, type MappingProposal, valuesFit } from './column-mapping.ts';
import { IMPORT_FIELDS } from './import-fields.ts';

/** Below this the heuristic is unsure enough to ask the classifier. */
export const REFINE_BELOW = 0.6;
const CUSTOM = 'custom_field';
const SAMPLE_VALUES = 5;
// A model's pick is trusted more than a weak synonym hit, less than an exact header match.
const MODEL_CONFIDENCE = 0.7;
const OFFLINE_CONFIDENCE = 0.5;

export function needsRefinement(proposal: MappingProposal): boolean {
  return proposal.columns.some((c) => c.confidence < REFINE_BELOW);
}

export async function refineColumnMapping(
  llm: LlmSession,
  columns: readonly ColumnSample[],
  heuristic: MappingProposal,
): Promise<MappingProposal> {
  const unsure = heuristic.columns.map((c, i) => ({ c, i })).filter(({ c }) => c.confidence < REFINE_BELOW);
  if (unsure.length === 0) return heuristic;
  const taken = new Set(
    heuristic.columns.filter((c) => c.confidence >= REFINE_BELOW && c.field).map((c) => c.field!),
  );
  const fields = IMPORT_FIELDS[heuristic.entity_type].filter((f) => !taken.has(f.name));
  const categories: Category[] = [
    ...fields.map((f) => ({
      id: f.name,
      description: `${f.name.replaceAll('_', ' ')} (${f.kind})`,
      keywords: f.synonyms.filter((s) => s.length >= 4),
    })),
    { id: CUSTOM, description: 'none of these: keep the column as a custom field', keywords: [] },
  ];
  const items = unsure.map(({ c, i }) => ({
    id: String(i),
    // No field words of our own in the text: the offline rules match keywords anywhere in it ("values" hit "value").
    text: `${c.header} — e.g. ${columns[i]!.values.map(cellText)
      .filter((v) => v !== '')
      .slice(0, SAMPLE_VALUES)
      .join(' | ')}`,
  }));
  const outcome = await classifyItems(llm, 'file_import_column_mapping', items, categories, {
    fallback: CUSTOM,
  });
  const offline = [...outcome.providers].every((p) => p.startsWith('offline'));
  const refined: ColumnProposal[] = heuristic.columns.map((c) => ({ ...c }));
  for (const { c, i } of unsure) {
    const label = outcome.labels.get(String(i));
    if (!label || taken.has(label)) continue;
    if (label === CUSTOM) {
      // A model's "none of these" overrules a weak guess; the offline rules' is only "no keyword hit".
      if (!offline)
        refined[i] = { header: c.header, field: null, confidence: MODEL_CONFIDENCE, reason: 'classifier' };
      continue;
    }
    const field = fields.find((f) => f.name === label);
    if (!field || !valuesFit(field, columns[i]!.values)) continue;
    // Each field feeds from one column: the first unsure column the classifier gave it wins.
    taken.add(label);
    refined[i] = {
      header: c.header,
      field: label,
      confidence: offline ? OFFLINE_CONFIDENCE : MODEL_CONFIDENCE,
      reason: 'classifier',
    };
  }
  for (const { c, i } of unsure) {
    // A weak heuristic field the classifier moved to another column is released.
    if (
      refined[i]!.reason !== 'classifier' &&
      c.field &&
      refined.some((r, j) => j !== i && r.field === c.field)
    )
      refined[i] = { header: c.header, field: null, confidence: 0, reason: 'none' };
  }
  return {
    ...heuristic,
    columns: refined,
    classifier: `heuristic + classify tier (${[...outcome.providers].join(', ')}${offline ? ', offline: no model configured' : ''})`,
  };
}
