/**
 * Association reconciliation: a pass that re-reads every association at the source (the adapter's
 * readAssociations, in batches, independent of the sync cursor) and corrects the stored ones, because
 * associations change without moving the modified times an incremental sync watches. Each pass is an
 * association_reconciliations row with what it corrected per kind; corrections then go through the
 * post-sync chain like any write (recorded as `<connector>_associations`), and the health ledger takes
 * a snapshot. Weekly per CRM connection by the scheduler, and on demand.
 */
import type { AssociationKind } from '../connectors/adapter.ts';
import { getConnection } from '../connectors/connections.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import { emptyCallStats } from '../connectors/http-client.ts';
import { getAdapter, hasAdapter } from '../connectors/registry.ts';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { ConflictError, NotFoundError, PG_ERROR, pgErrorCode, ValidationError } from '../errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { scrubUpstreamText } from '../outbound/upstream-text.ts';
import {
  type AssociationCounts,
  addAssociationCounts,
  applyAssociationBatch,
  emptyAssociationCounts,
} from './association-apply.ts';
import { buildConnectorContext, connectionSecrets } from './connector-context.ts';
import { recordWrite, runPostSyncChain } from './post-sync-chain.ts';
import { takeHealthSnapshot } from './sync-health.ts';

export interface ReconcileDeps {
  db: Db;
  config: Config;
  log: Logger;
  vault: CredentialVault;
  queue?: JobQueue;
}

export type ReconcileTrigger = 'manual' | 'scheduled';

export interface ReconciliationRow {
  id: string;
  connector_name: string;
  trigger: ReconcileTrigger;
  status: 'running' | 'succeeded' | 'failed';
  counts: Partial<Record<AssociationKind, AssociationCounts>> & { http?: Record<string, number> };
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

const COLUMNS = /* sql */ `id, connector_name, trigger, status, counts, error, started_at, finished_at`;

export function supportsReconciliation(connectorName: string): boolean {
  return hasAdapter(connectorName) && typeof getAdapter(connectorName).readAssociations === 'function';
}

export async function getReconciliation(q: Queryable, workspaceId: string, id: string) {
  const { rows } = await q.query<ReconciliationRow>(
    `SELECT ${COLUMNS} FROM association_reconciliations WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, id],
  );
  if (!rows[0]) throw new NotFoundError('association reconciliation');
  return rows[0];
}

export async function listReconciliations(
  q: Queryable,
  workspaceId: string,
  connectorName: string,
  limit: number,
): Promise<ReconciliationRow[]> {
  const { rows } = await q.query<ReconciliationRow>(
    `SELECT ${COLUMNS} FROM association_reconciliations
     WHERE workspace_id = $1::uuid AND connector_name = $2::text ORDER BY started_at DESC, id LIMIT $3::int`,
    [workspaceId, connectorName, limit],
  );
  return rows;
}

/**
 * A running pass for the connector, or the one already running (`created: false`). A pass whose
 * heartbeat stopped (its process died) is failed first, so a new request starts afresh.
 */
export async function queueReconciliation(
  deps: { db: Db; config: Pick<Config, 'syncStaleSeconds'> },
  workspaceId: string,
  connectorName: string,
  trigger: ReconcileTrigger,
): Promise<{ row: ReconciliationRow; created: boolean }> {
  if (!supportsReconciliation(connectorName))
    throw new ValidationError(`${connectorName} has no associations to reconcile`);
  return withWorkspace(deps.db, workspaceId, async (tx) => {
    const conn = await getConnection(tx, workspaceId, connectorName);
    if (!conn.credentials || conn.status === 'auth_failed' || conn.status === 'disconnected')
      throw new ConflictError(`the ${connectorName} connection needs credentials before reconciling`);
    await tx.query(
      /* sql */ `UPDATE association_reconciliations SET status = 'failed', finished_at = now(),
                   error = 'the process running this pass stopped'
                 WHERE workspace_id = $1::uuid AND connector_name = $2::text AND status = 'running'
                   AND heartbeat_at < now() - make_interval(secs => $3::int)`,
      [workspaceId, connectorName, deps.config.syncStaleSeconds],
    );
    await tx.query('SAVEPOINT queue_reconciliation');
    try {
      const { rows } = await tx.query<ReconciliationRow>(
        /* sql */ `INSERT INTO association_reconciliations (workspace_id, connector_name, trigger)
                   VALUES ($1::uuid, $2::text, $3::text) RETURNING ${COLUMNS}`,
        [workspaceId, connectorName, trigger],
      );
      await tx.query('RELEASE SAVEPOINT queue_reconciliation');
      return { row: rows[0]!, created: true };
    } catch (err) {
      if (pgErrorCode(err) !== PG_ERROR.uniqueViolation) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT queue_reconciliation');
      const { rows } = await tx.query<ReconciliationRow>(
        `SELECT ${COLUMNS} FROM association_reconciliations
         WHERE workspace_id = $1::uuid AND connector_name = $2::text AND status = 'running'`,
        [workspaceId, connectorName],
      );
      if (!rows[0]) throw err;
      return { row: rows[0], created: false };
    }
  });
}

/** Runs a queued pass to its end; the row says how it went (a failure is recorded, not thrown). */
export async function runReconciliation(
  deps: ReconcileDeps,
  workspaceId: string,
  id: string,
): Promise<ReconciliationRow> {
  const row = await withWorkspace(deps.db, workspaceId, (tx) => getReconciliation(tx, workspaceId, id));
  if (row.status !== 'running') return row;
  // Beside each batch's commit, a timer: a batch waiting out a long Retry-After is not taken for lost.
  const heartbeat = setInterval(
    () => {
      withWorkspace(deps.db, workspaceId, (tx) =>
        tx.query(
          /* sql */ `UPDATE association_reconciliations SET heartbeat_at = now()
                     WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'running'`,
          [workspaceId, id],
        ),
      ).catch((err) => deps.log.warn({ err, workspaceId }, 'reconciliation heartbeat failed'));
    },
    Math.max(500, (deps.config.syncStaleSeconds * 1000) / 3),
  );
  heartbeat.unref();
  try {
    return await runPass(deps, workspaceId, row);
  } finally {
    clearInterval(heartbeat);
  }
}

async function runPass(
  deps: ReconcileDeps,
  workspaceId: string,
  row: ReconciliationRow,
): Promise<ReconciliationRow> {
  const { id } = row;
  const adapter = getAdapter(row.connector_name);
  const counts: Partial<Record<AssociationKind, AssociationCounts>> = {};
  const httpStats = emptyCallStats();
  let secrets: string[] = [];
  let connectionId: string | null = null;
  try {
    const conn = await withWorkspace(deps.db, workspaceId, (tx) =>
      getConnection(tx, workspaceId, row.connector_name),
    );
    if (!conn.credentials) throw new Error('the connection has no credentials');
    connectionId = conn.id;
    const ctx = buildConnectorContext(deps, {
      workspaceId,
      connectionId: conn.id,
      adapter,
      credentials: conn.credentials,
      baseUrl: conn.base_url,
      metadata: conn.metadata,
      httpStats,
    });
    secrets = connectionSecrets(adapter, ctx.credentials);
    for await (const batch of adapter.readAssociations!(ctx)) {
      await withWorkspace(deps.db, workspaceId, async (tx) => {
        const c = await applyAssociationBatch(tx, workspaceId, adapter.name, batch);
        counts[batch.kind] = addAssociationCounts(counts[batch.kind] ?? emptyAssociationCounts(), c);
        await tx.query(
          /* sql */ `UPDATE association_reconciliations SET counts = $3::jsonb, heartbeat_at = now()
                     WHERE workspace_id = $1::uuid AND id = $2::uuid`,
          [workspaceId, id, JSON.stringify({ ...counts, http: httpStats })],
        );
      });
    }
  } catch (err) {
    const message = scrubUpstreamText(err instanceof Error ? err.message : String(err), secrets);
    deps.log.warn({ error: message, workspaceId, connector: row.connector_name }, 'reconciliation failed');
    await withWorkspace(deps.db, workspaceId, (tx) =>
      tx.query(
        /* sql */ `UPDATE association_reconciliations SET status = 'failed', error = $3::text,
                     counts = $4::jsonb, finished_at = now()
                   WHERE workspace_id = $1::uuid AND id = $2::uuid`,
        [workspaceId, id, message, JSON.stringify({ ...counts, http: httpStats })],
      ),
    );
    // What was corrected before the failure is committed: the chain still follows it.
    await followWithChain(deps, workspaceId, row, connectionId, counts);
    return withWorkspace(deps.db, workspaceId, (tx) => getReconciliation(tx, workspaceId, id));
  }
  await withWorkspace(deps.db, workspaceId, (tx) =>
    tx.query(
      /* sql */ `UPDATE association_reconciliations SET status = 'succeeded', counts = $3::jsonb,
                   finished_at = now()
                 WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [workspaceId, id, JSON.stringify({ ...counts, http: httpStats })],
    ),
  );
  await followWithChain(deps, workspaceId, row, connectionId, counts);
  await takeHealthSnapshot(deps, workspaceId, row.connector_name, null).catch((err) =>
    deps.log.warn({ err, workspaceId, connector: row.connector_name }, 'health snapshot failed'),
  );
  return withWorkspace(deps.db, workspaceId, (tx) => getReconciliation(tx, workspaceId, id));
}

/** Corrections recorded as a write, so the linker and scores see the moved links. */
async function followWithChain(
  deps: ReconcileDeps,
  workspaceId: string,
  row: ReconciliationRow,
  connectionId: string | null,
  counts: Partial<Record<AssociationKind, AssociationCounts>>,
) {
  const changedOf = (c: AssociationCounts | undefined) => (c ? c.added + c.removed + c.moved + c.updated : 0);
  const written: Record<string, { inserted: number; updated: number }> = {};
  const dealContacts = changedOf(counts.deal_contact);
  if (dealContacts) written.deal_contacts = { inserted: 0, updated: dealContacts };
  if (changedOf(counts.deal_account))
    written.deals = { inserted: 0, updated: changedOf(counts.deal_account) };
  if (changedOf(counts.contact_account))
    written.contacts = { inserted: 0, updated: changedOf(counts.contact_account) };
  if (Object.keys(written).length === 0) return;
  const syncLogId = await withWorkspace(deps.db, workspaceId, (tx) =>
    recordWrite(tx, workspaceId, {
      connectorName: `${row.connector_name}_associations`,
      connectionId,
      trigger: row.trigger,
      counts: written,
    }),
  );
  const payload = {
    workspace_id: workspaceId,
    connector_name: `${row.connector_name}_associations`,
    sync_log_id: syncLogId,
  };
  if (deps.queue) await deps.queue.send('post-sync', payload);
  else await runPostSyncChain({ db: deps.db, log: deps.log, workspaceId, syncLogId });
}

/**
 * Connections due a scheduled pass: a CRM connection connected more than `days` ago, with a completed
 * sync, whose last pass started more than `days` ago (or never ran). System work across workspaces; each pass then runs in its tenant scope.
 */
export async function dueReconciliations(
  db: Db,
  days: number,
  now: Date,
): Promise<Array<{ workspace_id: string; connector_name: string }>> {
  if (days <= 0) return [];
  const { rows } = await db.query<{ workspace_id: string; connector_name: string }>(
    /* sql */ `SELECT c.workspace_id, c.connector_name FROM connections c
               WHERE c.status IN ('connected', 'error') AND c.credentials IS NOT NULL
                 AND c.last_sync_at IS NOT NULL
                 -- The first sync read every association: the first pass is due a period after connect.
                 AND c.created_at < $1::timestamptz - make_interval(days => $2::int)
                 AND NOT EXISTS (
                   SELECT 1 FROM association_reconciliations r
                   WHERE r.workspace_id = c.workspace_id AND r.connector_name = c.connector_name
                     AND (r.status = 'running'
                          OR r.started_at > $1::timestamptz - make_interval(days => $2::int)))
               ORDER BY c.workspace_id, c.connector_name`,
    [now.toISOString(), days],
  );
  return rows.filter((r) => supportsReconciliation(r.connector_name));
}
