/**
 * Skill schedules (migration 041): per workspace and skill, a cron expression in an IANA time zone, on
 * or off. Built-in schedules apply to every workspace until changed. The scheduler tick (once a minute:
 * a pg-boss schedule on the server, a croner timer in-process) claims the due schedules and records a
 * queued run for each, which the caller dispatches like any other run.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import type { Db, Queryable } from '../db/db.ts';
import { ValidationError } from '../errors.ts';
import { getSkill, listSkills } from './skill-registry.ts';
import { createSkillRun } from './skill-runs.ts';

export const cronExpression = z
  .string()
  .trim()
  .max(100)
  .refine((c) => c.split(/\s+/).length === 5, 'expected five fields: minute hour day month weekday')
  .superRefine((c, ctx) => {
    try {
      new Cron(c, { paused: true });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : 'not a cron expression' });
    }
  });

export const timeZone = z
  .string()
  .trim()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false; // RangeError: not an IANA time zone
    }
  }, 'not an IANA time zone, e.g. "Europe/Berlin"');

export const scheduleBody = z
  .object({
    cron: cronExpression.optional(),
    timezone: timeZone.optional(),
    enabled: z.boolean().optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one of cron, timezone, enabled, inputs');
export type ScheduleBody = z.infer<typeof scheduleBody>;

export interface SkillSchedule {
  skill_id: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  inputs: Record<string, unknown>;
  /** True while the workspace has not changed the skill's built-in schedule. */
  is_default: boolean;
  next_run_at: string | null;
  last_run_at: string | null;
  last_run_id: string | null;
}

/** The first slot strictly after `from` in the time zone, or null for a pattern that never fires again. */
export function nextRunAt(cron: string, timezone: string, from: Date): Date | null {
  return new Cron(cron, { timezone, paused: true }).nextRun(from);
}

const COLUMNS = `skill_id, cron, timezone, enabled, inputs, is_default, next_run_at, last_run_at, last_run_id`;

/** Every skill with its schedule in this workspace: the stored one, else the built-in one. */
export async function listSkillSchedules(
  q: Queryable,
  workspaceId: string,
  now = new Date(),
): Promise<SkillSchedule[]> {
  const { rows } = await q.query<SkillSchedule>(
    `SELECT ${COLUMNS} FROM skill_schedules WHERE workspace_id = $1::uuid`,
    [workspaceId],
  );
  const stored = new Map(rows.map((r) => [r.skill_id, r]));
  return listSkills().flatMap((s): SkillSchedule[] => {
    const row = stored.get(s.id);
    if (row) return [row];
    if (!s.schedule) return [];
    return [
      {
        skill_id: s.id,
        cron: s.schedule,
        timezone: 'UTC',
        enabled: true,
        inputs: {},
        is_default: true,
        next_run_at: nextRunAt(s.schedule, 'UTC', now)?.toISOString() ?? null,
        last_run_at: null,
        last_run_id: null,
      },
    ];
  });
}

/** Creates or changes a workspace's schedule of a skill; what is not given keeps its value. */
export async function putSkillSchedule(
  q: Queryable,
  workspaceId: string,
  skillId: string,
  body: ScheduleBody,
  now = new Date(),
): Promise<SkillSchedule> {
  const skill = getSkill(skillId);
  const current = (await listSkillSchedules(q, workspaceId, now)).find((s) => s.skill_id === skillId);
  const cron = body.cron ?? current?.cron;
  if (!cron) throw new ValidationError(`invalid body: cron: ${skillId} has no built-in schedule, give one`);
  if (body.inputs) {
    const parsed = skill.inputs.safeParse(body.inputs);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new ValidationError(`invalid body: inputs.${first?.path.join('.') ?? ''}: ${first?.message}`);
    }
  }
  const timezone = body.timezone ?? current?.timezone ?? 'UTC';
  const enabled = body.enabled ?? current?.enabled ?? true;
  const next = enabled ? nextRunAt(cron, timezone, now) : null;
  const { rows } = await q.query<SkillSchedule>(
    /* sql */ `INSERT INTO skill_schedules (workspace_id, skill_id, cron, timezone, enabled, inputs, is_default, next_run_at)
     VALUES ($1::uuid, $2, $3, $4, $5, $6::jsonb, false, $7::timestamptz)
     ON CONFLICT (workspace_id, skill_id) DO UPDATE SET cron = EXCLUDED.cron, timezone = EXCLUDED.timezone,
       enabled = EXCLUDED.enabled, inputs = EXCLUDED.inputs, is_default = false,
       next_run_at = EXCLUDED.next_run_at, updated_at = now()
     RETURNING ${COLUMNS}`,
    [
      workspaceId,
      skillId,
      cron,
      timezone,
      enabled,
      JSON.stringify(body.inputs ?? current?.inputs ?? {}),
      next?.toISOString() ?? null,
    ],
  );
  return rows[0]!;
}

export interface DueRun {
  workspaceId: string;
  skillId: string;
  runId: string;
}

/**
 * One scheduler tick: gives every workspace the built-in schedules it lacks, then claims the due ones,
 * records a queued run ('schedule' trigger) for each and moves it to its next slot. A slot missed while
 * nothing was running runs once, late. Returns the runs to dispatch.
 */
export async function claimDueSkillRuns(db: Db, now = new Date(), limit = 100): Promise<DueRun[]> {
  return db.transaction(async (tx) => {
    for (const skill of listSkills()) {
      if (!skill.schedule) continue;
      await tx.query(
        /* sql */ `INSERT INTO skill_schedules (workspace_id, skill_id, cron, timezone, enabled, is_default, next_run_at)
         SELECT w.id, $1, $2, 'UTC', true, true, $3::timestamptz FROM workspaces w
         WHERE NOT EXISTS (SELECT 1 FROM skill_schedules s WHERE s.workspace_id = w.id AND s.skill_id = $1)
         ON CONFLICT (workspace_id, skill_id) DO NOTHING`,
        [skill.id, skill.schedule, nextRunAt(skill.schedule, 'UTC', now)?.toISOString() ?? null],
      );
    }
    const { rows } = await tx.query<{
      workspace_id: string;
      skill_id: string;
      cron: string;
      timezone: string;
      inputs: Record<string, unknown>;
    }>(
      /* sql */ `SELECT workspace_id, skill_id, cron, timezone, inputs FROM skill_schedules
       WHERE enabled AND next_run_at <= $1::timestamptz
       ORDER BY next_run_at, workspace_id, skill_id LIMIT $2::int FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), limit],
    );
    const due: DueRun[] = [];
    for (const s of rows) {
      const next = nextRunAt(s.cron, s.timezone, now);
      let runId: string | null = null;
      if (listSkills().some((k) => k.id === s.skill_id)) {
        const run = await createSkillRun(tx, s.workspace_id, {
          skillId: s.skill_id,
          trigger: 'schedule',
          inputs: s.inputs,
        });
        runId = run.id;
        due.push({ workspaceId: s.workspace_id, skillId: s.skill_id, runId });
      }
      await tx.query(
        /* sql */ `UPDATE skill_schedules SET next_run_at = $3::timestamptz, last_run_at = $4::timestamptz,
           last_run_id = coalesce($5::uuid, last_run_id)
         WHERE workspace_id = $1::uuid AND skill_id = $2`,
        [s.workspace_id, s.skill_id, next?.toISOString() ?? null, now.toISOString(), runId],
      );
    }
    return due;
  });
}
