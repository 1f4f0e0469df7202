/**
 * Expiring OAuth access tokens: a keeper holds a connection's current credentials, refreshes them shortly
 * before `expires_at` and once after a 401, and stores each new set (encrypted, by the caller's
 * `persist`). Concurrent requests share one refresh. A refresh the source refuses is an
 * UpstreamAuthError, which marks the connection auth_failed; any other failure is retried like a request.
 */
import { UpstreamError } from '../errors.ts';
import { UpstreamAuthError } from './http-client.ts';

/** Refreshed this long before the stated expiry, so a request never leaves with a token about to lapse. */
const EXPIRY_SKEW_MS = 60_000;

export interface OAuthCredentials {
  access_token: string;
  refresh_token?: string;
  /** ISO time or epoch milliseconds. */
  expires_at?: string | number;
}

/** What the HTTP client asks for each attempt, and after a 401. */
export interface AuthProvider {
  headers(): Promise<Record<string, string>>;
  /** Refreshes after a rejection; false when these credentials cannot be refreshed. */
  refreshAfterRejection(rejectedHeaders: Record<string, string>): Promise<boolean>;
}

export function expiresAtMs(c: OAuthCredentials): number | null {
  if (c.expires_at === undefined) return null;
  const ms = typeof c.expires_at === 'number' ? c.expires_at : Date.parse(c.expires_at);
  return Number.isNaN(ms) ? null : ms;
}

export function createTokenKeeper<C extends OAuthCredentials>(opts: {
  credentials: C;
  authHeaders(c: C): Record<string, string>;
  /** Undefined for credentials that cannot be refreshed (a private-app token). */
  refresh?: (c: C) => Promise<C>;
  persist(c: C): Promise<void>;
  now?: () => number;
}): AuthProvider & { current(): C } {
  let current = opts.credentials;
  let inFlight: Promise<void> | null = null;
  const now = opts.now ?? Date.now;
  const refreshOnce = () => {
    inFlight ??= (async () => {
      try {
        current = await opts.refresh!(current);
        await opts.persist(current);
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  };
  const canRefresh = () => Boolean(opts.refresh && current.refresh_token);
  return {
    current: () => current,
    async headers() {
      if (inFlight) await inFlight;
      const expiry = expiresAtMs(current);
      if (canRefresh() && expiry !== null && expiry - EXPIRY_SKEW_MS <= now()) await refreshOnce();
      return opts.authHeaders(current);
    },
    async refreshAfterRejection(rejected) {
      if (!canRefresh()) return false;
      // Another request refreshed while this one was out: retry with the new token, no second refresh.
      if (JSON.stringify(opts.authHeaders(current)) !== JSON.stringify(rejected)) return true;
      await refreshOnce();
      return true;
    },
  };
}

/** POSTs an OAuth refresh grant (form-encoded, RFC 6749 §6) and returns the token response. */
export async function postRefreshGrant(
  service: string,
  url: string,
  params: Record<string, string>,
  fetchImpl: typeof fetch = fetch,
): Promise<Record<string, unknown>> {
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  // 400 invalid_grant / 401 invalid_client: the source refused; the user must connect again.
  if (res.status === 400 || res.status === 401 || res.status === 403)
    throw new UpstreamAuthError(service, res.status, '', `${service} refused to refresh the access token`);
  if (!res.ok) throw new UpstreamError(service, res.status, '', `${service} token refresh failed`);
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body.access_token !== 'string') throw new Error('no access_token');
    return body;
  } catch {
    throw new UpstreamError(service, res.status, '', `${service} token refresh returned no token`);
  }
}
