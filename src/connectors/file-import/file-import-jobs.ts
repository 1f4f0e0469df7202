/**
 * Wires the file import into a process: the apply job's worker and the temp file cleanup, and how a
 * confirmed batch is started (a job when the process has a queue, else in the background here). The
 * import is a connector (connections row 'csv_import') but not a ConnectorAdapter: there is no API to
 * page through, the user pushes a file, so there is nothing for the sync orchestrator's loop to drive.
 */
import type { Config } from '../../config.ts';
import type { Db } from '../../db/db.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import type { Logger } from '../../logger.ts';
import { applyImportBatch } from './apply-import.ts';
import { scheduleTempCleanup } from './temp-files.ts';

interface ImportDeps {
  db: Db;
  log: Logger;
  config: Config;
  queue?: JobQueue;
}

export function importLimits(config: Config) {
  return { maxColumns: config.import.maxColumns, maxUnzippedBytes: config.import.maxUnzippedBytes };
}

export async function startFileImport(deps: ImportDeps & { queue: JobQueue }): Promise<() => void> {
  if (deps.config.runWorkers) {
    await deps.queue.work('file-import-apply', (data) =>
      applyImportBatch(deps.db, deps.log, importLimits(deps.config), data.workspace_id, data.batch_id),
    );
  }
  return scheduleTempCleanup(deps.config.import.dir, deps.log);
}

const inFlight = new Set<Promise<void>>();

/** Queues the apply of a confirmed batch. */
export async function startApply(deps: ImportDeps, workspaceId: string, batchId: string): Promise<void> {
  if (deps.queue) {
    await deps.queue.send('file-import-apply', { workspace_id: workspaceId, batch_id: batchId });
    return;
  }
  const p = applyImportBatch(deps.db, deps.log, importLimits(deps.config), workspaceId, batchId)
    .catch((err) => deps.log.error({ err, workspaceId, batchId }, 'file import crashed'))
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
}
