/**
 * Serper (Google search and news) over the shared HTTP client. Serper answers a bad key with 403, an
 * empty balance with 400 "Not enough credits" and an exceeded rate with a 429 that names no wait, so
 * the client's backoff decides. Only `searchParameters` and the result array are reliable; every item
 * key may be missing, and dates are display text ("3 days ago", "Mar 3, 2024").
 */
import { z } from 'zod';
import { createHttpClient } from '../connectors/http-client.ts';
import { bucketFor, type TokenBucket } from '../connectors/rate-limiter.ts';
import { UpstreamError } from '../errors.ts';

export interface SearchResult {
  title: string;
  link: string;
  snippet: string | null;
  date: string | null;
  source: string | null;
}

const itemSchema = z
  .object({
    title: z.string().nullish(),
    link: z.string().nullish(),
    snippet: z.string().nullish(),
    date: z.string().nullish(),
    source: z.string().nullish(),
  })
  .passthrough();

const answerSchema = z
  .object({
    organic: z.array(itemSchema).nullish(),
    news: z.array(itemSchema).nullish(),
  })
  .passthrough();

export interface SerperClient {
  /** One page (1-based) of web or news results; items without a title or link are dropped. */
  search(kind: 'search' | 'news', q: string, opts?: { num?: number; page?: number }): Promise<SearchResult[]>;
  readonly requestCount: number;
}

export function createSerperClient(opts: {
  apiKey: string;
  baseUrl: string;
  workspaceId: string;
  requestsPerSecond: number;
  timeoutMs?: number;
  retryBaseMs?: number;
  /** The workspace's request budget (requestBudget: shared through PostgreSQL on the server backend). */
  budget?: TokenBucket;
}): SerperClient {
  const http = createHttpClient({
    service: 'serper',
    baseUrl: opts.baseUrl,
    headers: { 'x-api-key': opts.apiKey },
    timeoutMs: opts.timeoutMs,
    retryBaseMs: opts.retryBaseMs,
    // Capacity 1: no burst above the per-second ceiling.
    rateLimit:
      opts.budget ??
      bucketFor(`serper:${opts.workspaceId}`, { capacity: 1, refillPerSecond: opts.requestsPerSecond }),
    maxRetries: 4,
  });
  let requestCount = 0;
  return {
    get requestCount() {
      return requestCount;
    },
    async search(kind, q, o = {}) {
      requestCount++;
      const body = await http.post(kind, { q, num: o.num ?? 10, page: o.page ?? 1 });
      const r = answerSchema.safeParse(body);
      if (!r.success)
        throw new UpstreamError('serper', 200, '', 'serper returned an answer of an unexpected shape');
      const items = (kind === 'news' ? r.data.news : r.data.organic) ?? [];
      const out: SearchResult[] = [];
      for (const i of items) {
        if (!i.title || !i.link || !/^https?:\/\//i.test(i.link)) continue;
        out.push({
          title: i.title,
          link: i.link,
          snippet: i.snippet ?? null,
          date: i.date ?? null,
          source: i.source ?? null,
        });
      }
      return out;
    },
  };
}

const UNIT_DAYS: Record<string, number> = { minute: 0, hour: 0, day: 1, week: 7, month: 30, year: 365 };

/** Serper's display date as a calendar date, or null when it cannot be read ("Mar 3, 2024", "2 weeks ago"). */
export function parseDisplayDate(text: string | null, now: Date): string | null {
  if (!text) return null;
  const rel = /^(\d+)\s+(minute|hour|day|week|month|year)s?\s+ago$/i.exec(text.trim());
  if (rel) {
    const days = Number(rel[1]) * UNIT_DAYS[rel[2]!.toLowerCase()]!;
    return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
  }
  if (!/\d{4}/.test(text)) return null;
  const at = Date.parse(`${text} UTC`);
  if (Number.isNaN(at)) return null;
  return new Date(at).toISOString().slice(0, 10);
}
