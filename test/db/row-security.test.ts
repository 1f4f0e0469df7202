import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { APP_ROLE, withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

describe('row-level security', () => {
  let t: TestDb;
  let a: string;
  let b: string;
  before(async () => {
    t = await createTestDb();
    a = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'A' }))).id;
    b = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'B' }))).id;
    for (const [ws, n] of [
      [a, 3],
      [b, 5],
    ] as const) {
      const rows = Array.from({ length: n }, (_, i) => ({
        source: 'test',
        source_id: `d${i}`,
        name: `deal ${i}`,
      }));
      await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, rows);
    }
  });
  after(() => t.close());

  test('every table with a workspace_id column has row security enabled, forced, with a wrapped policy', async () => {
    const { rows } = await t.db.query<{
      table: string;
      enabled: boolean;
      forced: boolean;
      policy: string | null;
    }>(
      /* sql */ `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT pg_get_expr(p.polqual, p.polrelid) FROM pg_policy p
                WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation') AS policy
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       WHERE c.relkind IN ('r', 'p')
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped)
       ORDER BY 1`,
    );
    assert.ok(rows.length >= 15, `expected the tenant tables, got ${rows.length}`);
    for (const r of rows) {
      assert.ok(r.enabled && r.forced, `${r.table}: row security must be enabled and forced`);
      assert.ok(r.policy, `${r.table}: tenant_isolation policy missing`);
      // The sub-select form is evaluated once per statement, not once per row.
      assert.match(
        r.policy!,
        /\(\s*SELECT\s+\(?NULLIF\(current_setting\('app\.workspace_id'/i,
        `${r.table}: policy not wrapped`,
      );
    }
  });

  test('the service role is neither superuser, owner, nor BYPASSRLS', async () => {
    const { rows } = await t.db.query<{ rolsuper: boolean; rolbypassrls: boolean; owns: number }>(
      /* sql */ `SELECT r.rolsuper, r.rolbypassrls,
              (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owns
       FROM pg_roles r WHERE r.rolname = $1`,
      [APP_ROLE],
    );
    assert.deepEqual(rows[0], { rolsuper: false, rolbypassrls: false, owns: 0 });
  });

  test('a query that forgets its workspace filter still sees only its own workspace', async () => {
    const seen = await withWorkspace(t.db, a, async (tx) => {
      const { rows } = await tx.query<{ workspace_id: string; n: number }>(
        'SELECT workspace_id, count(*)::int AS n FROM deals GROUP BY workspace_id',
      );
      return rows;
    });
    assert.deepEqual(seen, [{ workspace_id: a, n: 3 }]);
    const workspaces = await withWorkspace(
      t.db,
      b,
      async (tx) => (await tx.query('SELECT id FROM workspaces')).rows,
    );
    assert.deepEqual(workspaces, [{ id: b }]);
  });

  test('a write into another workspace is refused inside a scope', async () => {
    await assert.rejects(
      withWorkspace(t.db, a, (tx) =>
        tx.query("INSERT INTO deals (workspace_id, source, source_id) VALUES ($1::uuid, 'x', 'y')", [b]),
      ),
      /row-level security/,
    );
    await assert.rejects(
      withWorkspace(t.db, a, (tx) =>
        tx.query("UPDATE deals SET workspace_id = $1::uuid WHERE source_id = 'd0'", [b]),
      ),
      /row-level security/,
    );
  });

  test('the scope does not leak into the next transaction on the same connection', async () => {
    await withWorkspace(t.db, a, (tx) => tx.query('SELECT 1'));
    // The next user of the (pooled) connection becomes the app role but sets no workspace.
    const after = await t.db.transaction(async (tx) => {
      await tx.query("SELECT set_config('role', $1, true)", [APP_ROLE]);
      const setting = await tx.query<{ ws: string | null }>(
        "SELECT nullif(current_setting('app.workspace_id', true), '') AS ws",
      );
      const deals = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM deals');
      return { ws: setting.rows[0]!.ws, deals: deals.rows[0]!.n };
    });
    assert.deepEqual(after, { ws: null, deals: 0 });
    const role = await t.db.query<{ r: string }>('SELECT current_user AS r');
    assert.notEqual(role.rows[0]!.r, APP_ROLE);
  });
});
