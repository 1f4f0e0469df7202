/**
 * Applies one batch of the source's associations to what is stored: deal_contacts rows of the adapter's
 * link source that the source no longer has are removed and missing ones added; a deal's or contact's
 * account moves when its current one is no longer associated, and is cleared when the source has none.
 * Only live rows are touched; each statement is set-based over the batch.
 */
import type { AssociationBatch } from '../connectors/adapter.ts';
import type { Queryable } from '../db/db.ts';

export interface AssociationCounts {
  /** Records of the batch stored here (live). */
  checked: number;
  added: number;
  removed: number;
  /** Single-valued kinds: the account changed from one to another. */
  moved: number;
  /** deal_contact: a role or primary flag the source changed. */
  updated: number;
  /** Associations to records not stored (not synced yet, or deleted here): left as they were. */
  unresolved: number;
}

export function emptyAssociationCounts(): AssociationCounts {
  return { checked: 0, added: 0, removed: 0, moved: 0, updated: 0, unresolved: 0 };
}

export function addAssociationCounts(a: AssociationCounts, b: AssociationCounts): AssociationCounts {
  return {
    checked: a.checked + b.checked,
    added: a.added + b.added,
    removed: a.removed + b.removed,
    moved: a.moved + b.moved,
    updated: a.updated + b.updated,
    unresolved: a.unresolved + b.unresolved,
  };
}

export async function applyAssociationBatch(
  q: Queryable,
  workspaceId: string,
  source: string,
  batch: AssociationBatch,
): Promise<AssociationCounts> {
  if (batch.from_source_ids.length === 0) return emptyAssociationCounts();
  if (batch.kind === 'deal_contact') return applyDealContacts(q, workspaceId, source, batch);
  return applyAccounts(q, workspaceId, source, batch);
}

async function applyDealContacts(
  q: Queryable,
  workspaceId: string,
  source: string,
  batch: Extract<AssociationBatch, { kind: 'deal_contact' }>,
): Promise<AssociationCounts> {
  const links = batch.links;
  const { rows } = await q.query<{
    checked: number;
    wanted: number;
    added: number;
    updated: number;
    removed: number;
  }>(
    /* sql */ `
    WITH covered AS (
      SELECT d.id, d.source_id FROM deals d
      WHERE d.workspace_id = $1::uuid AND d.source = $2::text AND d.source_id = ANY($3::text[])
        AND d.deleted_at IS NULL
    ), wanted AS (
      SELECT DISTINCT ON (d.id, c.id) d.id AS deal_id, c.id AS contact_id, w.role, w.role_source,
             w.role_confidence, w.is_primary
      FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::boolean[])
             AS w(deal_sid, contact_sid, role, role_source, role_confidence, is_primary)
      JOIN covered d ON d.source_id = w.deal_sid
      JOIN contacts c ON c.workspace_id = $1::uuid AND c.source = $2::text AND c.source_id = w.contact_sid
                     AND c.deleted_at IS NULL
      ORDER BY d.id, c.id, w.is_primary DESC
    ), removed AS (
      DELETE FROM deal_contacts dc USING covered d
      WHERE dc.workspace_id = $1::uuid AND dc.deal_id = d.id AND dc.source = $10::text
        AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.deal_id = dc.deal_id AND w.contact_id = dc.contact_id)
      RETURNING 1
    ), written AS (
      INSERT INTO deal_contacts AS dc (workspace_id, deal_id, contact_id, source, role, role_source,
                                       role_confidence, is_primary)
      SELECT $1::uuid, deal_id, contact_id, $10::text, role, role_source, role_confidence, is_primary FROM wanted
      ON CONFLICT (workspace_id, deal_id, contact_id, source) DO UPDATE
        SET role = excluded.role, role_source = excluded.role_source,
            role_confidence = excluded.role_confidence, is_primary = excluded.is_primary, updated_at = now()
        -- A source without roles (HubSpot) leaves whatever role was learned elsewhere in place.
        WHERE excluded.role IS NOT NULL
          AND (dc.role, dc.is_primary) IS DISTINCT FROM (excluded.role, excluded.is_primary)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT (SELECT count(*) FROM covered)::int AS checked,
           (SELECT count(*) FROM wanted)::int AS wanted,
           (SELECT count(*) FROM written WHERE inserted)::int AS added,
           (SELECT count(*) FROM written WHERE NOT inserted)::int AS updated,
           (SELECT count(*) FROM removed)::int AS removed`,
    [
      workspaceId,
      source,
      [...batch.from_source_ids],
      links.map((l) => l.deal_source_id),
      links.map((l) => l.contact_source_id),
      links.map((l) => l.role ?? null),
      links.map((l) => l.role_source ?? null),
      links.map((l) => l.role_confidence ?? null),
      links.map((l) => l.is_primary ?? false),
      batch.link_source,
    ],
  );
  const r = rows[0]!;
  // Links whose deal is stored but whose contact is not (deduplicated like `wanted`).
  const coveredLinks = await countLinksOfStoredDeals(q, workspaceId, source, batch);
  return {
    checked: r.checked,
    added: r.added,
    removed: r.removed,
    moved: 0,
    updated: r.updated,
    unresolved: Math.max(0, coveredLinks - r.wanted),
  };
}

async function countLinksOfStoredDeals(
  q: Queryable,
  workspaceId: string,
  source: string,
  batch: Extract<AssociationBatch, { kind: 'deal_contact' }>,
): Promise<number> {
  if (batch.links.length === 0) return 0;
  const { rows } = await q.query<{ n: number }>(
    /* sql */ `SELECT count(DISTINCT (w.deal_sid, w.contact_sid))::int AS n
               FROM unnest($3::text[], $4::text[]) AS w(deal_sid, contact_sid)
               JOIN deals d ON d.workspace_id = $1::uuid AND d.source = $2::text AND d.source_id = w.deal_sid
                           AND d.deleted_at IS NULL`,
    [
      workspaceId,
      source,
      batch.links.map((l) => l.deal_source_id),
      batch.links.map((l) => l.contact_source_id),
    ],
  );
  return rows[0]?.n ?? 0;
}

async function applyAccounts(
  q: Queryable,
  workspaceId: string,
  source: string,
  batch: Extract<AssociationBatch, { kind: 'deal_account' | 'contact_account' }>,
): Promise<AssociationCounts> {
  // The table is one of two constants, never input.
  const table = batch.kind === 'deal_account' ? 'deals' : 'contacts';
  const { rows } = await q.query<{
    checked: number;
    added: number;
    removed: number;
    moved: number;
    unresolved: number;
  }>(
    /* sql */ `
    WITH covered AS (
      SELECT t.id, t.source_id, t.account_id FROM ${table} t
      WHERE t.workspace_id = $1::uuid AND t.source = $2::text AND t.source_id = ANY($3::text[])
        AND t.deleted_at IS NULL
    ), links AS (
      SELECT w.from_sid, w.to_sid, w.ord
      FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS w(from_sid, to_sid, ord)
    ), candidates AS (
      SELECT c.id, a.id AS account_id, min(l.ord) AS ord, bool_or(a.id = c.account_id) AS current
      FROM links l
      JOIN covered c ON c.source_id = l.from_sid
      JOIN accounts a ON a.workspace_id = $1::uuid AND a.source = $2::text AND a.source_id = l.to_sid
                     AND a.deleted_at IS NULL
      GROUP BY c.id, a.id
    ), pick AS (
      -- The current account while the source still associates it; else the source's first.
      SELECT DISTINCT ON (id) id, account_id FROM candidates ORDER BY id, current DESC, ord
    ), linked AS (
      SELECT DISTINCT from_sid FROM links
    ), target AS (
      SELECT c.id, c.account_id AS old_id,
             CASE WHEN p.id IS NOT NULL THEN p.account_id
                  WHEN l.from_sid IS NULL THEN NULL
                  ELSE c.account_id END AS new_id,
             (p.id IS NULL AND l.from_sid IS NOT NULL) AS unresolved
      FROM covered c
      LEFT JOIN pick p ON p.id = c.id
      LEFT JOIN linked l ON l.from_sid = c.source_id
    ), changed AS (
      UPDATE ${table} t SET account_id = g.new_id, updated_at = now()
      FROM target g
      WHERE t.workspace_id = $1::uuid AND t.id = g.id AND t.account_id IS DISTINCT FROM g.new_id
      RETURNING g.old_id, g.new_id
    )
    SELECT (SELECT count(*) FROM covered)::int AS checked,
           (SELECT count(*) FROM changed WHERE old_id IS NULL)::int AS added,
           (SELECT count(*) FROM changed WHERE new_id IS NULL)::int AS removed,
           (SELECT count(*) FROM changed WHERE old_id IS NOT NULL AND new_id IS NOT NULL)::int AS moved,
           (SELECT count(*) FROM target WHERE unresolved)::int AS unresolved`,
    [
      workspaceId,
      source,
      [...batch.from_source_ids],
      batch.links.map((l) => l.from_source_id),
      batch.links.map((l) => l.to_source_id),
    ],
  );
  return { ...rows[0]!, updated: 0 };
}
