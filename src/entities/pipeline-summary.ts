/**
 * Pipeline aggregates over deals: count, amount and probability-weighted amount grouped by normalised
 * stage, owner, forecast category or close month. Takes the deal list filters; open deals only unless
 * the caller filters on is_closed or is_won. Served from the pipeline rollups when every filter is a
 * rollup dimension, else from the deals.
 */
import type { Queryable, SqlParam } from '../db/db.ts';
import { filterConditions, ParamList } from '../db/list-query.ts';
import { ValidationError } from '../errors.ts';
import { dealListing } from './deals-queries.ts';
import { rollupConditions } from './pipeline-rollups.ts';

export const PIPELINE_GROUPS = ['stage', 'owner', 'forecast_category', 'close_month'] as const;
export type PipelineGroup = (typeof PIPELINE_GROUPS)[number];

const STAGE_ORDER = [
  'awareness',
  'qualification',
  'evaluation',
  'decision',
  'negotiation',
  'closed_won',
  'closed_lost',
];

const GROUP_KEY: Record<PipelineGroup, { key: string; order: string }> = {
  stage: {
    key: 'stage_normalized',
    order: `array_position(ARRAY[${STAGE_ORDER.map((s) => `'${s}'`).join(', ')}]::text[], stage_normalized) NULLS LAST`,
  },
  owner: { key: 'owner_email', order: 'amount DESC, key NULLS LAST' },
  forecast_category: { key: 'forecast_category', order: 'amount DESC, key NULLS LAST' },
  close_month: { key: `to_char(close_date, 'YYYY-MM')`, order: '1 NULLS LAST' },
};
const ROLLUP_GROUP_KEY: Record<PipelineGroup, string> = {
  stage: 'stage_normalized',
  owner: 'owner_email',
  forecast_category: 'forecast_category',
  close_month: `to_char(close_month, 'YYYY-MM')`,
};

export interface PipelineBucket {
  key: string | null;
  count: number;
  amount: number;
  weighted_amount: number;
}

export interface PipelineSummary {
  group_by: PipelineGroup;
  data: PipelineBucket[];
  totals: Omit<PipelineBucket, 'key'>;
}

const RESERVED = new Set(['group_by']);

export interface PipelineSummaryQuery {
  groupBy: PipelineGroup;
  /** Which table answers: the rollups when every filter is one of their dimensions. */
  source: 'rollups' | 'deals';
  sql: string;
  values: SqlParam[];
}

export function buildPipelineSummaryQuery(
  workspaceId: string,
  query: Readonly<Record<string, string | string[] | undefined>>,
  options: { source?: 'deals' } = {},
): PipelineSummaryQuery {
  const rawGroup = query.group_by ?? 'stage';
  if (typeof rawGroup !== 'string' || !(PIPELINE_GROUPS as readonly string[]).includes(rawGroup)) {
    throw new ValidationError(`invalid query: group_by: expected one of ${PIPELINE_GROUPS.join(', ')}`);
  }
  const groupBy = rawGroup as PipelineGroup;
  const params = new ParamList();
  const workspace = `workspace_id = ${params.add(workspaceId, 'uuid')}`;
  // The deal filters are validated first, so a bad query gets the same error whichever table answers.
  const dealFilters = filterConditions(dealListing, query, params, RESERVED);
  const openOnly = query.is_closed === undefined && query.is_won === undefined ? ['is_closed = false'] : [];
  const g = GROUP_KEY[groupBy];

  if (options.source !== 'deals') {
    const rollupParams = new ParamList();
    const rollupWorkspace = `workspace_id = ${rollupParams.add(workspaceId, 'uuid')}`;
    const rollupFilters = rollupConditions(query, rollupParams, RESERVED);
    if (rollupFilters) {
      const sql = /* sql */ `
        SELECT ${ROLLUP_GROUP_KEY[groupBy]} AS key, sum(deal_count)::int AS count,
               sum(amount_sum)::numeric(20, 2) AS amount,
               (sum(weighted_sum) / 100)::numeric(20, 2) AS weighted_amount
        FROM deal_pipeline_rollups WHERE ${[rollupWorkspace, ...rollupFilters, ...openOnly].join(' AND ')}
        GROUP BY 1 HAVING sum(deal_count) <> 0 ORDER BY ${g.order}`;
      return { groupBy, source: 'rollups', sql, values: rollupParams.values };
    }
  }
  const sql = /* sql */ `
    SELECT ${g.key} AS key, count(*)::int AS count,
           coalesce(sum(amount), 0)::numeric(20, 2) AS amount,
           coalesce(sum(amount * coalesce(probability, 0) / 100), 0)::numeric(20, 2) AS weighted_amount
    FROM deals WHERE ${[workspace, ...dealFilters, ...openOnly].join(' AND ')}
    GROUP BY 1 ORDER BY ${g.order}`;
  return { groupBy, source: 'deals', sql, values: params.values };
}

export async function pipelineSummary(
  q: Queryable,
  workspaceId: string,
  query: Readonly<Record<string, string | string[] | undefined>>,
): Promise<PipelineSummary> {
  const { groupBy, sql, values } = buildPipelineSummaryQuery(workspaceId, query);
  const { rows } = await q.query<PipelineBucket>(sql, values);
  const totals = { count: 0, amount: 0, weighted_amount: 0 };
  const data = rows.map((r) => {
    totals.count += r.count;
    totals.amount += r.amount;
    totals.weighted_amount += r.weighted_amount;
    return { key: r.key, count: r.count, amount: r.amount, weighted_amount: r.weighted_amount };
  });
  totals.amount = Math.round(totals.amount * 100) / 100;
  totals.weighted_amount = Math.round(totals.weighted_amount * 100) / 100;
  return { group_by: groupBy, data, totals };
}
