/**
 * Rollback: the workspace back to exactly its state before a batch, set-based from import_batch_changes:
 * stage history the batch wrote is removed, deleted rows are re-inserted, updated rows get their previous
 * image back (updated_at included), inserted rows are deleted. Only the latest applied batch that wrote
 * something can be rolled back, so no later import's writes are overwritten; a later batch that wrote
 * nothing (every row unchanged) is no reason to refuse.
 */
import type { Queryable } from '../../db/db.ts';
import { ENTITY_TABLES } from '../../entities/entity-tables.ts';
import { ConflictError } from '../../errors.ts';
import { getBatch, requireStatus } from './import-batches.ts';
import { IMPORT_SOURCE } from './row-normaliser.ts';

// Parents first for re-inserts; deletes run in the reverse order. Re-inserts come before restores because a
// restored row may point at a row the batch deleted.
const ORDER = ['accounts', 'contacts', 'deals', 'leads', 'activities'] as const;

export async function rollbackBatch(q: Queryable, workspaceId: string, batchId: string) {
  const batch = await getBatch(q, workspaceId, batchId, { forUpdate: true });
  requireStatus(batch, ['applied'], 'roll back');
  const later = await q.query<{ id: string }>(
    /* sql */ `SELECT l.id FROM import_batches l
               JOIN import_batches b ON b.workspace_id = l.workspace_id AND b.id = $2::uuid
               WHERE l.workspace_id = $1::uuid AND l.status = 'applied' AND l.id <> b.id AND l.applied_at >= b.applied_at
                 AND coalesce((l.result ->> 'wrote')::boolean, true)
               ORDER BY l.applied_at DESC LIMIT 1`,
    [workspaceId, batchId],
  );
  if (later.rows[0]) {
    throw new ConflictError(`import batch ${later.rows[0].id} was applied later; roll that back first`);
  }
  const args = [workspaceId, batchId];
  const changes = `import_batch_changes c WHERE c.workspace_id = $1::uuid AND c.batch_id = $2::uuid`;
  const counts = { stage_history_removed: 0, restored: 0, removed: 0, reinserted: 0 };

  counts.stage_history_removed = (
    await q.query(
      `DELETE FROM deal_stage_history WHERE workspace_id = $1::uuid AND import_batch_id = $2::uuid`,
      args,
    )
  ).rowCount;
  for (const entity of [...ORDER, 'deal_stage_history']) {
    const columns = await storedColumns(q, entity);
    const res = await q.query(
      `INSERT INTO ${entity} (${columns.join(', ')}) SELECT ${columns.map((c) => `p.${c}`).join(', ')} FROM ${changes.replace('WHERE', `CROSS JOIN LATERAL jsonb_populate_record(NULL::${entity}, c.previous) p WHERE`)}
         AND c.entity_type = '${entity}' AND c.action = 'delete'`,
      args,
    );
    counts.reinserted += res.rowCount;
  }
  for (const entity of ORDER) {
    const columns = [...Object.keys(ENTITY_TABLES[entity].columns), 'updated_at'];
    // Rows the file matched without changing them were captured too; they are left as they are (and not
    // counted as restored).
    const res = await q.query(
      `UPDATE ${entity} t SET ${columns.map((c) => `${c} = p.${c}`).join(', ')}
       FROM ${changes.replace('WHERE', 'CROSS JOIN LATERAL jsonb_populate_record(NULL::' + entity + ', c.previous) p WHERE')}
         AND c.entity_type = '${entity}' AND c.action = 'update' AND t.workspace_id = $1::uuid AND t.id = c.row_id
         AND (${columns.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${columns.map((c) => `p.${c}`).join(', ')})`,
      args,
    );
    counts.restored += res.rowCount;
  }
  counts.removed += (
    await q.query(
      `DELETE FROM deal_contacts t USING ${changes}
         AND c.entity_type = 'deal_contacts' AND c.action = 'insert' AND t.workspace_id = $1::uuid AND t.id = c.row_id`,
      args,
    )
  ).rowCount;
  // Rows the batch inserted were created in its transaction, whose start is the batch's applied_at.
  for (const entity of [...ORDER].reverse()) {
    const res = await q.query(
      `DELETE FROM ${entity} t USING import_batches b
       WHERE b.workspace_id = $1::uuid AND b.id = $2::uuid AND t.workspace_id = $1::uuid
         AND t.source = '${IMPORT_SOURCE}' AND t.created_at = b.applied_at`,
      args,
    );
    counts.removed += res.rowCount;
  }
  await q.query(
    /* sql */ `UPDATE import_batches SET status = 'rolled_back', rolled_back_at = now(), updated_at = now(),
                 result = result || jsonb_build_object('rollback', $3::jsonb)
               WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, batchId, JSON.stringify(counts)],
  );
  return counts;
}

/** Every column a re-insert restores: all but generated ones, which PostgreSQL computes itself. */
async function storedColumns(q: Queryable, table: string): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(
    `SELECT quote_ident(attname) AS name FROM pg_attribute
     WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
     ORDER BY attnum`,
    [table],
  );
  return rows.map((r) => r.name);
}
