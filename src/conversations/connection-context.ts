/** The adapter context of a stored connection, for on-demand calls outside a sync (transcripts, directories). */
import type { AnyConnectorAdapter, ConnectorContext } from '../connectors/adapter.ts';
import { type ConnectionRow, getConnection } from '../connectors/connections.ts';
import { getAdapter } from '../connectors/registry.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { NotFoundError } from '../errors.ts';
import type { AppDeps } from '../http/deps.ts';
import { buildConnectorContext } from '../sync/connector-context.ts';

export function contextForConnection(
  deps: Pick<AppDeps, 'config' | 'log' | 'vault'>,
  workspaceId: string,
  adapter: AnyConnectorAdapter,
  conn: ConnectionRow,
): ConnectorContext {
  if (!conn.credentials) throw new NotFoundError(`credentials of the ${adapter.name} connection`);
  return buildConnectorContext(deps, {
    workspaceId,
    connectionId: conn.id,
    adapter,
    credentials: conn.credentials,
    baseUrl: conn.base_url,
    metadata: conn.metadata,
  });
}

/** The `contextFor` dependency of getTranscript and getDocumentContent. */
export function connectionContexts(deps: Pick<AppDeps, 'db' | 'config' | 'log' | 'vault'>) {
  return async (workspaceId: string, name: string): Promise<ConnectorContext> => {
    const conn = await withWorkspace(deps.db, workspaceId, (tx) => getConnection(tx, workspaceId, name));
    return contextForConnection(deps, workspaceId, getAdapter(name), conn);
  };
}
