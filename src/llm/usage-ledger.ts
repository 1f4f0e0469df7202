/** The llm_usage ledger: one row per model call, and the workspace's tokens spent today (UTC). */
import type { Queryable } from '../db/db.ts';
import type { LlmTier } from './llm-types.ts';

// USD per million tokens (input, output); list prices, an estimate for reporting, not billing.
const PRICES: Array<{ match: RegExp; input: number; output: number }> = [
  { match: /opus/i, input: 15, output: 75 },
  { match: /sonnet/i, input: 3, output: 15 },
  { match: /haiku/i, input: 0.8, output: 4 },
  { match: /deepseek/i, input: 0.9, output: 0.9 },
  { match: /fireworks/i, input: 0.9, output: 0.9 },
];

export function estimateCostUsd(provider: string, model: string, inputTokens: number, outputTokens: number) {
  if (provider === 'offline') return 0;
  const price = PRICES.find((p) => p.match.test(model)) ?? { input: 3, output: 15 };
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}

export interface UsageEntry {
  skillRunId: string | null;
  tier: LlmTier;
  provider: string;
  model: string;
  task: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  status: 'ok' | 'invalid_output' | 'error';
}

export async function recordUsage(q: Queryable, workspaceId: string, e: UsageEntry): Promise<void> {
  await q.query(
    /* sql */ `INSERT INTO llm_usage (workspace_id, skill_run_id, tier, provider, model, task, input_tokens,
       output_tokens, latency_ms, cost_usd, status)
     VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7::int, $8::int, $9::int, $10::numeric, $11)`,
    [
      workspaceId,
      e.skillRunId,
      e.tier,
      e.provider,
      e.model,
      e.task,
      e.inputTokens,
      e.outputTokens,
      Math.round(e.latencyMs),
      estimateCostUsd(e.provider, e.model, e.inputTokens, e.outputTokens),
      e.status,
    ],
  );
}

/** Tokens billed by real providers since midnight UTC; offline answers cost nothing and do not count. */
export async function tokensUsedToday(q: Queryable, workspaceId: string): Promise<number> {
  const { rows } = await q.query<{ used: number }>(
    /* sql */ `SELECT coalesce(sum(input_tokens + output_tokens), 0)::int AS used FROM llm_usage
     WHERE workspace_id = $1::uuid AND provider <> 'offline'
       AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
    [workspaceId],
  );
  return rows[0]?.used ?? 0;
}

export interface UsageSummaryRow {
  day: string;
  tier: string;
  provider: string;
  model: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export async function usageSummary(
  q: Queryable,
  workspaceId: string,
  days: number,
): Promise<UsageSummaryRow[]> {
  const { rows } = await q.query<UsageSummaryRow>(
    /* sql */ `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, tier, provider, model,
       count(*)::int AS calls, sum(input_tokens)::int AS input_tokens, sum(output_tokens)::int AS output_tokens,
       sum(cost_usd)::float8 AS cost_usd
     FROM llm_usage
     WHERE workspace_id = $1::uuid AND created_at >= now() - make_interval(days => $2::int)
     GROUP BY 1, 2, 3, 4 ORDER BY 1 DESC, 2, 3, 4`,
    [workspaceId, days],
  );
  return rows;
}
