/**
 * A deal's score reasons with their evidence: each reason the computed fields engine stored (rule,
 * points, the figures it fired on, the ids it rests on) gets `evidence`, the rows those ids name, so a
 * client shows "single-threaded: only Ana Ortiz (VP Sales)" without a second request.
 */
import type { ApiRecord } from './entity-listing.ts';

/**
 * The activities, calls and conversations a deal's reasons cite as its last touch, as one jsonb array;
 * a sub-select of the deal detail statement over `deals d`.
 */
export const TOUCH_ROWS_SQL = /* sql */ `(
  WITH cited AS (
    SELECT (r->'last_touch'->>'id')::uuid AS id
    FROM jsonb_array_elements(coalesce(d.deal_risk_reasons, '[]'::jsonb) || coalesce(d.engagement_reasons, '[]'::jsonb)) r
    WHERE jsonb_typeof(r->'last_touch') = 'object' AND r->'last_touch'->>'id' IS NOT NULL
  )
  SELECT coalesce(jsonb_agg(t), '[]'::jsonb) FROM (
    SELECT 'activities' AS entity, id, activity_type AS type, subject AS title, occurred_at AS at, owner_email
    FROM activities WHERE workspace_id = d.workspace_id AND id IN (SELECT id FROM cited)
    UNION ALL
    SELECT 'calls', id, 'call', title, occurred_at, owner_email
    FROM calls WHERE workspace_id = d.workspace_id AND id IN (SELECT id FROM cited)
    UNION ALL
    SELECT 'conversations', id, 'conversation', title, started_at, organizer_email
    FROM conversations WHERE workspace_id = d.workspace_id AND id IN (SELECT id FROM cited)
  ) t)`;

export interface EvidenceSources {
  deal: ApiRecord;
  /** The deal's contacts as the detail carries them. */
  contacts: ApiRecord[];
  /** The deal's stage history, oldest first. */
  stageHistory: ApiRecord[];
  /** Rows of TOUCH_ROWS_SQL. */
  touches: ApiRecord[];
}

type Reason = ApiRecord & { evidence: ApiRecord[] };

export interface ScoreReasons {
  deal_risk: Reason[] | null;
  velocity: Reason | null;
  engagement: Reason[] | null;
}

/** The deal's own fields a rule fired on. */
const DEAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  close_date_past: ['close_date'],
  close_date_slipped: ['close_date'],
  no_next_step: ['next_step'],
  amount_changed: ['amount', 'currency'],
};

function dealRow(deal: ApiRecord, fields: readonly string[]): ApiRecord {
  const row: ApiRecord = { entity: 'deals', id: deal.id };
  for (const f of fields) row[f] = deal[f] ?? null;
  return row;
}

function evidenceOf(rule: string, reason: ApiRecord, src: EvidenceSources): ApiRecord[] {
  const dealFields = DEAL_FIELDS[rule];
  if (dealFields) return [dealRow(src.deal, dealFields)];
  const out: ApiRecord[] = [];
  const lastTouch = reason.last_touch as ApiRecord | null | undefined;
  if (lastTouch?.id) {
    const row = src.touches.find((t) => t.id === lastTouch.id);
    if (row) out.push(row);
  }
  if (Array.isArray(reason.contact_ids)) {
    for (const id of reason.contact_ids) {
      const contact = src.contacts.find((c) => c.id === id);
      if (contact) out.push({ entity: 'contacts', ...contact });
    }
  }
  if (typeof reason.stage_history_id === 'string') {
    const change = src.stageHistory.find((h) => h.id === reason.stage_history_id);
    if (change) out.push({ entity: 'deal_stage_history', ...change });
  }
  if (rule === 'stuck_in_stage' || rule === 'velocity') {
    // The change that entered the current stage; a deal with no history shows when it entered it.
    const entry = src.stageHistory.filter((h) => h.to_stage_normalized === reason.stage).at(-1);
    out.push(entry ? { entity: 'deal_stage_history', ...entry } : dealRow(src.deal, ['stage_entered_at']));
  }
  return out;
}

/** The stored reasons of a deal's three scores, each reason with the rows it rests on. */
export function attachEvidence(
  stored: { deal_risk: ApiRecord[] | null; velocity: ApiRecord | null; engagement: ApiRecord[] | null },
  src: EvidenceSources,
): ScoreReasons {
  const withEvidence = (r: ApiRecord): Reason => ({ ...r, evidence: evidenceOf(String(r.rule), r, src) });
  return {
    deal_risk: stored.deal_risk?.map(withEvidence) ?? null,
    // Velocity's reasons are one object (time in stage and in cycle against their medians), no rule.
    velocity: stored.velocity
      ? { ...stored.velocity, evidence: evidenceOf('velocity', stored.velocity, src) }
      : null,
    engagement: stored.engagement?.map(withEvidence) ?? null,
  };
}
