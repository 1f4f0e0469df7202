/**
 * What a skill is: id, description, inputs schema, optional schedule, and three phases. COMPUTE is
 * deterministic SQL returning facts; CLASSIFY (optional) labels items on the cheap tier; SYNTHESIZE
 * (optional) turns a bounded digest of the facts into a narrative on the strong tier. Findings carry
 * evidence: the ids of the entities they are about.
 */
import type { z } from 'zod';
import type { Queryable } from '../db/db.ts';
import type { LlmSession } from '../llm/llm-client.ts';
import type { Coverage } from './skill-coverage.ts';

export interface Finding {
  /** Stable kind, e.g. "stale_deal". */
  kind: string;
  severity: 'high' | 'medium' | 'low' | 'info';
  title: string;
  /** Entity ids the finding is about: {deals: [...], accounts: [...]}. */
  evidence: Record<string, string[]>;
  /** Numbers behind the finding (amount at risk, counts). */
  metrics?: Record<string, number | string | null>;
}

export interface SkillContext {
  workspaceId: string;
  /** YYYY-MM-DD: "today" for the run, fixed so a run is reproducible. */
  asOf: string;
  llm: LlmSession;
  progress(phase: string, done: number, total: number): void;
}

export interface ComputeOutput<F> {
  facts: F;
  findings: Finding[];
  /** What the skill could not count and why (skill-coverage.ts). */
  coverage: Coverage;
}

export interface ClassifyOutput {
  labels: Record<string, string>;
  inputTokens: number;
  outputTokens: number;
  providers: string[];
  notes: string[];
}

export interface SynthesizeSpec<F> {
  instructions: string;
  /** The bounded digest the model sees: built from facts and labels, never from raw tables. */
  digest(facts: F, labels: Record<string, string>): Record<string, unknown[]>;
  /** The templated narrative the offline provider writes from the same digest. */
  offline(digest: Record<string, unknown[]>): { headline: string; summary: string; actions: string[] };
}

export interface SkillDefinition<I = unknown, F = unknown> {
  id: string;
  description: string;
  inputs: z.ZodType<I>;
  /** Cron expression for an optional recurring run. */
  schedule?: string;
  /** Deterministic SQL, run inside the workspace's tenant scope. */
  compute(tx: Queryable, ctx: SkillContext, input: I): Promise<ComputeOutput<F>>;
  classify?(ctx: SkillContext, facts: F): Promise<ClassifyOutput>;
  synthesize?: SynthesizeSpec<F>;
}

export interface Narrative {
  headline: string;
  summary: string;
  actions: string[];
  provider: string;
  model: string;
  notes: string[];
}

export interface SkillResult<F = unknown> {
  skill_id: string;
  as_of: string;
  facts: F;
  findings: Finding[];
  coverage?: Coverage;
  labels?: Record<string, string>;
  narrative?: Narrative;
}
