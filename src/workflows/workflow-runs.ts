/** Mirrored workflow runs: one row per run Pandora started or the engine reported, deduplicated per event. */
import type { Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';

export interface WorkflowRunRow {
  id: string;
  workflow_id: string;
  version: number;
  trigger: 'event' | 'manual' | 'schedule' | 'webhook';
  event_key: string | null;
  ap_run_id: string | null;
  /** The engine's status (QUEUED, RUNNING, SUCCEEDED, FAILED, …), SENT until the engine's run is found. */
  status: string;
  steps: unknown;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = /* sql */ `id, workflow_id, version, trigger, event_key, ap_run_id, status, steps, error,
  started_at, finished_at, created_at, updated_at`;

/** A new run in state SENT; null when a run for this event already exists. */
export async function insertRun(
  q: Queryable,
  ws: string,
  r: { workflowId: string; version: number; trigger: WorkflowRunRow['trigger']; eventKey: string | null },
): Promise<WorkflowRunRow | null> {
  const { rows } = await q.query<WorkflowRunRow>(
    /* sql */ `INSERT INTO workflow_runs (workspace_id, workflow_id, version, trigger, event_key, status)
     VALUES ($1::uuid, $2::uuid, $3::int, $4, $5, 'SENT')
     ON CONFLICT (workspace_id, workflow_id, event_key) DO NOTHING RETURNING ${COLUMNS}`,
    [ws, r.workflowId, r.version, r.trigger, r.eventKey],
  );
  return rows[0] ?? null;
}

export async function markRunFailed(q: Queryable, ws: string, id: string, error: string): Promise<void> {
  await q.query(
    /* sql */ `UPDATE workflow_runs SET status = 'FAILED', error = $3, finished_at = now(), updated_at = now()
     WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [ws, id, error],
  );
}

export async function listRuns(
  q: Queryable,
  ws: string,
  workflowId: string,
  limit: number,
): Promise<WorkflowRunRow[]> {
  const { rows } = await q.query<WorkflowRunRow>(
    `SELECT ${COLUMNS} FROM workflow_runs WHERE workspace_id = $1::uuid AND workflow_id = $2::uuid
     ORDER BY created_at DESC, id DESC LIMIT $3::int`,
    [ws, workflowId, limit],
  );
  return rows;
}

export async function getRun(
  q: Queryable,
  ws: string,
  workflowId: string,
  id: string,
): Promise<WorkflowRunRow> {
  const { rows } = await q.query<WorkflowRunRow>(
    `SELECT ${COLUMNS} FROM workflow_runs WHERE workspace_id = $1::uuid AND workflow_id = $2::uuid AND id = $3::uuid`,
    [ws, workflowId, id],
  );
  if (!rows[0]) throw new NotFoundError('workflow run');
  return rows[0];
}

/** Runs not yet finished, oldest first. */
export async function openRuns(q: Queryable, ws: string, workflowId: string): Promise<WorkflowRunRow[]> {
  const { rows } = await q.query<WorkflowRunRow>(
    `SELECT ${COLUMNS} FROM workflow_runs
     WHERE workspace_id = $1::uuid AND workflow_id = $2::uuid AND finished_at IS NULL ORDER BY created_at, id`,
    [ws, workflowId],
  );
  return rows;
}

export async function knownEngineRunIds(
  q: Queryable,
  ws: string,
  workflowId: string,
  ids: string[],
): Promise<Set<string>> {
  const { rows } = await q.query<{ ap_run_id: string }>(
    `SELECT ap_run_id FROM workflow_runs
     WHERE workspace_id = $1::uuid AND workflow_id = $2::uuid AND ap_run_id = ANY($3::text[])`,
    [ws, workflowId, ids],
  );
  return new Set(rows.map((r) => r.ap_run_id));
}

export interface EngineRunState {
  apRunId: string;
  status: string;
  steps: unknown;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  terminal: boolean;
}

/** Records what the engine says of a run; a terminal run gets its finish time (ours when the engine has none). */
export async function recordEngineRun(
  q: Queryable,
  ws: string,
  id: string,
  s: EngineRunState,
): Promise<void> {
  await q.query(
    /* sql */ `UPDATE workflow_runs SET ap_run_id = $3, status = $4, steps = COALESCE($5::jsonb, steps), error = $6,
       started_at = COALESCE($7::timestamptz, started_at),
       finished_at = CASE WHEN $9::boolean THEN COALESCE($8::timestamptz, now()) ELSE NULL END,
       updated_at = now()
     WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [
      ws,
      id,
      s.apRunId,
      s.status,
      s.steps === null || s.steps === undefined ? null : JSON.stringify(s.steps),
      s.error,
      s.startedAt,
      s.finishedAt,
      s.terminal,
    ],
  );
}

export async function insertEngineRun(
  q: Queryable,
  ws: string,
  r: { workflowId: string; version: number; trigger: WorkflowRunRow['trigger'] },
  s: EngineRunState,
): Promise<void> {
  const { rows } = await q.query<{ id: string }>(
    /* sql */ `INSERT INTO workflow_runs (workspace_id, workflow_id, version, trigger, status, ap_run_id)
     VALUES ($1::uuid, $2::uuid, $3::int, $4, $5, $6)
     ON CONFLICT (workspace_id, ap_run_id) DO NOTHING RETURNING id`,
    [ws, r.workflowId, r.version, r.trigger, s.status, s.apRunId],
  );
  if (rows[0]) await recordEngineRun(q, ws, rows[0].id, s);
}

/** Runs still open after the deadline are given up on (a dead engine worker leaves a run RUNNING forever). */
export async function timeOutStuckRuns(q: Queryable, ws: string, olderThanSeconds: number): Promise<number> {
  const { rowCount } = await q.query(
    /* sql */ `UPDATE workflow_runs SET status = 'TIMEOUT', finished_at = now(), updated_at = now(),
       error = 'no result from the workflow engine within ' || $2::int || ' seconds'
     WHERE workspace_id = $1::uuid AND finished_at IS NULL AND created_at < now() - make_interval(secs => $2::int)`,
    [ws, olderThanSeconds],
  );
  return rowCount;
}
