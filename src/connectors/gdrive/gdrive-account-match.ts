/**
 * Links Drive documents to accounts: a document whose folder path or name names an account (a path
 * segment or a " - "/"_"-separated name part equal to the account name, or the account's domain
 * anywhere in either) gets that account_id, when exactly one account matches. Set-based; it runs over
 * every still-unlinked document whenever documents or accounts changed, so an account a CRM sync brings
 * in later links the documents that name it.
 */
import type { Queryable } from '../../db/db.ts';
import { withWorkspace } from '../../db/tenant-scope.ts';
import { registerPostSyncStep } from '../../sync/post-sync-steps.ts';

export async function linkDocumentsToAccounts(q: Queryable, workspaceId: string): Promise<number> {
  // Token rows from unnest/regexp have no statistics; the inflated estimates would trigger JIT
  // compilation that costs more than the query (seconds at 50k documents). Transaction-local.
  await q.query('SET LOCAL jit = off');
  const res = await q.query(
    /* sql */ `WITH docs AS (
                 SELECT id, lower(coalesce(name, '')) AS name, lower(coalesce(folder_path, '')) AS path
                 FROM documents
                 WHERE workspace_id = $1::uuid AND source = 'gdrive' AND account_id IS NULL),
               name_tokens AS (
                 SELECT d.id, btrim(t) AS token FROM docs d, unnest(string_to_array(d.path, '/')) t
                 UNION
                 SELECT d.id, btrim(t) FROM docs d,
                        unnest(regexp_split_to_array(regexp_replace(d.name, '\\.[a-z0-9]{1,5}$', ''), '\\s+[-|:]\\s+|_')) t
                 UNION
                 SELECT d.id, regexp_replace(d.name, '\\.[a-z0-9]{1,5}$', '') FROM docs d),
               domain_tokens AS (
                 SELECT DISTINCT d.id, m[1] AS token
                 FROM docs d, regexp_matches(d.name || ' ' || d.path, '((?:[a-z0-9-]+\\.)+[a-z]{2,})', 'g') m),
               accts AS (
                 SELECT id, lower(btrim(name)) AS name,
                        lower(regexp_replace(btrim(domain), '^(https?://)?(www\\.)?', '')) AS domain
                 FROM accounts WHERE workspace_id = $1::uuid),
               candidates AS (
                 SELECT t.id AS document_id, a.id AS account_id
                 FROM name_tokens t JOIN accts a ON a.name = t.token
                 WHERE t.token <> ''
                 UNION
                 SELECT t.id, a.id FROM domain_tokens t JOIN accts a ON a.domain = t.token),
               unique_match AS (
                 SELECT document_id, (array_agg(account_id))[1] AS account_id
                 FROM candidates GROUP BY document_id HAVING count(*) = 1)
               UPDATE documents d SET account_id = u.account_id, updated_at = now()
               FROM unique_match u
               WHERE d.workspace_id = $1::uuid AND d.id = u.document_id`,
    [workspaceId],
  );
  return res.rowCount;
}

registerPostSyncStep({
  name: 'gdrive-account-match',
  // After the internal-meeting filter, before the linker and computed fields read account links.
  order: 150,
  // New documents, and new accounts that unlinked documents may name.
  reactsTo: ['documents', 'accounts'],
  async run(ctx) {
    const linked = await withWorkspace(ctx.db, ctx.workspaceId, (tx) =>
      linkDocumentsToAccounts(tx, ctx.workspaceId),
    );
    return { documents_linked: linked };
  },
});
