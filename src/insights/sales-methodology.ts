/**
 * Sales methodologies: which one a workspace sells by (the context layer's definitions.sales_methodology,
 * or else CRM custom fields on deals named after a framework's parts), and a deal's current insights
 * mapped onto its fields: each field with the insights (and quotes) that evidence it, or missing.
 */
import type { Queryable } from '../db/db.ts';
import { getContextLayer } from '../workspaces/context-layer.ts';
import type { InsightType } from './insight-types.ts';
import type { InsightRow } from './insight-store.ts';

export type Methodology = 'meddic' | 'meddpicc' | 'bant' | 'spiced';

interface FieldRule {
  field: string;
  label: string;
  /** The insights that evidence the field; none means calls do not show it and it stays for the CRM. */
  from: Array<{ type: InsightType; when?: (r: InsightRow) => boolean }>;
}

const DECIDER_ROLE = /\b(?:C[EFR]O|Chief|VP|Vice President|President|Owner|Founder|General Counsel)\b/i;
const isDecider = (r: InsightRow) => DECIDER_ROLE.test(String(r.value.role ?? ''));
const MEASURABLE = /\d|%|accuracy|forecast|revenue|save|hours|cost/i;
const isMeasurable = (r: InsightRow) => MEASURABLE.test(`${r.value.topic ?? ''} ${r.quote}`);
const PAPER_STEPS = /security_review|legal|procurement|contract/;
const isPaperwork = (r: InsightRow) => PAPER_STEPS.test(String(r.value.topic ?? ''));

const MEDDIC: FieldRule[] = [
  { field: 'metrics', label: 'Metrics', from: [{ type: 'decision_criteria', when: isMeasurable }] },
  { field: 'economic_buyer', label: 'Economic buyer', from: [{ type: 'stakeholders', when: isDecider }] },
  { field: 'decision_criteria', label: 'Decision criteria', from: [{ type: 'decision_criteria' }] },
  {
    field: 'decision_process',
    label: 'Decision process',
    from: [{ type: 'next_steps' }, { type: 'timeline' }],
  },
  { field: 'identify_pain', label: 'Identify pain', from: [{ type: 'objections' }, { type: 'risks' }] },
  { field: 'champion', label: 'Champion', from: [{ type: 'stakeholders', when: (r) => !isDecider(r) }] },
];

export const FRAMEWORKS: Record<Methodology, FieldRule[]> = {
  meddic: MEDDIC,
  meddpicc: [
    ...MEDDIC.slice(0, 4),
    {
      field: 'paper_process',
      label: 'Paper process',
      from: [
        { type: 'next_steps', when: isPaperwork },
        { type: 'risks', when: (r) => r.value.topic === 'legal_review' },
      ],
    },
    ...MEDDIC.slice(4),
    { field: 'competition', label: 'Competition', from: [{ type: 'competitors' }] },
  ],
  bant: [
    { field: 'budget', label: 'Budget', from: [{ type: 'budget' }] },
    { field: 'authority', label: 'Authority', from: [{ type: 'stakeholders', when: isDecider }] },
    { field: 'need', label: 'Need', from: [{ type: 'decision_criteria' }] },
    { field: 'timeline', label: 'Timeline', from: [{ type: 'timeline' }] },
  ],
  spiced: [
    { field: 'situation', label: 'Situation', from: [] },
    { field: 'pain', label: 'Pain', from: [{ type: 'objections' }, { type: 'risks' }] },
    { field: 'impact', label: 'Impact', from: [{ type: 'decision_criteria', when: isMeasurable }] },
    { field: 'critical_event', label: 'Critical event', from: [{ type: 'timeline' }] },
    { field: 'decision', label: 'Decision', from: [{ type: 'stakeholders' }, { type: 'decision_criteria' }] },
  ],
};

/** The words CRM fields are named with for each framework's parts (after lower-casing, non-letters as "_"). */
const FIELD_NAMES: Record<Methodology, string[]> = {
  meddic: ['metrics', 'economic_buyer', 'decision_criteria', 'decision_process', 'identify_pain', 'champion'],
  meddpicc: [
    'metrics',
    'economic_buyer',
    'decision_criteria',
    'decision_process',
    'paper_process',
    'identify_pain',
    'champion',
    'competition',
  ],
  bant: ['budget', 'authority', 'need', 'timeline'],
  spiced: ['situation', 'pain', 'impact', 'critical_event', 'decision'],
};

export interface DetectedMethodology {
  methodology: Methodology | null;
  decided_by: 'context_layer' | 'crm_custom_fields' | null;
  /** For CRM detection: the custom fields that matched the framework's parts. */
  matched_fields: string[];
}

/** The framework whose parts most CRM fields are named after, when at least three of its parts are. */
export function methodologyFromFieldNames(
  names: readonly string[],
): { methodology: Methodology; matched: string[] } | null {
  const normal = names.map((n) => ({ n, key: `_${n.toLowerCase().replace(/[^a-z]+/g, '_')}_` }));
  let best: { methodology: Methodology; matched: string[]; share: number } | null = null;
  for (const m of ['meddpicc', 'meddic', 'spiced', 'bant'] as Methodology[]) {
    const parts = FIELD_NAMES[m];
    const matched = parts.flatMap((p) =>
      normal
        .filter((x) => x.key.includes(`_${p}_`))
        .map((x) => x.n)
        .slice(0, 1),
    );
    const hits = parts.filter((p) => normal.some((x) => x.key.includes(`_${p}_`))).length;
    const share = hits / parts.length;
    // MEDDPICC only when its extra parts are there too: otherwise its MEDDIC subset decides.
    if (hits >= 3 && share >= 0.5 && (!best || share > best.share)) best = { methodology: m, matched, share };
  }
  return best && { methodology: best.methodology, matched: best.matched };
}

export async function detectMethodology(q: Queryable, workspaceId: string): Promise<DetectedMethodology> {
  const layer = await getContextLayer(q, workspaceId);
  const explicit = layer.definitions.sales_methodology;
  if (explicit) return { methodology: explicit, decided_by: 'context_layer', matched_fields: [] };
  // Field names from a bounded sample of deals: the same CRM schema shows on any few thousand of them.
  const { rows } = await q.query<{ key: string }>(
    /* sql */ `SELECT DISTINCT k AS key FROM (
       SELECT custom_fields FROM deals WHERE workspace_id = $1::uuid AND custom_fields <> '{}'::jsonb LIMIT 2000
     ) d CROSS JOIN LATERAL jsonb_object_keys(d.custom_fields) k`,
    [workspaceId],
  );
  const found = methodologyFromFieldNames(rows.map((r) => r.key));
  return found
    ? { methodology: found.methodology, decided_by: 'crm_custom_fields', matched_fields: found.matched }
    : { methodology: null, decided_by: null, matched_fields: [] };
}

export interface FrameworkField {
  field: string;
  label: string;
  status: 'evidence' | 'missing';
  evidence: Array<{
    insight_id: string;
    type: InsightType;
    value: Record<string, unknown>;
    quote: string;
    speaker: string | null;
    conversation_id: string;
  }>;
  /** Why a field with no insight type behind it is missing: calls do not show it. */
  note?: string;
}

export interface FrameworkView {
  methodology: Methodology;
  decided_by: DetectedMethodology['decided_by'];
  fields: FrameworkField[];
  evidenced: string[];
  missing: string[];
}

export function frameworkView(
  detected: DetectedMethodology,
  current: readonly InsightRow[],
): FrameworkView | null {
  if (!detected.methodology) return null;
  const fields = FRAMEWORKS[detected.methodology].map((rule): FrameworkField => {
    const evidence = current
      .filter((r) => rule.from.some((f) => f.type === r.insight_type && (!f.when || f.when(r))))
      .map((r) => ({
        insight_id: r.id,
        type: r.insight_type,
        value: r.value,
        quote: r.quote,
        speaker: r.speaker,
        conversation_id: r.conversation_id,
      }));
    return {
      field: rule.field,
      label: rule.label,
      status: evidence.length > 0 ? 'evidence' : 'missing',
      evidence,
      ...(rule.from.length === 0 ? { note: 'not extracted from calls; record it in the CRM' } : {}),
    };
  });
  return {
    methodology: detected.methodology,
    decided_by: detected.decided_by,
    fields,
    evidenced: fields.filter((f) => f.status === 'evidence').map((f) => f.field),
    missing: fields.filter((f) => f.status === 'missing').map((f) => f.field),
  };
}
