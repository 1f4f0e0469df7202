/**
 * A fake Serper (search and news) on loopback, answering from per-company result lists: the X-API-KEY
 * check (403 "Unauthorized."), a credit balance (400 "Not enough credits" when spent), `num`/`page`
 * paging with positions, `searchParameters` echoed with the type, display-text dates, and the shared
 * fault queue (429 without headers, 5xx, malformed bodies).
 */
import { type FakeServer, startFakeServer } from './fake-server.ts';

export interface FakeSerperItem {
  title: string;
  link: string;
  snippet?: string;
  date?: string;
  source?: string;
}

export interface FakeSerper extends FakeServer {
  /** Company name (as it appears in queries, any case) → its news / web results. */
  results: Map<string, { news: FakeSerperItem[]; search: FakeSerperItem[] }>;
  credits: { left: number };
}

export async function startFakeSerper(apiKey: string, credits = 1_000_000): Promise<FakeSerper> {
  const results = new Map<string, { news: FakeSerperItem[]; search: FakeSerperItem[] }>();
  const balance = { left: credits };
  const server = await startFakeServer((req) => {
    if (req.headers['x-api-key'] !== apiKey)
      return { status: 403, json: { message: 'Unauthorized.', statusCode: 403 } };
    const type = req.path === '/news' ? 'news' : req.path === '/search' ? 'search' : null;
    if (req.method !== 'POST' || !type)
      return { status: 404, json: { message: 'Not found', statusCode: 404 } };
    const body = (req.body ?? {}) as { q?: unknown; num?: unknown; page?: unknown };
    if (typeof body.q !== 'string' || !body.q)
      return { status: 400, json: { message: 'Missing query parameter', statusCode: 400 } };
    if (balance.left <= 0) return { status: 400, json: { message: 'Not enough credits', statusCode: 400 } };
    balance.left--;
    const num = Math.min(100, Number(body.num ?? 10) || 10);
    const page = Math.max(1, Number(body.page ?? 1) || 1);
    const q = body.q.toLowerCase();
    let items: FakeSerperItem[] = [];
    for (const [name, r] of results) if (q.includes(name.toLowerCase())) items = r[type];
    const slice = items.slice((page - 1) * num, page * num).map((it, i) => ({
      ...it,
      position: (page - 1) * num + i + 1,
    }));
    return {
      json: {
        searchParameters: { q: body.q, gl: 'us', hl: 'en', type, num, page, engine: 'google' },
        [type === 'news' ? 'news' : 'organic']: slice,
        credits: 1,
      },
    };
  });
  return Object.assign(server, { results, credits: balance });
}

/** The most requests any window shorter than a second saw (a small allowance for network jitter). */
export function maxRequestsPerSecond(times: readonly number[], windowMs = 950): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
