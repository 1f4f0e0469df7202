/**
 * What the demo's start report states about the data it built, read from the database as the API would
 * answer it: the open pipeline in base currency (and what was converted or left out), and how many
 * recorded conversations are linked to deals, and the deal insights extracted from their transcripts.
 */
import type { Queryable } from '../db/db.ts';
import { type PipelineSummary, pipelineSummary } from '../entities/pipeline-summary.ts';
import { type CurrencyState, currencyState } from '../money/exchange-rates.ts';

export interface DemoFacts {
  pipeline: PipelineSummary;
  currency: CurrencyState;
  /** Open deals whose amount was converted from another currency into the base one. */
  converted_open_deals: number;
  conversations: { total: number; internal: number; linked_to_deal: number; linked_to_account_only: number };
  /** Current deal insights, the calls they were extracted from and the deals they are on. */
  insights: {
    current: number;
    conversations: number;
    deals: number;
    extractors: string[];
    example_deal_id: string | null;
  };
}

export async function readDemoFacts(q: Queryable, workspaceId: string): Promise<DemoFacts> {
  const pipeline = await pipelineSummary(q, workspaceId, {});
  const currency = await currencyState(q, workspaceId);
  const converted = await q.query<{ n: number }>(
    /* sql */ `SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1::uuid AND NOT is_closed
       AND amount_base IS NOT NULL AND upper(btrim(currency)) <> pandora_base_currency($1::uuid)`,
    [workspaceId],
  );
  const calls = await q.query<DemoFacts['conversations']>(
    /* sql */ `SELECT count(*)::int AS total, count(*) FILTER (WHERE is_internal)::int AS internal,
       count(deal_id)::int AS linked_to_deal,
       count(*) FILTER (WHERE deal_id IS NULL AND account_id IS NOT NULL)::int AS linked_to_account_only
     FROM conversations WHERE workspace_id = $1::uuid`,
    [workspaceId],
  );
  const insights = await q.query<DemoFacts['insights']>(
    /* sql */ `SELECT count(*)::int AS current, count(DISTINCT conversation_id)::int AS conversations,
       count(DISTINCT deal_id)::int AS deals,
       coalesce(array_agg(DISTINCT extractor || '@' || extractor_version), '{}') AS extractors,
       (array_agg(deal_id::text ORDER BY deal_id))[1] AS example_deal_id
     FROM deal_insights WHERE workspace_id = $1::uuid AND is_current`,
    [workspaceId],
  );
  return {
    pipeline,
    currency,
    converted_open_deals: converted.rows[0]!.n,
    conversations: calls.rows[0]!,
    insights: insights.rows[0]!,
  };
}
