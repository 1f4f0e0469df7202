import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

const shapes = process.env.DATABASE_URL ? (['recordset', 'copy'] as const) : (['recordset'] as const);

function deals(n: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: n }, (_, i) => ({
    source: 'hubspot',
    source_id: `deal-${i}`,
    name: `Deal ${i}`,
    amount: 1000 + i,
    close_date: '2026-03-31',
    is_closed: false,
    source_data: { id: `deal-${i}`, properties: { dealname: `Deal ${i}`, note: 'comma, "quote"\nnewline' } },
    ...extra(i),
  }));
}

for (const shape of shapes) {
  describe(`bulk upsert (${shape})`, () => {
    let t: TestDb;
    let ws: string;
    before(async () => {
      t = await createTestDb();
      ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'W' }))).id;
    });
    after(() => t.close());

    const versions = async () =>
      (
        await t.db.query<{ source_id: string; v: string; updated_at: Date }>(
          'SELECT source_id, xmin::text AS v, updated_at FROM deals WHERE workspace_id = $1::uuid ORDER BY source_id',
          [ws],
        )
      ).rows;

    test('inserts, then updates only changed rows, then writes nothing for unchanged data', async () => {
      const rows = deals(25);
      assert.deepEqual(await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, rows, { shape, batchSize: 7 }), {
        inserted: 25,
        updated: 0,
        unchanged: 0,
      });
      const before = await versions();
      assert.deepEqual(await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, rows, { shape, batchSize: 7 }), {
        inserted: 0,
        updated: 0,
        unchanged: 25,
      });
      // No new tuple versions at all: the unchanged path is a no-op, not an identical rewrite.
      assert.deepEqual(await versions(), before);

      const changed = rows.map((r, i) => (i % 5 === 0 ? { ...r, amount: 99 } : r));
      assert.deepEqual(await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, changed, { shape }), {
        inserted: 0,
        updated: 5,
        unchanged: 20,
      });
      const afterUpdate = await versions();
      const moved = afterUpdate.filter((r, i) => r.v !== before[i]!.v).map((r) => r.source_id);
      assert.deepEqual(moved.sort(), ['deal-0', 'deal-10', 'deal-15', 'deal-20', 'deal-5']);
      const { rows: stored } = await t.db.query<{ source_data: { properties: { note: string } } }>(
        "SELECT source_data FROM deals WHERE workspace_id = $1::uuid AND source_id = 'deal-3'",
        [ws],
      );
      assert.equal(stored[0]!.source_data.properties.note, 'comma, "quote"\nnewline');
    });

    test('duplicate keys in one call: the last row wins and counts once', async () => {
      const rows = [
        { source: 'sf', source_id: 'dup', name: 'first' },
        { source: 'sf', source_id: 'other', name: 'x' },
        { source: 'sf', source_id: 'dup', name: 'last' },
      ];
      assert.deepEqual(await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, rows, { shape }), {
        inserted: 2,
        updated: 0,
        unchanged: 0,
      });
      const { rows: got } = await t.db.query<{ name: string }>(
        "SELECT name FROM deals WHERE workspace_id = $1::uuid AND source = 'sf' AND source_id = 'dup'",
        [ws],
      );
      assert.deepEqual(got, [{ name: 'last' }]);
    });

    test('columns a writer does not send keep their values', async () => {
      await t.db.query(
        "UPDATE deals SET stage_normalized = 'evaluation' WHERE workspace_id = $1::uuid AND source_id = 'deal-1'",
        [ws],
      );
      await bulkUpsert(
        t.db,
        ENTITY_TABLES.deals,
        ws,
        [{ source: 'hubspot', source_id: 'deal-1', name: 'Renamed' }],
        {
          shape,
        },
      );
      const { rows } = await t.db.query<{ name: string; stage_normalized: string }>(
        "SELECT name, stage_normalized FROM deals WHERE workspace_id = $1::uuid AND source_id = 'deal-1'",
        [ws],
      );
      assert.deepEqual(rows[0], { name: 'Renamed', stage_normalized: 'evaluation' });
    });

    test('text with NUL characters is stored without them', async () => {
      await bulkUpsert(
        t.db,
        ENTITY_TABLES.deals,
        ws,
        [{ source: 'nul', source_id: '1', name: 'a\u0000b', source_data: { note: 'x\u0000y' } }],
        { shape },
      );
      const { rows } = await t.db.query<{ name: string; note: string }>(
        "SELECT name, source_data->>'note' AS note FROM deals WHERE workspace_id = $1::uuid AND source = 'nul'",
        [ws],
      );
      assert.deepEqual(rows[0], { name: 'ab', note: 'xy' });
    });

    test("inside a caller's transaction one bad row rolls back the whole write", async () => {
      const rows = deals(10, (i) => ({ source: 'atomic', probability: i === 9 ? 500 : 50 }));
      await assert.rejects(
        withWorkspace(t.db, ws, (tx) =>
          bulkUpsert(tx, ENTITY_TABLES.deals, ws, rows, { shape, batchSize: 3 }),
        ),
      );
      const { rows: n } = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1::uuid AND source = 'atomic'",
        [ws],
      );
      assert.equal(n[0]!.n, 0);
    });

    test('rejects unknown columns and rows without their conflict key', async () => {
      await assert.rejects(
        bulkUpsert(t.db, ENTITY_TABLES.deals, ws, [{ source: 'x', source_id: '1', nope: 1 }], { shape }),
        /unknown column "nope"/,
      );
      await assert.rejects(
        bulkUpsert(t.db, ENTITY_TABLES.deals, ws, [{ source: 'x', name: 'n' }], { shape }),
        /source_id/,
      );
    });
  });
}
