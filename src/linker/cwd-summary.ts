/**
 * The conversations-without-deals summary for the data-quality audit: how many calls there are per
 * severity and likely cause, and at how many accounts.
 */
import type { Queryable } from '../db/db.ts';
import { participantFactsSql } from './call-facts.ts';
import { withHashJoins } from './hash-join-plan.ts';
import {
  LIKELY_CAUSE,
  type LIKELY_CAUSES,
  type SEVERITIES,
  WITHOUT_DEAL,
  causeSql,
  prepareScoring,
  severityPointsSql,
  severitySql,
} from './cwd-scoring.ts';

export interface CwdSummary {
  total: number;
  accounts: number;
  by_severity: Record<(typeof SEVERITIES)[number], number>;
  by_cause: Record<(typeof LIKELY_CAUSES)[number], number>;
}

// The bounds the scoring rules compare days_ago (<=) and minutes (>=, <) against, each band counted as
// its bound: days_ago <= d exactly when started_at > as of - (d + 1) × 86,400 s (days_ago floors whole
// seconds, not calendar days), minutes >= m exactly when duration_seconds >= 60 m (whole seconds).
const DAY_BANDS = [14, 30, 45, 90];
const MINUTE_BANDS = [15, 20, 30, 45];
const DAY_BAND_SQL = `CASE WHEN cc.started_at IS NULL THEN NULL
  ${DAY_BANDS.map((d) => `WHEN cc.started_at > $3::timestamptz - interval '${(d + 1) * 86400} seconds' THEN ${d}`).join('\n  ')}
  ELSE ${DAY_BANDS[DAY_BANDS.length - 1]! + 1} END`;
const MINUTE_BAND_SQL = `CASE
  ${[...MINUTE_BANDS]
    .reverse()
    .map((m) => `WHEN coalesce(cc.duration_seconds, 0) >= ${m * 60} THEN ${m}`)
    .join('\n  ')}
  ELSE 0 END`;

/** One participant fact of call cc, probed as the linker would (call-facts.ts). */
const probedFactSql = (fact: 'n_external' | 'top_seniority') => /* sql */ `(
  SELECT px.${fact} FROM conversations c
   CROSS JOIN LATERAL ${participantFactsSql('$1::uuid', '$2::text[]')} AS px
   WHERE c.workspace_id = $1::uuid AND c.id = cc.id)`;

/**
 * Counts for the data-quality audit skill. Each call is reduced to the bands of its inputs (age, length,
 * external participants and seniority capped where the rules stop telling them apart, whether its
 * account has an open deal: one hashed set of the open deals' accounts), the calls are counted per band
 * combination (a few hundred at most), and the rules score each combination once.
 */
export async function conversationsWithoutDealsSummary(
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
             coalesce(f.external_participants, ${probedFactSql('n_external')}) AS external_participants,
             coalesce(f.top_seniority, ${probedFactSql('top_seniority')}) AS top_seniority
        FROM conversations cc
        LEFT JOIN conversation_call_facts f
               ON f.workspace_id = $1::uuid AND f.conversation_id = cc.id AND f.domains = $2::text[]
       WHERE ${WITHOUT_DEAL}
    ),
    counts AS (
      SELECT account_id, days_ago, minutes, external_participants, seniority_rank, has_open_deals,
             count(*)::int AS n, GROUPING(account_id) AS per_band
        FROM (
          SELECT cc.account_id, ${DAY_BAND_SQL} AS days_ago, ${MINUTE_BAND_SQL} AS minutes,
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
  const out: CwdSummary = {
    total: 0,
    accounts: 0,
    by_severity: { high: 0, medium: 0, low: 0 },
    by_cause: { deal_not_created: 0, early_stage: 0, disqualified_not_logged: 0 },
  };
  for (const r of rows) {
    const n = Number(r.n);
    out.total += n;
    out.accounts = Number(r.accounts);
    out.by_severity[r.severity as keyof CwdSummary['by_severity']] += n;
    out.by_cause[r.likely_cause as keyof CwdSummary['by_cause']] += n;
  }
  return out;
}
