/**
 * Recorded calls for the plain world, written in SQL as the linker leaves them, so conversations without
 * deals can be measured at a million deals: three contacts per account, 1.2 calls per deal, a tenth
 * internal, a fifth of the external ones linked to an account and no deal, a twentieth unlinked (only a
 * free-mail guest), the rest linked to a deal. The linker itself is not run: in chunks of 500 calls, each
 * re-reading every account's domains and every deal's life, it takes hours at this size. What it stores
 * for the calls without a deal (the internal domains, the call facts) is written by its own functions.
 */
import type { Db } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { storeCallFacts } from '../../src/linker/call-facts.ts';
import { resolveInternalDomains, storeInternalDomains } from '../../src/linker/internal-domains.ts';

export const CALLS_PER_DEAL = 1.2;

export async function writePlainCalls(db: Db, workspaceId: string, deals: number): Promise<number> {
  const contacts = await db.query(
    /* sql */ `INSERT INTO contacts (workspace_id, source, source_id, first_name, last_name, email, seniority,
                                   owner_email, account_id)
     SELECT $1::uuid, 'hubspot', 'c' || substr(a.source_id, 2) || '-' || m, 'Person', 'P' || m,
            'p' || m || '@' || a.domain,
            (ARRAY['c_level', 'vp', 'director', 'manager', 'individual_contributor'])
              [(substr(a.source_id, 2)::int * 3 + m) % 5 + 1],
            a.owner_email, a.id
       FROM accounts a CROSS JOIN generate_series(1, 3) m
      WHERE a.workspace_id = $1::uuid`,
    [workspaceId],
  );
  await db.exec('ANALYZE contacts');
  // Call k belongs to deal (k * 7919) mod deals and its account; k mod 20 picks the outcome:
  // 0 and 10 internal, 1 unlinked, 2-5 account only, the rest linked to the deal.
  const calls = await db.query(
    /* sql */ `INSERT INTO conversations (workspace_id, source, source_id, title, started_at, duration_seconds,
                                        organizer_email, participants, is_internal, internal_classification_reason,
                                        contact_id, account_id, deal_id, link_method)
     SELECT $1::uuid, 'gong', 'g' || k,
            CASE WHEN kind = 'internal' THEN 'Team sync' ELSE a.name || ' - Demo' END,
            now() - ((k * 53) % 730) * interval '1 day' - (k % 24) * interval '1 hour',
            120 + (k * 37) % 3600, rep,
            CASE kind
              WHEN 'internal' THEN jsonb_build_array(
                jsonb_build_object('email', rep, 'name', 'Rep', 'affiliation', 'internal'),
                jsonb_build_object('email', 'rep' || ((k + 1) % 50) || '@bench.test', 'affiliation', 'internal'))
              WHEN 'unlinked' THEN jsonb_build_array(
                jsonb_build_object('email', rep, 'name', 'Rep', 'affiliation', 'internal'),
                jsonb_build_object('email', 'guest' || k || '@gmail.com', 'affiliation', 'external'))
              ELSE jsonb_build_array(jsonb_build_object('email', rep, 'name', 'Rep', 'affiliation', 'internal'))
                   || (SELECT jsonb_agg(jsonb_build_object('email', 'p' || (1 + (k + m) % 3) || '@' || a.domain,
                                                           'affiliation', 'external'))
                         FROM generate_series(0, k % 3) m)
            END,
            kind = 'internal',
            CASE kind WHEN 'internal' THEN 'all_participants_internal_domain'
                      WHEN 'unlinked' THEN 'free_mail_participant' ELSE 'external_participant_domain' END,
            CASE WHEN kind IN ('deal', 'account') THEN ct.id END,
            CASE WHEN kind IN ('deal', 'account') THEN a.id END,
            CASE WHEN kind = 'deal' THEN d.id END,
            CASE kind WHEN 'deal' THEN (ARRAY['email_match', 'crm_native_id', 'single_deal_inference', 'email_match'])[k % 4 + 1]
                      WHEN 'account' THEN (ARRAY['domain_match', 'email_match'])[k % 2 + 1] END
       FROM generate_series(1, $2::int) k
       CROSS JOIN LATERAL (SELECT CASE WHEN k % 10 = 0 THEN 'internal' WHEN k % 20 = 1 THEN 'unlinked'
                                       WHEN k % 20 BETWEEN 2 AND 5 THEN 'account' ELSE 'deal' END AS kind,
                                  'rep' || (k % 50) || '@bench.test' AS rep) x
       JOIN deals d ON d.workspace_id = $1::uuid AND d.source = 'hubspot' AND d.source_id = 'd' || ((k::bigint * 7919) % $3::int)
       JOIN accounts a ON a.workspace_id = $1::uuid AND a.id = d.account_id
       LEFT JOIN contacts ct ON ct.workspace_id = $1::uuid AND ct.source = 'hubspot'
                            AND ct.source_id = 'c' || substr(a.source_id, 2) || '-' || (1 + k % 3)`,
    [workspaceId, Math.round(deals * CALLS_PER_DEAL), deals],
  );
  await db.exec('ANALYZE conversations');
  await withWorkspace(db, workspaceId, async (q) => {
    const resolved = await resolveInternalDomains(q, workspaceId);
    await storeInternalDomains(q, workspaceId, resolved);
    await storeCallFacts(q, workspaceId, resolved.domains);
  });
  return contacts.rowCount + calls.rowCount;
}
