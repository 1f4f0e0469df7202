/**
 * The daily scheduler. A tick (pg-boss cron on the server, a timer in-process) starts the scheduled
 * incremental syncs that are due: each connection once per UTC day at its workspace's sync_time
 * (workspaces.settings.sync_time 'HH:MM', else PANDORA_SYNC_TIME). The scheduled sync_log row itself
 * marks the day as done (so does any other run started after the slot that did not fail), and the one-active-sync index keeps concurrent ticks from doubling a run.
 * The tick also recovers work lost with a worker: stale running syncs are failed (the next run resumes
 * from the cursor) and queued syncs whose job vanished are re-sent.
 */
import type { Db } from '../db/db.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { hasAdapter } from '../connectors/registry.ts';
import { ConflictError } from '../errors.ts';
import { requestSync } from './sync-requests.ts';

export interface TickDeps {
  db: Db;
  log: Logger;
  queue?: JobQueue;
  defaultSyncTime: string;
}

export interface TickResult {
  started: string[];
  failedStale: number;
  resent: number;
}

// A page that takes longer than this (retries included) is not plausible; the worker is gone.
const STALE_MINUTES = 30;
const RESEND_AFTER_MINUTES = 5;

export async function runSchedulerTick(deps: TickDeps, now = new Date()): Promise<TickResult> {
  // System work across workspaces: runs as the owning role, each sync then starts in its tenant scope.
  const due = await deps.db.query<{ workspace_id: string; connector_name: string; slot: string }>(
    /* sql */ `
    WITH slots AS (
      SELECT c.workspace_id, c.connector_name,
             date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC')
               + (CASE WHEN w.settings->>'sync_time' ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
                       THEN w.settings->>'sync_time' ELSE $2::text END)::interval AS slot
      FROM connections c JOIN workspaces w ON w.id = c.workspace_id
      WHERE c.status IN ('connected', 'error') AND c.credentials IS NOT NULL
    )
    SELECT s.workspace_id, s.connector_name, (s.slot AT TIME ZONE 'UTC') AS slot FROM slots s
    WHERE ($1::timestamptz AT TIME ZONE 'UTC') >= s.slot
      AND NOT EXISTS (
        SELECT 1 FROM sync_log l
        WHERE l.workspace_id = s.workspace_id AND l.connector_name = s.connector_name
          AND ((l.trigger = 'scheduled'
                AND coalesce((l.progress->>'scheduled_for')::timestamptz, l.created_at) >= (s.slot AT TIME ZONE 'UTC'))
            -- Any other run that started after the slot and did not fail covers the day: a first connect
            -- made after today's slot does not get a second, "scheduled" sync a minute later.
            OR (l.trigger <> 'scheduled' AND l.status <> 'failed'
                AND l.created_at >= (s.slot AT TIME ZONE 'UTC'))))
    ORDER BY s.workspace_id, s.connector_name`,
    [now.toISOString(), deps.defaultSyncTime],
  );
  const started: string[] = [];
  for (const d of due.rows) {
    if (!hasAdapter(d.connector_name)) continue;
    try {
      const r = await requestSync(deps, d.workspace_id, d.connector_name, 'scheduled');
      if (r.created) {
        started.push(r.row.id);
        await deps.db.query(
          `UPDATE sync_log SET progress = progress || jsonb_build_object('scheduled_for', $3::timestamptz)
           WHERE workspace_id = $1::uuid AND id = $2::uuid`,
          [d.workspace_id, r.row.id, d.slot],
        );
      } else await markDayCovered(deps.db, d.workspace_id, d.connector_name, r.row.connection_id, d.slot);
    } catch (err) {
      // A connection waiting for the user (a selection to make, credentials to renew) is not a fault.
      deps.log[err instanceof ConflictError ? 'info' : 'error'](
        { err, workspaceId: d.workspace_id, connector: d.connector_name },
        'scheduled sync not started',
      );
    }
  }

  const stale = await deps.db.query(
    /* sql */ `UPDATE sync_log SET status = 'failed', finished_at = now(),
                 error = 'the worker running this sync stopped; the next sync resumes from the last page'
               WHERE status = 'running' AND heartbeat_at < $1::timestamptz - make_interval(mins => $2::int)`,
    [now.toISOString(), STALE_MINUTES],
  );
  // A connection left 'syncing' by a lost worker shows the failure instead.
  await deps.db.query(
    /* sql */ `UPDATE connections c SET status = 'error', last_error = 'the last sync stopped unexpectedly', updated_at = now()
               WHERE c.status = 'syncing' AND NOT EXISTS (
                 SELECT 1 FROM sync_log l WHERE l.workspace_id = c.workspace_id
                   AND l.connector_name = c.connector_name AND l.status = 'running')`,
  );
  let resent = 0;
  if (deps.queue) {
    const lost = await deps.db.query<{ workspace_id: string; id: string; connector_name: string }>(
      /* sql */ `SELECT workspace_id, id, connector_name FROM sync_log
                 WHERE status = 'queued' AND created_at < $1::timestamptz - make_interval(mins => $2::int)`,
      [now.toISOString(), RESEND_AFTER_MINUTES],
    );
    for (const l of lost.rows) {
      await deps.queue.send('connector-sync', {
        workspace_id: l.workspace_id,
        connector_name: l.connector_name,
        sync_log_id: l.id,
      });
      resent++;
    }
  }
  return { started, failedStale: stale.rowCount, resent };
}

/**
 * A manual sync was running at the slot: record the scheduled run as joined (cancelled, zero work) so the
 * day counts as covered rather than retrying every minute.
 */
async function markDayCovered(
  db: Db,
  workspaceId: string,
  connectorName: string,
  connectionId: string | null,
  slot: string,
) {
  await db.query(
    /* sql */ `INSERT INTO sync_log (workspace_id, connection_id, connector_name, trigger, status, error, finished_at, progress)
               VALUES ($1::uuid, $2::uuid, $3::text, 'scheduled', 'cancelled', 'joined the sync already running', now(),
                       jsonb_build_object('scheduled_for', $4::timestamptz))`,
    [workspaceId, connectionId, connectorName, slot],
  );
}
