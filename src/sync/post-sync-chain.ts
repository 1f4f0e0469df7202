/**
 * Runs the post-sync chain of one sync_log row: the steps reacting to what that write changed
 * (progress.changed), in order, each one's outcome and timing recorded on progress.post_sync. The row
 * stays `running` (phase `post_sync`) until the chain is over, so `status` is the one thing a client waits
 * on. Syncs, the demo's generated world and applied file imports all end here and get the same chain.
 */
import type { Db, Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import type { Logger } from '../logger.ts';
import './all-post-sync-steps.ts';
import { type ChangeKind, changedEntities, isChangeKind, postSyncSteps } from './post-sync-steps.ts';
import { finishPostSync, startPostSync, type SyncTrigger } from './sync-log.ts';

export interface PostSyncResult {
  name: string;
  status: 'succeeded' | 'failed';
  started_at: string;
  duration_ms: number;
  summary?: Record<string, unknown>;
  error?: string;
}

export interface ChainInput {
  db: Db;
  log: Logger;
  workspaceId: string;
  syncLogId: string;
}

/** Runs the steps whose inputs the row's write changed; a failing step is recorded and the chain goes on. */
export async function runPostSyncChain(input: ChainInput): Promise<PostSyncResult[]> {
  const { db, log, workspaceId, syncLogId } = input;
  const row = await withWorkspace(db, workspaceId, async (tx) =>
    (await startPostSync(tx, workspaceId, syncLogId)) ? readChangeSet(tx, workspaceId, syncLogId) : null,
  );
  if (!row) return []; // a repeated job: the chain of this run is already over
  const changed = new Set(row.changed);
  const results: PostSyncResult[] = [];
  for (const step of postSyncSteps(changed)) {
    const startedAt = new Date();
    const t0 = performance.now();
    try {
      const summary = await step.run({
        db,
        log,
        workspaceId,
        syncLogId,
        connectorName: row.connector_name,
        changed,
      });
      results.push({
        name: step.name,
        status: 'succeeded',
        started_at: startedAt.toISOString(),
        duration_ms: Math.round(performance.now() - t0),
        ...(summary ? { summary } : {}),
      });
    } catch (err) {
      log.error({ err, step: step.name, workspaceId }, 'post-sync step failed');
      results.push({
        name: step.name,
        status: 'failed',
        started_at: startedAt.toISOString(),
        duration_ms: Math.round(performance.now() - t0),
        error: err instanceof Error ? err.message : String(err),
      });
    }
    await withWorkspace(db, workspaceId, (tx) =>
      tx.query(
        /* sql */ `UPDATE sync_log SET progress = jsonb_set(progress, '{post_sync}', $3::jsonb)
                   WHERE workspace_id = $1::uuid AND id = $2::uuid`,
        [workspaceId, syncLogId, JSON.stringify(results)],
      ),
    );
  }
  const state = results.some((r) => r.status === 'failed') ? 'failed' : 'done';
  await withWorkspace(db, workspaceId, (tx) => finishPostSync(tx, workspaceId, syncLogId, state));
  return results;
}

async function readChangeSet(q: Queryable, workspaceId: string, syncLogId: string) {
  const { rows } = await q.query<{ connector_name: string; changed: unknown }>(
    /* sql */ `SELECT connector_name, progress -> 'changed' AS changed FROM sync_log
               WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, syncLogId],
  );
  if (!rows[0]) throw new Error(`sync log ${syncLogId} not found`);
  const changed = Array.isArray(rows[0].changed)
    ? rows[0].changed.filter((k): k is ChangeKind => typeof k === 'string' && isChangeKind(k))
    : [];
  return { connector_name: rows[0].connector_name, changed };
}

export interface RecordedWrite {
  /** The source the rows came from, as sync_log.connector_name ('synthetic', 'csv_import'). */
  connectorName: string;
  connectionId?: string | null;
  trigger: SyncTrigger;
  /** Per-table counts of the write, kept on the row. */
  counts: Record<string, { inserted?: number; updated?: number; unchanged?: number; deleted?: number }>;
  /** Entities changed beyond what the counts show (e.g. an import's inferred links). */
  alsoChanged?: readonly ChangeKind[];
}

/**
 * A write that did not come through the orchestrator (the demo's generated world, an applied import),
 * recorded as a sync run whose pages are written and whose chain is pending. Returns the sync_log id.
 */
export async function recordWrite(q: Queryable, workspaceId: string, write: RecordedWrite): Promise<string> {
  const changed = [...new Set([...changedEntities(write.counts), ...(write.alsoChanged ?? [])])];
  const { rows } = await q.query<{ id: string }>(
    /* sql */ `INSERT INTO sync_log (workspace_id, connection_id, connector_name, trigger, mode, status, phase,
                 post_sync, started_at, heartbeat_at, counts, progress)
               VALUES ($1::uuid, $2::uuid, $3::text, $4::text, 'initial', 'running', 'post_sync', 'pending',
                       now(), now(), $5::jsonb, jsonb_build_object('changed', $6::jsonb))
               RETURNING id`,
    [
      workspaceId,
      write.connectionId ?? null,
      write.connectorName,
      write.trigger,
      JSON.stringify(write.counts),
      JSON.stringify(changed),
    ],
  );
  return rows[0]!.id;
}

/** Records the write and runs its chain here; returns the sync_log id. */
export async function recordWriteAndRunChain(
  deps: { db: Db; log: Logger },
  workspaceId: string,
  write: RecordedWrite,
): Promise<string> {
  const syncLogId = await withWorkspace(deps.db, workspaceId, (tx) => recordWrite(tx, workspaceId, write));
  await runPostSyncChain({ ...deps, workspaceId, syncLogId });
  return syncLogId;
}
