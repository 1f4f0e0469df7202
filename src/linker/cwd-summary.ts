/**
 * The conversations-without-deals summary for the data-quality audit: how many calls there are per
 * severity and likely cause, and at how many accounts, read from the counts migration 190 keeps at write
 * time (cwd_band_counts per UTC start day and band of each rule input; cwd_calls per call).
 */
import type { Queryable } from '../db/db.ts';
import { participantFactsSql } from './call-facts.ts';
import {
  LIKELY_CAUSE,
  type LIKELY_CAUSES,
  type SEVERITIES,
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
// cwd_refresh_calls (migration 190) stores the minute band with these bounds.
export const DAY_BANDS = [14, 30, 45, 90];
export const MINUTE_BANDS = [15, 20, 30, 45];
const DAY = 86_400_000;

/** The day band of instant `ts` ($3 the as-of instant); null when `ts` is. */
export const dayBandSql = (ts: string) => `CASE WHEN ${ts} IS NULL THEN NULL
  ${DAY_BANDS.map((d) => `WHEN ${ts} > $3::timestamptz - interval '${(d + 1) * 86400} seconds' THEN ${d}`).join('\n  ')}
  ELSE ${DAY_BANDS[DAY_BANDS.length - 1]! + 1} END`;

/** One participant fact of the call with id `id`, probed as the linker would (call-facts.ts). */
export const probedFactSql = (fact: 'n_external' | 'top_seniority', id: string) => /* sql */ `(
  SELECT px.${fact} FROM conversations c
   CROSS JOIN LATERAL ${participantFactsSql('$1::uuid', '$2::text[]')} AS px
   WHERE c.workspace_id = $1::uuid AND c.id = ${id})`;

/**
 * Severity and cause per band combination of `banded` (columns of the rules plus n), summed: the rows
 * are folded per combination first (a few hundred), so the rules run once per combination, not per day.
 */
const scoredBandsSql = (banded: string) => /* sql */ `
    SELECT sev.severity, ${LIKELY_CAUSE}, sum(c.n)::int AS n
      FROM (SELECT days_ago, minutes, external_participants, seniority_rank, has_open_deals, sum(n) AS n
              FROM (${banded}) AS b GROUP BY 1, 2, 3, 4, 5) AS c
      CROSS JOIN LATERAL (SELECT ${severitySql(severityPointsSql('c'))}) AS sev
      CROSS JOIN LATERAL (${causeSql('c')}) AS cause
     GROUP BY 1, 2`;

export function tallySummary(
  rows: readonly { severity: string; likely_cause: string; n: number }[],
  accounts: number,
): CwdSummary {
  const out: CwdSummary = {
    total: 0,
    accounts,
    by_severity: { high: 0, medium: 0, low: 0 },
    by_cause: { deal_not_created: 0, early_stage: 0, disqualified_not_logged: 0 },
  };
  for (const r of rows) {
    const n = Number(r.n);
    out.total += n;
    out.by_severity[r.severity as keyof CwdSummary['by_severity']] += n;
    out.by_cause[r.likely_cause as keyof CwdSummary['by_cause']] += n;
  }
  return out;
}

// The calls cc starting on one of the boundary days ($5, their first instants): ranges of cwd_calls_by_start.
const BOUNDARY_DAY_CALLS = `(${DAY_BANDS.map(
  (_, i) =>
    `(cc.started_at >= ($5::timestamptz[])[${i + 1}] AND cc.started_at < ($5::timestamptz[])[${i + 1}] + interval '24 hours')`,
).join(' OR ')})`;

/**
 * Counts for the data-quality audit skill. Every call of a UTC day falls in one day band unless the day
 * holds a band's boundary (as of - (d + 1) days): whole days are summed from cwd_band_counts (a few
 * thousand rows), the calls of the boundary days are banded one by one from cwd_calls, and so are the
 * calls whose facts row is missing or was computed for other internal domains (their participants
 * probed as the linker would; none after a linker run). The answer equals the from-scratch query
 * (cwd-summary-from-scratch.ts) at every instant.
 */
export async function conversationsWithoutDealsSummary(
  q: Queryable,
  workspaceId: string,
  asOf: Date = new Date(),
): Promise<CwdSummary> {
  const domains = await prepareScoring(q, workspaceId);
  const boundaryDays = DAY_BANDS.map((d) => {
    const cut = asOf.getTime() - (d + 1) * DAY;
    return new Date(cut - (((cut % DAY) + DAY) % DAY)).toISOString().slice(0, 10);
  });
  const { rows: pending } = await q.query<{ n: number }>(
    /* sql */ `SELECT coalesce(sum(n), 0)::int AS n FROM cwd_band_counts
      WHERE workspace_id = $1::uuid AND NOT (has_facts AND facts_domains = $2::text[])`,
    [workspaceId, domains],
  );
  const withoutCurrentFacts = Number(pending[0]!.n) > 0;
  const { rows } = await q.query<{ severity: string; likely_cause: string; n: number; accounts: number }>(
    /* sql */ `WITH bands AS (${scoredBandsSql(/* sql */ `
      SELECT ${dayBandSql(`CASE WHEN b.start_day = 'infinity' THEN NULL ELSE b.start_day::timestamp AT TIME ZONE 'UTC' END`)} AS days_ago,
             b.minute_band AS minutes, b.external_participants, b.seniority_rank, b.has_open_deals, b.n
        FROM cwd_band_counts b
       WHERE b.workspace_id = $1::uuid AND b.n <> 0 AND b.has_facts AND b.facts_domains = $2::text[]
         AND b.start_day <> ALL($4::date[])
      UNION ALL
      SELECT ${dayBandSql('cc.started_at')}, cc.minute_band,
             CASE WHEN cc.facts_domains = $2::text[] THEN cc.external_participants
                  ELSE least(coalesce(${probedFactSql('n_external', 'cc.conversation_id')}, 0), 3) END,
             CASE WHEN cc.facts_domains = $2::text[] THEN cc.seniority_rank
                  ELSE least(coalesce(${probedFactSql('top_seniority', 'cc.conversation_id')}, 0), 3) END,
             cc.has_open_deals, 1
        FROM cwd_calls cc
       WHERE cc.workspace_id = $1::uuid
         AND (${BOUNDARY_DAY_CALLS}
              ${withoutCurrentFacts ? 'OR cc.facts_domains IS DISTINCT FROM $2::text[]' : ''})`)})
    -- Distinct over cwd_calls_by_account in its order: an index-only scan and a unique, no sort.
    SELECT bands.*, (SELECT count(*) FROM (SELECT DISTINCT account_id FROM cwd_calls WHERE workspace_id = $1::uuid) AS a)::int AS accounts
      FROM bands`,
    [workspaceId, domains, asOf.toISOString(), boundaryDays, boundaryDays.map((d) => `${d}T00:00:00Z`)],
  );
  const accounts = rows.length > 0 ? Number(rows[0]!.accounts) : 0;
  return tallySummary(rows, accounts);
}
