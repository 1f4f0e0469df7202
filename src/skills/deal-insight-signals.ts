/**
 * What the skills read from deal insights: for pipeline-hygiene, a deal whose latest extracted call named
 * a competitor or raised a budget objection and ended with no next step; for forecast, commit deals whose
 * buyer named a timeline after the close date or raised a budget objection. Every signal carries the
 * insight rows behind it (ids, quotes, the call), so a finding can cite them. Calls after the run's
 * as_of date are not read, so a run stays reproducible.
 */
import type { Queryable } from '../db/db.ts';
import { budgetObjectionSql, timelineAfterSql } from '../insights/insight-risk-sql.ts';
import { NO_OWNER, ownerSql } from '../entities/record-owner.ts';

/** One insight row cited as evidence. */
export interface CitedInsight {
  insight_id: string;
  type: string;
  value: Record<string, unknown>;
  quote: string;
  conversation_id: string;
}

/**
 * Per open deal, its latest extracted call up to as_of ($2) and what that call said: the competitor and
 * budget-objection rows (risk_insights) and whether it produced a next step. $1 is the workspace.
 */
export const CALL_RISK_CTE = /* sql */ `
last_extracted_call AS (
  SELECT DISTINCT ON (c.deal_id) c.deal_id, c.id AS conversation_id, c.started_at
  FROM conversations c
  JOIN insight_extractions e ON e.workspace_id = c.workspace_id AND e.conversation_id = c.id
   AND e.status = 'extracted' AND e.deal_id = c.deal_id
  WHERE c.workspace_id = $1::uuid AND c.started_at < $2::date + 1
  ORDER BY c.deal_id, c.started_at DESC NULLS LAST, c.id
),
call_risk AS (
  SELECT lc.deal_id, lc.conversation_id, lc.started_at,
    coalesce(jsonb_agg(jsonb_build_object('insight_id', i.id, 'type', i.insight_type, 'value', i.value,
        'quote', i.quote, 'conversation_id', i.conversation_id) ORDER BY i.segment_index, i.id)
      FILTER (WHERE i.insight_type = 'competitors' OR ${budgetObjectionSql('i')}), '[]'::jsonb) AS risk_insights,
    coalesce(bool_or(i.insight_type = 'next_steps'), false) AS has_next_step
  FROM last_extracted_call lc
  LEFT JOIN deal_insights i ON i.workspace_id = $1::uuid AND i.conversation_id = lc.conversation_id
   AND i.deal_id = lc.deal_id AND i.is_current
  GROUP BY lc.deal_id, lc.conversation_id, lc.started_at
)`;

/** The call-risk evidence of a deal as the hygiene skill keeps it. */
export interface CallRiskEvidence {
  conversation_id: string;
  call_started_at: string | null;
  insights: CitedInsight[];
}

export function describeCallRisk(e: CallRiskEvidence): string {
  const competitors = e.insights.filter((i) => i.type === 'competitors').map((i) => String(i.value.name));
  const objection = e.insights.some((i) => i.type === 'objections');
  const what = [
    competitors.length > 0 ? `named ${competitors.join(', ')}` : null,
    objection ? 'raised a budget objection' : null,
  ]
    .filter(Boolean)
    .join(' and ');
  const when = e.call_started_at ? ` (${e.call_started_at.slice(0, 10)})` : '';
  return `the last call${when} ${what} and ended with no next step`;
}

export interface CommitDealFlag {
  deal_id: string;
  name: string | null;
  rep: string;
  amount: number;
  close_date: string;
  /** The latest timeline the buyer named after the close date, if any. */
  timeline_date: string | null;
  budget_objection: boolean;
  insights: CitedInsight[];
}

/**
 * Open deals in `category` 'commit' closing in the period whose current insights, from calls up to
 * as_of, put the date in doubt: a timeline after the close date, or a budget objection.
 * `categorySql` is the forecast's own category expression over the deals row `d`.
 */
export async function commitDealsFlaggedByCalls(
  q: Queryable,
  workspaceId: string,
  asOf: string,
  period: { start_date: string; end_date: string },
  categorySql: string,
): Promise<CommitDealFlag[]> {
  const { rows } = await q.query<CommitDealFlag>(
    /* sql */ `WITH commit_deals AS (
       SELECT d.id, d.name, coalesce(${ownerSql('d.')}, '${NO_OWNER}') AS rep, coalesce(d.amount_base, 0)::float8 AS amount,
              d.close_date
       FROM deals d
       WHERE d.workspace_id = $1::uuid AND d.deleted_at IS NULL AND NOT d.is_closed
         AND d.close_date BETWEEN $3::date AND $4::date AND NOT (d.amount IS NOT NULL AND d.amount_base IS NULL)
         AND (${categorySql}) = 'commit'
     )
     SELECT cd.id AS deal_id, cd.name, cd.rep, cd.amount, cd.close_date::text AS close_date,
       max(i.value->>'date') FILTER (WHERE i.insight_type = 'timeline') AS timeline_date,
       bool_or(i.insight_type = 'objections') AS budget_objection,
       jsonb_agg(jsonb_build_object('insight_id', i.id, 'type', i.insight_type, 'value', i.value, 'quote', i.quote,
         'conversation_id', i.conversation_id) ORDER BY c.started_at DESC NULLS LAST, i.segment_index, i.id) AS insights
     FROM commit_deals cd
     JOIN deal_insights i ON i.workspace_id = $1::uuid AND i.deal_id = cd.id AND i.is_current
      AND (${timelineAfterSql('i', 'cd.close_date')} OR ${budgetObjectionSql('i')})
     JOIN conversations c ON c.workspace_id = i.workspace_id AND c.id = i.conversation_id
      AND c.started_at < $2::date + 1
     GROUP BY cd.id, cd.name, cd.rep, cd.amount, cd.close_date
     ORDER BY cd.amount DESC, cd.id
     LIMIT 50`,
    [workspaceId, asOf, period.start_date, period.end_date],
  );
  return rows;
}
