/** Fireworks' OpenAI-compatible chat completions (POST {base}/inference/v1/chat/completions): the classify tier. */
import { z } from 'zod';
import { createHttpClient } from '../connectors/http-client.ts';
import { UpstreamError } from '../errors.ts';
import type { BuiltPrompt, LlmProvider, ProviderAnswer } from './llm-types.ts';

const completionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z
        .object({
          message: z.object({ content: z.string().nullable() }).loose(),
          finish_reason: z.string().nullable().optional(),
        })
        .loose(),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }).loose(),
});

export interface FireworksOptions {
  apiKey: string;
  model: string;
  baseUrl: string;
  timeoutMs: number;
  maxDelayMs?: number;
}

export function createFireworksProvider(opts: FireworksOptions): LlmProvider {
  const http = createHttpClient({
    service: 'fireworks',
    baseUrl: opts.baseUrl,
    headers: { authorization: `Bearer ${opts.apiKey}` },
    timeoutMs: opts.timeoutMs,
    maxRetries: 3,
    retryMaxMs: opts.maxDelayMs,
  });
  return {
    name: 'fireworks',
    model: opts.model,
    async complete(prompt: BuiltPrompt): Promise<ProviderAnswer> {
      const body = await http.post('inference/v1/chat/completions', {
        model: opts.model,
        max_tokens: prompt.maxOutputTokens,
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
      });
      const parsed = completionSchema.safeParse(body);
      if (!parsed.success) {
        throw new UpstreamError('fireworks', 200, '', 'fireworks returned an unexpected completion shape');
      }
      const choice = parsed.data.choices[0]!;
      return {
        text: choice.message.content ?? '',
        model: parsed.data.model ?? opts.model,
        inputTokens: parsed.data.usage.prompt_tokens,
        outputTokens: parsed.data.usage.completion_tokens,
        stopReason: choice.finish_reason ?? null,
      };
    },
  };
}
