/** A ConnectorContext for driving an adapter directly against a fake server, with fast retries. */
import { createStageNormaliser } from '../../src/compute/stage-normalisation.ts';
import type {
  AnyConnectorAdapter,
  ConnectorContext,
  SyncPage,
  SyncRequest,
} from '../../src/connectors/adapter.ts';
import { createHttpClient } from '../../src/connectors/http-client.ts';
import { createLogger } from '../../src/logger.ts';

export function adapterContext(
  adapter: AnyConnectorAdapter,
  opts: { baseUrl: string; credentials: unknown; metadata?: Record<string, unknown> },
): ConnectorContext<any> {
  const signal = new AbortController().signal;
  return {
    workspaceId: '00000000-0000-4000-8000-000000000001',
    connectionId: '00000000-0000-4000-8000-000000000002',
    connectorName: adapter.name,
    credentials: opts.credentials,
    metadata: opts.metadata ?? {},
    http: createHttpClient({
      service: adapter.http.service,
      baseUrl: opts.baseUrl,
      headers: adapter.http.authHeaders(opts.credentials),
      classifyGraphqlErrors: adapter.http.classifyGraphqlErrors,
      classifyErrorResponse: adapter.http.classifyErrorResponse,
      retryBaseMs: 1,
      retryMaxMs: 5,
      maxRetries: 3,
      signal,
    }),
    log: createLogger('silent'),
    signal,
    normaliseStage: createStageNormaliser(new Map()),
  };
}

export async function collectSync(
  adapter: AnyConnectorAdapter,
  ctx: ConnectorContext<any>,
  request: SyncRequest = { mode: 'incremental', cursor: {} },
): Promise<SyncPage[]> {
  const pages: SyncPage[] = [];
  for await (const page of adapter.sync(ctx, request)) pages.push(page);
  return pages;
}
