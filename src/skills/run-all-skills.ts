/**
 * Runs the computed fields and then every built-in skill for a workspace, one after the other, and returns
 * the finished runs: what the demo start-up and `pandora skill run all` call.
 */
import { runComputedFields } from '../compute/compute-engine.ts';
import { BUILT_IN_SKILLS } from './all-skills.ts';
import type { SkillRunTrigger } from './skill-runs.ts';
import {
  createQueuedSkillRun,
  executeSkillRun,
  type ProgressListener,
  type SkillDeps,
} from './skill-runtime.ts';
import type { SkillRun } from './skill-runs.ts';

export async function runSkillNow(
  deps: SkillDeps,
  workspaceId: string,
  skillId: string,
  inputs: Record<string, unknown>,
  opts: { trigger?: SkillRunTrigger; onProgress?: ProgressListener } = {},
): Promise<SkillRun> {
  const run = await createQueuedSkillRun(deps, workspaceId, skillId, inputs, opts.trigger ?? 'cli');
  return executeSkillRun(deps, workspaceId, run.id, opts.onProgress);
}

export async function runAllSkills(
  deps: SkillDeps,
  workspaceId: string,
  opts: {
    asOf?: string;
    trigger?: SkillRunTrigger;
    computeFirst?: boolean;
    onProgress?: (skillId: string, phase: string, done: number, total: number) => void;
  } = {},
): Promise<SkillRun[]> {
  if (opts.computeFirst ?? true) await runComputedFields(deps.db, workspaceId, { asOf: opts.asOf });
  const runs: SkillRun[] = [];
  for (const skillId of BUILT_IN_SKILLS) {
    const inputs = opts.asOf && skillId !== 'custom-field-discovery' ? { as_of: opts.asOf } : {};
    runs.push(
      await runSkillNow(deps, workspaceId, skillId, inputs, {
        trigger: opts.trigger ?? 'demo',
        onProgress: (phase, done, total) => opts.onProgress?.(skillId, phase, done, total),
      }),
    );
  }
  return runs;
}
