/**
 * The company domains the linker matches participants' addresses against: every account's primary and
 * additional domains, normalised (no scheme, "www." or path; lower case), free-mail domains left out.
 * A pass in one transaction computes them inline and joins them whole; a run in chunks stores them once
 * at its start (table linker_account_domains) and each chunk probes the rows of its own participants'
 * domains and its contacts' accounts by index, instead of normalising every account's domains again.
 */
import type { Queryable } from '../db/db.ts';
import { inIdList } from '../db/id-ranges.ts';
import { FREE_MAIL_DOMAINS } from './free-mail-domains.ts';

/**
 * Rows (account_id, domain, is_primary, source_created_at) of workspace $1; `freeMail` is the parameter
 * holding the free-mail domains, `accounts` an SQL condition on the accounts' `a.id`.
 */
export function accountDomainRowsSql(freeMail: string, accounts = 'TRUE'): string {
  return /* sql */ `
    SELECT DISTINCT s.account_id, s.domain, s.is_primary, s.source_created_at
      FROM (SELECT a.id AS account_id, a.source_created_at, dm.is_primary,
                   lower(regexp_replace(btrim(dm.domain), '^([a-z]+://)?(www\\.)?|[/:].*$', '', 'gi')) AS domain
              FROM accounts a
              CROSS JOIN LATERAL (SELECT a.domain, true
                                  UNION ALL
                                  SELECT u.d, false FROM unnest(a.additional_domains) AS u(d)) AS dm(domain, is_primary)
             WHERE a.workspace_id = $1::uuid AND dm.domain IS NOT NULL AND a.deleted_at IS NULL
               AND ${accounts}) s
     WHERE s.domain <> '' AND s.domain <> ALL(${freeMail})`;
}

/**
 * The stored rows a chunk needs: those of the domains `domains` yields and of the accounts `accounts`
 * yields (two subqueries over the chunk's own CTEs), probed by index. Same columns as accountDomainRowsSql.
 */
export function storedAccountDomainRowsSql(domains: string, accounts: string): string {
  return /* sql */ `
    SELECT l.account_id, l.domain, l.is_primary, l.source_created_at
      FROM linker_account_domains l
     WHERE l.workspace_id = $1::uuid
       AND (l.domain = ANY(ARRAY(${domains})) OR l.account_id = ANY(ARRAY(${accounts})))`;
}

/**
 * Brings the stored domains of the accounts in `ids` (null: all) in line with the accounts, writing only
 * the rows that differ: a rerun over unchanged accounts writes nothing (a deleted account's rows go with
 * it, by the foreign key). Returns the rows written or removed.
 */
export async function storeAccountDomains(
  q: Queryable,
  workspaceId: string,
  ids: readonly string[] | null = null,
): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    /* sql */ `WITH current AS MATERIALIZED (${accountDomainRowsSql('$2::text[]', inIdList('a.id', 3))}),
      stored AS MATERIALIZED (
        SELECT domain, account_id, is_primary, source_created_at
          FROM linker_account_domains WHERE workspace_id = $1::uuid AND ${inIdList('account_id', 3)}
      ),
      diff AS MATERIALIZED (
        SELECT coalesce(c.domain, s.domain) AS domain, coalesce(c.account_id, s.account_id) AS account_id,
               coalesce(c.is_primary, s.is_primary) AS is_primary, c.source_created_at,
               CASE WHEN s.domain IS NULL THEN 'add' WHEN c.domain IS NULL THEN 'drop' ELSE 'update' END AS op
          FROM current c
          FULL JOIN stored s ON s.domain = c.domain AND s.account_id = c.account_id AND s.is_primary = c.is_primary
         WHERE s.domain IS NULL OR c.domain IS NULL OR s.source_created_at IS DISTINCT FROM c.source_created_at
      ),
      dropped AS (
        DELETE FROM linker_account_domains l USING diff d
         WHERE l.workspace_id = $1::uuid AND d.op = 'drop'
           AND l.domain = d.domain AND l.account_id = d.account_id AND l.is_primary = d.is_primary
        RETURNING 1
      ),
      updated AS (
        UPDATE linker_account_domains l SET source_created_at = d.source_created_at
          FROM diff d
         WHERE l.workspace_id = $1::uuid AND d.op = 'update'
           AND l.domain = d.domain AND l.account_id = d.account_id AND l.is_primary = d.is_primary
        RETURNING 1
      ),
      added AS (
        INSERT INTO linker_account_domains (workspace_id, domain, account_id, is_primary, source_created_at)
        SELECT $1::uuid, domain, account_id, is_primary, source_created_at FROM diff WHERE op = 'add'
        RETURNING 1
      )
      SELECT ((SELECT count(*) FROM dropped) + (SELECT count(*) FROM updated)
              + (SELECT count(*) FROM added))::int AS n`,
    [workspaceId, FREE_MAIL_DOMAINS as string[], ids],
  );
  return Number(rows[0]!.n);
}
