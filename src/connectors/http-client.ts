/**
 * The one HTTP helper for every external call (plain fetch): base URL, timeout, token-bucket rate limit,
 * retries with jittered exponential backoff on 429/5xx/network errors honouring Retry-After, and errors
 * as UpstreamError. 401/403 become UpstreamAuthError and are never retried: the orchestrator marks the
 * connection auth_failed. A source whose statuses mean something else (Google answers rate limits with
 * 403) says so through `classifyErrorResponse`. A body that is not JSON is an UpstreamError too, never a
 * crash. What is kept of a failed response's body is scrubbed of the connection's secrets and cut short
 * (outbound/upstream-text.ts). Redirects are followed only on the same host, and a URL the outbound
 * policy refuses is never retried.
 */
import { UpstreamError } from '../errors.ts';
import { createOutboundFetch, type OutboundFetch } from '../outbound/outbound-fetch.ts';
import { OutboundUrlRefusedError } from '../outbound/outbound-policy.ts';
import { scrubUpstreamText, secretsOf } from '../outbound/upstream-text.ts';
import type { AuthProvider } from './oauth-tokens.ts';
import { createTokenBucket, type RateLimit, sleep, type TokenBucket } from './rate-limiter.ts';

export type { RateLimit } from './rate-limiter.ts';

/** Credentials rejected (401/403, or an auth error inside a GraphQL 200). */
export class UpstreamAuthError extends UpstreamError {}

/** What a failed response means: retry with backoff, rejected credentials, or give up. */
export type ErrorVerdict = 'retryable' | 'auth' | 'fatal';

/**
 * A source's reading of a failed response (status and body text); undefined keeps the default
 * (401/403 auth, 429/5xx retryable, anything else fatal).
 */
export type ErrorResponseClassifier = (status: number, body: string) => ErrorVerdict | undefined;

function defaultVerdict(status: number): ErrorVerdict {
  if (status === 401 || status === 403) return 'auth';
  return status === 429 || status >= 500 ? 'retryable' : 'fatal';
}

/** Attempts a client made and how many the source answered with a rate limit or a server error. */
export interface HttpCallStats {
  requests: number;
  rate_limited: number;
  server_errors: number;
}

export function emptyCallStats(): HttpCallStats {
  return { requests: 0, rate_limited: 0, server_errors: 0 };
}

export interface HttpClientOptions {
  service: string;
  baseUrl: string;
  headers?: Record<string, string>;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt; default 5. */
  maxRetries?: number;
  /** Backoff base and cap; the delay is uniform in [0, min(cap, base·2^attempt)] (full jitter). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Longest Retry-After we honour before giving up on the request; default 120 s. */
  maxRetryAfterMs?: number;
  /** The account's budget (requestBudget in request-budget.ts) or a limit for a private bucket. */
  rateLimit?: TokenBucket | RateLimit;
  signal?: AbortSignal;
  /** GraphQL: which `errors[]` are retryable (complexity/rate), auth, or fatal. */
  classifyGraphqlErrors?: (errors: readonly unknown[]) => ErrorVerdict;
  /** Overrides the status-based verdict on a failed response, e.g. a 403 that is really a rate limit. */
  classifyErrorResponse?: ErrorResponseClassifier;
  /** Default: operator-trusted URLs (same-host redirects only); tenant URLs pass a policy-bound fetch. */
  fetchImpl?: OutboundFetch;
  /** Values to redact from any upstream text kept (credential values, auth header values). */
  secrets?: readonly string[];
  /** False at connect time: an unreachable host is answered at once, not after seconds of retries. */
  retryNetworkErrors?: boolean;
  /** Expiring tokens: headers per attempt, one refresh and retry after a 401 (src/connectors/oauth-tokens.ts). */
  auth?: AuthProvider;
  /** Counted into per attempt: the sync's health figures (rate-limit hits, error rate). */
  stats?: HttpCallStats;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** 'text' returns the body as is (file exports); default parses JSON. */
  responseType?: 'json' | 'text';
}

export interface HttpClient {
  readonly service: string;
  readonly baseUrl: string;
  /** `path` is relative to the base URL, or an absolute URL on the same origin (next-page links). */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T>;
  get<T = unknown>(path: string, query?: RequestOptions['query']): Promise<T>;
  post<T = unknown>(path: string, body: unknown): Promise<T>;
  /** POST {query, variables}; returns `data`, turning `errors[]` into retries or UpstreamError. */
  graphql<T = unknown>(path: string, query: string, variables?: Record<string, unknown>): Promise<T>;
}

const trustedFetch = createOutboundFetch({ allowedHosts: [], privateAddresses: 'allow' }, { trusted: true });

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const fetchImpl = options.fetchImpl ?? trustedFetch;
  const secrets = secretsOf(options.secrets ?? [], options.headers ?? {});
  const excerpt = (text: string) => scrubUpstreamText(text, secrets);
  const retryNetworkErrors = options.retryNetworkErrors ?? true;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 5;
  const baseMs = options.retryBaseMs ?? 500;
  const capMs = options.retryMaxMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
  const bucket =
    options.rateLimit && 'take' in options.rateLimit
      ? options.rateLimit
      : options.rateLimit
        ? createTokenBucket(options.rateLimit)
        : undefined;
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const service = options.service;

  function urlFor(path: string, query?: RequestOptions['query']): URL {
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(path.replace(/^\//, ''), base);
    if (url.origin !== base.origin)
      throw new UpstreamError(service, 0, '', `${service}: refusing a cross-origin link`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    return url;
  }

  function backoff(attempt: number): number {
    return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
  }

  async function attemptOnce(method: string, url: URL, o: RequestOptions, auth: Record<string, string>) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...options.headers,
      ...auth,
      ...o.headers,
    };
    let body: string | undefined;
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const res = await fetchImpl(url, { method, headers, body, signal });
    const text = await res.text();
    return { res, text };
  }

  async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const url = urlFor(path, o.query);
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      // Credentials first (a refresh is a request of its own), so the request leaves as soon as its slot comes.
      const auth = options.auth ? await options.auth.headers() : {};
      await bucket?.take(options.signal);
      let outcome: { res: Response; text: string } | undefined;
      let networkError: unknown;
      try {
        outcome = await attemptOnce(method, url, o, auth);
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (err instanceof OutboundUrlRefusedError) throw err;
        networkError = err;
      }
      if (options.stats) options.stats.requests++;
      if (outcome) {
        const { res, text } = outcome;
        if (options.stats && res.status === 429) options.stats.rate_limited++;
        else if (options.stats && res.status >= 500) options.stats.server_errors++;
        if (res.ok)
          return o.responseType === 'text' ? (text as T) : parseJson<T>(service, res.status, text, excerpt);
        const verdict = options.classifyErrorResponse?.(res.status, text) ?? defaultVerdict(res.status);
        // An expired token: refreshed once (shared with concurrent requests), then the request again.
        if (verdict === 'auth' && res.status === 401 && options.auth && !refreshed) {
          refreshed = true;
          if (await options.auth.refreshAfterRejection(auth)) {
            attempt--;
            continue;
          }
        }
        if (verdict === 'auth')
          throw new UpstreamAuthError(
            service,
            res.status,
            excerpt(text),
            `${service} rejected the credentials (${res.status})`,
          );
        if (verdict === 'fatal' || attempt >= maxRetries)
          throw new UpstreamError(service, res.status, excerpt(text));
        const after = retryAfterMs(res.headers.get('retry-after'));
        if (after !== undefined && after > maxRetryAfterMs)
          throw new UpstreamError(service, res.status, excerpt(text));
        await sleep(after ?? backoff(attempt), options.signal);
        continue;
      }
      if (attempt >= maxRetries || !retryNetworkErrors)
        throw unreachable(service, url, networkError, excerpt);
      await sleep(backoff(attempt), options.signal);
    }
  }

  async function graphql<T>(path: string, query: string, variables?: Record<string, unknown>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const payload = await request<{ data?: T; errors?: unknown[] }>('POST', path, {
        body: { query, variables },
      });
      if (!payload || typeof payload !== 'object')
        throw new UpstreamError(service, 200, '', `${service}: empty GraphQL response`);
      if (!payload.errors || payload.errors.length === 0) return payload.data as T;
      const kind = options.classifyGraphqlErrors?.(payload.errors) ?? 'fatal';
      const text = excerpt(JSON.stringify(payload.errors));
      if (kind === 'auth')
        throw new UpstreamAuthError(service, 200, text, `${service} rejected the credentials`);
      if (kind === 'fatal' || attempt >= maxRetries)
        throw new UpstreamError(service, 200, text, `${service} GraphQL error`);
      await sleep(backoff(attempt), options.signal);
    }
  }

  return {
    service,
    baseUrl: base.toString(),
    request,
    get: (path, query) => request('GET', path, { query }),
    post: (path, body) => request('POST', path, { body }),
    graphql,
  };
}

function parseJson<T>(service: string, status: number, text: string, excerpt: (t: string) => string): T {
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UpstreamError(service, status, excerpt(text), `${service} returned a body that is not JSON`);
  }
}

/** A network failure, in plain words: fetch's own message is "fetch failed"; the cause says why. */
function unreachable(service: string, url: URL, err: unknown, excerpt: (t: string) => string): UpstreamError {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found'
        : code === 'ECONNRESET'
          ? 'connection reset'
          : code?.startsWith('UND_ERR_CONNECT_TIMEOUT') ||
              (err instanceof Error && err.name === 'TimeoutError')
            ? 'timed out'
            : code?.startsWith('ERR_TLS') || code?.includes('CERT')
              ? 'TLS handshake failed'
              : excerpt(String(cause?.message ?? (err instanceof Error ? err.message : err)));
  return new UpstreamError(service, 0, reason, `could not reach ${service} at ${url.host}: ${reason}`);
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
