/** Builds the ConnectorContext an adapter runs with: decrypted credentials and a configured HTTP client. */
import type { Config } from '../config.ts';
import { createStageNormaliser, type StageOverrides } from '../compute/stage-normalisation.ts';
import type { AnyConnectorAdapter, ConnectorContext } from '../connectors/adapter.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import { createHttpClient, type HttpCallStats } from '../connectors/http-client.ts';
import { createOutboundFetch, type OutboundFetch } from '../outbound/outbound-fetch.ts';
import { checkOutboundUrl, type OutboundPolicy } from '../outbound/outbound-policy.ts';
import { secretsOf } from '../outbound/upstream-text.ts';
import { createTokenKeeper, type OAuthCredentials } from '../connectors/oauth-tokens.ts';
import { requestBudget, requestBudgetKey } from '../connectors/request-budget.ts';
import { getConnection } from '../connectors/connections.ts';
import { getAdapter } from '../connectors/registry.ts';
import type { Db } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface ContextInput {
  workspaceId: string;
  connectionId: string;
  adapter: AnyConnectorAdapter;
  /** Already decrypted (connect) or the stored envelope (sync). */
  credentials: unknown;
  baseUrl: string | null;
  metadata: Record<string, unknown>;
  overrides?: StageOverrides;
  signal?: AbortSignal;
  /** Connect-time test: network failures are answered at once instead of retried. */
  connecting?: boolean;
  /** Counts the HTTP client's attempts, rate limits and server errors (health ledger). */
  httpStats?: HttpCallStats;
}

export interface ContextDeps {
  config: Config;
  log: Logger;
  vault: CredentialVault;
  /**
   * Where refreshed OAuth tokens are stored (without it they live for this context only), and on the
   * server backend where the account's request budget is shared by every process.
   */
  db?: Db;
}

export interface ResolvedBaseUrl {
  url: string;
  /** Where a tenant-supplied URL came from ("base_url", "credentials.instance_url"); null = operator's. */
  tenantField: string | null;
}

/** Connection base_url, then PANDORA_<NAME>_BASE_URL, then the adapter's default. */
export function resolveBaseUrl(
  config: Config,
  adapter: AnyConnectorAdapter,
  credentials: unknown,
  connectionBaseUrl: string | null,
): ResolvedBaseUrl {
  if (connectionBaseUrl) return { url: connectionBaseUrl, tenantField: 'base_url' };
  const configured = config.connectorBaseUrls[adapter.name];
  if (configured) return { url: configured, tenantField: null };
  const field = adapter.http.baseUrlFromCredentials;
  return {
    url: adapter.http.defaultBaseUrl(credentials),
    tenantField: field ? `credentials.${field}` : null,
  };
}

// One fetch per policy: each holds a connection pool whose lookups apply the policy.
const policyFetches = new WeakMap<OutboundPolicy, OutboundFetch>();

/** The fetch for tenant-supplied URLs under this deployment's policy. */
export function tenantOutboundFetch(policy: OutboundPolicy): OutboundFetch {
  let f = policyFetches.get(policy);
  if (!f) {
    f = createOutboundFetch(policy);
    policyFetches.set(policy, f);
  }
  return f;
}

/**
 * The base URL a connection will call, checked against the outbound policy when the tenant chose it.
 * Throws OutboundUrlRefusedError (a 400 at connect) naming the field.
 */
export function checkConnectionBaseUrl(
  config: Config,
  adapter: AnyConnectorAdapter,
  credentials: unknown,
  connectionBaseUrl: string | null,
): ResolvedBaseUrl {
  const resolved = resolveBaseUrl(config, adapter, credentials, connectionBaseUrl);
  if (resolved.tenantField) checkOutboundUrl(config.outbound, resolved.url, resolved.tenantField);
  return resolved;
}

// Credentials travel in HTTP headers (and URLs): a CR, LF or NUL there splits or breaks the request, and
// anything beyond printable ASCII cannot be sent at all. Refused at once rather than retried upstream.
function credentialTextProblem(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return 'contains a control character (CR, LF, NUL, tab…)';
    if (c > 0x7e) return 'contains characters other than printable ASCII';
  }
  return null;
}

function checkCredentialText(value: unknown, path: string): void {
  if (typeof value === 'string') {
    const problem = credentialTextProblem(value);
    if (problem) throw new ValidationError(`invalid credentials: ${path}: ${problem}`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value))
      checkCredentialText(inner, `${path}.${key.slice(0, 100)}`);
  }
}

export function parseCredentials(adapter: AnyConnectorAdapter, raw: unknown): unknown {
  checkCredentialText(raw, 'credentials');
  const parsed = adapter.credentialsSchema.safeParse(raw);
  if (!parsed.success) {
    // Never echo the values: only which fields are wrong.
    const fields = parsed.error.issues.map((i) => i.path.join('.') || 'credentials').join(', ');
    throw new ValidationError(`invalid credentials for ${adapter.name}: ${fields}`);
  }
  return parsed.data;
}

/** What upstream text is scrubbed of: every credential value and every auth header value sent. */
export function connectionSecrets(adapter: AnyConnectorAdapter, credentials: unknown): string[] {
  return secretsOf(credentials, adapter.http.authHeaders(credentials));
}

export function buildConnectorContext(deps: ContextDeps, input: ContextInput): ConnectorContext<unknown> {
  const { adapter } = input;
  // bytea arrives as a Buffer from pg and a Uint8Array from PGlite.
  const credentials =
    input.credentials instanceof Uint8Array
      ? parseCredentials(adapter, deps.vault.decrypt(Buffer.from(input.credentials)))
      : input.credentials;
  const signal = input.signal ?? new AbortController().signal;
  const base = checkConnectionBaseUrl(deps.config, adapter, credentials, input.baseUrl);
  const baseUrl = base.url;
  const client = deps.config.oauthClients[adapter.name];
  const refresh = adapter.http.refreshAccessToken;
  const { db } = deps;
  const auth = createTokenKeeper({
    credentials: credentials as OAuthCredentials,
    authHeaders: (c) => adapter.http.authHeaders(c),
    refresh: refresh && client ? (c) => refresh(c, client, baseUrl) : undefined,
    // Stored encrypted at once: a refresh token may be single-use, and the next run needs the new one.
    persist: async (c) => {
      if (!db) return;
      await withWorkspace(db, input.workspaceId, (tx) =>
        tx.query(
          /* sql */ `UPDATE connections SET credentials = $3, updated_at = now()
                     WHERE workspace_id = $1::uuid AND id = $2::uuid`,
          [input.workspaceId, input.connectionId, deps.vault.encrypt(c)],
        ),
      );
    },
  });
  const http = createHttpClient({
    service: adapter.http.service,
    baseUrl,
    auth,
    secrets: connectionSecrets(adapter, credentials),
    ...(base.tenantField ? { fetchImpl: tenantOutboundFetch(deps.config.outbound) } : {}),
    retryNetworkErrors: !input.connecting,
    timeoutMs: deps.config.httpTimeoutMs,
    rateLimit: requestBudget(
      db,
      requestBudgetKey(adapter.name, baseUrl, credentials, adapter.http.authHeaders(credentials)),
      deps.config.connectorRateLimits[adapter.name] ?? adapter.http.rateLimit,
    ),
    classifyGraphqlErrors: adapter.http.classifyGraphqlErrors,
    classifyErrorResponse: adapter.http.classifyErrorResponse,
    signal,
    stats: input.httpStats,
  });
  return {
    workspaceId: input.workspaceId,
    connectionId: input.connectionId,
    connectorName: adapter.name,
    // The latest credentials: a refresh during the context's life replaces them.
    get credentials() {
      return auth.current();
    },
    metadata: input.metadata,
    http,
    log: deps.log.child({ connector: adapter.name, workspaceId: input.workspaceId }),
    signal,
    normaliseStage: createStageNormaliser(input.overrides ?? new Map()),
  };
}

/**
 * The context of a stored connection outside a sync: on-demand hooks (fetchTranscript,
 * fetchDocumentContent, fetchUserDirectory) use this.
 */
export async function openConnectorContext(
  deps: ContextDeps & { db: Db },
  workspaceId: string,
  connectorName: string,
): Promise<{ adapter: AnyConnectorAdapter; ctx: ConnectorContext<unknown> }> {
  const adapter = getAdapter(connectorName);
  const conn = await withWorkspace(deps.db, workspaceId, (tx) =>
    getConnection(tx, workspaceId, connectorName),
  );
  if (!conn.credentials || conn.status === 'auth_failed')
    throw new ConflictError(`the ${connectorName} connection needs new credentials`);
  const ctx = buildConnectorContext(deps, {
    workspaceId,
    connectionId: conn.id,
    adapter,
    credentials: conn.credentials,
    baseUrl: conn.base_url,
    metadata: conn.metadata,
  });
  return { adapter, ctx };
}
