/**
 * Deletions and merges at the source, applied inside a page's transaction. Rows are marked (deleted_at,
 * merged_into_id), never removed: history and old findings keep their subjects. Whatever pointed at a
 * merged record moves to its survivor; conversations linked to a deleted deal are released (deal and
 * link method cleared) so the post-sync linker links them again among the live deals.
 */
import type { SoftDeletableEntity, SourceDeletion, SourceMerge } from '../connectors/adapter.ts';
import type { Queryable } from '../db/db.ts';

export const SOFT_DELETABLE: readonly SoftDeletableEntity[] = ['accounts', 'contacts', 'deals', 'leads'];

export interface DeletionCounts {
  deleted: number;
  merged: number;
  /** Conversations whose deal was deleted: unlinked from it, left for the linker. */
  conversations_released: number;
}

/** Rows of other tables that point at an entity and follow it to its survivor. */
const POINTERS: Record<SoftDeletableEntity, ReadonlyArray<{ table: string; column: string }>> = {
  deals: ['conversations', 'activities', 'calls', 'tasks', 'documents'].map((table) => ({
    table,
    column: 'deal_id',
  })),
  accounts: ['contacts', 'deals', 'conversations', 'activities', 'calls', 'tasks', 'documents'].map(
    (table) => ({ table, column: 'account_id' }),
  ),
  contacts: ['conversations', 'activities', 'calls', 'tasks'].map((table) => ({
    table,
    column: 'contact_id',
  })),
  leads: [],
};

function byEntity<T extends { entity: SoftDeletableEntity }>(items: readonly T[]) {
  const out = new Map<SoftDeletableEntity, T[]>();
  for (const item of items) {
    if (!SOFT_DELETABLE.includes(item.entity)) throw new Error(`${item.entity} cannot be marked deleted`);
    const list = out.get(item.entity) ?? [];
    list.push(item);
    out.set(item.entity, list);
  }
  return out;
}

/** Marks rows the source deleted; a row already marked keeps its first deletion time. */
export async function markDeleted(
  q: Queryable,
  workspaceId: string,
  source: string,
  deletions: readonly SourceDeletion[],
): Promise<DeletionCounts> {
  const counts: DeletionCounts = { deleted: 0, merged: 0, conversations_released: 0 };
  for (const [entity, list] of byEntity(deletions)) {
    const { rows } = await q.query<{ source_id: string }>(
      /* sql */ `UPDATE ${entity} t SET deleted_at = d.at, updated_at = now()
                 FROM unnest($2::text[], $3::timestamptz[]) AS d(source_id, at)
                 WHERE t.workspace_id = $1::uuid AND t.source = $4::text AND t.source_id = d.source_id
                   AND t.deleted_at IS NULL
                 RETURNING t.source_id`,
      [workspaceId, list.map((d) => d.source_id), list.map((d) => d.deleted_at), source],
    );
    counts.deleted += rows.length;
    if (entity === 'deals' && rows.length > 0)
      counts.conversations_released += await releaseConversationsOfDeletedDeals(
        q,
        workspaceId,
        source,
        rows.map((r) => r.source_id),
      );
  }
  return counts;
}

/**
 * Points each merged-away row at its survivor (marking it deleted) and moves what referenced it there.
 * A merge whose survivor is not stored yet is skipped; the survivor's next read brings it again.
 */
export async function applyMerges(
  q: Queryable,
  workspaceId: string,
  source: string,
  merges: readonly SourceMerge[],
): Promise<DeletionCounts> {
  const counts: DeletionCounts = { deleted: 0, merged: 0, conversations_released: 0 };
  for (const [entity, list] of byEntity(merges)) {
    const { rows } = await q.query<{ loser: string; survivor: string }>(
      /* sql */ `WITH m AS (
                   SELECT l.id AS loser, s.id AS survivor, m.at
                   FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS m(loser_sid, survivor_sid, at)
                   JOIN ${entity} l ON l.workspace_id = $1::uuid AND l.source = $5::text AND l.source_id = m.loser_sid
                   JOIN ${entity} s ON s.workspace_id = $1::uuid AND s.source = $5::text AND s.source_id = m.survivor_sid
                   WHERE l.id <> s.id)
                 UPDATE ${entity} t SET deleted_at = coalesce(t.deleted_at, m.at), merged_into_id = m.survivor,
                        updated_at = now()
                 FROM m WHERE t.workspace_id = $1::uuid AND t.id = m.loser
                   AND t.merged_into_id IS DISTINCT FROM m.survivor
                 RETURNING m.loser, m.survivor`,
      [
        workspaceId,
        list.map((m) => m.source_id),
        list.map((m) => m.into_source_id),
        list.map((m) => m.merged_at),
        source,
      ],
    );
    counts.merged += rows.length;
    if (rows.length === 0) continue;
    const losers = rows.map((r) => r.loser);
    const survivors = rows.map((r) => r.survivor);
    for (const { table, column } of POINTERS[entity]) {
      await q.query(
        /* sql */ `UPDATE ${table} x SET ${column} = p.survivor, updated_at = now()
                   FROM unnest($2::uuid[], $3::uuid[]) AS p(loser, survivor)
                   WHERE x.workspace_id = $1::uuid AND x.${column} = p.loser`,
        [workspaceId, losers, survivors],
      );
    }
    if (entity === 'deals' || entity === 'contacts') {
      await moveDealContacts(
        q,
        workspaceId,
        entity === 'deals' ? 'deal_id' : 'contact_id',
        losers,
        survivors,
      );
    }
  }
  return counts;
}

/** deal_contacts rows of merged-away deals or contacts: copied onto the survivor, then removed. */
async function moveDealContacts(
  q: Queryable,
  workspaceId: string,
  column: 'deal_id' | 'contact_id',
  losers: string[],
  survivors: string[],
) {
  const other = column === 'deal_id' ? 'contact_id' : 'deal_id';
  await q.query(
    /* sql */ `INSERT INTO deal_contacts (workspace_id, ${column}, ${other}, source, role, role_source,
                 role_confidence, is_primary)
               SELECT dc.workspace_id, p.survivor, dc.${other}, dc.source, dc.role, dc.role_source,
                      dc.role_confidence, dc.is_primary
               FROM deal_contacts dc
               JOIN unnest($2::uuid[], $3::uuid[]) AS p(loser, survivor) ON dc.${column} = p.loser
               WHERE dc.workspace_id = $1::uuid
               ON CONFLICT (workspace_id, deal_id, contact_id, source) DO NOTHING`,
    [workspaceId, losers, survivors],
  );
  await q.query(
    /* sql */ `DELETE FROM deal_contacts WHERE workspace_id = $1::uuid AND ${column} = ANY($2::uuid[])`,
    [workspaceId, losers],
  );
}

/**
 * Conversations linked to deals of this source that are now deleted (not merged: those moved to the
 * survivor). Manual links are released too: they name a deal that no longer exists.
 */
export async function releaseConversationsOfDeletedDeals(
  q: Queryable,
  workspaceId: string,
  source: string,
  dealSourceIds: readonly string[],
): Promise<number> {
  if (dealSourceIds.length === 0) return 0;
  const { rowCount } = await q.query(
    /* sql */ `UPDATE conversations c SET deal_id = NULL, link_method = NULL, updated_at = now()
               FROM deals d
               WHERE c.workspace_id = $1::uuid AND d.workspace_id = $1::uuid AND c.deal_id = d.id
                 AND d.source = $2::text AND d.source_id = ANY($3::text[])
                 AND d.deleted_at IS NOT NULL AND d.merged_into_id IS NULL`,
    [workspaceId, source, [...new Set(dealSourceIds)]],
  );
  return rowCount;
}
