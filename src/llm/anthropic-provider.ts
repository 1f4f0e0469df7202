/** Anthropic Messages API (POST {base}/v1/messages): the synthesize tier. */
import { z } from 'zod';
import { createHttpClient } from '../connectors/http-client.ts';
import { UpstreamError } from '../errors.ts';
import type { BuiltPrompt, LlmProvider, ProviderAnswer } from './llm-types.ts';

export const ANTHROPIC_VERSION = '2023-06-01';

const messageSchema = z.object({
  model: z.string(),
  content: z.array(z.object({ type: z.string(), text: z.string().optional() }).loose()),
  stop_reason: z.string().nullable().optional(),
  usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }).loose(),
});

export interface AnthropicOptions {
  apiKey: string;
  model: string;
  baseUrl: string;
  timeoutMs: number;
  /** Cap on the backoff between retries (429, 529 overloaded, 5xx). */
  maxDelayMs?: number;
}

export function createAnthropicProvider(opts: AnthropicOptions): LlmProvider {
  const http = createHttpClient({
    service: 'anthropic',
    baseUrl: opts.baseUrl,
    headers: { 'x-api-key': opts.apiKey, 'anthropic-version': ANTHROPIC_VERSION },
    timeoutMs: opts.timeoutMs,
    maxRetries: 3,
    retryMaxMs: opts.maxDelayMs,
  });
  return {
    name: 'anthropic',
    model: opts.model,
    async complete(prompt: BuiltPrompt): Promise<ProviderAnswer> {
      const body = await http.post('v1/messages', {
        model: opts.model,
        max_tokens: prompt.maxOutputTokens,
        system: prompt.system,
        messages: [{ role: 'user', content: prompt.user }],
        temperature: 0,
      });
      const parsed = messageSchema.safeParse(body);
      if (!parsed.success) {
        throw new UpstreamError('anthropic', 200, '', 'anthropic returned an unexpected message shape');
      }
      const m = parsed.data;
      return {
        text: m.content
          .filter((b) => b.type === 'text')
          .map((b) => b.text ?? '')
          .join(''),
        model: m.model,
        inputTokens: m.usage.input_tokens,
        outputTokens: m.usage.output_tokens,
        stopReason: m.stop_reason ?? null,
      };
    },
  };
}
