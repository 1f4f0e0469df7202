/**
 * The per-source health ledger: freshness (last success, last full and incremental sync), run error
 * rate, the source's HTTP answers (requests, rate-limit hits, server errors), per object type the count
 * at the source beside the stored and deleted ones and the drift over time (sync_health_snapshots),
 * the last association reconciliation, and records refused by the normaliser with their reasons.
 */
import { getConnection } from '../connectors/connections.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import { getAdapter } from '../connectors/registry.ts';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { ENTITY_TABLES, type EntityName } from '../entities/entity-tables.ts';
import type { Logger } from '../logger.ts';
import { buildConnectorContext } from './connector-context.ts';
import { SOFT_DELETABLE } from './source-deletions.ts';

/** Snapshots kept per object type in the ledger's drift series. */
const DRIFT_POINTS = 30;

interface StoredCount {
  stored: number;
  deleted: number;
}

async function storedCounts(
  q: Queryable,
  workspaceId: string,
  source: string,
  entities: readonly EntityName[],
): Promise<Map<EntityName, StoredCount>> {
  const out = new Map<EntityName, StoredCount>();
  for (const entity of entities) {
    // Table names come from the entity specs, never from input.
    const table = ENTITY_TABLES[entity].table;
    const softDeletable = (SOFT_DELETABLE as readonly string[]).includes(entity);
    const { rows } = await q.query<{ stored: number; deleted: number }>(
      softDeletable
        ? /* sql */ `SELECT count(*) FILTER (WHERE deleted_at IS NULL)::int AS stored,
                            count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted
                     FROM ${table} WHERE workspace_id = $1::uuid AND source = $2::text`
        : /* sql */ `SELECT count(*)::int AS stored, 0 AS deleted
                     FROM ${table} WHERE workspace_id = $1::uuid AND source = $2::text`,
      [workspaceId, source],
    );
    out.set(entity, { stored: Number(rows[0]!.stored), deleted: Number(rows[0]!.deleted) });
  }
  return out;
}

/**
 * Counts at the source (the adapter's countAtSource) and stored, one snapshot row per object type.
 * Does nothing for a source that cannot count. Returns the number of rows written.
 */
export async function takeHealthSnapshot(
  deps: { db: Db; config: Config; log: Logger; vault: CredentialVault },
  workspaceId: string,
  connectorName: string,
  syncLogId: string | null,
): Promise<number> {
  const adapter = getAdapter(connectorName);
  if (!adapter.countAtSource) return 0;
  const conn = await withWorkspace(deps.db, workspaceId, (tx) =>
    getConnection(tx, workspaceId, connectorName),
  );
  if (!conn.credentials) return 0;
  const ctx = buildConnectorContext(deps, {
    workspaceId,
    connectionId: conn.id,
    adapter,
    credentials: conn.credentials,
    baseUrl: conn.base_url,
    metadata: conn.metadata,
  });
  const atSource = await adapter.countAtSource(ctx);
  const entities = Object.keys(atSource) as EntityName[];
  if (entities.length === 0) return 0;
  return withWorkspace(deps.db, workspaceId, async (tx) => {
    const stored = await storedCounts(tx, workspaceId, adapter.name, entities);
    const { rowCount } = await tx.query(
      /* sql */ `INSERT INTO sync_health_snapshots (workspace_id, connector_name, entity, source_count,
                   stored_count, deleted_count, sync_log_id)
                 SELECT $1::uuid, $2::text, s.entity, s.source_count, s.stored, s.deleted, $7::uuid
                 FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
                        AS s(entity, source_count, stored, deleted)`,
      [
        workspaceId,
        connectorName,
        entities,
        entities.map((e) => atSource[e]!),
        entities.map((e) => stored.get(e)!.stored),
        entities.map((e) => stored.get(e)!.deleted),
        syncLogId,
      ],
    );
    return rowCount;
  });
}

export interface ObjectHealth {
  entity: string;
  stored: number;
  deleted: number;
  /** From the latest snapshot; null before the first one. */
  source_count: number | null;
  drift: number | null;
  counted_at: string | null;
  /** Newest first: drift = source_count - stored_count at each snapshot. */
  drift_history: Array<{ taken_at: string; source_count: number; stored_count: number; drift: number }>;
}

export interface SyncHealth {
  connector_name: string;
  status: string;
  freshness: {
    last_success_at: string | null;
    last_full_sync_at: string | null;
    last_incremental_sync_at: string | null;
    /** Seconds since the last successful sync; null when none succeeded. */
    age_seconds: number | null;
    last_error: string | null;
  };
  runs: { window_days: number; total: number; failed: number; error_rate: number | null };
  http: { requests: number; rate_limited: number; server_errors: number; error_rate: number | null };
  objects: ObjectHealth[];
  associations: {
    last_reconciliation: {
      id: string;
      status: string;
      trigger: string;
      started_at: string;
      finished_at: string | null;
      counts: Record<string, unknown>;
      error: string | null;
    } | null;
    last_success_at: string | null;
  };
  rejections: {
    total: number;
    by_reason: Array<{ entity: string; reason: string; count: number }>;
    recent: Array<{ entity: string; source_id: string; reason: string; last_seen_at: string }>;
  };
}

const ratio = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;

export async function getSyncHealth(
  q: Queryable,
  workspaceId: string,
  connectorName: string,
  opts: { windowDays: number; now?: Date },
): Promise<SyncHealth> {
  const conn = await getConnection(q, workspaceId, connectorName);
  const adapter = getAdapter(connectorName);
  const now = opts.now ?? new Date();
  const { rows: runs } = await q.query<{
    last_success_at: string | null;
    last_full_sync_at: string | null;
    last_incremental_sync_at: string | null;
    total: number;
    failed: number;
    requests: number;
    rate_limited: number;
    server_errors: number;
  }>(
    /* sql */ `SELECT
       max(finished_at) FILTER (WHERE status = 'succeeded') AS last_success_at,
       max(finished_at) FILTER (WHERE status = 'succeeded' AND mode = 'initial') AS last_full_sync_at,
       max(finished_at) FILTER (WHERE status = 'succeeded' AND mode = 'incremental') AS last_incremental_sync_at,
       count(*) FILTER (WHERE status IN ('succeeded', 'failed') AND created_at >= $3::timestamptz)::int AS total,
       count(*) FILTER (WHERE status = 'failed' AND created_at >= $3::timestamptz)::int AS failed,
       coalesce(sum((progress #>> '{http,requests}')::bigint) FILTER (WHERE created_at >= $3::timestamptz), 0)::bigint AS requests,
       coalesce(sum((progress #>> '{http,rate_limited}')::bigint) FILTER (WHERE created_at >= $3::timestamptz), 0)::bigint AS rate_limited,
       coalesce(sum((progress #>> '{http,server_errors}')::bigint) FILTER (WHERE created_at >= $3::timestamptz), 0)::bigint AS server_errors
     FROM sync_log WHERE workspace_id = $1::uuid AND connector_name = $2::text`,
    [workspaceId, connectorName, new Date(now.getTime() - opts.windowDays * 86_400_000).toISOString()],
  );
  const r = runs[0]!;
  const lastSuccess = r.last_success_at ? new Date(r.last_success_at) : null;

  const entities = adapter.entities();
  const stored = await storedCounts(q, workspaceId, adapter.name, entities);
  const { rows: snapshots } = await q.query<{
    entity: string;
    source_count: number;
    stored_count: number;
    taken_at: string;
  }>(
    /* sql */ `SELECT entity, source_count, stored_count, taken_at FROM (
       SELECT entity, source_count, stored_count, taken_at,
              row_number() OVER (PARTITION BY entity ORDER BY taken_at DESC, id) AS n
       FROM sync_health_snapshots WHERE workspace_id = $1::uuid AND connector_name = $2::text) s
     WHERE n <= $3::int ORDER BY entity, taken_at DESC`,
    [workspaceId, connectorName, DRIFT_POINTS],
  );
  const history = new Map<string, ObjectHealth['drift_history']>();
  for (const s of snapshots) {
    const list = history.get(s.entity) ?? [];
    const source = Number(s.source_count);
    const storedAt = Number(s.stored_count);
    list.push({
      taken_at: new Date(s.taken_at).toISOString(),
      source_count: source,
      stored_count: storedAt,
      drift: source - storedAt,
    });
    history.set(s.entity, list);
  }
  const objects: ObjectHealth[] = entities.map((entity) => {
    const h = history.get(entity) ?? [];
    const latest = h[0];
    return {
      entity,
      stored: stored.get(entity)!.stored,
      deleted: stored.get(entity)!.deleted,
      source_count: latest?.source_count ?? null,
      drift: latest?.drift ?? null,
      counted_at: latest?.taken_at ?? null,
      drift_history: h,
    };
  });

  const { rows: recon } = await q.query<{
    id: string;
    status: string;
    trigger: string;
    started_at: string;
    finished_at: string | null;
    counts: Record<string, unknown>;
    error: string | null;
    last_success_at: string | null;
  }>(
    /* sql */ `SELECT id, status, trigger, started_at, finished_at, counts, error,
       (SELECT max(finished_at) FROM association_reconciliations
        WHERE workspace_id = $1::uuid AND connector_name = $2::text AND status = 'succeeded') AS last_success_at
     FROM association_reconciliations WHERE workspace_id = $1::uuid AND connector_name = $2::text
     ORDER BY started_at DESC, id LIMIT 1`,
    [workspaceId, connectorName],
  );
  const last = recon[0];

  const { rows: reasons } = await q.query<{ entity: string; reason: string; count: number }>(
    /* sql */ `SELECT entity, reason, count(*)::int AS count FROM sync_rejections
               WHERE workspace_id = $1::uuid AND connector_name = $2::text
               GROUP BY entity, reason ORDER BY count(*) DESC, entity, reason LIMIT 50`,
    [workspaceId, connectorName],
  );
  const { rows: recent } = await q.query<{
    entity: string;
    source_id: string;
    reason: string;
    last_seen_at: string;
  }>(
    /* sql */ `SELECT entity, source_id, reason, last_seen_at FROM sync_rejections
               WHERE workspace_id = $1::uuid AND connector_name = $2::text
               ORDER BY last_seen_at DESC, id LIMIT 20`,
    [workspaceId, connectorName],
  );
  const iso = (v: string | null) => (v ? new Date(v).toISOString() : null);
  const requests = Number(r.requests);
  const rateLimited = Number(r.rate_limited);
  const serverErrors = Number(r.server_errors);
  return {
    connector_name: connectorName,
    status: conn.status,
    freshness: {
      last_success_at: iso(r.last_success_at),
      last_full_sync_at: iso(r.last_full_sync_at),
      last_incremental_sync_at: iso(r.last_incremental_sync_at),
      age_seconds: lastSuccess
        ? Math.max(0, Math.round((now.getTime() - lastSuccess.getTime()) / 1000))
        : null,
      last_error: conn.last_error,
    },
    runs: {
      window_days: opts.windowDays,
      total: r.total,
      failed: r.failed,
      error_rate: ratio(r.failed, r.total),
    },
    http: {
      requests,
      rate_limited: rateLimited,
      server_errors: serverErrors,
      error_rate: ratio(rateLimited + serverErrors, requests),
    },
    objects,
    associations: {
      last_reconciliation: last
        ? {
            id: last.id,
            status: last.status,
            trigger: last.trigger,
            started_at: new Date(last.started_at).toISOString(),
            finished_at: iso(last.finished_at),
            counts: last.counts,
            error: last.error,
          }
        : null,
      last_success_at: iso(last?.last_success_at ?? null),
    },
    rejections: {
      total: reasons.reduce((n, x) => n + x.count, 0),
      by_reason: reasons,
      recent: recent.map((x) => ({ ...x, last_seen_at: new Date(x.last_seen_at).toISOString() })),
    },
  };
}

/** Latest drift per connector and object type, for data-quality-audit. */
export async function latestDrift(
  q: Queryable,
  workspaceId: string,
): Promise<
  Array<{
    connector_name: string;
    entity: string;
    source_count: number;
    stored_count: number;
    taken_at: string;
  }>
> {
  const { rows } = await q.query<{
    connector_name: string;
    entity: string;
    source_count: number;
    stored_count: number;
    taken_at: string;
  }>(
    /* sql */ `SELECT DISTINCT ON (connector_name, entity) connector_name, entity, source_count, stored_count, taken_at
               FROM sync_health_snapshots WHERE workspace_id = $1::uuid
               ORDER BY connector_name, entity, taken_at DESC, id`,
    [workspaceId],
  );
  return rows.map((x) => ({
    ...x,
    source_count: Number(x.source_count),
    stored_count: Number(x.stored_count),
    taken_at: new Date(x.taken_at).toISOString(),
  }));
}
