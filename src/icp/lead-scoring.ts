/**
 * Lead scoring against a profile: leads, contacts and accounts get a score 0–100, a grade A–F and a
 * breakdown (each factor's points and the evidence behind its weight), one set-based statement per
 * entity type. Each scored factor spans its weights (the lowest below zero to the highest above): an
 * entity earns the part of that span its value reaches, an unknown or unweighted value counts as zero,
 * and the factors' points add up to the score. The current score and grade are copied onto the row for
 * list filters and sorts (migration 110); lead_scores keeps every version.
 */
import type { Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { entityFeaturesSql, type ScoredEntity } from './icp-features.ts';
import type { IcpFeature } from './icp-profile.ts';

export const SCORED_ENTITIES: readonly ScoredEntity[] = ['lead', 'contact', 'account'];
export const GRADES = ['A', 'B', 'C', 'D', 'F'] as const;
const TABLE: Record<ScoredEntity, string> = { lead: 'leads', contact: 'contacts', account: 'accounts' };

// Grade cut-offs on the 0–100 score.
const GRADE_SQL = (col: string) =>
  `CASE WHEN ${col} >= 80 THEN 'A' WHEN ${col} >= 65 THEN 'B' WHEN ${col} >= 50 THEN 'C' WHEN ${col} >= 35 THEN 'D' ELSE 'F' END`;

const scoreSql = (entity: ScoredEntity) => /* sql */ `
WITH w AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb)
    AS x(factor text, value text, weight float8, lift float8, win_rate float8, deals int, accounts int, p_value float8)
),
f AS (SELECT DISTINCT id, factor, value FROM (${entityFeaturesSql(entity)}) x
      WHERE value IS NOT NULL AND factor IN (SELECT factor FROM w)),
-- The factors this entity type has at all make up its span (leads carry no account signals).
g AS (SELECT factor, least(0, min(weight)) AS lo, greatest(0, max(weight)) AS hi FROM w
      WHERE factor IN (SELECT DISTINCT factor FROM f) GROUP BY factor),
span AS (SELECT nullif(sum(hi - lo), 0) AS d FROM g),
-- An entity with several values of a factor (an account's contacts' seniorities) takes the best.
hit AS (
  SELECT DISTINCT ON (f.id, f.factor) f.id, f.factor, f.value, w.weight, w.lift, w.win_rate, w.deals, w.accounts, w.p_value
  FROM f LEFT JOIN w ON w.factor = f.factor AND w.value = f.value
  ORDER BY f.id, f.factor, w.weight DESC NULLS LAST, f.value
),
parts AS (
  SELECT e.id, g.factor, h.value, h.weight IS NOT NULL AS weighted,
         100 * (coalesce(h.weight, 0) - g.lo) / s.d AS points, 100 * (g.hi - g.lo) / s.d AS max_points,
         h.lift, h.win_rate, h.deals, h.accounts, h.p_value
  FROM ${TABLE[entity]} e CROSS JOIN g CROSS JOIN span s
  LEFT JOIN hit h ON h.id = e.id AND h.factor = g.factor
  WHERE e.workspace_id = $1::uuid AND e.deleted_at IS NULL
),
scored AS (
  SELECT id, least(100, greatest(0, round(sum(points))))::int AS score,
    jsonb_agg(jsonb_build_object(
      'factor', factor, 'value', value, 'points', round(points::numeric, 1), 'max_points', round(max_points::numeric, 1),
      'evidence', CASE WHEN weighted THEN jsonb_build_object('lift', lift, 'win_rate', win_rate, 'deals', deals,
        'accounts', accounts, 'p_value', p_value) END
    ) ORDER BY max_points DESC, factor) AS breakdown
  FROM parts GROUP BY id
)
INSERT INTO lead_scores (workspace_id, entity_type, entity_id, profile_id, profile_version, score, grade, breakdown)
SELECT $1::uuid, '${entity}', id, $3::uuid, $4::int, score, ${GRADE_SQL('score')}, breakdown FROM scored
ON CONFLICT (workspace_id, entity_type, entity_id, profile_version) DO UPDATE
  SET score = excluded.score, grade = excluded.grade, breakdown = excluded.breakdown, scored_at = now()`;

const copySql = (entity: ScoredEntity) => /* sql */ `
UPDATE ${TABLE[entity]} t SET icp_score = s.score, icp_grade = s.grade
FROM lead_scores s
WHERE s.workspace_id = $1::uuid AND s.entity_type = '${entity}' AND s.profile_version = $2::int
  AND t.workspace_id = $1::uuid AND t.id = s.entity_id
  AND (t.icp_score, t.icp_grade) IS DISTINCT FROM (s.score, s.grade)`;

export interface ScoringResult {
  profile_version: number;
  scored: Record<ScoredEntity, number>;
  grades: Record<ScoredEntity, Record<string, number>>;
}

/** Scores every live lead, contact and account against the profile and marks its scores current. */
export async function scoreEntities(
  q: Queryable,
  workspaceId: string,
  profile: { id: string; version: number },
  weights: readonly IcpFeature[],
): Promise<ScoringResult> {
  const scored = { lead: 0, contact: 0, account: 0 };
  const grades = { lead: {}, contact: {}, account: {} } as ScoringResult['grades'];
  const json = JSON.stringify(weights);
  for (const entity of SCORED_ENTITIES) {
    const r = await q.query(scoreSql(entity), [workspaceId, json, profile.id, profile.version]);
    scored[entity] = r.rowCount ?? 0;
    await q.query(copySql(entity), [workspaceId, profile.version]);
    const { rows } = await q.query<{ grade: string; n: number }>(
      `SELECT grade, count(*)::int AS n FROM lead_scores WHERE workspace_id = $1::uuid AND entity_type = $2
         AND profile_version = $3::int GROUP BY grade ORDER BY grade`,
      [workspaceId, entity, profile.version],
    );
    grades[entity] = Object.fromEntries(rows.map((r) => [r.grade, r.n]));
  }
  return { profile_version: profile.version, scored, grades };
}

export interface LeadScoreRow {
  entity_type: ScoredEntity;
  entity_id: string;
  profile_id: string;
  profile_version: number;
  is_current: boolean;
  score: number;
  grade: string;
  breakdown: unknown[];
  scored_at: string;
}

export interface LeadScoreQuery {
  entity_type: ScoredEntity;
  entity_id?: string;
  grade?: (typeof GRADES)[number];
  limit: number;
}

/**
 * One entity's scores, every profile version newest first; or without an entity, the current version's
 * highest scores of that type (a grade narrows them).
 */
export async function readLeadScores(
  q: Queryable,
  workspaceId: string,
  query: LeadScoreQuery,
): Promise<LeadScoreRow[]> {
  const { rows: current } = await q.query<{ version: number }>(
    `SELECT version FROM icp_profiles WHERE workspace_id = $1::uuid AND is_current`,
    [workspaceId],
  );
  const version = current[0]?.version ?? null;
  const select = /* sql */ `SELECT s.entity_type, s.entity_id, s.profile_id, s.profile_version,
    coalesce(s.profile_version = $3::int, false) AS is_current, s.score, s.grade, s.breakdown,
    to_char(s.scored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS scored_at
    FROM lead_scores s WHERE s.workspace_id = $1::uuid AND s.entity_type = $2`;
  if (query.entity_id) {
    const { rows } = await q.query<LeadScoreRow>(
      `${select} AND s.entity_id = $4::uuid ORDER BY s.profile_version DESC LIMIT $5::int`,
      [workspaceId, query.entity_type, version, query.entity_id, query.limit],
    );
    if (rows.length === 0) throw new NotFoundError(`score of ${query.entity_type} ${query.entity_id}`);
    return rows;
  }
  if (version === null) throw new NotFoundError('ICP profile (run the icp-discovery skill first)');
  const { rows } = await q.query<LeadScoreRow>(
    `${select} AND s.profile_version = $3::int AND ($4::text IS NULL OR s.grade = $4::text)
     ORDER BY s.score DESC, s.entity_id LIMIT $5::int`,
    [workspaceId, query.entity_type, version, query.grade ?? null, query.limit],
  );
  return rows;
}
