/** The connections table: one row per (workspace, connector), credentials encrypted, never returned. */
import type { Queryable } from '../db/db.ts';
import { ENTITY_TABLES, type EntityName } from '../entities/entity-tables.ts';
import { NotFoundError } from '../errors.ts';

export type ConnectionStatus = 'connected' | 'syncing' | 'error' | 'auth_failed' | 'disconnected';

/** What the orchestrator persists in connections.sync_cursor. */
export interface StoredCursor {
  mode?: 'initial' | 'incremental';
  /** true while a sync is between pages; the next run of the same mode resumes from `position`. */
  in_progress?: boolean;
  position?: Record<string, unknown>;
}

export interface ConnectionRow {
  id: string;
  connector_name: string;
  status: ConnectionStatus;
  credentials: Buffer | null;
  base_url: string | null;
  metadata: Record<string, unknown>;
  sync_cursor: StoredCursor;
  last_sync_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** The API view: no credentials, no cursor internals. */
export interface ConnectionView {
  id: string;
  connector_name: string;
  status: ConnectionStatus;
  base_url: string | null;
  last_sync_at: string | null;
  last_error: string | null;
  created_at: string;
  counts: Partial<Record<EntityName, number>>;
  last_sync: { id: string; status: string; trigger: string; mode: string; finished_at: string | null } | null;
}

const COLUMNS = /* sql */ `id, connector_name, status, credentials, base_url, metadata, sync_cursor,
  last_sync_at, last_error, created_at, updated_at`;

export async function findConnection(
  q: Queryable,
  workspaceId: string,
  name: string,
): Promise<ConnectionRow | null> {
  const { rows } = await q.query<ConnectionRow>(
    `SELECT ${COLUMNS} FROM connections WHERE workspace_id = $1::uuid AND connector_name = $2::text`,
    [workspaceId, name],
  );
  return rows[0] ?? null;
}

export async function getConnection(q: Queryable, workspaceId: string, name: string): Promise<ConnectionRow> {
  const row = await findConnection(q, workspaceId, name);
  if (!row || row.status === 'disconnected') throw new NotFoundError(`connection "${name}"`);
  return row;
}

export async function saveConnection(
  q: Queryable,
  workspaceId: string,
  input: { name: string; credentials: Buffer; baseUrl: string | null; metadata: Record<string, unknown> },
): Promise<ConnectionRow> {
  // Reconnecting keeps the cursor, so fresh credentials continue where the last sync stopped.
  const { rows } = await q.query<ConnectionRow>(
    /* sql */ `INSERT INTO connections (workspace_id, connector_name, status, credentials, base_url, metadata)
               VALUES ($1::uuid, $2::text, 'connected', $3::bytea, $4::text, $5::jsonb)
               ON CONFLICT (workspace_id, connector_name) DO UPDATE
               SET status = 'connected', credentials = EXCLUDED.credentials, base_url = EXCLUDED.base_url,
                   metadata = connections.metadata || EXCLUDED.metadata, last_error = NULL, updated_at = now()
               RETURNING ${COLUMNS}`,
    [workspaceId, input.name, input.credentials, input.baseUrl, JSON.stringify(input.metadata)],
  );
  return rows[0]!;
}

export async function mergeConnectionMetadata(
  q: Queryable,
  workspaceId: string,
  connectionId: string,
  metadata: Record<string, unknown>,
): Promise<void> {
  await q.query(
    /* sql */ `UPDATE connections SET metadata = metadata || $3::jsonb, updated_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, connectionId, JSON.stringify(metadata)],
  );
}

export async function setConnectionState(
  q: Queryable,
  workspaceId: string,
  connectionId: string,
  state: { status: ConnectionStatus; lastError?: string | null; synced?: boolean },
): Promise<void> {
  await q.query(
    /* sql */ `UPDATE connections
               SET status = $3::text,
                   last_error = CASE WHEN $4::boolean THEN $5::text ELSE last_error END,
                   last_sync_at = CASE WHEN $6::boolean THEN now() ELSE last_sync_at END,
                   updated_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid AND status <> 'disconnected'`,
    [
      workspaceId,
      connectionId,
      state.status,
      state.lastError !== undefined,
      state.lastError ?? null,
      state.synced === true,
    ],
  );
}

export async function saveCursor(
  q: Queryable,
  workspaceId: string,
  connectionId: string,
  cursor: StoredCursor,
): Promise<void> {
  await q.query(
    /* sql */ `UPDATE connections SET sync_cursor = $3::jsonb WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, connectionId, JSON.stringify(cursor)],
  );
}

/** Disconnect: credentials wiped, status disconnected; with purge, the connector's rows go too. */
export async function disconnect(
  q: Queryable,
  workspaceId: string,
  name: string,
  purge: { entities: readonly EntityName[]; source: string } | null,
): Promise<Partial<Record<EntityName, number>>> {
  const conn = await getConnection(q, workspaceId, name);
  await q.query(
    /* sql */ `UPDATE connections SET status = 'disconnected', credentials = NULL, sync_cursor = '{}',
               updated_at = now() WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, conn.id],
  );
  const deleted: Partial<Record<EntityName, number>> = {};
  if (!purge) return deleted;
  // Children first is not needed (FKs set null / cascade), but it keeps the counts honest.
  for (const entity of [...purge.entities].reverse()) {
    const table = ENTITY_TABLES[entity].table;
    const res = await q.query(`DELETE FROM ${table} WHERE workspace_id = $1::uuid AND source = $2::text`, [
      workspaceId,
      purge.source,
    ]);
    deleted[entity] = res.rowCount;
  }
  return deleted;
}

export async function listConnectionViews(
  q: Queryable,
  workspaceId: string,
  entitiesOf: (connector: string) => readonly EntityName[],
): Promise<ConnectionView[]> {
  const { rows } = await q.query<Omit<ConnectionView, 'counts'>>(
    /* sql */ `SELECT c.id, c.connector_name, c.status, c.base_url, c.last_sync_at, c.last_error, c.created_at,
                      (SELECT jsonb_build_object('id', s.id, 'status', s.status, 'trigger', s.trigger, 'mode', s.mode,
                                                 'finished_at', s.finished_at)
                       FROM sync_log s WHERE s.workspace_id = c.workspace_id AND s.connector_name = c.connector_name
                       ORDER BY s.created_at DESC LIMIT 1) AS last_sync
               FROM connections c
               WHERE c.workspace_id = $1::uuid AND c.status <> 'disconnected'
               ORDER BY c.connector_name`,
    [workspaceId],
  );
  const views: ConnectionView[] = [];
  for (const row of rows) {
    const counts: Partial<Record<EntityName, number>> = {};
    for (const entity of entitiesOf(row.connector_name)) {
      const table = ENTITY_TABLES[entity].table;
      const res = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1::uuid AND source = $2::text`,
        [workspaceId, row.connector_name],
      );
      counts[entity] = res.rows[0]!.n;
    }
    views.push({ ...row, counts });
  }
  return views;
}
