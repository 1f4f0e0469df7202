/**
 * The ActivePieces REST client (reference: projects, flows and their operations, flow runs, app
 * connections, pieces, webhook triggers). Calls go through the shared HTTP helper (retry with jittered
 * backoff on 429/5xx honouring Retry-After, timeouts, bodies that are not JSON) over the outbound fetch;
 * ActivePieces' error shape `{code, params}` becomes an ActivePiecesError naming the code.
 */
import type { Config } from '../config.ts';
import { createHttpClient, type HttpClient, UpstreamAuthError } from '../connectors/http-client.ts';
import { ConflictError, UpstreamError } from '../errors.ts';
import { createOutboundFetch } from '../outbound/outbound-fetch.ts';
import type { ImportFlowRequest } from './flow-version.ts';

export const SERVICE = 'activepieces';

/** A refusal by ActivePieces with its own error code (`VALIDATION`, `ENTITY_NOT_FOUND`, …). */
export class ActivePiecesError extends UpstreamError {
  constructor(
    status: number,
    readonly apCode: string | null,
    excerpt: string,
  ) {
    super(
      SERVICE,
      status,
      excerpt,
      `ActivePieces ${status >= 500 ? 'failed' : 'refused the request'} (${status}${apCode ? ` ${apCode}` : ''})`,
    );
  }
}

/** Asked of a workspace when PANDORA_ACTIVEPIECES_URL is not set: designing works, running does not. */
export class EngineNotConfiguredError extends ConflictError {
  constructor(what: string) {
    super(
      `${what} needs the workflow engine, and none is connected: set PANDORA_ACTIVEPIECES_URL and PANDORA_ACTIVEPIECES_API_KEY`,
    );
  }
}

export interface SeekPage<T> {
  data: T[];
  next: string | null;
  previous: string | null;
}

export interface ApProject {
  id: string;
  externalId: string | null;
  displayName: string;
}

export interface ApFlow {
  id: string;
  projectId: string;
  externalId?: string | null;
  status: 'ENABLED' | 'DISABLED';
  publishedVersionId: string | null;
  version: { id: string; schemaVersion?: string | null; state: string; trigger: { nextAction?: unknown } };
}

export interface ApFlowRun {
  id: string;
  flowId: string;
  status: string;
  created: string;
  startTime?: string | null;
  finishTime?: string | null;
  failedStep?: { name: string; displayName?: string; message?: string } | null;
  steps?: Record<string, { status?: string; errorMessage?: string; output?: unknown }> | null;
}

export interface ApConnection {
  id: string;
  externalId: string;
  pieceName: string;
  status: string;
}

export interface UpsertConnection {
  externalId: string;
  displayName: string;
  pieceName: string;
  projectId: string;
  type: 'SECRET_TEXT' | 'OAUTH2' | 'NO_AUTH' | 'CUSTOM_AUTH' | 'BASIC_AUTH';
  value: Record<string, unknown>;
}

/** Run statuses after which nothing changes (older servers also send STOPPED). */
export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set([
  'SUCCEEDED',
  'FAILED',
  'TIMEOUT',
  'CANCELED',
  'QUOTA_EXCEEDED',
  'MEMORY_LIMIT_EXCEEDED',
  'LOG_SIZE_EXCEEDED',
  'INTERNAL_ERROR',
  'STOPPED',
]);

export interface ActivePiecesClient {
  findProject(externalId: string): Promise<ApProject | null>;
  ensureProject(externalId: string, displayName: string): Promise<ApProject>;
  createFlow(projectId: string, displayName: string, externalId: string): Promise<ApFlow>;
  findFlow(projectId: string, externalId: string): Promise<ApFlow | null>;
  getFlow(flowId: string): Promise<ApFlow>;
  flowOperation(flowId: string, type: string, request: unknown): Promise<ApFlow>;
  importFlow(flowId: string, request: ImportFlowRequest): Promise<ApFlow>;
  deleteFlow(flowId: string): Promise<void>;
  listFlowRuns(projectId: string, flowId: string, createdAfter: string): Promise<ApFlowRun[]>;
  getFlowRun(runId: string): Promise<ApFlowRun>;
  upsertConnection(body: UpsertConnection): Promise<ApConnection>;
  pieceVersion(pieceName: string): Promise<string>;
  /** Starts a published flow whose trigger is `catch_webhook` (async: the answer carries no run id). */
  triggerWebhook(flowId: string, body: unknown): Promise<void>;
}

export interface ActivePiecesClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  config: Pick<Config, 'outbound'>;
  maxRetries?: number;
  retryBaseMs?: number;
  /** Longest Retry-After honoured before giving up. */
  maxRetryAfterMs?: number;
}

/** The base URL as configured, with `/api/v1` added when the operator gave only the host (reference §0). */
export function apiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/api/v1`;
}

function apErrorCode(excerpt: string): string | null {
  try {
    const parsed = JSON.parse(excerpt) as { code?: unknown };
    return typeof parsed.code === 'string' ? parsed.code : null;
  } catch {
    return null;
  }
}

export function createActivePiecesClient(o: ActivePiecesClientOptions): ActivePiecesClient {
  const http: HttpClient = createHttpClient({
    service: SERVICE,
    baseUrl: apiBase(o.baseUrl),
    headers: { authorization: `Bearer ${o.apiKey}` },
    timeoutMs: o.timeoutMs,
    maxRetries: o.maxRetries ?? 4,
    retryBaseMs: o.retryBaseMs ?? 500,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 60_000,
    secrets: [o.apiKey],
    // The engine's URL is operator configuration: trusted, but still same-host redirects only.
    fetchImpl: createOutboundFetch(o.config.outbound, { trusted: true }),
  });

  async function call<T>(
    method: string,
    path: string,
    opts: { query?: Record<string, string>; body?: unknown } = {},
  ) {
    try {
      return await http.request<T>(method, path, opts);
    } catch (err) {
      if (err instanceof UpstreamAuthError)
        throw new ActivePiecesError(
          err.status,
          apErrorCode(err.bodyExcerpt) ?? 'INVALID_API_KEY',
          err.bodyExcerpt,
        );
      if (err instanceof UpstreamError && err.status >= 400)
        throw new ActivePiecesError(err.status, apErrorCode(err.bodyExcerpt), err.bodyExcerpt);
      throw err;
    }
  }
  const page = <T>(value: unknown): SeekPage<T> => {
    const p = value as SeekPage<T> | undefined;
    if (!p || !Array.isArray(p.data))
      throw new UpstreamError(SERVICE, 200, '', 'ActivePieces answered a list without a data array');
    return p;
  };
  const entity = <T extends { id?: unknown }>(value: unknown, what: string): T => {
    if (!value || typeof value !== 'object' || typeof (value as T).id !== 'string')
      throw new UpstreamError(SERVICE, 200, '', `ActivePieces answered a ${what} without an id`);
    return value as T;
  };

  const client: ActivePiecesClient = {
    async findProject(externalId) {
      const p = page<ApProject>(await call('GET', 'projects', { query: { externalId } }));
      return p.data.find((x) => x.externalId === externalId) ?? null;
    },
    async ensureProject(externalId, displayName) {
      const found = await client.findProject(externalId);
      if (found) return found;
      try {
        return entity<ApProject>(
          await call('POST', 'projects', { body: { displayName, externalId } }),
          'project',
        );
      } catch (err) {
        // Another worker created it between our look-up and create: read it back.
        if (err instanceof ActivePiecesError && err.apCode === 'PROJECT_EXTERNAL_ID_ALREADY_EXISTS') {
          const again = await client.findProject(externalId);
          if (again) return again;
        }
        throw err;
      }
    },
    async createFlow(projectId, displayName, externalId) {
      try {
        return entity<ApFlow>(
          await call('POST', 'flows', { body: { displayName, projectId, externalId } }),
          'flow',
        );
      } catch (err) {
        if (err instanceof ActivePiecesError && err.apCode === 'FLOW_EXTERNAL_ID_ALREADY_EXISTS') {
          const found = await client.findFlow(projectId, externalId);
          if (found) return found;
        }
        throw err;
      }
    },
    async findFlow(projectId, externalId) {
      const p = page<ApFlow>(await call('GET', 'flows', { query: { projectId, externalIds: externalId } }));
      return p.data.find((f) => f.externalId === externalId) ?? null;
    },
    async getFlow(flowId) {
      return entity<ApFlow>(await call('GET', `flows/${encodeURIComponent(flowId)}`), 'flow');
    },
    async flowOperation(flowId, type, request) {
      return entity<ApFlow>(
        await call('POST', `flows/${encodeURIComponent(flowId)}`, { body: { type, request } }),
        'flow',
      );
    },
    importFlow(flowId, request) {
      return client.flowOperation(flowId, 'IMPORT_FLOW', request);
    },
    async deleteFlow(flowId) {
      await call('DELETE', `flows/${encodeURIComponent(flowId)}`);
    },
    async listFlowRuns(projectId, flowId, createdAfter) {
      const runs: ApFlowRun[] = [];
      let cursor: string | null = null;
      // Newest first; a cursor of null ends the walk. The page cap guards against a cursor that loops.
      for (let pages = 0; pages < 100; pages++) {
        const query: Record<string, string> = { projectId, flowId, createdAfter, limit: '100' };
        if (cursor) query.cursor = cursor;
        const p = page<ApFlowRun>(await call('GET', 'flow-runs', { query }));
        runs.push(...p.data);
        cursor = p.next;
        if (!cursor) break;
      }
      return runs;
    },
    async getFlowRun(runId) {
      return entity<ApFlowRun>(await call('GET', `flow-runs/${encodeURIComponent(runId)}`), 'flow run');
    },
    async upsertConnection(body) {
      return entity<ApConnection>(await call('POST', 'app-connections', { body }), 'app connection');
    },
    async pieceVersion(pieceName) {
      const piece = await call<{ version?: unknown }>('GET', `pieces/${pieceName}`);
      if (!piece || typeof piece.version !== 'string' || !/^[0-9]+\.[0-9]+\.[0-9]+$/.test(piece.version))
        throw new UpstreamError(SERVICE, 200, '', `ActivePieces reported no exact version for ${pieceName}`);
      return piece.version;
    },
    async triggerWebhook(flowId, body) {
      try {
        await call('POST', `webhooks/${encodeURIComponent(flowId)}`, { body });
      } catch (err) {
        // 404 (disabled, or trigger not registered) and 410 (flow gone) mean the same here (PR #9681).
        if (err instanceof ActivePiecesError && (err.status === 404 || err.status === 410))
          throw new ActivePiecesError(err.status, 'FLOW_NOT_RUNNABLE', err.bodyExcerpt);
        throw err;
      }
    },
  };
  return client;
}

/** The client for this deployment, or null when no engine is configured (degraded mode). */
export function activePiecesFromConfig(config: Config): ActivePiecesClient | null {
  const ap = config.activepieces;
  if (!ap) return null;
  return createActivePiecesClient({
    baseUrl: ap.url,
    apiKey: ap.apiKey,
    timeoutMs: config.httpTimeoutMs,
    retryBaseMs: ap.retryBaseMs,
    config,
  });
}
