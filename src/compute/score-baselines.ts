/**
 * The workspace-wide figures the scores compare each row against: won deals' stage and cycle medians
 * and stuck percentiles (deal scores), the typical deal amount (account health). Read once per compute
 * run and passed to every chunk as jsonb text: computed inside each 500-row chunk statement, every chunk
 * re-read all won deals and their stage history, so a run's time grew with the square of the workspace.
 */
import type { Queryable } from '../db/db.ts';
import type { ScoringConfig } from './scoring-config.ts';

/**
 * Band of a base-currency amount (`d`: a deals row), given the cfg row's velocity edges e1 < e2 < e3;
 * NULL amounts (none, or no rate) fall in the lowest band.
 */
export const AMOUNT_BAND = `CASE WHEN d.amount_base IS NULL OR d.amount_base < cfg.e1 THEN 0
  WHEN d.amount_base < cfg.e2 THEN 1 WHEN d.amount_base < cfg.e3 THEN 2 ELSE 3 END`;

/**
 * The jsonb text of one workspace's baselines, as the score statements read it. Kept as text end to
 * end, so the float medians reach the chunks bit for bit.
 */
export type ScoreBaselines = string;

/**
 * Whether the workspace records what two rules judge, as of any deal: touches on deals (activities, calls,
 * conversations) and deal contacts. Without any (an opportunities export imported alone), "no recent
 * activity" and "single-threaded" would fire on every open deal from a lack of data, not of selling.
 */
const DEAL_TRACKING_SQL = /* sql */ `
  EXISTS (SELECT FROM activities WHERE workspace_id = $1::uuid AND deal_id IS NOT NULL)
    OR EXISTS (SELECT FROM calls WHERE workspace_id = $1::uuid AND deal_id IS NOT NULL)
    OR EXISTS (SELECT FROM conversations WHERE workspace_id = $1::uuid AND deal_id IS NOT NULL) AS tracks_touches,
  EXISTS (SELECT FROM deal_contacts WHERE workspace_id = $1::uuid) AS tracks_people`;

export interface DealTracking {
  tracks_touches: boolean;
  tracks_people: boolean;
}

export async function dealTracking(q: Queryable, workspaceId: string): Promise<DealTracking> {
  const { rows } = await q.query<DealTracking>(`SELECT ${DEAL_TRACKING_SQL}`, [workspaceId]);
  return rows[0]!;
}

// Per stage (band -1: every band) and per band: how many won deals, median days, the stuck percentile.
// Stage visits last until the deal's next change; the last one (no next change) is not a visit.
const DEAL_BASELINES_SQL = /* sql */ `
WITH cfg AS (
  SELECT (c->'velocity'->>'band_edges_1')::numeric AS e1,
         (c->'velocity'->>'band_edges_2')::numeric AS e2,
         (c->'velocity'->>'band_edges_3')::numeric AS e3,
         (c->'risk_thresholds'->>'stuck_percentile')::float8 AS t_stuck_pct
  FROM (SELECT $2::jsonb AS c) x
),
won_visits AS (
  SELECT h.to_stage_normalized AS stage, ${AMOUNT_BAND} AS band,
         date_part('epoch', lead(h.changed_at) OVER (PARTITION BY h.deal_id ORDER BY h.changed_at, h.id) - h.changed_at) / 86400.0 AS days
  FROM deal_stage_history h
  JOIN deals d ON d.workspace_id = h.workspace_id AND d.id = h.deal_id
  CROSS JOIN cfg
  WHERE h.workspace_id = $1::uuid AND d.is_won
),
stage_stats AS (
  SELECT stage, CASE WHEN grouping(band) = 1 THEN -1 ELSE band END AS band, count(*)::int AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days,
         percentile_cont((SELECT t_stuck_pct FROM cfg)) WITHIN GROUP (ORDER BY days) AS stuck_days
  FROM won_visits WHERE days IS NOT NULL AND stage IS NOT NULL
  GROUP BY GROUPING SETS ((stage, band), (stage))
),
cycle_stats AS (
  SELECT CASE WHEN grouping(band) = 1 THEN -1 ELSE band END AS band, count(*)::int AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days
  FROM (
    SELECT ${AMOUNT_BAND} AS band,
           date_part('epoch', coalesce(d.closed_at, d.close_date::timestamptz) - coalesce(d.source_created_at, d.created_at)) / 86400.0 AS days
    FROM deals d CROSS JOIN cfg
    WHERE d.workspace_id = $1::uuid AND d.is_won
  ) w
  WHERE days IS NOT NULL AND days >= 0
  GROUP BY GROUPING SETS ((band), ())
)
SELECT jsonb_build_object(
  'stage_stats', (SELECT coalesce(jsonb_agg(s), '[]') FROM stage_stats s),
  'cycle_stats', (SELECT coalesce(jsonb_agg(c), '[]') FROM cycle_stats c),
  'tracking', (SELECT to_jsonb(t) FROM (SELECT ${DEAL_TRACKING_SQL}) t))::text AS baselines`;

/** Rows of the deal baselines ($n: their jsonb text) for the deal-scores statement's CTEs. */
export const dealBaselineRows = (n: number) => ({
  stageStats: `jsonb_to_recordset($${n}::jsonb->'stage_stats')
    AS s(stage text, band int, n int, median_days float8, stuck_days float8)`,
  cycleStats: `jsonb_to_recordset($${n}::jsonb->'cycle_stats') AS c(band int, n int, median_days float8)`,
});

// A typical deal: the median won amount, else the median amount of all deals (base currency).
const ACCOUNT_BASELINES_SQL = /* sql */ `
SELECT jsonb_build_object('typical_amount', coalesce(
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount_base) FROM deals WHERE workspace_id = $1::uuid AND is_won AND amount_base > 0),
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount_base) FROM deals WHERE workspace_id = $1::uuid AND amount_base > 0)
))::text AS baselines`;

/** The typical amount of the account baselines ($n: their jsonb text), a float8 or NULL. */
export const typicalAmount = (n: number) => `($${n}::jsonb->>'typical_amount')::float8`;

export async function dealBaselines(
  q: Queryable,
  workspaceId: string,
  config: ScoringConfig,
): Promise<ScoreBaselines> {
  const { rows } = await q.query<{ baselines: string }>(DEAL_BASELINES_SQL, [
    workspaceId,
    JSON.stringify(config),
  ]);
  return rows[0]!.baselines;
}

export async function accountBaselines(q: Queryable, workspaceId: string): Promise<ScoreBaselines> {
  const { rows } = await q.query<{ baselines: string }>(ACCOUNT_BASELINES_SQL, [workspaceId]);
  return rows[0]!.baselines;
}
