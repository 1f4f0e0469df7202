/**
 * Records a connector read but could not normalise (sync_rejections): kept per record with the latest
 * reason, shown on the health ledger, and removed once a later page writes the same record.
 */
import type { SourceRejection, SyncPage } from '../connectors/adapter.ts';
import type { Queryable } from '../db/db.ts';

const REASON_MAX = 500;

export async function hasRejections(q: Queryable, workspaceId: string, connectorName: string) {
  const { rows } = await q.query(
    /* sql */ `SELECT 1 FROM sync_rejections WHERE workspace_id = $1::uuid AND connector_name = $2::text LIMIT 1`,
    [workspaceId, connectorName],
  );
  return rows.length > 0;
}

export async function recordRejections(
  q: Queryable,
  workspaceId: string,
  connectorName: string,
  syncLogId: string | null,
  rejections: readonly SourceRejection[],
): Promise<number> {
  if (rejections.length === 0) return 0;
  // One row per record: the last reason read wins (a page may repeat a record).
  const latest = new Map<string, SourceRejection>();
  for (const r of rejections) latest.set(`${r.entity}\u0001${r.source_id}`, r);
  const list = [...latest.values()];
  const { rowCount } = await q.query(
    /* sql */ `INSERT INTO sync_rejections (workspace_id, connector_name, entity, source_id, reason, sync_log_id)
               SELECT $1::uuid, $2::text, r.entity, r.source_id, r.reason, $6::uuid
               FROM unnest($3::text[], $4::text[], $5::text[]) AS r(entity, source_id, reason)
               ON CONFLICT (workspace_id, connector_name, entity, source_id) DO UPDATE
                 SET reason = excluded.reason, sync_log_id = excluded.sync_log_id, last_seen_at = now()`,
    [
      workspaceId,
      connectorName,
      list.map((r) => r.entity),
      list.map((r) => r.source_id.slice(0, 200)),
      list.map((r) => r.reason.slice(0, REASON_MAX)),
      syncLogId,
    ],
  );
  return rowCount;
}

/** A record written by this page is no longer rejected. */
export async function clearWrittenRejections(
  q: Queryable,
  workspaceId: string,
  connectorName: string,
  page: SyncPage,
): Promise<void> {
  const entities: string[] = [];
  const ids: string[] = [];
  for (const [entity, records] of Object.entries(page.records ?? {})) {
    for (const r of records ?? []) {
      entities.push(entity);
      ids.push(String(r.row.source_id));
    }
  }
  if (ids.length === 0) return;
  await q.query(
    /* sql */ `DELETE FROM sync_rejections s
               USING unnest($3::text[], $4::text[]) AS w(entity, source_id)
               WHERE s.workspace_id = $1::uuid AND s.connector_name = $2::text
                 AND s.entity = w.entity AND s.source_id = w.source_id`,
    [workspaceId, connectorName, entities, ids],
  );
}
