/**
 * Pipeline movement over a period: deals created, progressed to a later stage, pushed (close date moved
 * later), won and lost, each with its count and base-currency amount. The buckets overlap on purpose (a
 * deal created and won in the same month is in both): each answers its own question. Pushes come from
 * the source's close-date history (HubSpot property history, Salesforce field history), so a source
 * without history reports none rather than a guess.
 */
import type { Queryable } from '../db/db.ts';
import { ValidationError } from '../errors.ts';
import { baseCurrency } from '../money/exchange-rates.ts';

export const WATERFALL_BUCKETS = ['created', 'progressed', 'pushed', 'won', 'lost'] as const;
export type WaterfallBucket = (typeof WATERFALL_BUCKETS)[number];

export interface PipelineWaterfall {
  from: string;
  to: string;
  currency: string;
  data: Array<{ key: WaterfallBucket; count: number; amount: number }>;
  /** Deals moved by an amount in a currency without a rate: counted, not in the amounts. */
  not_converted: number;
}

const STAGE_RANK = `(VALUES ('awareness', 1), ('qualification', 2), ('evaluation', 3), ('decision', 4),
                           ('negotiation', 5)) AS r(stage, rank)`;

/** `from` inclusive, `to` exclusive, both calendar dates (validated by the caller). */
export async function pipelineWaterfall(
  q: Queryable,
  workspaceId: string,
  period: { from: string; to: string },
): Promise<PipelineWaterfall> {
  if (period.from >= period.to) throw new ValidationError('from must be before to');
  const { rows } = await q.query<{ key: WaterfallBucket; count: number; amount: string | null; nc: number }>(
    /* sql */ `
    WITH live AS (
      SELECT id, amount, amount_base, is_won, is_closed, closed_at, coalesce(source_created_at, created_at) AS born
        FROM deals WHERE workspace_id = $1::uuid AND deleted_at IS NULL
    ),
    moved AS (
      SELECT 'created' AS key, id FROM live WHERE born >= $2::date AND born < $3::date
      UNION ALL
      SELECT DISTINCT 'progressed', h.deal_id
        FROM deal_stage_history h
        JOIN ${STAGE_RANK.replace('AS r(', 'AS rf(')} ON rf.stage = h.from_stage_normalized
        JOIN ${STAGE_RANK.replace('AS r(', 'AS rt(')} ON rt.stage = h.to_stage_normalized
       WHERE h.workspace_id = $1::uuid AND h.changed_at >= $2::date AND h.changed_at < $3::date
         AND rt.rank > rf.rank
      UNION ALL
      SELECT DISTINCT 'pushed', f.deal_id
        FROM deal_field_history f
       WHERE f.workspace_id = $1::uuid AND f.field = 'close_date'
         AND f.changed_at >= $2::date AND f.changed_at < $3::date
         AND f.old_value ~ '^\\d{4}-\\d{2}-\\d{2}' AND f.new_value ~ '^\\d{4}-\\d{2}-\\d{2}'
         AND left(f.new_value, 10) > left(f.old_value, 10)
      UNION ALL
      SELECT CASE WHEN is_won THEN 'won' ELSE 'lost' END, id
        FROM live WHERE is_closed AND closed_at >= $2::date AND closed_at < $3::date
    )
    SELECT m.key, count(*)::int AS count, sum(l.amount_base) AS amount,
           count(*) FILTER (WHERE l.amount IS NOT NULL AND l.amount_base IS NULL)::int AS nc
      FROM moved m JOIN live l ON l.id = m.id
     GROUP BY m.key`,
    [workspaceId, period.from, period.to],
  );
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return {
    from: period.from,
    to: period.to,
    currency: await baseCurrency(q, workspaceId),
    data: WATERFALL_BUCKETS.map((key) => ({
      key,
      count: byKey.get(key)?.count ?? 0,
      amount: Math.round(Number(byKey.get(key)?.amount ?? 0) * 100) / 100,
    })),
    not_converted: rows.reduce((n, r) => n + r.nc, 0),
  };
}
