/**
 * The rows background runs record themselves in (`insight_runs`, `enrichment_runs`): queued → running →
 * succeeded or failed. A worker claims a queued row before it runs it, so a run is executed once.
 */
import type { Db, SqlParam } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';

type RunTable = 'insight_runs' | 'enrichment_runs';

/** Marks a queued run running and returns it; undefined when another worker already took it. */
export async function claimQueuedRun<T>(
  db: Db,
  table: RunTable,
  columns: string,
  workspaceId: string,
  runId: string,
): Promise<T | undefined> {
  return withWorkspace(db, workspaceId, async (tx) => {
    const { rows } = await tx.query<T>(
      `UPDATE ${table} SET status = 'running', started_at = now()
       WHERE workspace_id = $1::uuid AND id = $2::uuid AND status = 'queued' RETURNING ${columns}`,
      [workspaceId, runId],
    );
    return rows[0];
  });
}

/** `sets` is SQL written in the code (its values are $3 onwards), never text from a request. */
export async function updateRunRow(
  db: Db,
  table: RunTable,
  workspaceId: string,
  runId: string,
  sets: string,
  params: SqlParam[],
): Promise<void> {
  await withWorkspace(db, workspaceId, (tx) =>
    tx.query(`UPDATE ${table} SET ${sets} WHERE workspace_id = $1::uuid AND id = $2::uuid`, [
      workspaceId,
      runId,
      ...params,
    ]),
  );
}
