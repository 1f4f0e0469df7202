/** The skill_runs table: one row per run with status, phase timings, tokens per tier, result and error. */
import type { Queryable } from '../db/db.ts';
import { toJsonParam } from '../db/bulk-upsert.ts';
import { NotFoundError } from '../errors.ts';
import { WORKER_ID } from '../jobs/worker-id.ts';

export type SkillRunStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type SkillRunTrigger = 'api' | 'cli' | 'schedule' | 'demo' | 'webhook';

interface SkillRunRow {
  id: string;
  skill_id: string;
  status: SkillRunStatus;
  trigger: SkillRunTrigger;
  inputs: Record<string, unknown>;
  phase_timings: Record<string, number>;
  tokens: Record<string, { input: number; output: number }>;
  progress: Record<string, unknown>;
  result: unknown;
  error: string | null;
  deliveries: Record<string, unknown>;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface SkillRun {
  id: string;
  skill_id: string;
  status: SkillRunStatus;
  trigger: SkillRunTrigger;
  inputs: Record<string, unknown>;
  phase_timings: Record<string, number>;
  tokens: Record<string, { input: number; output: number }>;
  progress: Record<string, unknown>;
  result: unknown;
  error: string | null;
  /** Where the result went: `slack` → what was posted, or why not (outputs/slack). */
  deliveries: Record<string, unknown>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const COLUMNS =
  'id, skill_id, status, trigger, inputs, phase_timings, tokens, progress, result, error, deliveries, created_at, started_at, finished_at';

function toSkillRun(r: SkillRunRow, withResult = true): SkillRun {
  return {
    id: r.id,
    skill_id: r.skill_id,
    status: r.status,
    trigger: r.trigger,
    inputs: r.inputs,
    phase_timings: r.phase_timings,
    tokens: r.tokens,
    progress: r.progress,
    result: withResult ? r.result : undefined,
    error: r.error,
    deliveries: r.deliveries,
    created_at: r.created_at.toISOString(),
    started_at: r.started_at?.toISOString() ?? null,
    finished_at: r.finished_at?.toISOString() ?? null,
  };
}

export async function createSkillRun(
  q: Queryable,
  workspaceId: string,
  input: { skillId: string; trigger: SkillRunTrigger; inputs: Record<string, unknown> },
): Promise<SkillRun> {
  const { rows } = await q.query<SkillRunRow>(
    /* sql */ `INSERT INTO skill_runs (workspace_id, skill_id, trigger, inputs)
     VALUES ($1::uuid, $2, $3, $4::jsonb) RETURNING ${COLUMNS}`,
    [workspaceId, input.skillId, input.trigger, JSON.stringify(input.inputs)],
  );
  return toSkillRun(rows[0]!);
}

export async function getSkillRun(q: Queryable, workspaceId: string, runId: string): Promise<SkillRun> {
  const { rows } = await q.query<SkillRunRow>(
    `SELECT ${COLUMNS} FROM skill_runs WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, runId],
  );
  if (!rows[0]) throw new NotFoundError('skill run');
  return toSkillRun(rows[0]);
}

/** Newest first; the result document is left out of listings (fetch one run for it). */
export async function listSkillRuns(
  q: Queryable,
  workspaceId: string,
  opts: { skillId?: string; limit: number },
): Promise<SkillRun[]> {
  const { rows } = await q.query<SkillRunRow>(
    /* sql */ `SELECT ${COLUMNS.replace('result', 'NULL::jsonb AS result')} FROM skill_runs
     WHERE workspace_id = $1::uuid AND ($2::text IS NULL OR skill_id = $2)
     ORDER BY created_at DESC, id DESC LIMIT $3::int`,
    [workspaceId, opts.skillId ?? null, opts.limit],
  );
  return rows.map((r) => toSkillRun(r, false));
}

/** The newest run of each of `skillIds` that has one, with its result: what a report of "where things stand" shows. */
export async function latestSkillRuns(
  q: Queryable,
  workspaceId: string,
  skillIds: readonly string[],
): Promise<SkillRun[]> {
  const { rows } = await q.query<SkillRunRow>(
    /* sql */ `SELECT DISTINCT ON (skill_id) ${COLUMNS} FROM skill_runs
     WHERE workspace_id = $1::uuid AND skill_id = ANY($2::text[])
     ORDER BY skill_id, created_at DESC, id DESC`,
    [workspaceId, skillIds],
  );
  const bySkill = new Map(rows.map((r) => [r.skill_id, toSkillRun(r)]));
  return skillIds.flatMap((id) => bySkill.get(id) ?? []);
}

export async function markSkillRunStarted(
  q: Queryable,
  workspaceId: string,
  runId: string,
): Promise<boolean> {
  // Only a queued run starts: a redelivered job finds it running or finished and leaves it alone.
  const { rowCount } = await q.query(
    /* sql */ `UPDATE skill_runs SET status = 'running', started_at = now(), worker_id = $3::text, heartbeat_at = now()
     WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'queued'`,
    [workspaceId, runId, WORKER_ID],
  );
  return rowCount > 0;
}

export async function updateSkillRunProgress(
  q: Queryable,
  workspaceId: string,
  runId: string,
  progress: Record<string, unknown>,
): Promise<void> {
  await q.query(
    'UPDATE skill_runs SET progress = $3::jsonb WHERE workspace_id = $1::uuid AND id = $2::uuid',
    [workspaceId, runId, JSON.stringify(progress)],
  );
}

export async function finishSkillRun(
  q: Queryable,
  workspaceId: string,
  runId: string,
  outcome: {
    status: 'succeeded' | 'failed';
    phaseTimings: Record<string, number>;
    tokens: Record<string, { input: number; output: number }>;
    result?: unknown;
    error?: string;
  },
): Promise<void> {
  await q.query(
    /* sql */ `UPDATE skill_runs SET status = $3, phase_timings = $4::jsonb, tokens = $5::jsonb,
       result = $6::jsonb, error = $7, finished_at = now()
     WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [
      workspaceId,
      runId,
      outcome.status,
      JSON.stringify(outcome.phaseTimings),
      JSON.stringify(outcome.tokens),
      outcome.result === undefined ? null : toJsonParam(outcome.result),
      outcome.error ?? null,
    ],
  );
}

/** Records where a finished run's result went (or why it could not), under one key per output. */
export async function recordSkillRunDelivery(
  q: Queryable,
  workspaceId: string,
  runId: string,
  output: string,
  outcome: Record<string, unknown>,
): Promise<void> {
  await q.query(
    `UPDATE skill_runs SET deliveries = jsonb_set(deliveries, ARRAY[$3::text], $4::jsonb)
     WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, runId, output, JSON.stringify(outcome)],
  );
}
