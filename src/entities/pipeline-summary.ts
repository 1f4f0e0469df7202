/**
 * Pipeline aggregates over deals: count, amount and probability-weighted amount grouped by normalised
 * stage, owner, forecast category or close month. Takes the deal list filters; open deals only unless
 * the caller filters on is_closed or is_won. Served from the pipeline rollups when every filter is a
 * rollup dimension, else from the deals. Amounts are in the workspace's base currency; deals whose
 * currency has no rate are counted but left out of the amounts, and the answer says how many and which.
 */
import type { Queryable, SqlParam } from '../db/db.ts';
import { filterConditions, ParamList } from '../db/list-filters.ts';
import { ValidationError } from '../errors.ts';
import { describeNotConverted, type NotConverted } from '../money/currency-coverage.ts';
import { dealListing } from './deals-queries.ts';
import { rollupConditions } from './pipeline-rollups.ts';
import { ownerSql } from './record-owner.ts';

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
  owner: { key: ownerSql(), order: 'amount DESC, key NULLS LAST' },
  forecast_category: { key: 'forecast_category', order: 'amount DESC, key NULLS LAST' },
  close_month: { key: `to_char(close_date, 'YYYY-MM')`, order: '1 NULLS LAST' },
};
// The rollups key owners by email: they answer group_by=owner only while no deal's owner is a name alone.
const ROLLUP_GROUP_KEY: Record<PipelineGroup, string> = {
  stage: 'stage_normalized',
  owner: 'owner_email',
  forecast_category: 'forecast_category',
  close_month: `to_char(close_month, 'YYYY-MM')`,
};

export interface PipelineBucket {
  key: string | null;
  count: number;
  /** Base-currency sum of the bucket's converted deals. */
  amount: number;
  weighted_amount: number;
  /** Deals of the bucket with an amount in a currency that has no rate (in count, not in amount). */
  not_converted: number;
}

export interface PipelineSummary {
  group_by: PipelineGroup;
  currency: string;
  data: PipelineBucket[];
  totals: Omit<PipelineBucket, 'key'>;
  not_converted: NotConverted;
}

const RESERVED = new Set(['group_by']);

export interface PipelineSummaryQuery {
  groupBy: PipelineGroup;
  /** Which table answers: the rollups when every filter is one of their dimensions. */
  source: 'rollups' | 'deals';
  sql: string;
  /** Deals left out of the amounts, by currency (same values as `sql`). */
  notConvertedSql: string;
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
      const where = [rollupWorkspace, ...rollupFilters, ...openOnly].join(' AND ');
      const sql = /* sql */ `
        SELECT ${ROLLUP_GROUP_KEY[groupBy]} AS key, sum(deal_count)::int AS count,
               sum(amount_sum)::numeric(20, 2) AS amount,
               (sum(weighted_sum) / 100)::numeric(20, 2) AS weighted_amount,
               coalesce(sum(deal_count) FILTER (WHERE unconverted_currency IS NOT NULL), 0)::int AS not_converted
        FROM deal_pipeline_rollups WHERE ${where}
        GROUP BY 1 HAVING sum(deal_count) <> 0 ORDER BY ${g.order}`;
      const notConvertedSql = /* sql */ `
        SELECT unconverted_currency AS currency, sum(deal_count)::int AS deals
        FROM deal_pipeline_rollups WHERE ${where} AND unconverted_currency IS NOT NULL
        GROUP BY 1 HAVING sum(deal_count) <> 0 ORDER BY 1`;
      return { groupBy, source: 'rollups', sql, notConvertedSql, values: rollupParams.values };
    }
  }
  const where = [workspace, ...dealFilters, ...openOnly, 'deleted_at IS NULL'].join(' AND ');
  const unconverted = 'amount IS NOT NULL AND amount_base IS NULL';
  const sql = /* sql */ `
    SELECT ${g.key} AS key, count(*)::int AS count,
           coalesce(sum(amount_base), 0)::numeric(20, 2) AS amount,
           coalesce(sum(amount_base * coalesce(probability, 0) / 100), 0)::numeric(20, 2) AS weighted_amount,
           count(*) FILTER (WHERE ${unconverted})::int AS not_converted
    FROM deals WHERE ${where}
    GROUP BY 1 ORDER BY ${g.order}`;
  const notConvertedSql = /* sql */ `
    SELECT upper(btrim(currency)) AS currency, count(*)::int AS deals
    FROM deals WHERE ${where} AND ${unconverted} GROUP BY 1 ORDER BY 1`;
  return { groupBy, source: 'deals', sql, notConvertedSql, values: params.values };
}

export async function pipelineSummary(
  q: Queryable,
  workspaceId: string,
  query: Readonly<Record<string, string | string[] | undefined>>,
): Promise<PipelineSummary> {
  const byName =
    query.group_by === 'owner' &&
    (
      await q.query(
        'SELECT FROM deals WHERE workspace_id = $1::uuid AND owner_email IS NULL AND owner_name IS NOT NULL LIMIT 1',
        [workspaceId],
      )
    ).rows.length > 0;
  const { groupBy, sql, notConvertedSql, values } = buildPipelineSummaryQuery(
    workspaceId,
    query,
    byName ? { source: 'deals' } : {},
  );
  const { rows } = await q.query<PipelineBucket>(sql, values);
  const totals = { count: 0, amount: 0, weighted_amount: 0, not_converted: 0 };
  const data = rows.map((r) => {
    totals.count += r.count;
    totals.amount += r.amount;
    totals.weighted_amount += r.weighted_amount;
    totals.not_converted += r.not_converted;
    return {
      key: r.key,
      count: r.count,
      amount: r.amount,
      weighted_amount: r.weighted_amount,
      not_converted: r.not_converted,
    };
  });
  totals.amount = Math.round(totals.amount * 100) / 100;
  totals.weighted_amount = Math.round(totals.weighted_amount * 100) / 100;
  // The breakdown costs a second statement only when something was left out.
  const byCurrency =
    totals.not_converted > 0
      ? (await q.query<{ currency: string; deals: number }>(notConvertedSql, values)).rows
      : [];
  const base = await q.query<{ base: string }>('SELECT pandora_base_currency($1::uuid) AS base', [
    workspaceId,
  ]);
  return {
    group_by: groupBy,
    currency: base.rows[0]!.base,
    data,
    totals,
    not_converted: describeNotConverted(byCurrency),
  };
}
