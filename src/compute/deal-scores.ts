/**
 * Deal scores in one set-based statement: velocity_score, deal_risk and engagement_score, each with its
 * reasons (rule, points, evidence row ids). Workspace medians and percentiles come from won deals' stage
 * history, read once per run (score-baselines.ts); every rule's weight and threshold comes from the
 * scoring config passed as one jsonb parameter.
 * Rows whose computed values are unchanged are not written.
 */
import type { Queryable } from '../db/db.ts';
import { inIdList } from '../db/id-ranges.ts';
import { DECAYED_TOUCHES, LAST_TOUCH, touchesOf } from './engagement-touches.ts';
import {
  INSIGHT_FLAGS,
  INSIGHT_POINTS,
  INSIGHT_REASONS,
  insightFactsCtes,
} from '../insights/insight-risk-sql.ts';
import { AMOUNT_BAND, dealBaselineRows, dealBaselines, type ScoreBaselines } from './score-baselines.ts';
import type { ScoringConfig } from './scoring-config.ts';

export const OPEN_STAGES = ['awareness', 'qualification', 'evaluation', 'decision', 'negotiation'] as const;

// The chunk's deals ($5: their ids, NULL for all). The per-deal aggregates below keep to it: grouped over the whole
// workspace, each chunk re-read every touch and stage change (after a 50k-deal import, a 500-deal chunk
// grouped all 50k stage-history rows), so a chunk's time grew with the workspace.
const inChunk = (column: string) => inIdList(column, 5);

// The won-deal medians and percentiles, read once per run (score-baselines.ts), as $6.
const BASELINES = dealBaselineRows(6);

export const DEAL_SCORES_SQL = /* sql */ `
WITH cfg AS (
  SELECT
    (c->'risk_weights'->>'close_date_past')::numeric      AS w_past,
    (c->'risk_weights'->>'close_date_slipped')::numeric   AS w_slip,
    (c->'risk_weights'->>'no_recent_activity')::numeric   AS w_idle,
    (c->'risk_weights'->>'single_threaded')::numeric      AS w_single,
    (c->'risk_weights'->>'no_next_step')::numeric         AS w_next,
    (c->'risk_weights'->>'stage_regression')::numeric     AS w_regress,
    (c->'risk_weights'->>'amount_changed')::numeric       AS w_amount,
    (c->'risk_weights'->>'stuck_in_stage')::numeric       AS w_stuck,
    (c->'risk_weights'->>'competitor_named')::numeric     AS w_competitor,
    (c->'risk_weights'->>'no_next_step_after_last_call')::numeric AS w_call_next,
    (c->'risk_weights'->>'budget_objection')::numeric     AS w_budget_obj,
    (c->'risk_weights'->>'timeline_after_close_date')::numeric AS w_late,
    (c->'risk_thresholds'->>'slip_count')::numeric        AS t_slips,
    (c->'risk_thresholds'->>'inactive_days')::numeric     AS t_idle,
    (c->'risk_thresholds'->>'amount_change_pct')::numeric AS t_amount_pct,
    (c->'risk_thresholds'->>'default_stuck_days')::numeric AS t_stuck_default,
    (c->'velocity'->>'band_edges_1')::numeric AS e1,
    (c->'velocity'->>'band_edges_2')::numeric AS e2,
    (c->'velocity'->>'band_edges_3')::numeric AS e3,
    (c->'velocity'->>'default_stage_days')::numeric AS v_stage_default,
    (c->'velocity'->>'default_cycle_days')::numeric AS v_cycle_default,
    (c->'velocity'->>'min_won_deals')::int AS v_min_n,
    (c->'engagement'->>'half_life_days')::float8 AS g_half_life,
    (c->'engagement'->>'activity_weight')::float8 AS g_activity,
    (c->'engagement'->>'call_weight')::float8 AS g_call,
    (c->'engagement'->>'conversation_weight')::float8 AS g_conversation,
    (c->'engagement'->>'participant_points')::float8 AS g_participant,
    (c->'engagement'->>'senior_multiplier')::float8 AS g_senior,
    (c->'engagement'->>'scale')::float8 AS g_scale,
    (($2::date + 1)::timestamp AT TIME ZONE 'UTC') AS as_of,
    ($6::jsonb->'tracking'->>'tracks_touches')::boolean AS tracks_touches,
    ($6::jsonb->'tracking'->>'tracks_people')::boolean AS tracks_people,
    $4::int AS version
  FROM (SELECT $3::jsonb AS c) x
),
stage_order (stage, ord) AS (
  VALUES ('awareness', 1), ('qualification', 2), ('evaluation', 3), ('decision', 4), ('negotiation', 5),
         ('closed_won', 6), ('closed_lost', 6)
),
stage_stats AS (SELECT * FROM ${BASELINES.stageStats}),
cycle_stats AS (SELECT * FROM ${BASELINES.cycleStats}),
touches AS (
  SELECT t.deal_id,
         count(*) FILTER (WHERE t.kind = 'activity')::int AS activities,
         count(*) FILTER (WHERE t.kind = 'call')::int AS calls,
         count(*) FILTER (WHERE t.kind = 'conversation')::int AS conversations,
         ${DECAYED_TOUCHES} AS decayed,
         max(t.at) AS last_at,
         ${LAST_TOUCH} AS last_touch
  FROM ${touchesOf('deal_id')} t CROSS JOIN cfg
  WHERE t.at <= cfg.as_of AND ${inChunk('t.deal_id')}
  GROUP BY t.deal_id
),
people AS (
  SELECT dc.deal_id, count(DISTINCT dc.contact_id)::int AS contacts,
         count(DISTINCT dc.contact_id) FILTER (WHERE c.seniority IN ('c_level', 'vp', 'director'))::int AS senior,
         (array_agg(DISTINCT dc.contact_id))[1:5] AS contact_ids
  FROM deal_contacts dc
  JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
  WHERE dc.workspace_id = $1::uuid AND ${inChunk('dc.deal_id')}
  GROUP BY dc.deal_id
),
attendees AS (
  SELECT cv.deal_id, count(DISTINCT lower(p->>'email'))::int AS external_participants
  FROM conversations cv CROSS JOIN LATERAL jsonb_array_elements(cv.participants) p
  WHERE cv.workspace_id = $1::uuid AND cv.deal_id IS NOT NULL AND ${inChunk('cv.deal_id')} AND cv.is_internal IS NOT TRUE
    AND jsonb_typeof(cv.participants) = 'array' AND p->>'affiliation' = 'external' AND p->>'email' IS NOT NULL
  GROUP BY cv.deal_id
),
history AS (
  SELECT h.deal_id, max(h.changed_at) AS last_change,
         count(*) FILTER (WHERE ot.ord < ofr.ord AND ofr.ord < 6)::int AS regressions,
         (array_agg(h.id ORDER BY h.changed_at DESC) FILTER (WHERE ot.ord < ofr.ord AND ofr.ord < 6))[1] AS regression_id
  FROM deal_stage_history h
  LEFT JOIN stage_order ofr ON ofr.stage = h.from_stage_normalized
  LEFT JOIN stage_order ot ON ot.stage = h.to_stage_normalized
  WHERE h.workspace_id = $1::uuid AND ${inChunk('h.deal_id')}
  GROUP BY h.deal_id
),
${insightFactsCtes(inChunk)},
-- Close dates the source reports as moved later (deal_field_history), when the deal has no count of its own.
close_slips AS (
  SELECT deal_id, count(*)::int AS slips FROM deal_field_history
  WHERE workspace_id = $1::uuid AND field = 'close_date' AND new_value > old_value AND ${inChunk('deal_id')}
  GROUP BY deal_id
),
facts AS MATERIALIZED (
  SELECT d.id, d.is_closed, d.stage_normalized AS stage, d.amount, d.close_date, d.next_step,
         coalesce(d.amount_baseline, d.amount) AS baseline,
         ${AMOUNT_BAND} AS band,
         CASE WHEN coalesce(d.source_data->>'close_date_slip_count', d.custom_fields->>'close_date_slip_count') ~ '^[0-9]{1,6}$'
              THEN coalesce(d.source_data->>'close_date_slip_count', d.custom_fields->>'close_date_slip_count')::int
              ELSE cs.slips END AS slips,
         date_part('epoch', cfg.as_of - coalesce(d.stage_entered_at, h.last_change, d.source_created_at, d.created_at)) / 86400.0 AS days_in_stage,
         date_part('epoch', cfg.as_of - coalesce(d.source_created_at, d.created_at)) / 86400.0 AS cycle_days,
         date_part('epoch', cfg.as_of - coalesce(t.last_at, d.source_created_at, d.created_at)) / 86400.0 AS idle_days,
         t.activities, t.calls, t.conversations, coalesce(t.decayed, 0) AS decayed, t.last_touch,
         coalesce(p.contacts, 0) AS contacts, coalesce(p.senior, 0) AS senior, p.contact_ids,
         greatest(coalesce(p.contacts, 0), coalesce(a.external_participants, 0)) AS participants,
         coalesce(h.regressions, 0) AS regressions, h.regression_id,
         coalesce(sc.median_days, sa.median_days) AS stage_median,
         CASE WHEN sc.median_days IS NOT NULL THEN 'won_deals_stage_band'
              WHEN sa.median_days IS NOT NULL THEN 'won_deals_stage' ELSE 'default' END AS stage_basis,
         coalesce(sp.stuck_days, cfg.t_stuck_default) AS stuck_threshold,
         CASE WHEN sp.stuck_days IS NULL THEN 'default' ELSE 'won_deals_percentile' END AS stuck_basis,
         coalesce(cc.median_days, ca.median_days) AS cycle_median,
         ins.competitor_id, ins.competitor_name, ins.budget_objection_id, ins.timeline_id, ins.timeline_date,
         lc.last_call_id, lc.last_call_has_next_step
  FROM deals d
  CROSS JOIN cfg
  LEFT JOIN touches t ON t.deal_id = d.id
  LEFT JOIN people p ON p.deal_id = d.id
  LEFT JOIN attendees a ON a.deal_id = d.id
  LEFT JOIN history h ON h.deal_id = d.id
  LEFT JOIN close_slips cs ON cs.deal_id = d.id
  LEFT JOIN stage_stats sc ON sc.stage = d.stage_normalized AND sc.band = ${AMOUNT_BAND} AND sc.n >= cfg.v_min_n
  LEFT JOIN stage_stats sa ON sa.stage = d.stage_normalized AND sa.band = -1
  LEFT JOIN stage_stats sp ON sp.stage = d.stage_normalized AND sp.band = -1
  LEFT JOIN cycle_stats cc ON cc.band = ${AMOUNT_BAND} AND cc.n >= cfg.v_min_n
  LEFT JOIN cycle_stats ca ON ca.band = -1
  LEFT JOIN insight_facts ins ON ins.deal_id = d.id
  LEFT JOIN last_calls lc ON lc.deal_id = d.id
  WHERE d.workspace_id = $1::uuid AND ${inChunk('d.id')}
),
flags AS (
  SELECT f.*,
    (NOT f.is_closed AND f.close_date IS NOT NULL AND f.close_date < $2::date) AS r_past,
    (NOT f.is_closed AND f.slips IS NOT NULL AND f.slips > cfg.t_slips) AS r_slip,
    (NOT f.is_closed AND cfg.tracks_touches AND f.idle_days > cfg.t_idle) AS r_idle,
    (NOT f.is_closed AND cfg.tracks_people AND f.contacts <= 1) AS r_single,
    (NOT f.is_closed AND coalesce(btrim(f.next_step), '') = '') AS r_next,
    (NOT f.is_closed AND f.regressions > 0) AS r_regress,
    (NOT f.is_closed AND f.baseline > 0 AND f.amount IS NOT NULL
       AND abs(f.amount - f.baseline) * 100 / f.baseline >= cfg.t_amount_pct) AS r_amount,
    (NOT f.is_closed AND f.stage IS NOT NULL AND f.days_in_stage > f.stuck_threshold) AS r_stuck,
    ${INSIGHT_FLAGS}
  FROM facts f CROSS JOIN cfg
),
scored AS MATERIALIZED (
  SELECT g.id, g.baseline,
    CASE WHEN g.is_closed OR g.stage IS NULL THEN NULL ELSE round((100 / (1 + (
        greatest(g.days_in_stage, 0) / greatest(coalesce(g.stage_median, cfg.v_stage_default), 1)
      + greatest(g.cycle_days, 0) / greatest(coalesce(g.cycle_median, cfg.v_cycle_default), 1)) / 2))::numeric, 1) END AS velocity,
    CASE WHEN g.is_closed OR g.stage IS NULL THEN NULL ELSE jsonb_build_object(
      'version', cfg.version, 'stage', g.stage, 'band', g.band,
      'days_in_stage', round(g.days_in_stage::numeric, 1), 'stage_median_days', round(coalesce(g.stage_median, cfg.v_stage_default)::numeric, 1),
      'stage_basis', g.stage_basis, 'cycle_days', round(g.cycle_days::numeric, 1),
      'cycle_median_days', round(coalesce(g.cycle_median, cfg.v_cycle_default)::numeric, 1),
      'cycle_basis', CASE WHEN g.cycle_median IS NULL THEN 'default' ELSE 'won_deals' END) END AS velocity_reasons,
    CASE WHEN g.is_closed THEN NULL ELSE least(100,
        CASE WHEN g.r_past THEN cfg.w_past ELSE 0 END + CASE WHEN g.r_slip THEN cfg.w_slip ELSE 0 END
      + CASE WHEN g.r_idle THEN cfg.w_idle ELSE 0 END + CASE WHEN g.r_single THEN cfg.w_single ELSE 0 END
      + CASE WHEN g.r_next THEN cfg.w_next ELSE 0 END + CASE WHEN g.r_regress THEN cfg.w_regress ELSE 0 END
      + CASE WHEN g.r_amount THEN cfg.w_amount ELSE 0 END + CASE WHEN g.r_stuck THEN cfg.w_stuck ELSE 0 END
      + ${INSIGHT_POINTS})::smallint END AS risk,
    CASE WHEN g.is_closed THEN NULL ELSE to_jsonb(array_remove(ARRAY[
      CASE WHEN g.r_past THEN jsonb_build_object('rule', 'close_date_past', 'points', cfg.w_past,
        'close_date', g.close_date, 'days_past', $2::date - g.close_date, 'deal_id', g.id) END,
      CASE WHEN g.r_slip THEN jsonb_build_object('rule', 'close_date_slipped', 'points', cfg.w_slip,
        'slips', g.slips, 'threshold', cfg.t_slips, 'field', 'close_date_slip_count', 'deal_id', g.id) END,
      CASE WHEN g.r_idle THEN jsonb_build_object('rule', 'no_recent_activity', 'points', cfg.w_idle,
        'days_since_last_touch', floor(g.idle_days), 'threshold_days', cfg.t_idle, 'last_touch', g.last_touch) END,
      CASE WHEN g.r_single THEN jsonb_build_object('rule', 'single_threaded', 'points', cfg.w_single,
        'contacts', g.contacts, 'contact_ids', coalesce(to_jsonb(g.contact_ids), '[]'::jsonb)) END,
      CASE WHEN g.r_next THEN jsonb_build_object('rule', 'no_next_step', 'points', cfg.w_next, 'deal_id', g.id) END,
      CASE WHEN g.r_regress THEN jsonb_build_object('rule', 'stage_regression', 'points', cfg.w_regress,
        'regressions', g.regressions, 'stage_history_id', g.regression_id) END,
      CASE WHEN g.r_amount THEN jsonb_build_object('rule', 'amount_changed', 'points', cfg.w_amount,
        'from', g.baseline, 'to', g.amount, 'change_pct', round((g.amount - g.baseline) * 100 / g.baseline, 1), 'deal_id', g.id) END,
      CASE WHEN g.r_stuck THEN jsonb_build_object('rule', 'stuck_in_stage', 'points', cfg.w_stuck, 'stage', g.stage,
        'days_in_stage', floor(g.days_in_stage), 'threshold_days', round(g.stuck_threshold::numeric, 1), 'basis', g.stuck_basis) END,
      ${INSIGHT_REASONS}
    ]::jsonb[], NULL)) END AS risk_reasons,
    round((100 * (1 - exp(-(g.decayed + g.participants * cfg.g_participant
      + g.senior * cfg.g_participant * (cfg.g_senior - 1)) / cfg.g_scale)))::numeric, 1) AS engagement,
    jsonb_build_array(
      jsonb_build_object('rule', 'recent_touches', 'activities', coalesce(g.activities, 0), 'calls', coalesce(g.calls, 0),
        'conversations', coalesce(g.conversations, 0), 'decayed_points', round(g.decayed::numeric, 2), 'last_touch', g.last_touch),
      jsonb_build_object('rule', 'participants', 'distinct_external', g.participants, 'senior', g.senior,
        'contact_ids', coalesce(to_jsonb(g.contact_ids), '[]'::jsonb))) AS engagement_reasons
  FROM flags g CROSS JOIN cfg
)
UPDATE deals d SET
  velocity_score = s.velocity, velocity_reasons = s.velocity_reasons,
  deal_risk = s.risk, deal_risk_reasons = s.risk_reasons,
  engagement_score = s.engagement, engagement_reasons = s.engagement_reasons,
  amount_baseline = s.baseline, computed_at = now()
FROM scored s
WHERE d.workspace_id = $1::uuid AND d.id = s.id AND ${inChunk('d.id')}
  AND (d.velocity_score, d.velocity_reasons, d.deal_risk, d.deal_risk_reasons, d.engagement_score, d.engagement_reasons, d.amount_baseline)
      IS DISTINCT FROM (s.velocity, s.velocity_reasons, s.risk, s.risk_reasons, s.engagement, s.engagement_reasons, s.baseline)`;

export async function computeDealScores(
  q: Queryable,
  workspaceId: string,
  asOf: string,
  config: ScoringConfig,
  version: number,
  ids: readonly string[] | null = null,
  baselines?: ScoreBaselines,
): Promise<number> {
  const { rowCount } = await q.query(DEAL_SCORES_SQL, [
    workspaceId,
    asOf,
    JSON.stringify(config),
    version,
    ids,
    baselines ?? (await dealBaselines(q, workspaceId, config)),
  ]);
  return rowCount;
}
