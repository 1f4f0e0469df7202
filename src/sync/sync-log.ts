/** sync_log rows: one per sync run, with per-entity counts, progress and the error if it failed. */
import type { Queryable } from '../db/db.ts';
import type { UpsertCounts } from '../db/bulk-upsert.ts';
import { NotFoundError, PG_ERROR, pgErrorCode } from '../errors.ts';
import { CHANGE_KINDS, type ChangeKind, changedEntities } from './post-sync-steps.ts';

export type SyncTrigger = 'manual' | 'scheduled' | 'webhook' | 'initial';
export type SyncStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
/** Which part of a run is (or was last) going on: the pages, then the post-sync chain. */
export type SyncPhase = 'fetching' | 'post_sync';
export type PostSyncState = 'pending' | 'running' | 'done' | 'failed';

export interface SyncLogRow {
  id: string;
  connection_id: string | null;
  connector_name: string;
  trigger: SyncTrigger;
  mode: 'initial' | 'incremental';
  status: SyncStatus;
  phase: SyncPhase | null;
  post_sync: PostSyncState | null;
  counts: Record<string, UpsertCounts>;
  progress: Record<string, unknown>;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
}

const COLUMNS = /* sql */ `id, connection_id, connector_name, trigger, mode, status, phase, post_sync, counts,
  progress, error, started_at, finished_at, created_at`;

// A run holds the connector while it is queued or fetching; its chain runs beside the next fetch.
const FETCH_ACTIVE = /* sql */ `(status = 'queued' OR (status = 'running' AND phase IS DISTINCT FROM 'post_sync'))`;

/**
 * A queued sync_log row, or the one already queued or fetching for this connector (the partial unique
 * index sync_log_one_fetching makes that race-free). `created` says which.
 */
export async function queueSync(
  q: Queryable,
  workspaceId: string,
  input: {
    connectionId: string;
    connectorName: string;
    trigger: SyncTrigger;
    mode: 'initial' | 'incremental';
  },
): Promise<{ row: SyncLogRow; created: boolean }> {
  const active = await findActiveSync(q, workspaceId, input.connectorName);
  if (active) return { row: active, created: false };
  try {
    await q.query('SAVEPOINT queue_sync');
    const { rows } = await q.query<SyncLogRow>(
      /* sql */ `INSERT INTO sync_log (workspace_id, connection_id, connector_name, trigger, mode)
                 VALUES ($1::uuid, $2::uuid, $3::text, $4::text, $5::text) RETURNING ${COLUMNS}`,
      [workspaceId, input.connectionId, input.connectorName, input.trigger, input.mode],
    );
    await q.query('RELEASE SAVEPOINT queue_sync');
    return { row: rows[0]!, created: true };
  } catch (err) {
    if (pgErrorCode(err) !== PG_ERROR.uniqueViolation) throw err;
    await q.query('ROLLBACK TO SAVEPOINT queue_sync');
    const row = await findActiveSync(q, workspaceId, input.connectorName);
    if (!row) throw err;
    return { row, created: false };
  }
}

export async function findActiveSync(q: Queryable, workspaceId: string, connectorName: string) {
  const { rows } = await q.query<SyncLogRow>(
    `SELECT ${COLUMNS} FROM sync_log WHERE workspace_id = $1::uuid AND connector_name = $2::text
     AND ${FETCH_ACTIVE}`,
    [workspaceId, connectorName],
  );
  return rows[0] ?? null;
}

export async function getSyncLog(q: Queryable, workspaceId: string, id: string): Promise<SyncLogRow> {
  const { rows } = await q.query<SyncLogRow>(
    `SELECT ${COLUMNS} FROM sync_log WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, id],
  );
  if (!rows[0]) throw new NotFoundError('sync log');
  return rows[0];
}

export async function listSyncLogs(
  q: Queryable,
  workspaceId: string,
  filter: { connectorName?: string; limit: number },
): Promise<SyncLogRow[]> {
  const { rows } = await q.query<SyncLogRow>(
    `SELECT ${COLUMNS} FROM sync_log WHERE workspace_id = $1::uuid AND ($2::text IS NULL OR connector_name = $2::text)
     ORDER BY created_at DESC, id LIMIT $3::int`,
    [workspaceId, filter.connectorName ?? null, filter.limit],
  );
  return rows;
}

/** Claims a queued run for one worker: queued → running happens once, so a re-sent job is a no-op. */
export async function claimSync(
  q: Queryable,
  workspaceId: string,
  id: string,
  workerId: string,
): Promise<boolean> {
  const res = await q.query(
    /* sql */ `UPDATE sync_log SET status = 'running', phase = 'fetching', started_at = now(), heartbeat_at = now(),
                 worker_id = $3::text
               WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'queued'`,
    [workspaceId, id, workerId],
  );
  return res.rowCount === 1;
}

export async function recordSyncProgress(
  q: Queryable,
  workspaceId: string,
  id: string,
  counts: Record<string, UpsertCounts>,
  progress: Record<string, unknown>,
): Promise<void> {
  await q.query(
    /* sql */ `UPDATE sync_log SET counts = $3::jsonb, progress = progress || $4::jsonb, heartbeat_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, id, JSON.stringify(counts), JSON.stringify(progress)],
  );
}

/** Every page is written: the run stays running while its post-sync chain (pending now) runs. */
export async function enterPostSync(q: Queryable, workspaceId: string, id: string): Promise<void> {
  await q.query(
    /* sql */ `UPDATE sync_log SET phase = 'post_sync', post_sync = 'pending', heartbeat_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'running'`,
    [workspaceId, id],
  );
}

/** The chain starts; false when the run is no longer waiting for one (already finished by another run). */
export async function startPostSync(q: Queryable, workspaceId: string, id: string): Promise<boolean> {
  const res = await q.query(
    /* sql */ `UPDATE sync_log SET post_sync = 'running', heartbeat_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'running' AND phase = 'post_sync'`,
    [workspaceId, id],
  );
  return res.rowCount === 1;
}

/** The chain is over: the run succeeded (its data is written); post_sync says whether every step did. */
export async function finishPostSync(
  q: Queryable,
  workspaceId: string,
  id: string,
  state: 'done' | 'failed',
): Promise<void> {
  await q.query(
    /* sql */ `UPDATE sync_log SET post_sync = $3::text, status = 'succeeded', finished_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'running'`,
    [workspaceId, id, state],
  );
}

export async function finishSync(
  q: Queryable,
  workspaceId: string,
  id: string,
  outcome: { status: 'succeeded' | 'failed' | 'cancelled'; error?: string | null },
): Promise<void> {
  await q.query(
    /* sql */ `UPDATE sync_log SET status = $3::text, error = $4::text, finished_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid AND status IN ('queued', 'running')`,
    [workspaceId, id, outcome.status, outcome.error ?? null],
  );
}

/**
 * The entities a finishing run changed (its counts) together with those changed by the connector's
 * failed runs since its last successful one: their pages were committed but no chain followed them.
 */
export async function unchainedChanges(
  q: Queryable,
  workspaceId: string,
  connectorName: string,
  counts: Record<string, UpsertCounts>,
): Promise<ChangeKind[]> {
  const { rows } = await q.query<{ counts: Record<string, UpsertCounts> }>(
    /* sql */ `SELECT counts FROM sync_log
               WHERE workspace_id = $1::uuid AND connector_name = $2::text AND status = 'failed'
                 AND created_at > coalesce((SELECT max(created_at) FROM sync_log
                                            WHERE workspace_id = $1::uuid AND connector_name = $2::text
                                              AND status = 'succeeded'), '-infinity')`,
    [workspaceId, connectorName],
  );
  const changed = new Set(changedEntities(counts));
  for (const r of rows) for (const k of changedEntities(r.counts)) changed.add(k);
  return CHANGE_KINDS.filter((k) => changed.has(k));
}
