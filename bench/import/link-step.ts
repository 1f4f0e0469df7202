/**
 * bench/import link step: the apply's deals → accounts link (linkAllUnlinkedDeals) at 100k unlinked
 * imported deals × 10k accounts, on PGlite and (with DATABASE_URL) on a scratch database of the server.
 * Half the deals name their account with another spelling ("ACME 12 INC" for "Acme 12, Inc."), a tenth
 * carry a domain, a tenth name no account. Prints one JSON line: each backend's link time, deals linked
 * and the join nodes of the statement's plan (goal: hash joins only, < 1 s on the server).
 *   [DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres] node --import tsx bench/import/link-step.ts [deals] [accounts]
 */
import { linkAllUnlinkedDeals } from '../../src/connectors/file-import/association-inference.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createScratchDb } from '../support/scratch-db.ts';

const DEALS = Number(process.argv[2] ?? 100_000);
const ACCOUNTS = Number(process.argv[3] ?? 10_000);

async function seed(db: Db): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO workspaces (name) VALUES ('link bench') RETURNING id`,
  );
  const ws = rows[0]!.id;
  await withWorkspace(db, ws, async (tx) => {
    await tx.query(
      `INSERT INTO accounts (workspace_id, source, source_id, name, domain)
       SELECT $1::uuid, 'csv_import', 'a' || i, 'Acme ' || i || ', Inc.', 'acme' || i || '.example'
       FROM generate_series(1, $2::int) AS i`,
      [ws, ACCOUNTS],
    );
    await tx.query(
      `INSERT INTO deals (workspace_id, source, source_id, name, source_data)
       SELECT $1::uuid, 'csv_import', 'd' || i, 'Deal ' || i,
              jsonb_build_object('refs', CASE
                WHEN i % 10 = 0 THEN jsonb_build_object('account_name', 'Nobody ' || i)
                WHEN i % 10 = 1 THEN jsonb_build_object('account_domain', 'acme' || (i % $3::int + 1) || '.example')
                WHEN i % 2 = 0 THEN jsonb_build_object('account_name', 'ACME ' || (i % $3::int + 1) || ' INC')
                ELSE jsonb_build_object('account_name', 'Acme ' || (i % $3::int + 1) || ', Inc.') END)
       FROM generate_series(1, $2::int) AS i`,
      [ws, DEALS, ACCOUNTS],
    );
  });
  await db.query('ANALYZE accounts');
  await db.query('ANALYZE deals');
  return ws;
}

async function run(db: Db) {
  await migrate(db);
  const seedStart = performance.now();
  const ws = await seed(db);
  const seedMs = Math.round(performance.now() - seedStart);
  // The plan of the statement as the apply runs it (rolled back: EXPLAIN ANALYZE executes the update).
  const joins = await withWorkspace(db, ws, async (tx) => {
    let plan = '';
    const explain = {
      query: async (sql: string, params?: unknown[]) => {
        if (!/\bUPDATE\b/.test(sql)) return tx.query(sql, params as never[]);
        const r = await tx.query<Record<string, string>>(`EXPLAIN ${sql}`, params as never[]);
        plan = r.rows.map((row) => Object.values(row)[0]).join('\n');
        return { rows: [], rowCount: 0 };
      },
    };
    await linkAllUnlinkedDeals(explain as never, ws);
    return [...plan.matchAll(/(Hash Join|Merge Join|Nested Loop|SubPlan)/g)].map((m) => m[1]);
  });
  const start = performance.now();
  const linked = await withWorkspace(db, ws, (tx) => linkAllUnlinkedDeals(tx, ws));
  return {
    seed_ms: seedMs,
    link_ms: Math.round(performance.now() - start),
    deals_linked: linked,
    plan_joins: joins,
  };
}

const out: Record<string, unknown> = { bench: 'import-link-step', deals: DEALS, accounts: ACCOUNTS };
const embedded = await createPgliteDb();
try {
  out.embedded = await run(embedded);
} finally {
  await embedded.close();
}
if (process.env.DATABASE_URL) {
  const scratch = await createScratchDb(process.env.DATABASE_URL, 'bench_import_link', 1);
  try {
    out.server = await run(scratch.db);
  } finally {
    await scratch.drop();
  }
}
console.log(JSON.stringify(out));
