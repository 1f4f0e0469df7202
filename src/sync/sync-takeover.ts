/**
 * Runs lost with their worker. A running sync writes a heartbeat with each page and on a timer; one whose
 * heartbeat is older than PANDORA_SYNC_STALE_SECONDS is taken over: a fetching run is marked failed
 * (`worker_lost`) and a new run resumes from the stored cursor; a run lost in its post-sync chain gets
 * its chain again (the steps are idempotent). The claim is one UPDATE, so of several processes watching,
 * one takes each run. The embedded backend has one process, so at start every running run is lost.
 */
import type { Db, Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { WORKER_ID } from '../jobs/worker-id.ts';
import type { Logger } from '../logger.ts';
import type { SyncTrigger } from './sync-log.ts';

export const WORKER_LOST =
  'worker_lost: the process running this sync stopped; a new run resumes from its cursor';

export { WORKER_ID };

export interface LostRun {
  workspace_id: string;
  id: string;
  connector_name: string;
  connection_id: string | null;
  trigger: SyncTrigger;
  mode: 'initial' | 'incremental';
  phase: string | null;
}

/**
 * Claims the lost runs (all of them, or one connector's): fetching runs are failed with `worker_lost`,
 * runs in their chain get a fresh heartbeat under this worker. Returns what was claimed.
 */
export async function claimLostRuns(
  q: Queryable,
  staleSeconds: number,
  only?: { workspaceId: string; connectorName: string },
): Promise<LostRun[]> {
  const { rows } = await q.query<LostRun>(
    /* sql */ `UPDATE sync_log SET
                 status = CASE WHEN phase = 'post_sync' THEN status ELSE 'failed' END,
                 error = CASE WHEN phase = 'post_sync' THEN error ELSE $2::text END,
                 finished_at = CASE WHEN phase = 'post_sync' THEN finished_at ELSE now() END,
                 heartbeat_at = now(), worker_id = $5::text
               WHERE status = 'running'
                 AND coalesce(heartbeat_at, started_at, created_at) <= now() - make_interval(secs => $1::int)
                 AND ($3::uuid IS NULL
                      OR (workspace_id = $3::uuid AND connector_name = $4::text AND phase IS DISTINCT FROM 'post_sync'))
               RETURNING workspace_id, id, connector_name, connection_id, trigger, mode, phase`,
    [staleSeconds, WORKER_LOST, only?.workspaceId ?? null, only?.connectorName ?? null, WORKER_ID],
  );
  return rows;
}

/** The connection a lost fetching run left 'syncing' shows the loss until the new run starts. */
async function markConnectionLost(q: Queryable, run: LostRun): Promise<void> {
  await q.query(
    /* sql */ `UPDATE connections SET status = 'error', last_error = 'the last sync stopped unexpectedly', updated_at = now()
               WHERE workspace_id = $1::uuid AND connector_name = $2::text AND status = 'syncing'`,
    [run.workspace_id, run.connector_name],
  );
}

export interface TakeoverDeps {
  db: Db;
  log: Logger;
  queue?: JobQueue;
  staleSeconds: number;
  /** Starts the resuming run of a lost fetching run (requestSync + the job, or a background run). */
  resume(run: LostRun): Promise<void>;
  /** Runs the chain of a run lost in its post-sync phase. */
  rerunChain(run: LostRun): Promise<void>;
}

/** One watchdog pass: claims lost runs (system work, across workspaces) and restarts each. */
export async function takeOverLostRuns(
  deps: TakeoverDeps,
  staleSeconds = deps.staleSeconds,
): Promise<number> {
  const lost = await claimLostRuns(deps.db, staleSeconds);
  for (const run of lost) {
    deps.log.warn(
      { workspaceId: run.workspace_id, syncLogId: run.id, phase: run.phase },
      'taking over a lost sync',
    );
    try {
      if (run.phase === 'post_sync') await deps.rerunChain(run);
      else {
        await withWorkspace(deps.db, run.workspace_id, (tx) => markConnectionLost(tx, run));
        await deps.resume(run);
      }
    } catch (err) {
      deps.log.error(
        { err, workspaceId: run.workspace_id, syncLogId: run.id },
        'takeover of a lost sync failed',
      );
    }
  }
  return lost.length;
}

/** The heartbeat of a run this worker holds; false when the run is no longer ours (taken over, cancelled). */
export async function beat(q: Queryable, workspaceId: string, syncLogId: string): Promise<boolean> {
  const res = await q.query(
    /* sql */ `UPDATE sync_log SET heartbeat_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'running' AND worker_id = $3::text`,
    [workspaceId, syncLogId, WORKER_ID],
  );
  return res.rowCount === 1;
}
