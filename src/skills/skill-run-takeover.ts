/**
 * Skill runs lost with their process. A running run writes a heartbeat on a timer; one whose heartbeat is
 * older than PANDORA_SYNC_STALE_SECONDS is queued again (a run reads data and writes only its own row, so
 * it starts over) and handed to a worker. The claim is one UPDATE, so of several processes watching, one
 * takes each run. The embedded backend has one process: at start every running run is lost.
 */
import type { Db, Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { WORKER_ID } from '../jobs/worker-id.ts';
import type { Logger } from '../logger.ts';

/** The heartbeat of a run this process holds. */
async function beat(q: Queryable, workspaceId: string, runId: string): Promise<void> {
  await q.query(
    /* sql */ `UPDATE skill_runs SET heartbeat_at = now()
               WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'running' AND worker_id = $3::text`,
    [workspaceId, runId, WORKER_ID],
  );
}

/** Beats a third of the stale threshold apart until the returned function is called. */
export function keepSkillRunAlive(
  deps: { db: Db; log: Logger; config: { syncStaleSeconds: number } },
  workspaceId: string,
  runId: string,
): () => void {
  const timer = setInterval(
    () => {
      withWorkspace(deps.db, workspaceId, (tx) => beat(tx, workspaceId, runId)).catch((err) =>
        deps.log.warn({ err, runId }, 'skill run heartbeat failed'),
      );
    },
    Math.max(500, (deps.config.syncStaleSeconds * 1000) / 3),
  );
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Queues the lost runs again (system work, across workspaces); returns them. A run of this process is
 * never lost while the process watches: a long statement may delay its heartbeat, not end it.
 */
export async function requeueLostSkillRuns(
  q: Queryable,
  staleSeconds: number,
): Promise<Array<{ workspace_id: string; id: string }>> {
  const { rows } = await q.query<{ workspace_id: string; id: string }>(
    /* sql */ `UPDATE skill_runs SET status = 'queued', worker_id = NULL, heartbeat_at = NULL, started_at = NULL,
                 progress = '{}'::jsonb
               WHERE status = 'running' AND worker_id IS DISTINCT FROM $2::text
                 AND coalesce(heartbeat_at, started_at, created_at) <= now() - make_interval(secs => $1::int)
               RETURNING workspace_id, id`,
    [staleSeconds, WORKER_ID],
  );
  return rows;
}

/** Every process with a skill-run worker watches for lost runs and sends each to the queue again. */
export function startSkillRunWatchdog(deps: {
  db: Db;
  log: Logger;
  queue: JobQueue;
  config: { syncStaleSeconds: number };
}): void {
  const { queue } = deps;
  const pass = async (staleSeconds: number) => {
    for (const run of await requeueLostSkillRuns(deps.db, staleSeconds)) {
      deps.log.warn({ workspaceId: run.workspace_id, runId: run.id }, 'running a lost skill run again');
      await queue.send('skill-run', { workspace_id: run.workspace_id, skill_run_id: run.id });
    }
  };
  const watch = (staleSeconds: number) =>
    pass(staleSeconds).catch((err) => deps.log.error({ err }, 'skill run watchdog failed'));
  if (deps.db.kind === 'pglite') void watch(0);
  const timer = setInterval(
    () => void watch(deps.config.syncStaleSeconds),
    Math.max(1000, (deps.config.syncStaleSeconds * 1000) / 3),
  );
  timer.unref();
  const stop = queue.stop.bind(queue);
  queue.stop = async () => {
    clearInterval(timer);
    await stop();
  };
}
