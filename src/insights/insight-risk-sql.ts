/**
 * The deal_risk rules that come from deal insights, as SQL fragments of the deal-scores statement
 * (src/compute/deal-scores.ts): a competitor named, no next step after the last extracted call, a pricing
 * objection, a timeline later than the close date. Each reason cites the insight row behind it.
 */

/** What counts as a budget objection, for the deal_risk rule and the skills alike (`i`: a deal_insights row). */
export const budgetObjectionSql = (i: string) =>
  `(${i}.insight_type = 'objections' AND ${i}.value->>'topic' = 'pricing')`;

/** A timeline insight with a date later than `closeDate` (an SQL date expression). */
export const timelineAfterSql = (i: string, closeDate: string) =>
  `(${i}.insight_type = 'timeline' AND ${i}.value->>'date' ~ '^\\d{4}-\\d{2}-\\d{2}$' AND (${i}.value->>'date')::date > ${closeDate})`;

/**
 * CTEs over current insights, one row per deal; $1 is the workspace, `inRange(column)` the SQL keeping a
 * deal id column to the statement's deals (a chunk's id range).
 */
export const insightFactsCtes = (inRange: (column: string) => string) => /* sql */ `
insight_facts AS (
  SELECT i.deal_id,
    (array_agg(i.id ORDER BY i.created_at DESC, i.id) FILTER (WHERE i.insight_type = 'competitors'))[1] AS competitor_id,
    (array_agg(i.value->>'name' ORDER BY i.created_at DESC, i.id) FILTER (WHERE i.insight_type = 'competitors'))[1] AS competitor_name,
    (array_agg(i.id ORDER BY i.created_at DESC, i.id)
       FILTER (WHERE ${budgetObjectionSql('i')}))[1] AS budget_objection_id,
    (array_agg(i.id ORDER BY i.value->>'date' DESC, i.id)
       FILTER (WHERE i.insight_type = 'timeline' AND i.value->>'date' ~ '^\\d{4}-\\d{2}-\\d{2}$'))[1] AS timeline_id,
    max((i.value->>'date')::date)
       FILTER (WHERE i.insight_type = 'timeline' AND i.value->>'date' ~ '^\\d{4}-\\d{2}-\\d{2}$') AS timeline_date
  FROM deal_insights i
  WHERE i.workspace_id = $1::uuid AND i.is_current AND ${inRange('i.deal_id')}
  GROUP BY i.deal_id
),
last_calls AS (
  SELECT DISTINCT ON (c.deal_id) c.deal_id, c.id AS last_call_id,
    EXISTS (SELECT 1 FROM deal_insights n WHERE n.workspace_id = c.workspace_id AND n.conversation_id = c.id
              AND n.insight_type = 'next_steps' AND n.is_current) AS last_call_has_next_step
  FROM conversations c
  JOIN insight_extractions e ON e.workspace_id = c.workspace_id AND e.conversation_id = c.id
   AND e.status = 'extracted' AND e.deal_id = c.deal_id
  WHERE c.workspace_id = $1::uuid AND ${inRange('c.deal_id')}
  ORDER BY c.deal_id, c.started_at DESC NULLS LAST, c.id
)`;

/** Boolean columns of the flags CTE (f: facts). */
export const INSIGHT_FLAGS = /* sql */ `
    (NOT f.is_closed AND f.competitor_id IS NOT NULL) AS r_competitor,
    (NOT f.is_closed AND f.last_call_id IS NOT NULL AND NOT f.last_call_has_next_step) AS r_call_next,
    (NOT f.is_closed AND f.budget_objection_id IS NOT NULL) AS r_budget_obj,
    (NOT f.is_closed AND f.timeline_date IS NOT NULL AND f.close_date IS NOT NULL AND f.timeline_date > f.close_date) AS r_late`;

export const INSIGHT_POINTS = /* sql */ `CASE WHEN g.r_competitor THEN cfg.w_competitor ELSE 0 END
      + CASE WHEN g.r_call_next THEN cfg.w_call_next ELSE 0 END + CASE WHEN g.r_budget_obj THEN cfg.w_budget_obj ELSE 0 END
      + CASE WHEN g.r_late THEN cfg.w_late ELSE 0 END`;

export const INSIGHT_REASONS = /* sql */ `
      CASE WHEN g.r_competitor THEN jsonb_build_object('rule', 'competitor_named', 'points', cfg.w_competitor,
        'competitor', g.competitor_name, 'insight_id', g.competitor_id) END,
      CASE WHEN g.r_call_next THEN jsonb_build_object('rule', 'no_next_step_after_last_call', 'points', cfg.w_call_next,
        'conversation_id', g.last_call_id) END,
      CASE WHEN g.r_budget_obj THEN jsonb_build_object('rule', 'budget_objection', 'points', cfg.w_budget_obj,
        'insight_id', g.budget_objection_id) END,
      CASE WHEN g.r_late THEN jsonb_build_object('rule', 'timeline_after_close_date', 'points', cfg.w_late,
        'timeline', g.timeline_date, 'close_date', g.close_date, 'insight_id', g.timeline_id) END`;
