/**
 * The one entry point for model calls: picks the provider for the tier, builds the safe prompt within the
 * input cap, enforces the workspace's daily token budget, validates the JSON answer with zod (one repair
 * retry), records every call in the ledger, and falls back to the offline provider rather than failing a
 * skill, saying so in the result's notes.
 */
import type { LlmConfig } from '../config.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import type { Db } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createAnthropicProvider } from './anthropic-provider.ts';
import { createFireworksProvider } from './fireworks-provider.ts';
import { loadLlmSettings, type WorkspaceLlmSettings } from './llm-settings.ts';
import type { BuiltPrompt, LlmCall, LlmProvider, LlmResult, LlmTier } from './llm-types.ts';
import { createOfflineProvider } from './offline-provider.ts';
import { buildPrompt, encodeRecord, extractJson } from './prompt-safety.ts';
import { recordUsage, tokensUsedToday } from './usage-ledger.ts';

export const DEFAULT_INPUT_CAP: Record<LlmTier, number> = { classify: 6000, synthesize: 8000 };
const DEFAULT_OUTPUT_CAP: Record<LlmTier, number> = { classify: 1500, synthesize: 2000 };

export interface LlmClientDeps {
  db: Db;
  config: LlmConfig;
  vault: CredentialVault;
  log?: Logger;
}

export interface LlmSession {
  call<T>(call: LlmCall<T>): Promise<LlmResult<T>>;
  /** The provider/model each tier will use, for reports. */
  describe(): Promise<Record<LlmTier, { provider: string; model: string }>>;
}

export function createLlmSession(
  deps: LlmClientDeps,
  workspaceId: string,
  opts: { skillRunId?: string | null; maxRetryDelayMs?: number } = {},
): LlmSession {
  let settings: Promise<WorkspaceLlmSettings> | undefined;
  const loadSettings = () =>
    (settings ??= withWorkspace(deps.db, workspaceId, (tx) =>
      loadLlmSettings(tx, workspaceId, deps.config, deps.vault),
    ));
  const offline = createOfflineProvider();

  function providerFor(tier: LlmTier, s: WorkspaceLlmSettings): LlmProvider {
    if (s.offlineOnly) return offline;
    const common = { timeoutMs: s.timeoutMs, maxDelayMs: opts.maxRetryDelayMs };
    if (tier === 'synthesize' && s.anthropicApiKey) {
      return createAnthropicProvider({
        apiKey: s.anthropicApiKey,
        model: s.synthesizeModel,
        baseUrl: s.anthropicBaseUrl,
        ...common,
      });
    }
    if (tier === 'classify' && s.fireworksApiKey) {
      return createFireworksProvider({
        apiKey: s.fireworksApiKey,
        model: s.classifyModel,
        baseUrl: s.fireworksBaseUrl,
        ...common,
      });
    }
    return offline;
  }

  async function ledger(
    call: LlmCall<unknown>,
    provider: LlmProvider,
    model: string,
    tokens: { input: number; output: number },
    latencyMs: number,
    status: 'ok' | 'invalid_output' | 'error',
  ) {
    await withWorkspace(deps.db, workspaceId, (tx) =>
      recordUsage(tx, workspaceId, {
        skillRunId: opts.skillRunId ?? null,
        tier: call.tier,
        provider: provider.name,
        model,
        task: call.task,
        inputTokens: tokens.input,
        outputTokens: tokens.output,
        latencyMs,
        status,
      }),
    );
  }

  async function attempt<T>(
    provider: LlmProvider,
    prompt: BuiltPrompt,
    call: LlmCall<T>,
  ): Promise<
    | { ok: true; value: T; model: string; input: number; output: number }
    | { ok: false; issue: string; text: string; model: string; input: number; output: number }
  > {
    const started = performance.now();
    const answer = await provider.complete(prompt, call as LlmCall<unknown>);
    const latency = performance.now() - started;
    const tokens = { input: answer.inputTokens, output: answer.outputTokens };
    let issue: string;
    try {
      const parsed = call.output.safeParse(extractJson(answer.text));
      if (parsed.success) {
        await ledger(call as LlmCall<unknown>, provider, answer.model, tokens, latency, 'ok');
        return { ok: true, value: parsed.data, model: answer.model, ...tokens };
      }
      issue = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
    } catch (err) {
      issue = err instanceof Error ? err.message : 'unparseable answer';
    }
    await ledger(call as LlmCall<unknown>, provider, answer.model, tokens, latency, 'invalid_output');
    return { ok: false, issue, text: answer.text, model: answer.model, ...tokens };
  }

  async function runOffline<T>(
    prompt: BuiltPrompt,
    call: LlmCall<T>,
    notes: string[],
  ): Promise<LlmResult<T>> {
    const started = performance.now();
    const r = await attempt(offline, prompt, call);
    if (!r.ok)
      throw new AppError('internal', `offline answer for ${call.task} does not match its schema: ${r.issue}`);
    return {
      value: r.value,
      provider: 'offline',
      model: r.model,
      inputTokens: r.input,
      outputTokens: r.output,
      latencyMs: performance.now() - started,
      notes,
    };
  }

  return {
    async describe() {
      const s = await loadSettings();
      const c = providerFor('classify', s);
      const y = providerFor('synthesize', s);
      return {
        classify: { provider: c.name, model: c.model },
        synthesize: { provider: y.name, model: y.model },
      };
    },

    async call<T>(call: LlmCall<T>): Promise<LlmResult<T>> {
      const s = await loadSettings();
      const secrets = [s.anthropicApiKey, s.fireworksApiKey].filter((k): k is string => !!k);
      const prompt = buildPrompt(call as LlmCall<unknown>, {
        maxInputTokens: Math.min(
          call.maxInputTokens ?? DEFAULT_INPUT_CAP[call.tier],
          DEFAULT_INPUT_CAP[call.tier] * 4,
        ),
        maxOutputTokens: call.maxOutputTokens ?? DEFAULT_OUTPUT_CAP[call.tier],
        redactPii: s.redactPii,
        secrets,
      });
      const notes = [...prompt.notes];
      const provider = providerFor(call.tier, s);
      if (provider.name === 'offline') return runOffline(prompt, call, notes);

      // Budget: the estimate of this call (input plus the most it may write, twice for a repair) must fit.
      const used = await withWorkspace(deps.db, workspaceId, (tx) => tokensUsedToday(tx, workspaceId));
      const worst = 2 * (prompt.estimatedInputTokens + prompt.maxOutputTokens);
      if (used + worst > s.dailyTokenBudget) {
        notes.push(`daily token budget reached (${used} of ${s.dailyTokenBudget} used); offline answer`);
        return runOffline(prompt, call, notes);
      }

      const started = performance.now();
      let inputTokens = 0;
      let outputTokens = 0;
      try {
        const first = await attempt(provider, prompt, call);
        inputTokens += first.input;
        outputTokens += first.output;
        if (first.ok) {
          return {
            value: first.value,
            provider: provider.name,
            model: first.model,
            inputTokens,
            outputTokens,
            latencyMs: performance.now() - started,
            notes,
          };
        }
        // One repair: the same data, the validation problem stated in the instructions, the rejected answer
        // quoted back as data (it may echo untrusted text).
        const repairPrompt: BuiltPrompt = {
          ...prompt,
          system: `${prompt.system}\n\nYour previous answer was rejected: ${first.issue}. Answer again with one JSON object that satisfies the required shape.`,
          user: `${prompt.user}\n\n<data label="rejected_answer">\n${encodeRecord(first.text.slice(0, 4000))}\n</data>`,
        };
        const second = await attempt(provider, repairPrompt, call);
        inputTokens += second.input;
        outputTokens += second.output;
        if (second.ok) {
          notes.push('answer repaired after one invalid reply');
          return {
            value: second.value,
            provider: provider.name,
            model: second.model,
            inputTokens,
            outputTokens,
            latencyMs: performance.now() - started,
            notes,
          };
        }
        notes.push(`${provider.name} answered invalid JSON twice (${second.issue}); offline answer`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        deps.log?.warn({ task: call.task, provider: provider.name, err: message }, 'llm call failed');
        await ledger(
          call as LlmCall<unknown>,
          provider,
          provider.model,
          { input: 0, output: 0 },
          performance.now() - started,
          'error',
        );
        notes.push(`${provider.name} failed (${message}); offline answer`);
      }
      const fallback = await runOffline(prompt, call, notes);
      return {
        ...fallback,
        inputTokens: fallback.inputTokens + inputTokens,
        outputTokens: fallback.outputTokens + outputTokens,
      };
    },
  };
}
