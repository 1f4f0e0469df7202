/**
 * Runs a skill run: COMPUTE in the tenant scope, then CLASSIFY and SYNTHESIZE through the LLM layer, with
 * phase timings, tokens per tier and progress written to the skill_runs row. The SYNTHESIZE input is the
 * skill's digest capped at SYNTHESIZE_INPUT_TOKENS, so a run's token count does not grow with the data.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import type { Db } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { ValidationError } from '../errors.ts';
import { createLlmSession } from '../llm/llm-client.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { announceSkillRunFinished } from '../outputs/output-events.ts';
import { withCoverageNote } from './skill-coverage.ts';
import { keepSkillRunAlive } from './skill-run-takeover.ts';
import { getSkill } from './skill-registry.ts';
import {
  createSkillRun,
  finishSkillRun,
  getSkillRun,
  markSkillRunStarted,
  type SkillRun,
  type SkillRunTrigger,
  updateSkillRunProgress,
} from './skill-runs.ts';
import type { Narrative, SkillContext, SkillResult, SynthesizeSpec } from './skill-types.ts';

export const SYNTHESIZE_INPUT_TOKENS = 8000;

export interface SkillDeps {
  db: Db;
  config: Config;
  vault: CredentialVault;
  log: Logger;
  /** Where outputs schedule their deliveries; absent: in this process. */
  queue?: JobQueue;
}

export type ProgressListener = (phase: string, done: number, total: number) => void;

const narrativeSchema = z
  .object({
    headline: z.string().min(1).max(300),
    summary: z.string().min(1).max(4000),
    actions: z.array(z.string().min(1).max(500)).max(10),
  })
  .strict();

/** Validates the inputs against the skill's schema and records a queued run. */
export async function createQueuedSkillRun(
  deps: SkillDeps,
  workspaceId: string,
  skillId: string,
  rawInputs: unknown,
  trigger: SkillRunTrigger,
): Promise<SkillRun> {
  const skill = getSkill(skillId);
  const parsed = skill.inputs.safeParse(rawInputs ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ValidationError(
      `invalid inputs: ${first?.path.join('.') || 'inputs'}: ${first?.message ?? 'invalid'}`,
    );
  }
  return withWorkspace(deps.db, workspaceId, (tx) =>
    createSkillRun(tx, workspaceId, { skillId, trigger, inputs: parsed.data as Record<string, unknown> }),
  );
}

export async function executeSkillRun(
  deps: SkillDeps,
  workspaceId: string,
  runId: string,
  onProgress?: ProgressListener,
): Promise<SkillRun> {
  const scoped = <T>(fn: Parameters<typeof withWorkspace<T>>[2]) => withWorkspace(deps.db, workspaceId, fn);
  const run = await scoped((tx) => getSkillRun(tx, workspaceId, runId));
  if (!(await scoped((tx) => markSkillRunStarted(tx, workspaceId, runId)))) return run;
  const stopHeartbeat = keepSkillRunAlive(deps, workspaceId, runId);
  try {
    return await runClaimedSkillRun(deps, workspaceId, run, onProgress);
  } catch (err) {
    // A run that cannot even start (its skill is gone) ends failed, not running until taken over again.
    await withWorkspace(deps.db, workspaceId, (tx) =>
      finishSkillRun(tx, workspaceId, runId, {
        status: 'failed',
        phaseTimings: {},
        tokens: {},
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    throw err;
  } finally {
    stopHeartbeat();
  }
}

async function runClaimedSkillRun(
  deps: SkillDeps,
  workspaceId: string,
  run: SkillRun,
  onProgress?: ProgressListener,
): Promise<SkillRun> {
  const runId = run.id;
  const scoped = <T>(fn: Parameters<typeof withWorkspace<T>>[2]) => withWorkspace(deps.db, workspaceId, fn);
  const skill = getSkill(run.skill_id);
  const timings: Record<string, number> = {};
  const tokens: Record<string, { input: number; output: number }> = {
    classify: { input: 0, output: 0 },
    synthesize: { input: 0, output: 0 },
  };
  let lastWrite = 0;
  const ctx: SkillContext = {
    workspaceId,
    asOf: typeof run.inputs.as_of === 'string' ? run.inputs.as_of : new Date().toISOString().slice(0, 10),
    llm: createLlmSession(
      { db: deps.db, config: deps.config.llm, vault: deps.vault, log: deps.log },
      workspaceId,
      {
        skillRunId: runId,
      },
    ),
    progress(phase, done, total) {
      onProgress?.(phase, done, total);
      // Progress rows are written at most once a second: batched phases report often.
      const now = Date.now();
      if (now - lastWrite < 1000 && done < total) return;
      lastWrite = now;
      void scoped((tx) => updateSkillRunProgress(tx, workspaceId, runId, { phase, done, total })).catch(
        (err) => deps.log.warn({ err, runId }, 'skill progress write failed'),
      );
    },
  };
  try {
    const input = skill.inputs.parse(run.inputs);
    let started = performance.now();
    ctx.progress('compute', 0, 1);
    const computed = await scoped((tx) => skill.compute(tx, ctx, input));
    timings.compute_ms = Math.round(performance.now() - started);
    ctx.progress('compute', 1, 1);
    const result: SkillResult = {
      skill_id: skill.id,
      as_of: ctx.asOf,
      facts: computed.facts,
      findings: computed.findings,
      coverage: computed.coverage,
    };

    let labels: Record<string, string> = {};
    if (skill.classify) {
      started = performance.now();
      const classified = await skill.classify(ctx, computed.facts);
      timings.classify_ms = Math.round(performance.now() - started);
      tokens.classify = { input: classified.inputTokens, output: classified.outputTokens };
      labels = classified.labels;
      result.labels = labels;
    }
    if (skill.synthesize) {
      started = performance.now();
      ctx.progress('synthesize', 0, 1);
      const narrative = await synthesize(ctx, skill.id, skill.synthesize, computed.facts, labels, tokens);
      // Whoever wrote the headline, a material coverage gap is stated in it.
      result.narrative = { ...narrative, headline: withCoverageNote(narrative.headline, computed.coverage) };
      timings.synthesize_ms = Math.round(performance.now() - started);
      ctx.progress('synthesize', 1, 1);
    }
    await scoped((tx) =>
      finishSkillRun(tx, workspaceId, runId, { status: 'succeeded', phaseTimings: timings, tokens, result }),
    );
  } catch (err) {
    deps.log.error({ err, runId, skill: skill.id }, 'skill run failed');
    await scoped((tx) =>
      finishSkillRun(tx, workspaceId, runId, {
        status: 'failed',
        phaseTimings: timings,
        tokens,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
  }
  const finished = await scoped((tx) => getSkillRun(tx, workspaceId, runId));
  await announceSkillRunFinished(deps, workspaceId, finished);
  return scoped((tx) => getSkillRun(tx, workspaceId, runId));
}

async function synthesize<F>(
  ctx: SkillContext,
  skillId: string,
  spec: SynthesizeSpec<F>,
  facts: F,
  labels: Record<string, string>,
  tokens: Record<string, { input: number; output: number }>,
): Promise<Narrative> {
  const digest = spec.digest(facts, labels);
  const r = await ctx.llm.call({
    tier: 'synthesize',
    task: `${skillId}.synthesize`,
    instructions:
      `${spec.instructions}\nAnswer {"headline": string, "summary": string, "actions": [string]} ` +
      'with at most 5 actions. Use only numbers present in the data; cite deal or rep names from it.',
    data: Object.entries(digest).map(([label, records]) => ({ label, records })),
    output: narrativeSchema,
    offline: (blocks) => spec.offline(Object.fromEntries(blocks.map((b) => [b.label, [...b.records]]))),
    maxInputTokens: SYNTHESIZE_INPUT_TOKENS,
    maxOutputTokens: 1200,
  });
  tokens.synthesize = {
    input: (tokens.synthesize?.input ?? 0) + r.inputTokens,
    output: (tokens.synthesize?.output ?? 0) + r.outputTokens,
  };
  return { ...r.value, provider: r.provider, model: r.model, notes: r.notes };
}
