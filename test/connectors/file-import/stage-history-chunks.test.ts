import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Queryable } from '../../../src/db/db.ts';
import { withWorkspace } from '../../../src/db/tenant-scope.ts';
import { writeStageHistory } from '../../../src/connectors/file-import/stage-history-diff.ts';
import { createTestDb, type TestDb } from '../../helpers/test-db.ts';
import { createWorkspace } from '../../helpers/write-pages.ts';

// Deals before the batch; the batch updates some and creates others (see applyInTransaction).
const EXISTING = 9;
const CREATED = 11;

let t: TestDb;
let ws: string;
let batchId: string;
before(async () => {
  t = await createTestDb();
  ws = await createWorkspace(t.db, 'Stage history chunks');
  const { rows } = await t.db.query<{ id: string }>(
    `INSERT INTO import_batches (workspace_id, entity_type, status, file_name, file_format, file_size)
     VALUES ($1::uuid, 'deals', 'confirmed', 'deals.csv', 'csv', 1) RETURNING id`,
    [ws],
  );
  batchId = rows[0]!.id;
  await t.db.query(
    `INSERT INTO deals (workspace_id, source, source_id, name, stage)
     SELECT $1::uuid, 'csv_import', 'OLD-' || i, 'Old ' || i, 'Discovery' FROM generate_series(1, $2::int) i`,
    [ws, EXISTING],
  );
});
after(() => t.close());

/**
 * What an apply does before its stage history, in one transaction that is rolled back afterwards: the
 * previous images of the existing deals captured, most of them moved to another stage (one left as it was,
 * one updated without a stage change), new deals created (some without a stage). Returns the history the
 * step wrote and the statements it ran.
 */
async function applyInTransaction(rowsPerStatement: number) {
  const statements: string[] = [];
  let outcome: { transitions: Record<string, number>; history: unknown[] } | undefined;
  await withWorkspace(t.db, ws, async (tx) => {
    const txAt = (await tx.query<{ now: string }>('SELECT now()::text AS now')).rows[0]!.now;
    await tx.query(
      `INSERT INTO import_batch_changes (workspace_id, batch_id, entity_type, row_id, action, previous)
       SELECT $1::uuid, $2::uuid, 'deals', d.id, 'update', to_jsonb(d) FROM deals d WHERE d.workspace_id = $1::uuid`,
      [ws, batchId],
    );
    await tx.query(
      `UPDATE deals SET stage = CASE WHEN source_id = 'OLD-2' THEN stage ELSE 'Proposal' END, updated_at = now()
       WHERE workspace_id = $1::uuid AND source_id <> 'OLD-1'`,
      [ws],
    );
    await tx.query(
      `INSERT INTO deals (workspace_id, source, source_id, name, stage)
       SELECT $1::uuid, 'csv_import', 'NEW-' || i, 'New ' || i, CASE WHEN i % 4 = 0 THEN NULL ELSE 'Qualified' END
       FROM generate_series(1, $2::int) i`,
      [ws, CREATED],
    );
    const counting: Queryable = {
      query: (sql, params) => {
        if (sql.includes('deal_stage_history')) statements.push(sql);
        return tx.query(sql, params);
      },
      exec: (script) => tx.exec(script),
    };
    const transitions = await writeStageHistory(counting, ws, batchId, txAt, rowsPerStatement);
    const { rows: history } = await tx.query(
      `SELECT d.source_id, h.from_stage, h.to_stage, h.source, h.changed_at = $2::timestamptz AS at_batch
       FROM deal_stage_history h JOIN deals d ON d.workspace_id = h.workspace_id AND d.id = h.deal_id
       WHERE h.workspace_id = $1::uuid ORDER BY d.source_id`,
      [ws, txAt],
    );
    outcome = { transitions, history };
    throw new Error('roll back');
  }).catch((err: Error) => {
    if (err.message !== 'roll back') throw err;
  });
  return { ...outcome!, statements: statements.length };
}

test('stage history written in chunks equals the history written in one statement per kind', async () => {
  const whole = await applyInTransaction(10_000);
  const chunked = await applyInTransaction(2);
  // Changed: every existing deal but OLD-1 (not updated) and OLD-2 (same stage); new: those with a stage.
  const changed = EXISTING - 2;
  const createdWithStage = CREATED - Math.floor(CREATED / 4);
  assert.deepEqual(whole.transitions, { file_import_diff: changed, file_import_new: createdWithStage });
  assert.equal(whole.history.length, changed + createdWithStage);
  assert.deepEqual(chunked.transitions, whole.transitions);
  assert.deepEqual(chunked.history, whole.history);
  // One statement per kind when the batch fits; otherwise one per chunk of 2 rows of the batch (the diff
  // walks the 9 captured images, the new deals the 8 updated and 11 created ones), the last one short.
  assert.equal(whole.statements, 2);
  const touched = EXISTING - 1 + CREATED;
  assert.equal(chunked.statements, Math.floor(EXISTING / 2) + 1 + Math.floor(touched / 2) + 1);
});
