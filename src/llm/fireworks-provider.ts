/** Fireworks' OpenAI-compatible chat completions (POST {base}/inference/v1/chat/completions): the classify tier. */
import { z } from 'zod';
import { UpstreamError } from '../errors.ts';
import { postJson } from './llm-http.ts';
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
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/inference/v1/chat/completions`;
  return {
    name: 'fireworks',
    model: opts.model,
    async complete(prompt: BuiltPrompt): Promise<ProviderAnswer> {
      const res = await postJson(
        'fireworks',
        url,
        { authorization: `Bearer ${opts.apiKey}` },
        {
          model: opts.model,
          max_tokens: prompt.maxOutputTokens,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: prompt.system },
            { role: 'user', content: prompt.user },
          ],
        },
        { timeoutMs: opts.timeoutMs, maxDelayMs: opts.maxDelayMs },
      );
      const parsed = completionSchema.safeParse(res.body);
      if (!parsed.success) {
        throw new UpstreamError(
          'fireworks',
          res.status,
          '',
          'fireworks returned an unexpected completion shape',
        );
      }
      const c = parsed.data;
      const choice = c.choices[0]!;
      return {
        text: choice.message.content ?? '',
        model: c.model ?? opts.model,
        inputTokens: c.usage.prompt_tokens,
        outputTokens: c.usage.completion_tokens,
        stopReason: choice.finish_reason ?? null,
      };
    },
  };
}
