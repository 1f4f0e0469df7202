/**
 * Association inference after imports, workspace-wide and set-based: unlinked deals and contacts get
 * their account by domain, normalised company name (pandora_company_key) or contact email domain;
 * contacts get deals from an associated_deals column or, when their account has exactly one deal, that
 * deal; imported activities get their contact by email, their deal by name and their account from either
 * or by name. Idempotent (only NULL links are filled, ON CONFLICT DO NOTHING). With a batch id every change is
 * captured in import_batch_changes so a rollback undoes it.
 */
import { eventLoopTurn } from '../../db/event-loop-turn.ts';
import type { Queryable } from '../../db/db.ts';
import { type IdRange, idRanges } from '../../db/id-ranges.ts';
import { IMPORT_SOURCE } from './row-normaliser.ts';

// Addresses at these domains say nothing about the company.
const FREE_MAIL = [
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'icloud.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.de',
  'web.de',
];

// MATERIALIZED: each index is aggregated once and hash-joined; inlined, the planner may re-aggregate the
// account name index once per deal (deals × accounts: 3.2 s of a 4.3 s apply at 8,800 × 85). Imported rows
// carry their company key (refs.account_key, computed while parsing), so the join runs no regex per deal.
// bench/import/link-step.ts times it at 100k deals × 10k accounts.
const ACCOUNT_KEYS = /* sql */ `
  by_name AS MATERIALIZED (
    SELECT pandora_company_key(name) AS k, (array_agg(id))[1] AS account_id
    FROM accounts WHERE workspace_id = $1::uuid AND pandora_company_key(name) IS NOT NULL
    GROUP BY 1 HAVING count(*) = 1),
  by_domain AS MATERIALIZED (
    SELECT regexp_replace(lower(domain), '^www\\.', '') AS d, (array_agg(id))[1] AS account_id
    FROM accounts WHERE workspace_id = $1::uuid AND domain IS NOT NULL AND domain <> ''
    GROUP BY 1 HAVING count(*) = 1)`;

const KEY_TABLE = 'pandora_import_account_keys';

/**
 * The account keys of the workspace as a transaction-local table (kind 'name' | 'domain', k, account_id):
 * each chunk of new deals hash-joins it in its INSERT, so new deals are written linked and never updated a
 * second time for their account, and the relink joins it for the deals and contacts already stored.
 */
export async function createAccountKeyTable(q: Queryable, workspaceId: string): Promise<string> {
  // Made again when asked again in the same transaction: accounts written since are in the new one.
  await q.query(`DROP TABLE IF EXISTS pg_temp.${KEY_TABLE}`);
  await q.query(
    /* sql */ `CREATE TEMP TABLE ${KEY_TABLE} ON COMMIT DROP AS
      WITH ${ACCOUNT_KEYS}
      SELECT 'name' AS kind, k, account_id FROM by_name
      UNION ALL SELECT 'domain', d, account_id FROM by_domain`,
    [workspaceId],
  );
  await q.query(`ANALYZE ${KEY_TABLE}`);
  return KEY_TABLE;
}

/** `cand`'s rows as they were, for the rollback; rows this transaction inserted are deleted by it instead. */
function captureUpdates(table: 'deals' | 'contacts' | 'accounts' | 'activities'): string {
  return /* sql */ `
  captured AS (
    INSERT INTO import_batch_changes (workspace_id, batch_id, entity_type, row_id, action, previous)
    SELECT $1::uuid, $2::uuid, '${table}', t.id, 'update', to_jsonb(t)
    FROM ${table} t JOIN cand ON cand.id = t.id
    WHERE $2::uuid IS NOT NULL AND t.workspace_id = $1::uuid AND t.created_at <> now()
    ON CONFLICT DO NOTHING)`;
}

async function hasAccounts(q: Queryable, workspaceId: string): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM accounts WHERE workspace_id = $1::uuid LIMIT 1`, [
    workspaceId,
  ]);
  return rows.length > 0;
}

// How many stored deals or contacts one link statement may update: every one on a server; on the embedded
// backend, whose statements run on the server's own thread, few enough that requests are read between two.
// Each updated row goes into every index of its table, and the statement's triggers refresh what the
// linked deals' calls and rollups show: with 1,000 rows, chunks of an import linking 50k stored deals took
// up to 0.36 s and /healthz p99 was 0.74-0.78 s during it; with 500, 0.48 s (bench:responsiveness,
// accounts_import_relink). One statement over all of them held the thread 13 s at 100k deals.
export const LINK_CHUNK_ROWS = { postgres: null, pglite: 500 } as const;

/**
 * Runs `link` over the workspace's rows of `table` a range of ids at a time (a turn of the event loop
 * between two), or over all of them at once when `chunkRows` is null; the rows it linked.
 */
async function inIdChunks(
  q: Queryable,
  table: 'deals' | 'contacts',
  workspaceId: string,
  chunkRows: number | null,
  link: (range: IdRange) => Promise<number>,
): Promise<number> {
  const ranges = chunkRows ? await idRanges(q, table, workspaceId, chunkRows) : [{ after: null, upTo: null }];
  let linked = 0;
  for (const [i, range] of ranges.entries()) {
    if (i > 0) await eventLoopTurn();
    linked += await link(range);
  }
  return linked;
}

// The rows of one id range ($3 < id <= $4; a null bound is open).
const IN_RANGE = (alias: string) =>
  `($3::uuid IS NULL OR ${alias}.id > $3::uuid) AND ($4::uuid IS NULL OR ${alias}.id <= $4::uuid)`;

/** Unlinked deals get the account their file named, by domain or company name (`keys`: createAccountKeyTable). */
export async function linkAllUnlinkedDeals(
  q: Queryable,
  workspaceId: string,
  keys: string,
  batchId: string | null = null,
  chunkRows: number | null = null,
) {
  return inIdChunks(q, 'deals', workspaceId, chunkRows, async (range) => {
    const res = await q.query(
      /* sql */ `WITH cand AS (
          SELECT d.id, coalesce(bd.account_id, bn.account_id) AS account_id
          FROM deals d
          LEFT JOIN ${keys} bd ON bd.kind = 'domain' AND bd.k = d.source_data #>> '{refs,account_domain}'
          LEFT JOIN ${keys} bn ON bn.kind = 'name' AND bn.k = coalesce(d.source_data #>> '{refs,account_key}',
                                                   pandora_company_key(d.source_data #>> '{refs,account_name}'))
          WHERE d.workspace_id = $1::uuid AND d.account_id IS NULL AND ${IN_RANGE('d')}
            AND (d.source_data #> '{refs,account_domain}' IS NOT NULL OR d.source_data #> '{refs,account_name}' IS NOT NULL)
            AND coalesce(bd.account_id, bn.account_id) IS NOT NULL),
        ${captureUpdates('deals')}
      UPDATE deals d SET account_id = cand.account_id, updated_at = now()
      FROM cand WHERE d.workspace_id = $1::uuid AND d.id = cand.id`,
      [workspaceId, batchId, range.after, range.upTo],
    );
    return res.rowCount;
  });
}

/** Unlinked contacts get the account their file named, else the one of their email's domain. */
export async function linkAllUnlinkedContacts(
  q: Queryable,
  workspaceId: string,
  keys: string,
  batchId: string | null = null,
  chunkRows: number | null = null,
) {
  return inIdChunks(q, 'contacts', workspaceId, chunkRows, async (range) => {
    const res = await q.query(
      /* sql */ `WITH cand AS (
          SELECT c.id, coalesce(bd.account_id, bn.account_id, be.account_id) AS account_id
          FROM contacts c
          LEFT JOIN ${keys} bd ON bd.kind = 'domain' AND bd.k = c.source_data #>> '{refs,account_domain}'
          LEFT JOIN ${keys} bn ON bn.kind = 'name' AND bn.k = coalesce(c.source_data #>> '{refs,account_key}',
                                                   pandora_company_key(c.source_data #>> '{refs,account_name}'))
          LEFT JOIN ${keys} be ON be.kind = 'domain' AND be.k = split_part(lower(c.email), '@', 2)
            AND NOT (split_part(lower(c.email), '@', 2) = ANY($5::text[]))
          WHERE c.workspace_id = $1::uuid AND c.account_id IS NULL AND ${IN_RANGE('c')}
            AND coalesce(bd.account_id, bn.account_id, be.account_id) IS NOT NULL),
        ${captureUpdates('contacts')}
      UPDATE contacts c SET account_id = cand.account_id, updated_at = now()
      FROM cand WHERE c.workspace_id = $1::uuid AND c.id = cand.id`,
      [workspaceId, batchId, range.after, range.upTo, FREE_MAIL],
    );
    return res.rowCount;
  });
}

/** Accounts whose file named a parent company get the account of that name (never themselves). */
export async function linkParentAccounts(q: Queryable, workspaceId: string, batchId: string | null = null) {
  const res = await q.query(
    /* sql */ `WITH ${ACCOUNT_KEYS},
      cand AS (
        SELECT a.id, bn.account_id
        FROM accounts a
        JOIN by_name bn ON bn.k = a.source_data #>> '{refs,parent_account_key}'
        WHERE a.workspace_id = $1::uuid AND a.parent_account_id IS NULL
          AND a.source_data #> '{refs,parent_account_key}' IS NOT NULL AND bn.account_id <> a.id),
      ${captureUpdates('accounts')}
    UPDATE accounts a SET parent_account_id = cand.account_id, updated_at = now()
    FROM cand WHERE a.workspace_id = $1::uuid AND a.id = cand.id`,
    [workspaceId, batchId],
  );
  return res.rowCount;
}

/**
 * Imported activities that name their contact (email), deal (name) or account (name): each missing link is
 * filled where the file's value settles it. An email shared by several contacts, or a deal name shared by
 * several deals that the activity's account does not tell apart, is left unlinked. The account is the
 * deal's, else the contact's, else the one named.
 */
export async function linkImportedActivities(
  q: Queryable,
  workspaceId: string,
  batchId: string | null = null,
) {
  const { rows: pending } = await q.query(
    `SELECT 1 FROM activities WHERE workspace_id = $1::uuid AND source = $2::text
       AND (contact_id IS NULL OR deal_id IS NULL OR account_id IS NULL) AND source_data ? 'refs' LIMIT 1`,
    [workspaceId, IMPORT_SOURCE],
  );
  if (pending.length === 0) return 0;
  const res = await q.query(
    /* sql */ `WITH ${ACCOUNT_KEYS},
      acts AS MATERIALIZED (
        SELECT a.id, a.contact_id, a.deal_id, a.account_id,
               lower(btrim(a.source_data #>> '{refs,contact_email}')) AS email,
               lower(btrim(a.source_data #>> '{refs,deal_name}')) AS deal_name,
               coalesce(a.source_data #>> '{refs,account_key}',
                        pandora_company_key(a.source_data #>> '{refs,account_name}')) AS account_key
        FROM activities a
        WHERE a.workspace_id = $1::uuid AND a.source = $3::text AND a.source_data ? 'refs'
          AND (a.contact_id IS NULL OR a.deal_id IS NULL OR a.account_id IS NULL)),
      by_email AS MATERIALIZED (
        SELECT lower(email) AS email, (array_agg(id))[1] AS contact_id, (array_agg(account_id))[1] AS account_id
        FROM contacts WHERE workspace_id = $1::uuid AND email IS NOT NULL AND deleted_at IS NULL
        GROUP BY 1 HAVING count(*) = 1),
      resolved AS (
        SELECT a.*, c.contact_id AS found_contact, coalesce(a.account_id, c.account_id, bn.account_id) AS known_account
        FROM acts a
        LEFT JOIN by_email c ON c.email = a.email
        LEFT JOIN by_name bn ON bn.k = a.account_key),
      named AS (
        SELECT r.id, d.id AS deal_id, d.account_id,
               count(*) OVER (PARTITION BY r.id) AS n,
               count(*) FILTER (WHERE d.account_id = r.known_account) OVER (PARTITION BY r.id) AS n_same,
               d.account_id IS NOT DISTINCT FROM r.known_account AS same_account
        FROM resolved r
        JOIN deals d ON d.workspace_id = $1::uuid AND d.deleted_at IS NULL AND lower(btrim(d.name)) = r.deal_name
        WHERE r.deal_id IS NULL),
      filled AS (
        SELECT r.id, r.contact_id AS had_contact, r.deal_id AS had_deal, r.account_id AS had_account,
               coalesce(r.contact_id, r.found_contact) AS contact_id,
               coalesce(r.deal_id, nd.deal_id) AS deal_id,
               coalesce(r.account_id, nd.account_id, r.known_account) AS account_id
        FROM resolved r
        LEFT JOIN named nd ON nd.id = r.id AND (nd.n = 1 OR (nd.n_same = 1 AND nd.same_account))),
      cand AS (
        SELECT id, contact_id, deal_id, account_id FROM filled
        WHERE (had_contact, had_deal, had_account) IS DISTINCT FROM (contact_id, deal_id, account_id)),
      ${captureUpdates('activities')}
    UPDATE activities t SET contact_id = cand.contact_id, deal_id = cand.deal_id, account_id = cand.account_id,
           updated_at = now()
    FROM cand WHERE t.workspace_id = $1::uuid AND t.id = cand.id`,
    [workspaceId, batchId, IMPORT_SOURCE],
  );
  return res.rowCount;
}

const CAPTURE_LINKS = /* sql */ `
  captured AS (
    INSERT INTO import_batch_changes (workspace_id, batch_id, entity_type, row_id, action, previous)
    SELECT $1::uuid, $2::uuid, 'deal_contacts', id, 'insert', NULL FROM ins WHERE $2::uuid IS NOT NULL
    ON CONFLICT DO NOTHING)`;

export async function inferContactDealLinks(
  q: Queryable,
  workspaceId: string,
  batchId: string | null = null,
) {
  // Explicit: deal names listed on the contact row; a name shared by several deals is settled by the
  // contact's account, and left alone when that does not settle it.
  const explicit = await q.query<{ n: number }>(
    /* sql */ `WITH wanted AS (
        SELECT c.id AS contact_id, c.account_id, lower(btrim(n.name)) AS deal_name
        FROM contacts c
        CROSS JOIN LATERAL jsonb_array_elements_text(c.source_data #> '{refs,associated_deals}') AS n(name)
        WHERE c.workspace_id = $1::uuid AND jsonb_typeof(c.source_data #> '{refs,associated_deals}') = 'array'),
      matches AS (
        SELECT w.contact_id, w.deal_name, d.id AS deal_id,
               (w.account_id IS NOT NULL AND d.account_id = w.account_id) AS same_account
        FROM wanted w JOIN deals d ON d.workspace_id = $1::uuid AND lower(btrim(d.name)) = w.deal_name),
      ranked AS (
        SELECT *, count(*) OVER (PARTITION BY contact_id, deal_name) AS n,
               count(*) FILTER (WHERE same_account) OVER (PARTITION BY contact_id, deal_name) AS n_same
        FROM matches),
      ins AS (
        INSERT INTO deal_contacts (workspace_id, deal_id, contact_id, source, role_source)
        SELECT DISTINCT $1::uuid, deal_id, contact_id, 'file_import', 'crm_association'
        FROM ranked WHERE n = 1 OR (n_same = 1 AND same_account)
        ON CONFLICT DO NOTHING RETURNING id),
      ${CAPTURE_LINKS}
    SELECT count(*)::int AS n FROM ins`,
    [workspaceId, batchId],
  );
  // Inferred: a contact with no deal at all, at an account that has exactly one deal.
  const single = await q.query<{ n: number }>(
    /* sql */ `WITH one_deal AS (
        SELECT account_id, (array_agg(id))[1] AS deal_id FROM deals
        WHERE workspace_id = $1::uuid AND account_id IS NOT NULL GROUP BY account_id HAVING count(*) = 1),
      ins AS (
        INSERT INTO deal_contacts (workspace_id, deal_id, contact_id, source, role_source, role_confidence)
        SELECT $1::uuid, o.deal_id, c.id, 'inferred', 'inferred', 0.5
        FROM contacts c JOIN one_deal o ON o.account_id = c.account_id
        WHERE c.workspace_id = $1::uuid
          AND NOT EXISTS (SELECT 1 FROM deal_contacts dc WHERE dc.workspace_id = $1::uuid AND dc.contact_id = c.id)
        ON CONFLICT DO NOTHING RETURNING id),
      ${CAPTURE_LINKS}
    SELECT count(*)::int AS n FROM ins`,
    [workspaceId, batchId],
  );
  return { explicit: explicit.rows[0]!.n, single_deal: single.rows[0]!.n };
}

export interface RelinkCounts {
  deals_linked_to_accounts: number;
  contacts_linked_to_accounts: number;
  contact_deal_links_explicit: number;
  contact_deal_links_inferred: number;
  accounts_linked_to_parents: number;
  activities_linked: number;
}

/** `chunkRows`: LINK_CHUNK_ROWS of the backend (null: each link in one statement). */
export async function relinkAll(
  q: Queryable,
  workspaceId: string,
  batchId: string | null = null,
  chunkRows: number | null = null,
): Promise<RelinkCounts> {
  // A turn of the event loop between two steps, each several statements: on the embedded backend the
  // server reads requests between them.
  let deals = 0;
  let contacts = 0;
  if (await hasAccounts(q, workspaceId)) {
    const keys = await createAccountKeyTable(q, workspaceId);
    await eventLoopTurn();
    deals = await linkAllUnlinkedDeals(q, workspaceId, keys, batchId, chunkRows);
    await eventLoopTurn();
    contacts = await linkAllUnlinkedContacts(q, workspaceId, keys, batchId, chunkRows);
    await q.query(`DROP TABLE pg_temp.${keys}`);
    await eventLoopTurn();
  }
  const links = await inferContactDealLinks(q, workspaceId, batchId);
  await eventLoopTurn();
  const parents = await linkParentAccounts(q, workspaceId, batchId);
  await eventLoopTurn();
  const activities = await linkImportedActivities(q, workspaceId, batchId);
  return {
    deals_linked_to_accounts: deals,
    contacts_linked_to_accounts: contacts,
    contact_deal_links_explicit: links.explicit,
    contact_deal_links_inferred: links.single_deal,
    accounts_linked_to_parents: parents,
    activities_linked: activities,
  };
}
