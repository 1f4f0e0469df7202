/**
 * Starting a run asynchronously, and the scheduler tick that starts the scheduled ones. In-process by default (the embedded backend, tests, the CLI); with a job
 * queue, runs go through the 'skill-run' job so any worker may execute them.
 */
import type { JobQueue } from '../jobs/job-queue.ts';
import type { SkillRunTrigger } from './skill-runs.ts';
import { startSkillRunWatchdog } from './skill-run-takeover.ts';
import { claimDueSkillRuns, type DueRun } from './skill-schedules.ts';
import { createQueuedSkillRun, executeSkillRun, type SkillDeps } from './skill-runtime.ts';
import type { SkillRun } from './skill-runs.ts';

const inFlight = new Set<Promise<unknown>>();

/** Records the run and returns at once; the run executes in the background. */
export async function startSkillRun(
  deps: SkillDeps & { queue?: JobQueue },
  workspaceId: string,
  skillId: string,
  inputs: unknown,
  trigger: SkillRunTrigger = 'api',
): Promise<SkillRun> {
  const run = await createQueuedSkillRun(deps, workspaceId, skillId, inputs, trigger);
  await dispatchSkillRun(deps, workspaceId, run.id);
  return run;
}

/** Hands a queued run to the job queue, or runs it in the background of this process. */
async function dispatchSkillRun(
  deps: SkillDeps & { queue?: JobQueue },
  workspaceId: string,
  runId: string,
): Promise<void> {
  if (deps.queue) {
    await deps.queue.send('skill-run', { workspace_id: workspaceId, skill_run_id: runId });
    return;
  }
  const p = executeSkillRun(deps, workspaceId, runId)
    .catch((err) => deps.log.error({ err, runId }, 'skill run crashed'))
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
}

/** One tick of the skill scheduler: records the due runs, then dispatches them. */
export async function runSkillScheduleTick(
  deps: SkillDeps & { queue?: JobQueue },
  now = new Date(),
): Promise<DueRun[]> {
  const due = await claimDueSkillRuns(deps.db, now);
  for (const d of due) {
    deps.log.info({ workspaceId: d.workspaceId, skill: d.skillId, runId: d.runId }, 'scheduled skill run');
    await dispatchSkillRun(deps, d.workspaceId, d.runId);
  }
  return due;
}

/** The once-a-minute tick on the queue (a pg-boss schedule on the server, croner in-process). */
export async function registerSkillScheduler(queue: JobQueue, deps: SkillDeps): Promise<void> {
  await queue.work('skill-schedule-tick', async () => {
    await runSkillScheduleTick({ ...deps, queue });
  });
  await queue.schedule('skill-schedule-tick', '* * * * *', {});
}

/** Waits for in-process runs (tests, graceful shutdown). */
export async function settleSkillRuns(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

export async function registerSkillRunWorker(queue: JobQueue, deps: SkillDeps): Promise<void> {
  await queue.work('skill-run', async (data) => {
    await executeSkillRun(deps, data.workspace_id, data.skill_run_id);
  });
  startSkillRunWatchdog({ ...deps, queue });
}
