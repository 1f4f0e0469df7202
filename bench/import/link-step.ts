/**
 * bench/import link step: linking imported deals to accounts at 100k deals × 10k accounts, on PGlite and
 * (with DATABASE_URL) on a scratch database of the server, both ways the apply links:
 * - new deals: the staged writer's INSERT hash-joins the account keys, timed against the same INSERT
 *   without the join (insert_link_ms is the difference, the key table's build included);
 * - deals already stored unlinked (an accounts file arriving later): the account key table, then
 *   linkAllUnlinkedDeals as the apply runs it on that backend (LINK_CHUNK_ROWS: one UPDATE on the server,
 *   UPDATEs of a range of ids each on PGlite); `longest_statement_ms` is the longest the database was held
 *   by one of them (on PGlite, the longest no request could be read).
 * Half the deals name their account with another spelling ("ACME 12 INC" for "Acme 12, Inc."), a tenth
 * carry a domain, a tenth name no account. Prints one JSON line per run with the join nodes of the
 * UPDATE's plan (goal: hash joins only, the link < 1 s on the server).
 *   [DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres] node --import tsx bench/import/link-step.ts [deals] [accounts]
 */
import {
  createAccountKeyTable,
  LINK_CHUNK_ROWS,
  linkAllUnlinkedDeals,
} from '../../src/connectors/file-import/association-inference.ts';
import { companyKey } from '../../src/connectors/file-import/account-index.ts';
import { openStagedWriter } from '../../src/connectors/file-import/staged-write.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createScratchDb } from '../support/scratch-db.ts';

const DEALS = Number(process.argv[2] ?? 100_000);
const ACCOUNTS = Number(process.argv[3] ?? 10_000);

function refsOf(i: number): Record<string, string | null> {
  const n = (i % ACCOUNTS) + 1;
  if (i % 10 === 0) return { account_name: `Nobody ${i}`, account_key: `nobody ${i}` };
  if (i % 10 === 1) return { account_domain: `acme${n}.example` };
  const name = i % 2 === 0 ? `ACME ${n} INC` : `Acme ${n}, Inc.`;
  return { account_name: name, account_key: companyKey(name) };
}

class RolledBack extends Error {}

/** The staged writer's INSERT of DEALS new deals, with or without the account join; rolled back after. */
async function timeInsert(db: Db, ws: string, link: boolean): Promise<{ ms: number; linked: number }> {
  let out = { ms: 0, linked: 0 };
  await withWorkspace(db, ws, async (tx) => {
    const start = performance.now();
    const writer = await openStagedWriter(tx, ENTITY_TABLES.deals, {
      workspaceId: ws,
      batchId: '00000000-0000-0000-0000-000000000000',
      entityType: 'deals',
      strategy: 'merge',
      accountKeys: link ? await createAccountKeyTable(tx, ws) : null,
    });
    for (let from = 0; from < DEALS; from += 10_000) {
      const chunk = writer.chunk();
      for (let i = from; i < Math.min(DEALS, from + 10_000); i++) {
        chunk.add(`d${i}`, {
          source: 'csv_import',
          source_id: `d${i}`,
          name: `Deal ${i}`,
          source_data: { refs: refsOf(i) },
        });
      }
      await writer.write(chunk);
    }
    const ms = performance.now() - start;
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(account_id)::int AS n FROM deals WHERE workspace_id = $1::uuid`,
      [ws],
    );
    out = { ms: Math.round(ms), linked: rows[0]!.n };
    throw new RolledBack();
  }).catch((err) => {
    if (!(err instanceof RolledBack)) throw err;
  });
  return out;
}

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
  });
  await db.query('ANALYZE accounts');
  return ws;
}

async function seedUnlinkedDeals(db: Db, ws: string): Promise<void> {
  await withWorkspace(db, ws, async (tx) => {
    await tx.query(
      `INSERT INTO deals (workspace_id, source, source_id, name, source_data)
       SELECT $1::uuid, 'csv_import', 'd' || i, 'Deal ' || i,
              jsonb_build_object('refs', CASE
                WHEN i % 10 = 0 THEN jsonb_build_object('account_name', 'Nobody ' || i)
                WHEN i % 10 = 1 THEN jsonb_build_object('account_domain', 'acme' || (i % $3::int + 1) || '.example')
                WHEN i % 2 = 0 THEN jsonb_build_object('account_name', 'ACME ' || (i % $3::int + 1) || ' INC',
                  'account_key', 'acme ' || (i % $3::int + 1))
                ELSE jsonb_build_object('account_name', 'Acme ' || (i % $3::int + 1) || ', Inc.',
                  'account_key', 'acme ' || (i % $3::int + 1)) END)
       FROM generate_series(1, $2::int) AS i`,
      [ws, DEALS, ACCOUNTS],
    );
  });
  await db.query('ANALYZE deals');
}

async function run(db: Db) {
  await migrate(db);
  const seedStart = performance.now();
  const ws = await seed(db);
  // Each insert is rolled back; VACUUM clears its dead rows and index entries, which would otherwise
  // slow the next insert's key checks and leave the second of the pair paying for the first.
  const unlinked = await timeInsert(db, ws, false);
  await db.exec('VACUUM deals');
  const linked = await timeInsert(db, ws, true);
  await db.exec('VACUUM deals');
  await seedUnlinkedDeals(db, ws);
  const seedMs = Math.round(performance.now() - seedStart);
  const chunkRows = LINK_CHUNK_ROWS[db.kind];
  // The plan of the statement as the apply runs it (rolled back: EXPLAIN ANALYZE executes the update).
  const joins = await withWorkspace(db, ws, async (tx) => {
    let plan = '';
    const explain = {
      query: async (sql: string, params?: unknown[]) => {
        if (!/\bUPDATE\b/.test(sql)) return tx.query(sql, params as never[]);
        // The first chunk's plan; no UPDATE runs (and this transaction writes nothing).
        if (plan) return { rows: [], rowCount: 0 };
        const r = await tx.query<Record<string, string>>(`EXPLAIN ${sql}`, params as never[]);
        plan = r.rows.map((row) => Object.values(row)[0]).join('\n');
        return { rows: [], rowCount: 0 };
      },
    };
    await linkAllUnlinkedDeals(explain as never, ws, await createAccountKeyTable(tx, ws), null, chunkRows);
    return [
      ...plan.matchAll(
        /(Hash (?:Left |Right |Full |Semi |Anti )?Join|Merge (?:Left |Right )?Join|Nested Loop|SubPlan)/g,
      ),
    ].map((m) => m[1]);
  });
  const start = performance.now();
  let longest = 0;
  let longestSql = '';
  let statements = 0;
  const linkedLater = await withWorkspace(db, ws, async (tx) => {
    const timed = {
      query: async (sql: string, params?: unknown[]) => {
        const t = performance.now();
        const out = await tx.query(sql, params as never[]);
        const ms = performance.now() - t;
        if (ms > longest) {
          longest = ms;
          longestSql = sql.replace(/\s+/g, ' ').trim().slice(0, 40);
        }
        statements++;
        return out;
      },
    };
    return linkAllUnlinkedDeals(
      timed as never,
      ws,
      await createAccountKeyTable(timed as never, ws),
      null,
      chunkRows,
    );
  });
  const updateMs = Math.round(performance.now() - start);
  return {
    new_deals: {
      insert_ms: unlinked.ms,
      insert_linked_ms: linked.ms,
      insert_link_ms: linked.ms - unlinked.ms,
      deals_linked: linked.linked,
    },
    stored_deals: {
      link_update_ms: updateMs,
      chunk_rows: chunkRows,
      statements,
      longest_statement_ms: Math.round(longest),
      longest_statement: longestSql,
      deals_linked: linkedLater,
      plan_joins: joins,
    },
    seed_ms: seedMs,
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
