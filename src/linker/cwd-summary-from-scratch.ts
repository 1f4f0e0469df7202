/**
 * The conversations-without-deals summary computed from the calls themselves on every call: what the
 * counts kept at write time (cwd-summary.ts, migration 190) must always equal. Tests and the query
 * benchmark compare the two.
 */
import type { Queryable } from '../db/db.ts';
import { type CwdSummary, MINUTE_BANDS, dayBandSql, probedFactSql, tallySummary } from './cwd-summary.ts';
import { withHashJoins } from './hash-join-plan.ts';
import {
  LIKELY_CAUSE,
  WITHOUT_DEAL,
  causeSql,
  prepareScoring,
  severityPointsSql,
  severitySql,
} from './cwd-scoring.ts';

const MINUTE_BAND_SQL = `CASE
  ${[...MINUTE_BANDS]
    .reverse()
    .map((m) => `WHEN coalesce(cc.duration_seconds, 0) >= ${m * 60} THEN ${m}`)
    .join('\n  ')}
  ELSE 0 END`;

/**
 * The summary from scratch. Each call is reduced to the bands of its inputs (age, length,
 * external participants and seniority capped where the rules stop telling them apart, whether its
 * account has an open deal: one hashed set of the open deals' accounts), the calls are counted per band
 * combination (a few hundred at most), and the rules score each combination once.
 */
export async function conversationsWithoutDealsSummaryFromScratch(
  q: Queryable,
  workspaceId: string,
  asOf: Date = new Date(),
): Promise<CwdSummary> {
  const domains = await prepareScoring(q, workspaceId);
  // Hash joins between the sets whatever the statistics say (hash-join-plan.ts).
  const { rows } = await withHashJoins(q, () =>
    q.query<{ severity: string; likely_cause: string; n: number; accounts: number }>(
      /* sql */ `WITH calls AS (
      SELECT cc.account_id, cc.started_at, cc.duration_seconds,
             -- A call without facts for the current domains is probed here, in a subquery run for it alone:
             -- as a join it weighed on the plan of every call.
             coalesce(f.external_participants, ${probedFactSql('n_external', 'cc.id')}) AS external_participants,
             coalesce(f.top_seniority, ${probedFactSql('top_seniority', 'cc.id')}) AS top_seniority
        FROM conversations cc
        LEFT JOIN conversation_call_facts f
               ON f.workspace_id = $1::uuid AND f.conversation_id = cc.id AND f.domains = $2::text[]
       WHERE ${WITHOUT_DEAL}
    ),
    counts AS (
      SELECT account_id, days_ago, minutes, external_participants, seniority_rank, has_open_deals,
             count(*)::int AS n, GROUPING(account_id) AS per_band
        FROM (
          SELECT cc.account_id, ${dayBandSql('cc.started_at')} AS days_ago, ${MINUTE_BAND_SQL} AS minutes,
                 least(coalesce(cc.external_participants, 0), 3) AS external_participants,
                 least(coalesce(cc.top_seniority, 0), 3) AS seniority_rank,
                 od.account_id IS NOT NULL AS has_open_deals
            FROM calls cc
            LEFT JOIN (SELECT DISTINCT d.account_id FROM deals d
                        WHERE d.workspace_id = $1::uuid AND NOT d.is_closed AND d.deleted_at IS NULL) AS od
                   ON od.account_id = cc.account_id
        ) AS c
       -- One pass: the calls per band combination, and per account (the accounts counted).
       GROUP BY GROUPING SETS ((account_id), (days_ago, minutes, external_participants, seniority_rank, has_open_deals))
    )
    SELECT sev.severity, ${LIKELY_CAUSE}, sum(c.n)::int AS n,
           (SELECT count(*) FROM counts WHERE per_band = 0)::int AS accounts
      FROM counts c
      CROSS JOIN LATERAL (SELECT ${severitySql(severityPointsSql('c'))}) AS sev
      CROSS JOIN LATERAL (${causeSql('c')}) AS cause
     WHERE c.per_band = 1
     GROUP BY 1, 2`,
      [workspaceId, domains, asOf.toISOString()],
    ),
  );
  return tallySummary(rows, rows.length > 0 ? Number(rows[0]!.accounts) : 0);
}
