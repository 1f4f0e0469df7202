/**
 * JSON POST for the model providers: timeout, retry with jittered exponential backoff on 429, 529 and
 * 5xx honouring Retry-After, errors as UpstreamError. Kept to what the LLM calls need until the shared
 * connector HTTP helper exists; it should then delegate to that helper.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UpstreamError } from '../errors.ts';

export interface PostJsonOptions {
  timeoutMs: number;
  maxAttempts?: number;
  /** Base of the exponential backoff when the server gives no Retry-After. */
  baseDelayMs?: number;
  /** Never wait longer than this between attempts, whatever Retry-After says. */
  maxDelayMs?: number;
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504, 529]);

export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export async function postJson(
  service: string,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  opts: PostJsonOptions,
): Promise<JsonResponse> {
  const maxAttempts = opts.maxAttempts ?? 4;
  const base = opts.baseDelayMs ?? 500;
  const maxDelay = opts.maxDelayMs ?? 30_000;
  let lastError: UpstreamError | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      lastError = new UpstreamError(service, 0, '', `${service} ${timedOut ? 'timed out' : 'unreachable'}`);
      if (attempt < maxAttempts) await sleep(backoff(attempt, base, maxDelay));
      continue;
    }
    const text = await res.text();
    if (res.ok) {
      try {
        return { status: res.status, body: JSON.parse(text) };
      } catch {
        throw new UpstreamError(
          service,
          res.status,
          text.slice(0, 200),
          `${service} returned a malformed body`,
        );
      }
    }
    lastError = new UpstreamError(
      service,
      res.status,
      text.slice(0, 200),
      upstreamMessage(service, res.status, text),
    );
    if (!RETRYABLE.has(res.status) || attempt === maxAttempts) break;
    const hinted = retryAfterMs(res.headers.get('retry-after'));
    await sleep(Math.min(maxDelay, hinted ?? backoff(attempt, base, maxDelay)));
  }
  throw lastError ?? new UpstreamError(service, 0, '');
}

function backoff(attempt: number, base: number, max: number): number {
  // Full jitter: spreads retries of many workers hitting the same limit.
  return Math.min(max, Math.random() * base * 2 ** (attempt - 1));
}

/** The provider's own error type/message when the body has one ({error: {type, message}} in both APIs). */
function upstreamMessage(service: string, status: number, text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } };
    const type = typeof parsed.error?.type === 'string' ? parsed.error.type : undefined;
    if (type) return `${service} responded ${status} (${type})`;
  } catch {
    // Not JSON: the status alone says enough.
  }
  return `${service} responded ${status}`;
}
