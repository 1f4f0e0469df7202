/** The LLM layer's vocabulary: tiers, calls, prompts as sent, and provider answers. */
import type { z } from 'zod';

/** classify: cheap model, batched over items. synthesize: strong model, bounded input. */
export type LlmTier = 'classify' | 'synthesize';

/** A named block of data for the model. Its content is never treated as instructions. */
export interface DataBlock {
  /** Short identifier shown in the delimiter, e.g. "facts" or "transcripts"; a constant from code. */
  label: string;
  /** Records, each kept whole: truncation drops records, never cuts one. */
  records: readonly unknown[];
}

export interface LlmCall<T> {
  tier: LlmTier;
  /** What the call is for, e.g. "pipeline-hygiene.summary"; recorded in the ledger. */
  task: string;
  /** Trusted instructions written in code. Never includes data. */
  instructions: string;
  data: readonly DataBlock[];
  output: z.ZodType<T>;
  /** The deterministic answer the offline provider gives (rule-based or templated), from the same data. */
  offline: (data: readonly DataBlock[]) => T;
  maxOutputTokens?: number;
  /** Cap on the estimated input tokens; records beyond it are dropped with a note. */
  maxInputTokens?: number;
}

/** What a provider receives: instructions and the delimited data, already built and checked. */
export interface BuiltPrompt {
  system: string;
  user: string;
  estimatedInputTokens: number;
  maxOutputTokens: number;
  /** Notes about what was dropped or redacted to fit. */
  notes: string[];
}

export interface ProviderAnswer {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  stopReason: string | null;
}

export interface LlmProvider {
  readonly name: 'anthropic' | 'fireworks' | 'offline';
  readonly model: string;
  complete(prompt: BuiltPrompt, call: LlmCall<unknown>): Promise<ProviderAnswer>;
}

export interface LlmResult<T> {
  value: T;
  provider: LlmProvider['name'];
  model: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  /** Truncation, redaction, budget fallback, repair retries. */
  notes: string[];
}
