/**
 * Starting syncs: manual, scheduled or after connect. A request while one is fetching joins that one,
 * unless its worker was lost (stale heartbeat): then the takeover starts at once.
 */
import type { SyncMode } from '../connectors/adapter.ts';
import { getConnection } from '../connectors/connections.ts';
import { getAdapter } from '../connectors/registry.ts';
import type { Db } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { ConflictError } from '../errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { queueSync, type SyncLogRow, type SyncTrigger } from './sync-log.ts';
import { claimLostRuns } from './sync-takeover.ts';

// Without a configured threshold (tools, tests): PANDORA_SYNC_STALE_SECONDS' default.
const DEFAULT_STALE_SECONDS = 90;

export interface SyncRequestResult {
  row: SyncLogRow;
  /** false: a sync was already queued or running and this request joined it. */
  created: boolean;
}

export async function requestSync(
  deps: { db: Db; queue?: JobQueue; config?: { syncStaleSeconds: number } },
  workspaceId: string,
  connectorName: string,
  trigger: SyncTrigger,
  mode?: SyncMode,
): Promise<SyncRequestResult> {
  const result = await withWorkspace(deps.db, workspaceId, async (tx) => {
    const conn = await getConnection(tx, workspaceId, connectorName);
    if (conn.status === 'auth_failed')
      throw new ConflictError(`the ${connectorName} credentials were rejected; connect again before syncing`);
    // e.g. a recorder before its tracked users are chosen: the adapter says what the user must do first.
    const notReady = getAdapter(connectorName).readyToSync?.(conn.metadata);
    if (notReady) throw new ConflictError(notReady);
    // A run whose worker is gone is failed (worker_lost) here, so this request starts the resuming run.
    const lost = await claimLostRuns(tx, deps.config?.syncStaleSeconds ?? DEFAULT_STALE_SECONDS, {
      workspaceId,
      connectorName,
    });
    return queueSync(tx, workspaceId, {
      connectionId: conn.id,
      connectorName,
      trigger,
      // The resuming run keeps the lost run's mode, so it continues from the stored cursor.
      mode: mode ?? lost[0]?.mode ?? (conn.last_sync_at ? 'incremental' : 'initial'),
    });
  });
  if (result.created && deps.queue) {
    await deps.queue.send('connector-sync', {
      workspace_id: workspaceId,
      connector_name: connectorName,
      sync_log_id: result.row.id,
    });
  }
  return result;
}
