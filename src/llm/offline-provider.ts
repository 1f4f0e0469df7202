/**
 * The offline provider: deterministic answers when no model key is configured (or the budget is spent).
 * Each call carries its own rule-based or templated answer; the provider runs it on the data exactly as
 * a model would have received it, so truncation and redaction apply here too.
 */
import { estimateTokens } from './token-estimate.ts';
import { fittedData } from './prompt-safety.ts';
import type { BuiltPrompt, LlmCall, LlmProvider, ProviderAnswer } from './llm-types.ts';

export const OFFLINE_MODEL = 'pandora-rules-v1';

export function createOfflineProvider(): LlmProvider {
  return {
    name: 'offline',
    model: OFFLINE_MODEL,
    async complete(prompt: BuiltPrompt, call: LlmCall<unknown>): Promise<ProviderAnswer> {
      const data = fittedData(prompt).filter((b) => b.label !== 'notes');
      const text = JSON.stringify(call.offline(data));
      return {
        text,
        model: OFFLINE_MODEL,
        inputTokens: prompt.estimatedInputTokens,
        outputTokens: estimateTokens(text),
        stopReason: 'end_turn',
      };
    },
  };
}
