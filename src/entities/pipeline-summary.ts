/**
 * Pipeline aggregates over deals: count, amount and probability-weighted amount grouped by normalised
 * stage, owner, forecast category or close month. Takes the deal list filters; open deals only unless
 * the caller filters on is_closed or is_won.
 */
import type { Queryable, SqlParam } from '../db/db.ts';
import { filterConditions, ParamList } from '../db/list-query.ts';
import { ValidationError } from '../errors.ts';
import { dealListing } from './deals-queries.ts';

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

export function buildPipelineSummaryQuery(
  workspaceId: string,
  query: Readonly<Record<string, string | string[] | undefined>>,
): { groupBy: PipelineGroup; sql: string; values: SqlParam[] } {
  const rawGroup = query.group_by ?? 'stage';
  if (typeof rawGroup !== 'string' || !(PIPELINE_GROUPS as readonly string[]).includes(rawGroup)) {
    throw new ValidationError(`invalid query: group_by: expected one of ${PIPELINE_GROUPS.join(', ')}`);
  }
  const groupBy = rawGroup as PipelineGroup;
  const params = new ParamList();
  const where = [
    `workspace_id = ${params.add(workspaceId, 'uuid')}`,
    ...filterConditions(dealListing, query, params, RESERVED),
  ];
  if (query.is_closed === undefined && query.is_won === undefined) where.push('is_closed = false');
  const g = GROUP_KEY[groupBy];
  const sql = /* sql */ `
    SELECT ${g.key} AS key, count(*)::int AS count,
           coalesce(sum(amount), 0)::numeric(20, 2) AS amount,
           coalesce(sum(amount * coalesce(probability, 0) / 100), 0)::numeric(20, 2) AS weighted_amount
    FROM deals WHERE ${where.join(' AND ')}
    GROUP BY 1 ORDER BY ${g.order}`;
  return { groupBy, sql, values: params.values };
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
