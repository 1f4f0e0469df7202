import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

// Catalog checks of the multi-tenant conventions every migration must keep.
describe('schema conventions', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(() => t.close());

  test('every foreign key has an index led by its columns', async () => {
    const { rows } = await t.db.query<{ fk: string }>(
      /* sql */ `SELECT c.conrelid::regclass::text || ' (' || string_agg(a.attname, ', ' ORDER BY k.ord) || ')' AS fk
       FROM pg_constraint c
       CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
       WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
       GROUP BY c.oid, c.conrelid, c.conkey
       HAVING NOT EXISTS (
         SELECT 1 FROM pg_index i
         WHERE i.indrelid = c.conrelid
           AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey
           AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey)
       ORDER BY 1`,
    );
    assert.deepEqual(
      rows.map((r) => r.fk),
      [],
    );
  });

  // A workspace key is implied by a NOT NULL (workspace_id, parent) key that cascades from a parent which
  // itself cascades from its workspace; checking both costs every insert a second lookup per row.
  test('no table checks its workspace twice', async () => {
    const { rows } = await t.db.query<{ fk: string }>(
      /* sql */ `WITH keys AS (
         SELECT c.conname, c.conrelid, c.confrelid, c.confdeltype, c.conkey,
                (SELECT bool_and(a.attnotnull) FROM pg_attribute a
                 WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)) AS not_null
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace)
       SELECT w.conname AS fk
       FROM keys w
       JOIN pg_attribute ws ON ws.attrelid = w.conrelid AND ws.attnum = w.conkey[1] AND ws.attname = 'workspace_id'
       WHERE w.confrelid = 'workspaces'::regclass AND cardinality(w.conkey) = 1
         AND EXISTS (
           SELECT 1 FROM keys p
           JOIN keys pw ON pw.conrelid = p.confrelid AND pw.confrelid = 'workspaces'::regclass
                        AND pw.confdeltype = 'c' AND cardinality(pw.conkey) = 1
           WHERE p.conrelid = w.conrelid AND cardinality(p.conkey) > 1 AND p.conkey[1] = w.conkey[1]
             AND p.not_null AND p.confdeltype = 'c')
       ORDER BY 1`,
    );
    assert.deepEqual(
      rows.map((r) => r.fk),
      [],
    );
  });

  test('a stage transition of a deal in another workspace or of no deal is refused', async () => {
    const { rows: ws } = await t.db.query<{ id: string }>(
      `INSERT INTO workspaces (name) VALUES ('history a'), ('history b') RETURNING id`,
    );
    const [a, b] = [ws[0]!.id, ws[1]!.id];
    const { rows: deal } = await t.db.query<{ id: string }>(
      `INSERT INTO deals (workspace_id, source, source_id) VALUES ($1::uuid, 'csv', 'h-1') RETURNING id`,
      [a],
    );
    const insert = (workspaceId: string, dealId: string) =>
      t.db.query(
        `INSERT INTO deal_stage_history (workspace_id, deal_id, to_stage, changed_at, source)
         VALUES ($1::uuid, $2::uuid, 'won', now(), 'csv')`,
        [workspaceId, dealId],
      );
    await assert.rejects(insert(b, deal[0]!.id), { code: '23503' });
    await assert.rejects(insert('00000000-0000-4000-8000-000000000000', deal[0]!.id), { code: '23503' });
    await insert(a, deal[0]!.id);
    await t.db.query('DELETE FROM workspaces WHERE id = $1::uuid', [a]);
    const { rows: left } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM deal_stage_history WHERE workspace_id = $1::uuid',
      [a],
    );
    assert.equal(left[0]!.n, 0);
  });

  // Deployment-wide maintenance reads across tenants on purpose: the sync watchdog looks for running
  // runs whose heartbeat stopped in every workspace at once, through a small partial index.
  const CROSS_TENANT_INDEXES = ['sync_log_running_heartbeat'];

  test('every tenant table leads its primary key, unique keys and indexes with workspace_id', async () => {
    const { rows } = await t.db.query<{ index: string }>(
      /* sql */ `SELECT i.indexrelid::regclass::text AS index
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid AND c.relnamespace = 'public'::regnamespace
       WHERE EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id')
         AND (SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum = i.indkey[0]) IS DISTINCT FROM 'workspace_id'
         AND i.indexrelid::regclass::text <> ALL ($1::text[])
       ORDER BY 1`,
      [CROSS_TENANT_INDEXES],
    );
    assert.deepEqual(
      rows.map((r) => r.index),
      [],
    );
  });

  // ANALYZE holds the embedded database's one thread; payload documents cost it most and steer no plan.
  test('the payload (jsonb) columns of the entity tables have no planner statistics', async () => {
    const { rows } = await t.db.query<{ column: string }>(
      /* sql */ `SELECT c.relname || '.' || a.attname AS column
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid AND c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
       WHERE a.atttypid = 'jsonb'::regtype AND NOT a.attisdropped
         AND EXISTS (SELECT 1 FROM pg_attribute s WHERE s.attrelid = c.oid AND s.attname = 'source_data')
         AND coalesce(a.attstattarget, -1) <> 0
       ORDER BY 1`,
    );
    assert.deepEqual(
      rows.map((r) => r.column),
      [],
    );
    await t.db.exec(`INSERT INTO workspaces (name) VALUES ('stats')`);
    await t.db.exec(
      `INSERT INTO deals (workspace_id, source, source_id, source_data)
       SELECT id, 'csv', g::text, jsonb_build_object('n', g) FROM workspaces, generate_series(1, 200) g`,
    );
    await t.db.exec('ANALYZE deals');
    const { rows: stats } = await t.db.query<{ attname: string }>(
      `SELECT attname FROM pg_stats WHERE tablename = 'deals' AND attname IN ('source_id', 'source_data') ORDER BY 1`,
    );
    assert.deepEqual(
      stats.map((r) => r.attname),
      ['source_id'],
    );
  });
});
