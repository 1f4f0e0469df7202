/**
 * Deal detail: the deal with its account, contacts (with roles), recent activities, conversations, stage
 * history and its scores' reasons, each with its evidence rows, fetched in one statement of json_agg
 * sub-selects (one round trip).
 */
import type { Queryable } from '../db/db.ts';
import { toApiRecord } from '../db/list-query.ts';
import { NotFoundError } from '../errors.ts';
import { dealListing } from './deals-queries.ts';
import { type ApiRecord, isUuid } from './entity-listing.ts';
import { attachEvidence, type ScoreReasons, TOUCH_ROWS_SQL } from './score-evidence.ts';

/** How many of the newest activities and conversations the detail carries; lists page the rest. */
export const DETAIL_RECENT_LIMIT = 20;

const dealColumns = Object.keys(dealListing.columns)
  .map((c) => `d.${c}`)
  .join(', ');

const DEAL_DETAIL_SQL = /* sql */ `
SELECT ${dealColumns}, d.source_data, d.deal_risk_reasons, d.velocity_reasons, d.engagement_reasons,
  ${TOUCH_ROWS_SQL} AS touch_rows,
  (SELECT to_jsonb(a) FROM (
     SELECT id, name, domain, industry, employee_count, annual_revenue, city, country, owner_email
     FROM accounts WHERE workspace_id = d.workspace_id AND id = d.account_id) a) AS account,
  (SELECT coalesce(jsonb_agg(x ORDER BY x.is_primary DESC, x.last_name, x.id), '[]'::jsonb) FROM (
     SELECT c.id, c.first_name, c.last_name, c.email, c.title, c.seniority, c.department,
            dc.role, dc.role_source, dc.role_confidence, dc.is_primary, dc.source AS association_source
     FROM deal_contacts dc
     JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
     WHERE dc.workspace_id = d.workspace_id AND dc.deal_id = d.id) x) AS contacts,
  (SELECT coalesce(jsonb_agg(x ORDER BY x.occurred_at DESC NULLS LAST, x.id), '[]'::jsonb) FROM (
     SELECT id, activity_type, subject, direction, occurred_at, owner_email, contact_id
     FROM activities WHERE workspace_id = d.workspace_id AND deal_id = d.id
     ORDER BY occurred_at DESC NULLS LAST, id LIMIT $3::int) x) AS recent_activities,
  (SELECT coalesce(jsonb_agg(x ORDER BY x.started_at DESC NULLS LAST, x.id), '[]'::jsonb) FROM (
     SELECT id, title, started_at, duration_seconds, organizer_email, is_internal, link_method, summary
     FROM conversations WHERE workspace_id = d.workspace_id AND deal_id = d.id
     ORDER BY started_at DESC NULLS LAST, id LIMIT $3::int) x) AS conversations,
  (SELECT coalesce(jsonb_agg(x ORDER BY x.changed_at, x.id), '[]'::jsonb) FROM (
     SELECT id, from_stage, to_stage, from_stage_normalized, to_stage_normalized, changed_at, source
     FROM deal_stage_history WHERE workspace_id = d.workspace_id AND deal_id = d.id) x) AS stage_history,
  (SELECT coalesce(jsonb_agg(x ORDER BY x.insight_type, x.created_at DESC, x.id), '[]'::jsonb) FROM (
     SELECT id, insight_type, value, quote, speaker, speaker_role, conversation_id, confidence, extractor, created_at
     FROM deal_insights WHERE workspace_id = d.workspace_id AND deal_id = d.id AND is_current) x) AS insights
FROM deals d
WHERE d.workspace_id = $1::uuid AND d.id = $2::uuid`;

export interface DealDetail extends ApiRecord {
  source_data: unknown;
  account: ApiRecord | null;
  contacts: ApiRecord[];
  recent_activities: ApiRecord[];
  conversations: ApiRecord[];
  stage_history: ApiRecord[];
  reasons: ScoreReasons;
  /** Current deal insights from its calls (src/insights). */
  insights: ApiRecord[];
}

export async function getDealDetail(q: Queryable, workspaceId: string, dealId: string): Promise<DealDetail> {
  if (!isUuid(dealId)) throw new NotFoundError('deal');
  const { rows } = await q.query<Record<string, unknown>>(DEAL_DETAIL_SQL, [
    workspaceId,
    dealId,
    DETAIL_RECENT_LIMIT,
  ]);
  const row = rows[0];
  if (!row) throw new NotFoundError('deal');
  const deal = toApiRecord(dealListing.columns, row);
  const contacts = row.contacts as ApiRecord[];
  const stageHistory = row.stage_history as ApiRecord[];
  return {
    ...deal,
    source_data: row.source_data,
    account: (row.account as ApiRecord | null) ?? null,
    contacts,
    recent_activities: row.recent_activities as ApiRecord[],
    conversations: row.conversations as ApiRecord[],
    stage_history: stageHistory,
    reasons: attachEvidence(
      {
        deal_risk: row.deal_risk_reasons as ApiRecord[] | null,
        velocity: row.velocity_reasons as ApiRecord | null,
        engagement: row.engagement_reasons as ApiRecord[] | null,
      },
      { deal, contacts, stageHistory, touches: row.touch_rows as ApiRecord[] },
    ),
    insights: row.insights as ApiRecord[],
  };
}
