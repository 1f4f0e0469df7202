/**
 * The sync orchestrator: runs one sync_log row's sync. Each page the adapter yields is written in one
 * tenant transaction together with the cursor after it and the log's counts, so a crash between pages
 * resumes at the next page with nothing lost or written twice. The next page is fetched while the
 * current one is written. After the last page the run moves to its post-sync phase and stays
 * `running` until the chain is over. Failures land on sync_log.error and connections.last_error;
 * rejected credentials mark the connection auth_failed.
 */
import type { Config } from '../config.ts';
import { loadStageOverrides, type StageOverrides } from '../compute/stage-normalisation.ts';
import type { SyncCursor, SyncMode, SyncPage } from '../connectors/adapter.ts';
import {
  type ConnectionRow,
  getConnection,
  saveCursor,
  setConnectionState,
  type StoredCursor,
} from '../connectors/connections.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import { emptyCallStats, type HttpCallStats, UpstreamAuthError } from '../connectors/http-client.ts';
import { getAdapter } from '../connectors/registry.ts';
import { addCounts, emptyCounts, type UpsertCounts } from '../db/bulk-upsert.ts';
import type { Db } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { UpstreamError } from '../errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { scrubUpstreamText } from '../outbound/upstream-text.ts';
import { buildConnectorContext, connectionSecrets } from './connector-context.ts';
import { writePage } from './page-writer.ts';
import { announceSyncFinished } from '../outputs/output-events.ts';
import { runPostSyncChain } from './post-sync-chain.ts';
import {
  claimSync,
  enterPostSync,
  finishSync,
  getSyncLog,
  recordSyncProgress,
  type SyncLogRow,
  unchainedChanges,
} from './sync-log.ts';
import { beat, WORKER_ID } from './sync-takeover.ts';
import { takeHealthSnapshot } from './sync-health.ts';
import { clearWrittenRejections, hasRejections, recordRejections } from './sync-rejections.ts';
import { createStatisticsKeeper } from '../db/table-statistics.ts';

export interface SyncDeps {
  db: Db;
  config: Config;
  log: Logger;
  vault: CredentialVault;
  /** Post-sync work is enqueued here; without a queue it runs inline (CLI, tests). */
  queue?: JobQueue;
}

export interface SyncHooks {
  /** Called after page N (1-based) committed; throwing simulates a crash there. */
  afterPage?(page: number): void | Promise<void>;
  signal?: AbortSignal;
}

/** The cursor the adapter starts from: a resumed run continues, a fresh initial sync starts empty. */
export function startCursor(stored: StoredCursor, mode: SyncMode): SyncCursor {
  if (stored.in_progress && stored.mode === mode) return stored.position ?? {};
  if (mode === 'incremental') return stored.position ?? {};
  return {};
}

export async function runSync(
  deps: SyncDeps,
  workspaceId: string,
  syncLogId: string,
  hooks: SyncHooks = {},
): Promise<SyncLogRow> {
  const claimed = await withWorkspace(deps.db, workspaceId, (tx) =>
    claimSync(tx, workspaceId, syncLogId, WORKER_ID),
  );
  if (!claimed) return withWorkspace(deps.db, workspaceId, (tx) => getSyncLog(tx, workspaceId, syncLogId));
  // The heartbeat on a timer, while a page is fetched; a run found taken over stops here.
  const lost = new AbortController();
  const heartbeat = setInterval(
    () => {
      withWorkspace(deps.db, workspaceId, (tx) => beat(tx, workspaceId, syncLogId))
        .then((ours) => {
          if (!ours) lost.abort(new Error('the sync was taken over by another worker'));
        })
        .catch((err) => deps.log.warn({ err, syncLogId }, 'sync heartbeat failed'));
    },
    Math.max(500, (deps.config.syncStaleSeconds * 1000) / 3),
  );
  heartbeat.unref();
  try {
    return await runClaimedSync(deps, workspaceId, syncLogId, {
      ...hooks,
      signal: hooks.signal ? AbortSignal.any([hooks.signal, lost.signal]) : lost.signal,
    });
  } finally {
    clearInterval(heartbeat);
  }
}

async function runClaimedSync(
  deps: SyncDeps,
  workspaceId: string,
  syncLogId: string,
  hooks: SyncHooks,
): Promise<SyncLogRow> {
  let loaded: { log: SyncLogRow; conn: ConnectionRow; overrides: StageOverrides };
  try {
    loaded = await withWorkspace(deps.db, workspaceId, async (tx) => {
      const log = await getSyncLog(tx, workspaceId, syncLogId);
      return {
        log,
        conn: await getConnection(tx, workspaceId, log.connector_name),
        overrides: await loadStageOverrides(tx, workspaceId),
      };
    });
  } catch (err) {
    // The connection went away between queueing and running: the run ends here, recorded.
    await withWorkspace(deps.db, workspaceId, (tx) =>
      finishSync(tx, workspaceId, syncLogId, { status: 'failed', error: describeError(err) }),
    );
    return withWorkspace(deps.db, workspaceId, (tx) => getSyncLog(tx, workspaceId, syncLogId));
  }
  const { log, conn, overrides } = loaded;
  const counts: Record<string, UpsertCounts> = {};
  let pages = 0;
  let secrets: string[] = [];
  const httpStats = emptyCallStats();
  try {
    const adapter = getAdapter(conn.connector_name);
    if (!conn.credentials) throw new Error('the connection has no credentials');
    await withWorkspace(deps.db, workspaceId, (tx) =>
      setConnectionState(tx, workspaceId, conn.id, { status: 'syncing' }),
    );
    const ctx = buildConnectorContext(deps, {
      workspaceId,
      connectionId: conn.id,
      adapter,
      credentials: conn.credentials,
      baseUrl: conn.base_url,
      metadata: conn.metadata,
      overrides,
      signal: hooks.signal,
      httpStats,
    });
    secrets = connectionSecrets(adapter, ctx.credentials);
    const cursor = startCursor(conn.sync_cursor, log.mode);
    const iterator = adapter.sync(ctx, { mode: log.mode, cursor })[Symbol.asyncIterator]();
    const statistics = createStatisticsKeeper(deps.db, deps.log);
    const rejections = {
      stored: await withWorkspace(deps.db, workspaceId, (tx) => hasRejections(tx, workspaceId, adapter.name)),
    };
    let next = iterator.next();
    for (;;) {
      const step = await next;
      if (step.done) break;
      next = iterator.next();
      next.catch(() => undefined); // awaited on the next turn; a failure there is handled then
      await commitPage(deps.db, workspaceId, syncLogId, conn.id, adapter.name, log.mode, step.value, counts, {
        httpStats,
        rejections,
      });
      await statistics.afterPage(counts);
      pages++;
      await hooks.afterPage?.(pages);
    }
    await withWorkspace(deps.db, workspaceId, async (tx) => {
      const stored = (await getConnection(tx, workspaceId, conn.connector_name)).sync_cursor;
      await saveCursor(tx, workspaceId, conn.id, { ...stored, in_progress: false });
      await setConnectionState(tx, workspaceId, conn.id, {
        status: 'connected',
        lastError: null,
        synced: true,
      });
      // What this run changed, and what failed runs before it changed without a chain after them.
      const changed = await unchainedChanges(tx, workspaceId, conn.connector_name, counts);
      await recordSyncProgress(tx, workspaceId, syncLogId, counts, { pages, changed, http: httpStats });
      await enterPostSync(tx, workspaceId, syncLogId);
    });
    // The health ledger's counts at the source beside the stored ones; a failure here fails nothing.
    await takeHealthSnapshot(deps, workspaceId, conn.connector_name, syncLogId).catch((err) =>
      deps.log.warn(
        {
          error: scrubUpstreamText(describeError(err), secrets),
          workspaceId,
          connector: conn.connector_name,
        },
        'health snapshot failed',
      ),
    );
    // The post-sync chain reads what the sync wrote: its statistics must describe the tables as they are now.
    await statistics.finish(counts);
  } catch (err) {
    // Stored on the log and the connection, readable by any key of the workspace: scrubbed first.
    const message = scrubUpstreamText(describeError(err), secrets);
    deps.log.warn(
      {
        error: message,
        errorType: (err as Error)?.name,
        workspaceId,
        syncLogId,
        connector: conn.connector_name,
      },
      'sync failed',
    );
    await withWorkspace(deps.db, workspaceId, async (tx) => {
      await setConnectionState(tx, workspaceId, conn.id, {
        status: err instanceof UpstreamAuthError ? 'auth_failed' : 'error',
        lastError: message,
      });
      await recordSyncProgress(tx, workspaceId, syncLogId, counts, { pages, http: httpStats });
      await finishSync(tx, workspaceId, syncLogId, { status: 'failed', error: message });
    });
    const failed = await withWorkspace(deps.db, workspaceId, (tx) => getSyncLog(tx, workspaceId, syncLogId));
    await announceSyncFinished(deps, workspaceId, failed);
    return failed;
  }

  const payload = { workspace_id: workspaceId, connector_name: conn.connector_name, sync_log_id: syncLogId };
  if (deps.queue) await deps.queue.send('post-sync', payload);
  else await runChainAndAnnounce(deps, workspaceId, syncLogId);
  return withWorkspace(deps.db, workspaceId, (tx) => getSyncLog(tx, workspaceId, syncLogId));
}

/** The post-sync chain of a run, then its outcome announced (webhooks): the run is over only now. */
export async function runChainAndAnnounce(
  deps: SyncDeps,
  workspaceId: string,
  syncLogId: string,
): Promise<void> {
  await runPostSyncChain({ db: deps.db, log: deps.log, workspaceId, syncLogId });
  const finished = await withWorkspace(deps.db, workspaceId, (tx) => getSyncLog(tx, workspaceId, syncLogId));
  if (finished.status === 'succeeded' || finished.status === 'failed')
    await announceSyncFinished(deps, workspaceId, finished);
}

async function commitPage(
  db: Db,
  workspaceId: string,
  syncLogId: string,
  connectionId: string,
  source: string,
  mode: SyncMode,
  page: SyncPage,
  totals: Record<string, UpsertCounts>,
  health: { httpStats: HttpCallStats; rejections: { stored: boolean } },
): Promise<void> {
  const merged = await withWorkspace(
    db,
    workspaceId,
    async (tx) => {
      // A page of a run another worker took over is not written: that worker resumes from the cursor.
      if (!(await beat(tx, workspaceId, syncLogId)))
        throw new Error('the sync was taken over by another worker');
      const pageCounts = await writePage(tx, workspaceId, source, page);
      if (health.rejections.stored) await clearWrittenRejections(tx, workspaceId, source, page);
      if (page.rejections?.length) {
        await recordRejections(tx, workspaceId, source, syncLogId, page.rejections);
        health.rejections.stored = true;
      }
      const merged: Record<string, UpsertCounts> = {};
      for (const [k, v] of Object.entries(totals)) merged[k] = { ...v };
      for (const [entity, c] of Object.entries(pageCounts))
        merged[entity] = addCounts(merged[entity] ?? emptyCounts(), c);
      await saveCursor(tx, workspaceId, connectionId, {
        mode,
        in_progress: true,
        position: { ...page.cursor },
      });
      await recordSyncProgress(tx, workspaceId, syncLogId, merged, {
        ...(page.progress ?? {}),
        http: { ...health.httpStats },
      });
      return merged;
    },
    // Everything the page writes is in this transaction (the totals move on after it), so a page that
    // PostgreSQL aborted to break a deadlock is simply written again.
    { retryConflicts: true },
  );
  // Only after the commit do the in-memory totals move on.
  Object.assign(totals, merged);
}

function describeError(err: unknown): string {
  if (err instanceof UpstreamError) {
    const excerpt = err.bodyExcerpt && !err.message.includes(err.bodyExcerpt) ? `: ${err.bodyExcerpt}` : '';
    return `${err.message}${excerpt}`;
  }
  return err instanceof Error ? err.message : String(err);
}
