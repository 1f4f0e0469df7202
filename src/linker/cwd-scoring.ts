/**
 * The scoring rules of conversations without deals (severity and likely cause), shared by the list and
 * the summary.
 */
import type { Queryable } from '../db/db.ts';
import { storedInternalDomains } from './internal-domains.ts';

export const SEVERITIES = ['high', 'medium', 'low'] as const;
export const LIKELY_CAUSES = ['deal_not_created', 'early_stage', 'disqualified_not_logged'] as const;

// The conversations without a deal ($1 workspace), alias cc: off the partial indexes of migrations 122/160.
export const WITHOUT_DEAL = /* sql */ `cc.workspace_id = $1::uuid AND cc.is_internal = FALSE
             AND cc.account_id IS NOT NULL AND cc.deal_id IS NULL`;

/**
 * The scoring rules, over columns of `c`: days_ago (null when the call has no start), minutes,
 * external_participants, seniority_rank and, for the cause, has_open_deals. The summary counts calls per
 * band of each input (DAY_BANDS, MINUTE_BANDS in cwd-summary.ts) and applies these rules to one value per band, so
 * a threshold added here must be a band bound there.
 */
export const severityPointsSql = (c: string) => /* sql */ `
  (CASE WHEN ${c}.days_ago <= 14 THEN 3 WHEN ${c}.days_ago <= 30 THEN 2 WHEN ${c}.days_ago <= 90 THEN 1 ELSE 0 END
   + CASE WHEN ${c}.minutes >= 45 THEN 2 WHEN ${c}.minutes >= 20 THEN 1 ELSE 0 END
   + CASE WHEN ${c}.external_participants >= 3 THEN 2 WHEN ${c}.external_participants = 2 THEN 1 ELSE 0 END
   + CASE WHEN ${c}.seniority_rank >= 3 THEN 2 WHEN ${c}.seniority_rank = 2 THEN 1 ELSE 0 END)`;
export const severitySql = (points: string) => /* sql */ `
  CASE WHEN ${points} >= 6 THEN 'high' WHEN ${points} >= 3 THEN 'medium' ELSE 'low' END AS severity,
  CASE WHEN ${points} >= 6 THEN 3 WHEN ${points} >= 3 THEN 2 ELSE 1 END AS severity_rank`;
export const causeSql = (b: string) => /* sql */ `
  SELECT CASE WHEN ${b}.has_open_deals THEN 'account_has_open_deals'
              WHEN ${b}.minutes < 15 THEN 'short_call'
              WHEN ${b}.days_ago <= 45 AND ${b}.minutes >= 20 THEN 'recent_substantive_call'
              WHEN ${b}.days_ago > 90 AND ${b}.minutes >= 30 THEN 'old_long_call'
              ELSE 'no_strong_signal' END AS cause_rule`;
export const LIKELY_CAUSE = /* sql */ `CASE cause.cause_rule WHEN 'account_has_open_deals' THEN 'deal_not_created'
                                 WHEN 'recent_substantive_call' THEN 'deal_not_created'
                                 WHEN 'old_long_call' THEN 'disqualified_not_logged'
                                 ELSE 'early_stage' END AS likely_cause`;

/**
 * The internal domains, with JIT off for the rest of the request's transaction: the per-call LATERAL
 * probes inflate the plan's cost estimate past the JIT thresholds, and compiling took a server 2 of the
 * 3 seconds of a severity-sorted page at 100k deals.
 */
export async function prepareScoring(q: Queryable, workspaceId: string): Promise<string[]> {
  await q.query(`SELECT set_config('jit', 'off', true)`);
  return storedInternalDomains(q, workspaceId);
}
