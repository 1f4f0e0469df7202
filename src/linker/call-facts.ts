/**
 * Per-call facts that conversations-without-deals scores on and that come from the call's participants:
 * the rep, how many external people joined (counted once per known contact of their address), and the
 * most senior of them. Computing them probes contacts once per participant, so each linker run stores
 * them for the calls it leaves without a deal (table conversation_call_facts); readers use a stored row
 * while it matches the current internal domains and compute the facts themselves otherwise.
 */
import type { Queryable } from '../db/db.ts';
import { inIdList } from '../db/id-ranges.ts';
import { repAttributionSql } from './rep-attribution.ts';

/** Seniority as a rank: 0 none, 1 manager, 2 director, 3 vp, 4 c_level. */
export const SENIORITY_RANKS = ['none', 'manager', 'director', 'vp', 'c_level'] as const;

/**
 * A subquery over conversation alias `c` yielding (n_external, top_seniority); `$workspace` and
 * `$domains` name the parameters holding the workspace id and the internal domains. A participant with
 * an address counts once per contact of that address (at least once), its seniority the highest of them.
 * `gate`, when given, is a condition on outer columns only: the planner checks it once per call and
 * skips the probes when it is false.
 */
export function participantFactsSql(workspace: string, domains: string, gate = 'TRUE'): string {
  return /* sql */ `(
    SELECT sum(greatest(m.n, 1)) FILTER (WHERE (x.dom IS NOT NULL AND x.dom <> ALL(${domains}))
                                           OR (x.dom IS NULL AND x.affiliation = 'external'))::int AS n_external,
           max(m.seniority)::int AS top_seniority
      FROM (SELECT lower(p->>'affiliation') AS affiliation, lower(p->>'email') AS email,
                   CASE WHEN p->>'email' LIKE '%_@_%' THEN lower(split_part(p->>'email', '@', 2)) END AS dom
              FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c.participants) = 'array'
                                             THEN c.participants ELSE '[]'::jsonb END) AS p
             -- OFFSET 0 keeps this a subquery: flattened, the probe below would compare email_key with
             -- lower(...) of the participant, and row-level security refuses an index for a qual holding
             -- a function that is not leakproof (a scan of contacts per participant instead).
             OFFSET 0) AS x
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS n,
               max(CASE ct.seniority WHEN 'c_level' THEN 4 WHEN 'vp' THEN 3 WHEN 'director' THEN 2
                                     WHEN 'manager' THEN 1 ELSE 0 END) AS seniority
          FROM contacts ct
         WHERE x.dom IS NOT NULL AND ct.workspace_id = ${workspace} AND ct.email_key = x.email
      ) AS m
     WHERE ${gate}
  )`;
}

/**
 * Stores the facts of the external calls in `ids` (null: all) that are linked to an account and to no deal, and
 * drops the rows of calls that left that set. Unchanged facts are not rewritten.
 */
export async function storeCallFacts(
  q: Queryable,
  workspaceId: string,
  internalDomains: readonly string[],
  ids: readonly string[] | null = null,
): Promise<{ stored: number; dropped: number }> {
  // JIT off for the rest of the transaction: the per-call probes inflate the estimated cost past the
  // JIT thresholds, and compiling costs a server about a second per statement, more than the work.
  await q.query(`SELECT set_config('jit', 'off', true)`);
  // A chunk reads its calls by id alone (OFFSET 0 keeps the conditions below out): beside them, the id
  // list went to the partial index conversations_without_deal_scoring, whose statistics, taken before a
  // run links anything, make it look empty, and each chunk of 500 calls scanned 41k rows of it.
  const calls =
    ids === null
      ? 'conversations'
      : '(SELECT * FROM conversations WHERE workspace_id = $1::uuid AND id = ANY($3::uuid[]) OFFSET 0)';
  const stored = await q.query(
    /* sql */ `INSERT INTO conversation_call_facts
                  (workspace_id, conversation_id, domains, rep_email, external_participants, top_seniority)
                SELECT $1::uuid, c.id, $2::text[], rep.rep_email, coalesce(px.n_external, 0),
                       coalesce(px.top_seniority, 0)
                  FROM ${calls} c
                 CROSS JOIN LATERAL ${repAttributionSql('$2::text[]')} AS rep
                 CROSS JOIN LATERAL ${participantFactsSql('$1::uuid', '$2::text[]')} AS px
                 WHERE c.workspace_id = $1::uuid AND c.is_internal = FALSE
                   AND c.account_id IS NOT NULL AND c.deal_id IS NULL AND ${inIdList('c.id', 3)}
              ON CONFLICT (workspace_id, conversation_id) DO UPDATE
                 SET domains = EXCLUDED.domains, rep_email = EXCLUDED.rep_email,
                     external_participants = EXCLUDED.external_participants,
                     top_seniority = EXCLUDED.top_seniority, computed_at = now()
               WHERE (conversation_call_facts.domains, conversation_call_facts.rep_email,
                      conversation_call_facts.external_participants, conversation_call_facts.top_seniority)
                     IS DISTINCT FROM
                     (EXCLUDED.domains, EXCLUDED.rep_email, EXCLUDED.external_participants, EXCLUDED.top_seniority)`,
    [workspaceId, internalDomains as string[], ids],
  );
  const dropped = await q.query(
    /* sql */ `DELETE FROM conversation_call_facts f
               USING conversations c
               WHERE f.workspace_id = $1::uuid AND c.workspace_id = $1::uuid AND c.id = f.conversation_id
                 AND (c.is_internal IS NOT FALSE OR c.account_id IS NULL OR c.deal_id IS NOT NULL)
                 AND ${inIdList('c.id', 2)} AND ${inIdList('f.conversation_id', 2)}`,
    [workspaceId, ids],
  );
  return { stored: stored.rowCount, dropped: dropped.rowCount };
}
