/**
 * Applies a confirmed batch in ONE transaction (all or nothing): streams the file, normalises each row
 * with the confirmed mapping, and writes chunk by chunk through the staged writer (new keys inserted in
 * one statement, existing ones captured for the rollback and updated where they differ; inserted rows are
 * known by their created_at). Then: replace deletes the unreferenced records missing from the file, deal
 * stage changes are diffed into deal_stage_history, associations are inferred, and the csv_import
 * connection records the import.
 */
import type { Db, Queryable } from '../../db/db.ts';
import { eventLoopTurn } from '../../db/event-loop-turn.ts';
import { refreshStatistics } from '../../db/table-statistics.ts';
import { withWorkspace } from '../../db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../entities/entity-tables.ts';
import type { Logger } from '../../logger.ts';
import { recordImportRun, runImportChain } from './import-post-sync.ts';
import {
  createAccountKeyTable,
  LINK_CHUNK_ROWS,
  type RelinkCounts,
  relinkAll,
} from './association-inference.ts';
import { getBatch, type ImportBatchRow, requireStatus, setProgress } from './import-batches.ts';
import { loadStageResolver } from './import-stages.ts';
import { loadOwnerDirectory } from './owner-directory.ts';
import { deleteMissingRecords } from './replace-missing.ts';
import { createRowNormaliser, IMPORT_SOURCE, type RowError } from './row-normaliser.ts';
import { openTable, type TableLimits } from './table-reader.ts';
import { writeStageHistory } from './stage-history-diff.ts';
import { openStagedWriter, type StagedChunk, type StagedWriter } from './staged-write.ts';
import { removeTempFile } from './temp-files.ts';

// Rows per write: large enough to amortise the statements, small enough to keep memory flat and a staged
// chunk of deals (about 6 MB) inside the session's default 8 MB of temp buffers. The embedded database
// runs each statement on the server's own thread, so there a write is kept short enough for the requests
// waiting behind it (status polls, /healthz) to be answered between two writes (50k deals in bench:responsiveness:
// /healthz p99 445-609 ms at 2,000 rows, 310-337 ms at 1,000; the price, in bench:import at 100k rows, is an
// apply of 19-27 s instead of 16-20 s). The stage history that
// follows the writes goes in chunks of the same size.
const ROWS_PER_WRITE = { postgres: 10_000, pglite: 1_000 } as const;
// Rows parsed between two turns of the event loop (see the parse loop).
const YIELD_EVERY = 200;

export interface ApplyCounts {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  errored: number;
  deleted: number;
}

// Row errors a failed batch keeps as its reasons.
const KEPT_ERRORS = 20;

/** No row of the file could be imported: the batch fails with the rows' own reasons, nothing is written. */
class NothingImportedError extends Error {
  constructor(
    readonly counts: ApplyCounts,
    readonly errors: RowError[],
  ) {
    const first = errors[0];
    super(
      `no row could be imported: all ${counts.rows} rows have errors` +
        (first ? ` (e.g. row ${first.row}${first.column ? `, ${first.column}` : ''}: ${first.message})` : ''),
    );
  }
}

/**
 * The applies running in this process, until their transaction commits: the batch as it was confirmed and
 * its latest progress. The embedded backend's one session is held by the apply's transaction, so status
 * polls are answered from here.
 */
export interface LiveApply {
  workspaceId: string;
  batch: ImportBatchRow;
  progress: Record<string, unknown>;
}
export const liveApplies = new Map<string, LiveApply>();

export async function applyImportBatch(
  db: Db,
  log: Logger,
  limits: TableLimits,
  workspaceId: string,
  batchId: string,
): Promise<void> {
  const batch = await withWorkspace(db, workspaceId, (tx) => getBatch(tx, workspaceId, batchId));
  if (batch.status !== 'confirmed') return; // a retried or duplicate job: nothing to do
  let lastReport = 0;
  const report = async (progress: Record<string, unknown>, force = false) => {
    liveApplies.set(batchId, { workspaceId, batch, progress });
    // On the server a second connection records progress while the apply transaction is open.
    if (db.kind === 'postgres' && (force || Date.now() - lastReport > 1000)) {
      lastReport = Date.now();
      await withWorkspace(db, workspaceId, (tx) => setProgress(tx, workspaceId, batchId, progress));
    }
  };
  try {
    await report({ phase: 'applying', rows_done: 0, rows_total: batch.row_count }, true);
    // A deadlock with a sync writing the same workspace aborts the whole apply: it is run again.
    const applied = await withWorkspace(
      db,
      workspaceId,
      async (tx) => {
        // No row lock here: progress is written to this row from a second connection meanwhile. A cancel
        // that lands during the apply is caught by the status check of the final update.
        const locked = await getBatch(tx, workspaceId, batchId);
        requireStatus(locked, ['confirmed'], 'apply');
        const { counts, result, errors } = await writeBatch(tx, limits, workspaceId, locked, db.kind, report);
        if (counts.rows === counts.errored) throw new NothingImportedError(counts, errors);
        const connectionId = await recordConnection(tx, workspaceId, locked, counts);
        // The post-sync run is recorded with the batch, so a client that sees `applied` can wait on it.
        result.sync_log_id = await recordImportRun(tx, workspaceId, {
          entity: locked.entity_type,
          connectionId,
          counts,
          relink: result.relink as RelinkCounts,
        });
        const done = await tx.query(
          /* sql */ `UPDATE import_batches SET status = 'applied', applied_at = now(), updated_at = now(),
                     counts = $3::jsonb, result = $4::jsonb, temp_path = NULL,
                     progress = jsonb_build_object('phase', 'applied', 'rows_done', $5::int, 'rows_total', $5::int)
                   WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'confirmed'`,
          [workspaceId, batchId, JSON.stringify(counts), JSON.stringify(result), counts.rows],
        );
        if (done.rowCount === 0) throw new Error('the batch was cancelled while it was being applied');
        return { counts, result, syncLogId: result.sync_log_id as string };
      },
      { retryConflicts: true },
    );
    // Committed: polls read the applied batch from the database from here on, as on the server, while the
    // post-sync chain runs (its run is named in the batch's result).
    liveApplies.delete(batchId);
    await removeTempFile(batch.temp_path);
    // Fresh statistics first: the chain's set-based steps plan on them.
    await refreshStatistics(db, importedTables(batch.entity_type, applied.counts, applied.result), log);
    await runImportChain({ db, log }, workspaceId, applied.syncLogId);
  } catch (err) {
    const nothing = err instanceof NothingImportedError;
    if (nothing) log.warn({ workspaceId, batchId, counts: err.counts }, err.message);
    else log.error({ err, workspaceId, batchId }, 'file import failed; nothing was written');
    await withWorkspace(db, workspaceId, (tx) =>
      tx.query(
        /* sql */ `UPDATE import_batches SET status = 'failed', error = $3::text, updated_at = now(),
                     counts = coalesce($4::jsonb, counts), result = coalesce($5::jsonb, result),
                     progress = jsonb_build_object('phase', 'failed')
                   WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'confirmed'`,
        [
          workspaceId,
          batchId,
          err instanceof Error ? err.message.slice(0, 1000) : String(err),
          nothing ? JSON.stringify(err.counts) : null,
          nothing ? JSON.stringify({ errors: err.errors }) : null,
        ],
      ),
    );
    await removeTempFile(batch.temp_path);
  } finally {
    liveApplies.delete(batchId);
  }
}

/** The tables an apply changed, with the rows it changed in each (0: the statistics views decide). */
function importedTables(
  entity: ImportBatchRow['entity_type'],
  counts: ApplyCounts,
  result: Record<string, unknown>,
): Record<string, number> {
  const transitions = Object.values((result.stage_transitions ?? {}) as Record<string, number>);
  const relink = Object.values((result.relink ?? {}) as Record<string, number>);
  return {
    // Relinking sets account ids on deals and contacts whatever the batch's entity.
    deals: 0,
    contacts: 0,
    deal_contacts: relink.reduce((a, b) => a + b, 0),
    deal_stage_history: transitions.reduce((a, b) => a + b, 0),
    import_batch_changes: counts.updated + counts.deleted,
    [ENTITY_TABLES[entity].table]: counts.inserted + counts.updated + counts.deleted,
  };
}

async function writeBatch(
  tx: Queryable,
  limits: TableLimits,
  workspaceId: string,
  batch: ImportBatchRow,
  backend: Db['kind'],
  report: (p: Record<string, unknown>) => Promise<void>,
): Promise<{ counts: ApplyCounts; result: Record<string, unknown>; errors: RowError[] }> {
  const rowsPerWrite = ROWS_PER_WRITE[backend];
  if (!batch.temp_path) throw new Error('the uploaded file is no longer available; upload it again');
  const entity = batch.entity_type;
  // Turns of the event loop between the apply's steps: the setup (a dozen statements) and the steps after
  // the rows (stage history, relink) each held `/healthz` and status polls 250-350 ms on PGlite without.
  const stages = await loadStageResolver(tx, workspaceId);
  await eventLoopTurn();
  const table = await openTable(batch.temp_path, limits, batch.sheet);
  const normalise = createRowNormaliser({
    entity,
    headers: table.headers,
    mapping: batch.column_mapping,
    dateOrders: (batch.classification.date_orders ?? {}) as Record<string, 'mdy' | 'dmy'>,
    nameFrom: (batch.classification.name_from ?? null) as string[] | null,
    stageOf: (raw) => stages.resolve(raw).stage,
    owners: await loadOwnerDirectory(tx, workspaceId),
    moneyUnits: (batch.classification.money_units ?? {}) as Record<string, number>,
    percentScales: (batch.classification.percent_scales ?? {}) as Record<string, number>,
  });
  const counts: ApplyCounts = {
    rows: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    errored: 0,
    deleted: 0,
  };
  // Rows this transaction inserts carry created_at = now() = this timestamp: that is how the stage diff,
  // the replace strategy and the rollback tell them apart (applied_at is set to the same value).
  const startedAt = await tx.query<{ now: string }>('SELECT now()::text AS now');
  const txAt = startedAt.rows[0]!.now;
  // With no imported rows of this type before the batch, every imported row after it is one the batch
  // created: nothing can be missing from the file.
  const { rows: before } = await tx.query(
    `SELECT 1 FROM ${ENTITY_TABLES[entity].table} WHERE workspace_id = $1::uuid AND source = $2::text LIMIT 1`,
    [workspaceId, IMPORT_SOURCE],
  );
  const hadRows = before.length > 0;
  await eventLoopTurn();
  const accountKeys = entity === 'deals' ? await createAccountKeyTable(tx, workspaceId) : null;
  await eventLoopTurn();
  const writer = await openStagedWriter(tx, ENTITY_TABLES[entity], {
    workspaceId,
    batchId: batch.id,
    entityType: entity,
    strategy: batch.strategy ?? 'merge',
    accountKeys,
    // Keys can only repeat within the file: chunks go straight into the table until one repeats.
    direct: !hadRows,
  });
  const errors: RowError[] = [];
  let chunk = writer.chunk();
  // The database writes one chunk while this process parses the next (one connection, two CPUs busy).
  // Chunks start small and double: the database would otherwise sit idle while the first full chunk is
  // parsed (half a second for 10,000 rows).
  let chunkRows = Math.max(1, rowsPerWrite >> 4);
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await writing;
    if (chunk.added === 0) return;
    const rowsDone = counts.rows;
    const current = chunk;
    chunk = writer.chunk();
    chunkRows = Math.min(rowsPerWrite, chunkRows * 2);
    writing = writeChunk(writer, current, counts).then(() =>
      report({ phase: 'applying', rows_done: rowsDone, rows_total: batch.row_count }),
    );
  };
  try {
    for await (const raw of table.rows) {
      counts.rows++;
      const r = normalise(raw);
      if (!r.ok) {
        counts.errored++;
        for (const e of r.errors) if (errors.length < KEPT_ERRORS) errors.push(e);
      } else chunk.add(r.key, r.record);
      if (chunk.added >= chunkRows) await flush();
      // Parsed rows arrive as microtasks, which starve I/O callbacks: without a turn of the event loop now
      // and then, the chunk being written waits on this loop to feed its COPY and read its results.
      else if (counts.rows % YIELD_EVERY === 0) await eventLoopTurn();
    }
    await flush();
    await writing;
  } finally {
    await writing.catch(() => {});
    await table.close();
  }
  const result: Record<string, unknown> = {};
  await eventLoopTurn();
  if (batch.strategy === 'replace') {
    // Without imported rows before the batch, every imported row is one the file just wrote.
    const missing = hadRows
      ? await deleteMissingRecords(tx, workspaceId, batch.id, entity, txAt)
      : { missing: 0, deleted: 0, kept_referenced: 0, records: [] };
    counts.deleted = missing.deleted;
    result.missing = missing;
  }
  if (entity === 'deals') {
    result.stage_transitions = await writeStageHistory(tx, workspaceId, batch.id, txAt, rowsPerWrite);
    await eventLoopTurn();
  }
  const relink = await relinkAll(tx, workspaceId, batch.id, LINK_CHUNK_ROWS[backend]);
  await eventLoopTurn();
  result.relink = relink;
  // Whether a rollback of an earlier batch must wait for this one (rows captured unchanged do not count).
  result.wrote =
    counts.inserted + counts.updated + counts.deleted > 0 ||
    Object.values(relink).some((n) => n > 0) ||
    Object.keys((result.stage_transitions ?? {}) as object).length > 0;
  return { counts, result, errors };
}

async function writeChunk(writer: StagedWriter, chunk: StagedChunk, counts: ApplyCounts): Promise<void> {
  const written = await writer.write(chunk);
  counts.inserted += written.inserted;
  counts.updated += written.updated;
  counts.unchanged += written.unchanged;
  counts.skipped += written.skipped;
}

async function recordConnection(
  tx: Queryable,
  workspaceId: string,
  batch: ImportBatchRow,
  counts: ApplyCounts,
): Promise<string> {
  const entry = {
    batch_id: batch.id,
    file_name: batch.file_name,
    strategy: batch.strategy,
    at: new Date().toISOString(),
    counts,
  };
  const { rows } = await tx.query<{ id: string }>(
    /* sql */ `INSERT INTO connections (workspace_id, connector_name, status, metadata, last_sync_at)
               VALUES ($1::uuid, $2::text, 'connected', jsonb_build_object('last_imports', jsonb_build_object($3::text, $4::jsonb)), now())
               ON CONFLICT (workspace_id, connector_name) DO UPDATE
               SET last_sync_at = now(), updated_at = now(),
                   metadata = jsonb_set(
                     CASE WHEN jsonb_typeof(connections.metadata -> 'last_imports') = 'object' THEN connections.metadata
                          ELSE connections.metadata || '{"last_imports": {}}' END,
                     ARRAY['last_imports', $3::text], $4::jsonb)
               RETURNING id`,
    [workspaceId, IMPORT_SOURCE, batch.entity_type, JSON.stringify(entry)],
  );
  return rows[0]!.id;
}
