/**
 * Starting a run asynchronously. In-process by default (the embedded backend, tests, the CLI); with a job
 * queue, runs go through the 'skill-run' job so any worker may execute them.
 */
import type { JobQueue } from '../jobs/job-queue.ts';
import type { SkillRunTrigger } from './skill-runs.ts';
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
  if (deps.queue) {
    await deps.queue.send('skill-run', { workspace_id: workspaceId, skill_run_id: run.id });
    return run;
  }
  const p = executeSkillRun(deps, workspaceId, run.id)
    .catch((err) => deps.log.error({ err, runId: run.id }, 'skill run crashed'))
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
  return run;
}

/** Waits for in-process runs (tests, graceful shutdown). */
export async function settleSkillRuns(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

export async function registerSkillRunWorker(queue: JobQueue, deps: SkillDeps): Promise<void> {
  await queue.work('skill-run', async (data) => {
    await executeSkillRun(deps, data.workspace_id, data.skill_run_id);
  });
}
