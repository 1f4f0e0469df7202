/**
 * Account scores, after the deal scores: engagement_score (recency-weighted touches on the account, its
 * contacts and their seniority) and health_score (open pipeline, engagement, won history, risk of the
 * open deals), each with reasons naming the rows behind them. Unchanged rows are not written.
 */
import type { Queryable } from '../db/db.ts';
import { inIdList } from '../db/id-ranges.ts';
import { DECAYED_TOUCHES, LAST_TOUCH, touchesOf } from './engagement-touches.ts';
import { accountBaselines, type ScoreBaselines, typicalAmount } from './score-baselines.ts';
import type { ScoringConfig } from './scoring-config.ts';

// The chunk's accounts ($5: their ids, NULL for all); the per-account aggregates keep to it, so no chunk
// groups the workspace's touches, contacts and deals. The typical deal amount, read once per run, is $6.
const inChunk = (column: string) => inIdList(column, 5);

export const ACCOUNT_SCORES_SQL = /* sql */ `
WITH cfg AS (
  SELECT
    (c->'engagement'->>'half_life_days')::float8 AS g_half_life,
    (c->'engagement'->>'activity_weight')::float8 AS g_activity,
    (c->'engagement'->>'call_weight')::float8 AS g_call,
    (c->'engagement'->>'conversation_weight')::float8 AS g_conversation,
    (c->'engagement'->>'participant_points')::float8 AS g_participant,
    (c->'engagement'->>'senior_multiplier')::float8 AS g_senior,
    (c->'engagement'->>'scale')::float8 AS g_scale,
    (c->'health_weights'->>'open_pipeline')::float8 AS h_pipeline,
    (c->'health_weights'->>'engagement')::float8 AS h_engagement,
    (c->'health_weights'->>'won_history')::float8 AS h_won,
    (c->'health_weights'->>'open_deal_risk')::float8 AS h_risk,
    (($2::date + 1)::timestamp AT TIME ZONE 'UTC') AS as_of,
    $4::int AS version
  FROM (SELECT $3::jsonb AS c) x
),
touches AS (
  SELECT t.account_id, count(*)::int AS touches,
         ${DECAYED_TOUCHES} AS decayed,
         ${LAST_TOUCH} AS last_touch
  FROM ${touchesOf('account_id')} t CROSS JOIN cfg
  WHERE t.at <= cfg.as_of AND ${inChunk('t.account_id')}
  GROUP BY t.account_id
),
people AS (
  SELECT account_id, count(*)::int AS contacts,
         count(*) FILTER (WHERE seniority IN ('c_level', 'vp', 'director'))::int AS senior
  FROM contacts WHERE workspace_id = $1::uuid AND account_id IS NOT NULL AND ${inChunk('account_id')}
  GROUP BY account_id
),
deal_rollup AS (
  SELECT account_id,
         count(*) FILTER (WHERE NOT is_closed)::int AS open_deals,
         coalesce(sum(amount_base) FILTER (WHERE NOT is_closed), 0) AS open_amount,
         count(*) FILTER (WHERE is_won)::int AS won_deals,
         avg(deal_risk) FILTER (WHERE NOT is_closed) AS avg_risk,
         (array_agg(id ORDER BY deal_risk DESC NULLS LAST, id) FILTER (WHERE NOT is_closed))[1] AS riskiest_deal_id,
         (array_agg(id ORDER BY amount_base DESC NULLS LAST, id) FILTER (WHERE NOT is_closed))[1:5] AS open_deal_ids
  FROM deals WHERE workspace_id = $1::uuid AND account_id IS NOT NULL AND ${inChunk('account_id')}
  GROUP BY account_id
),
facts AS (
  SELECT a.id, coalesce(t.decayed, 0) AS decayed, coalesce(t.touches, 0) AS touches, t.last_touch,
         coalesce(p.contacts, 0) AS contacts, coalesce(p.senior, 0) AS senior,
         coalesce(r.open_deals, 0) AS open_deals, coalesce(r.open_amount, 0) AS open_amount,
         coalesce(r.won_deals, 0) AS won_deals, r.avg_risk, r.riskiest_deal_id, r.open_deal_ids,
         ${typicalAmount(6)} AS typical_amount
  FROM accounts a
  LEFT JOIN touches t ON t.account_id = a.id
  LEFT JOIN people p ON p.account_id = a.id
  LEFT JOIN deal_rollup r ON r.account_id = a.id
  WHERE a.workspace_id = $1::uuid AND ${inChunk('a.id')}
),
parts AS (
  SELECT f.*,
    round((100 * (1 - exp(-(f.decayed + f.contacts * cfg.g_participant
      + f.senior * cfg.g_participant * (cfg.g_senior - 1)) / cfg.g_scale)))::numeric, 1) AS engagement,
    CASE WHEN f.open_deals = 0 THEN 0
         WHEN coalesce(f.typical_amount, 0) <= 0 THEN 0.5
         ELSE least(1, f.open_amount / (2 * f.typical_amount)) END::float8 AS pipeline_part,
    least(1, f.won_deals / 3.0)::float8 AS won_part,
    CASE WHEN f.avg_risk IS NULL THEN 0.5 ELSE 1 - f.avg_risk / 100.0 END::float8 AS risk_part
  FROM facts f CROSS JOIN cfg
),
scored AS (
  SELECT p.id, p.engagement,
    jsonb_build_array(
      jsonb_build_object('rule', 'recent_touches', 'touches', p.touches, 'decayed_points', round(p.decayed::numeric, 2), 'last_touch', p.last_touch),
      jsonb_build_object('rule', 'contacts', 'contacts', p.contacts, 'senior', p.senior)) AS engagement_reasons,
    round((100 * (cfg.h_pipeline * p.pipeline_part + cfg.h_engagement * p.engagement::float8 / 100
      + cfg.h_won * p.won_part + cfg.h_risk * p.risk_part)
      / nullif(cfg.h_pipeline + cfg.h_engagement + cfg.h_won + cfg.h_risk, 0))::numeric, 1) AS health,
    jsonb_build_object('version', cfg.version, 'components', jsonb_build_array(
      jsonb_build_object('rule', 'open_pipeline', 'weight', cfg.h_pipeline, 'value', round(p.pipeline_part::numeric, 3),
        'open_deals', p.open_deals, 'open_amount', p.open_amount, 'deal_ids', coalesce(to_jsonb(p.open_deal_ids), '[]'::jsonb)),
      jsonb_build_object('rule', 'engagement', 'weight', cfg.h_engagement, 'value', p.engagement),
      jsonb_build_object('rule', 'won_history', 'weight', cfg.h_won, 'value', round(p.won_part::numeric, 3), 'won_deals', p.won_deals),
      jsonb_build_object('rule', 'open_deal_risk', 'weight', cfg.h_risk, 'value', round(p.risk_part::numeric, 3),
        'avg_risk', round(p.avg_risk::numeric, 1), 'riskiest_deal_id', p.riskiest_deal_id))) AS health_reasons
  FROM parts p CROSS JOIN cfg
)
UPDATE accounts a SET
  engagement_score = s.engagement, engagement_reasons = s.engagement_reasons,
  health_score = s.health, health_reasons = s.health_reasons, computed_at = now()
FROM scored s
WHERE a.workspace_id = $1::uuid AND a.id = s.id AND ${inChunk('a.id')}
  AND (a.engagement_score, a.engagement_reasons, a.health_score, a.health_reasons)
      IS DISTINCT FROM (s.engagement, s.engagement_reasons, s.health, s.health_reasons)`;

export async function computeAccountScores(
  q: Queryable,
  workspaceId: string,
  asOf: string,
  config: ScoringConfig,
  version: number,
  ids: readonly string[] | null = null,
  baselines?: ScoreBaselines,
): Promise<number> {
  const { rowCount } = await q.query(ACCOUNT_SCORES_SQL, [
    workspaceId,
    asOf,
    JSON.stringify(config),
    version,
    ids,
    baselines ?? (await accountBaselines(q, workspaceId)),
  ]);
  return rowCount;
}
