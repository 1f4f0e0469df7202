/**
 * Wires the file import into a process: the apply job's worker and the temp file cleanup. The import is
 * a connector (connections row 'csv_import') but not a ConnectorAdapter: there is no API to page through,
 * the user pushes a file, so there is nothing for the sync orchestrator's generator loop to drive.
 */
import type { Config } from '../../config.ts';
import type { Db } from '../../db/db.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import type { Logger } from '../../logger.ts';
import { applyImportBatch } from './apply-import.ts';
import { scheduleTempCleanup } from './temp-files.ts';

export function importLimits(config: Config) {
  return { maxColumns: config.import.maxColumns, maxUnzippedBytes: config.import.maxUnzippedBytes };
}

export async function startFileImport(deps: { db: Db; log: Logger; config: Config; jobs: JobQueue }) {
  await deps.jobs.work('file-import-apply', (data) =>
    applyImportBatch(deps.db, deps.log, importLimits(deps.config), data.workspace_id, data.batch_id),
  );
  return scheduleTempCleanup(deps.config.import.dir, deps.log);
}
