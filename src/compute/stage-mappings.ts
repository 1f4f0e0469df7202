/** Workspace stage mappings (stage_mappings) and re-normalising the deals a mapping change affects. */
import type { Queryable } from '../db/db.ts';
import { type StageNormalized, normaliseStageBuiltIn } from './stage-normalisation.ts';

/**
 * An override never moves a closed deal into an open stage: a deal won or lost in the stage it was in (an
 * imported Pipedrive status, a HubSpot custom closed stage) stays in the closed part of the funnel.
 */
const OPEN_STAGE_KEEPS_CLOSED = (deal: string, stage: string) =>
  `(NOT ${deal}.is_closed OR ${stage} IN ('closed_won', 'closed_lost'))`;

export interface StageMapping {
  source: string;
  raw_stage: string;
  stage_normalized: StageNormalized;
  updated_at: string;
}

export interface ObservedStage {
  source: string;
  stage: string;
  stage_normalized: StageNormalized | null;
  deal_count: number;
}

export interface StageMappingChange {
  source: string;
  raw_stage: string;
  /** null removes the override; the built-in rules apply again. */
  stage_normalized: StageNormalized | null;
}

export async function listStageMappings(q: Queryable, workspaceId: string): Promise<StageMapping[]> {
  const { rows } = await q.query<StageMapping>(
    /* sql */ `SELECT source, raw_stage, stage_normalized, updated_at
               FROM stage_mappings WHERE workspace_id = $1::uuid ORDER BY source, raw_stage`,
    [workspaceId],
  );
  return rows;
}

/** The raw stages deals actually carry, with what they normalise to today. */
export async function listObservedStages(q: Queryable, workspaceId: string): Promise<ObservedStage[]> {
  const { rows } = await q.query<ObservedStage>(
    /* sql */ `SELECT source, stage, min(stage_normalized) AS stage_normalized, count(*)::int AS deal_count
               FROM deals WHERE workspace_id = $1::uuid AND stage IS NOT NULL
               GROUP BY source, stage ORDER BY source, stage`,
    [workspaceId],
  );
  return rows;
}

/** Applies the changes and re-normalises the affected deals; returns how many deals changed. */
export async function applyStageMappings(
  q: Queryable,
  workspaceId: string,
  changes: readonly StageMappingChange[],
): Promise<number> {
  let changed = 0;
  for (const c of changes) {
    if (c.stage_normalized) {
      await q.query(
        /* sql */ `INSERT INTO stage_mappings (workspace_id, source, raw_stage, stage_normalized)
                   VALUES ($1::uuid, $2::text, $3::text, $4::text)
                   ON CONFLICT (workspace_id, source, raw_stage)
                   DO UPDATE SET stage_normalized = EXCLUDED.stage_normalized, updated_at = now()
                   WHERE stage_mappings.stage_normalized IS DISTINCT FROM EXCLUDED.stage_normalized`,
        [workspaceId, c.source, c.raw_stage, c.stage_normalized],
      );
      const res = await q.query(
        /* sql */ `UPDATE deals SET stage_normalized = $4::text, updated_at = now()
                   WHERE workspace_id = $1::uuid AND source = $2::text AND stage = $3::text
                     AND stage_normalized IS DISTINCT FROM $4::text AND ${OPEN_STAGE_KEEPS_CLOSED('deals', '$4::text')}`,
        [workspaceId, c.source, c.raw_stage, c.stage_normalized],
      );
      changed += res.rowCount;
      await renormaliseHistory(q, workspaceId, c.source, c.raw_stage, c.stage_normalized);
    } else {
      await q.query(
        /* sql */ `DELETE FROM stage_mappings WHERE workspace_id = $1::uuid AND source = $2::text AND raw_stage = $3::text`,
        [workspaceId, c.source, c.raw_stage],
      );
      changed += await renormaliseBuiltIn(q, workspaceId, c.source, c.raw_stage);
      await renormaliseHistory(
        q,
        workspaceId,
        c.source,
        c.raw_stage,
        normaliseStageBuiltIn({ source: c.source, rawStage: c.raw_stage }),
      );
    }
  }
  return changed;
}

/**
 * The stage history rows the mapping produced (transitions from or to the raw stage, of the source's deals)
 * follow it, so funnel and velocity reports read the same stage as the deals.
 */
async function renormaliseHistory(
  q: Queryable,
  workspaceId: string,
  source: string,
  rawStage: string,
  normalised: StageNormalized | null,
): Promise<void> {
  for (const side of ['to', 'from'] as const) {
    await q.query(
      /* sql */ `UPDATE deal_stage_history h SET ${side}_stage_normalized = $4::text
                 FROM deals d
                 WHERE h.workspace_id = $1::uuid AND d.workspace_id = $1::uuid AND d.id = h.deal_id
                   AND d.source = $2::text AND h.${side}_stage = $3::text
                   AND h.${side}_stage_normalized IS DISTINCT FROM $4::text`,
      [workspaceId, source, rawStage, normalised],
    );
  }
}

/** Without an override the rules need each deal's flags and probability: computed here, written as one set. */
async function renormaliseBuiltIn(q: Queryable, workspaceId: string, source: string, rawStage: string) {
  const { rows } = await q.query<{
    id: string;
    stage: string;
    alias: string | null;
    probability: number | null;
    is_closed: boolean;
    is_won: boolean;
    stage_normalized: string | null;
  }>(
    /* sql */ `SELECT id, stage, source_data #>> '{properties,dealstage}' AS alias, probability, is_closed, is_won,
                      stage_normalized
               FROM deals WHERE workspace_id = $1::uuid AND source = $2::text AND stage = $3::text`,
    [workspaceId, source, rawStage],
  );
  const ids: string[] = [];
  const values: (string | null)[] = [];
  for (const d of rows) {
    const next = normaliseStageBuiltIn({
      source,
      rawStage: d.stage,
      alias: d.alias,
      probability: d.probability === null ? null : Number(d.probability),
      isClosed: d.is_closed,
      isWon: d.is_won,
    });
    if (next !== d.stage_normalized) {
      ids.push(d.id);
      values.push(next);
    }
  }
  if (ids.length === 0) return 0;
  const res = await q.query(
    /* sql */ `UPDATE deals d SET stage_normalized = u.stage_normalized, updated_at = now()
               FROM unnest($2::uuid[], $3::text[]) AS u(id, stage_normalized)
               WHERE d.workspace_id = $1::uuid AND d.id = u.id`,
    [workspaceId, ids, values],
  );
  return res.rowCount;
}

/** Re-applies every override to the workspace's deals (a post-sync step); a no-op when all agree. */
export async function applyStageOverrides(q: Queryable, workspaceId: string): Promise<number> {
  const res = await q.query(
    /* sql */ `UPDATE deals d SET stage_normalized = m.stage_normalized, updated_at = now()
               FROM stage_mappings m
               WHERE d.workspace_id = $1::uuid AND m.workspace_id = $1::uuid
                 AND m.source = d.source AND m.raw_stage = d.stage
                 AND d.stage_normalized IS DISTINCT FROM m.stage_normalized
                 AND ${OPEN_STAGE_KEEPS_CLOSED('d', 'm.stage_normalized')}`,
    [workspaceId],
  );
  return res.rowCount;
}
