/**
 * Pipeline rollups (migrations 014, 040): per-group deal counts and base-currency sums kept by triggers
 * on deals, as signed delta rows; deals with no rate for their currency form groups of their own. The
 * summary reads them when every filter it was given is one of the rollup's dimensions; compaction folds
 * the deltas of a workspace into one row per group.
 */
import type { Db, Queryable } from '../db/db.ts';
import { refreshStatistics } from '../db/table-statistics.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import type { Logger } from '../logger.ts';
import { type FilterSpec, filterConditions, type ParamList, parseValue } from '../db/list-filters.ts';

// The deal list filters a rollup row can answer, under the same names (see dealListing).
const DIMENSION_FILTERS: Readonly<Record<string, FilterSpec>> = {
  stage_normalized: { op: 'in', column: 'stage_normalized', type: 'text' },
  owner_email: { op: 'in', column: 'owner_email', type: 'text' },
  forecast_category: { op: 'in', column: 'forecast_category', type: 'text' },
  pipeline: { op: 'in', column: 'pipeline', type: 'text' },
  is_closed: { op: 'is', column: 'is_closed' },
  is_won: { op: 'is', column: 'is_won' },
};

const isMonthStart = (date: string) => date.endsWith('-01');
const isMonthEnd = (date: string) => {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.getUTCDate() === 1;
};

/**
 * The WHERE conditions (after workspace_id) on deal_pipeline_rollups equivalent to the deal filters in
 * `query`, or null when some filter needs the deals themselves. Close-date ranges qualify when they
 * cover whole months (a quarter, a year), the usual shape of a pipeline question.
 */
export function rollupConditions(
  query: Readonly<Record<string, string | string[] | undefined>>,
  params: ParamList,
  ignore: ReadonlySet<string>,
): string[] | null {
  const dimensions: Record<string, string | string[] | undefined> = {};
  const where: string[] = [];
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined || ignore.has(name)) continue;
    if (Object.hasOwn(DIMENSION_FILTERS, name)) {
      dimensions[name] = raw;
    } else if (name === 'close_date_from' || name === 'close_date_to') {
      if (typeof raw !== 'string') return null;
      const date = parseValue('date', raw, name) as string;
      if (name === 'close_date_from' ? !isMonthStart(date) : !isMonthEnd(date)) return null;
      // A month's first day stands for the month: from = its first day, to = the first day of its month.
      const month = name === 'close_date_from' ? date : `${date.slice(0, 7)}-01`;
      where.push(`close_month ${name === 'close_date_from' ? '>=' : '<='} ${params.add(month, 'date')}`);
    } else {
      return null;
    }
  }
  return [...filterConditions({ filters: DIMENSION_FILTERS }, dimensions, params, new Set()), ...where];
}

/**
 * Folds a workspace's delta rows into one row per group and drops groups that net to nothing. Rows
 * other transactions add meanwhile are not touched (they are not visible to the DELETE), so writers
 * never wait on compaction and no delta is lost or counted twice.
 */
export async function compactPipelineRollups(
  q: Queryable,
  workspaceId: string,
): Promise<{ rows_before: number; rows_after: number }> {
  const { rows } = await q.query<{ rows_before: number; rows_after: number }>(
    /* sql */ `
    WITH removed AS (
      DELETE FROM deal_pipeline_rollups WHERE workspace_id = $1::uuid RETURNING *
    ), folded AS (
      INSERT INTO deal_pipeline_rollups (workspace_id, is_closed, is_won, pipeline, stage_normalized,
        owner_email, forecast_category, close_month, unconverted_currency, deal_count, amount_sum, weighted_sum)
      SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
             close_month, unconverted_currency, sum(deal_count), sum(amount_sum), sum(weighted_sum)
      FROM removed
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
      HAVING sum(deal_count) <> 0 OR sum(amount_sum) <> 0 OR sum(weighted_sum) <> 0
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM removed)::int AS rows_before, (SELECT count(*) FROM folded)::int AS rows_after`,
    [workspaceId],
  );
  return rows[0]!;
}

/** Compaction as a job of its own: in the workspace's scope, then the table's statistics refreshed. */
export async function runRollupCompaction(db: Db, workspaceId: string, log?: Logger) {
  const r = await withWorkspace(db, workspaceId, (tx) => compactPipelineRollups(tx, workspaceId));
  // Every compaction deletes all of a workspace's rows and writes them again.
  await refreshStatistics(db, { deal_pipeline_rollups: r.rows_before + r.rows_after }, log);
  return r;
}
