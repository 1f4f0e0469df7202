/**
 * The linker on a database nothing has analysed: without statistics the planner guesses every table
 * tiny and nests loops over whole sets, so a scan runs once per conversation (4,000 conversations took
 * 50 s on PGlite that way). Planned with hash joins, 6,000 link in a few seconds on a quiet machine and
 * about 13 s on one with a load of 28. The bound sits between the two shapes: it trips when a statement
 * goes quadratic again, which is the one timing this suite asserts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { runLinker } from '../../src/linker/linker-run.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';

const ACCOUNTS = 1000;
const CONVERSATIONS = 6000;
const BOUND_MS = 45_000;
const TABLES = ['accounts', 'contacts', 'deals', 'deal_contacts', 'deal_stage_history', 'conversations'];

let t: TestDb;
let ws: string;

/** Accounts with four contacts and 2–3 deals each (contacts shared), calls with 1–3 of their contacts. */
async function writeWorld() {
  const q = (sql: string, params: unknown[] = []) => t.db.query(sql, [ws, ...params] as string[]);
  await q(
    `INSERT INTO accounts (workspace_id, source, source_id, name, domain, owner_email, source_created_at)
     SELECT $1::uuid, 'hubspot', 'a' || i, 'Company ' || i, 'company' || i || '.com', 'rep@vendor-demo.io',
            timestamptz '2024-01-01' + (i % 300) * interval '1 day'
       FROM generate_series(1, $2::int) i`,
    [ACCOUNTS],
  );
  await q(
    `INSERT INTO contacts (workspace_id, source, source_id, email, owner_email, account_id)
     SELECT $1::uuid, 'hubspot', 'c' || a.source_id || '-' || k, 'p' || k || '@' || a.domain, a.owner_email,
            CASE WHEN k = 4 AND substr(a.source_id, 2)::int % 10 = 0 THEN NULL ELSE a.id END
       FROM accounts a CROSS JOIN generate_series(1, 4) k WHERE a.workspace_id = $1::uuid`,
  );
  await q(
    `INSERT INTO deals (workspace_id, source, source_id, name, account_id, owner_email, source_created_at,
                        is_closed, closed_at, close_date)
     SELECT $1::uuid, 'hubspot', 'd' || a.source_id || '-' || k, 'Deal', a.id,
            'rep' || (k % 2) || '@vendor-demo.io', s.created, k % 3 = 0,
            CASE WHEN k % 3 = 0 THEN s.created + interval '120 days' END, (s.created + interval '120 days')::date
       FROM accounts a CROSS JOIN generate_series(1, 3) k
       CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01' + ((k * 97 + substr(a.source_id, 2)::int) % 400)
                                  * interval '1 day' AS created) s
      WHERE a.workspace_id = $1::uuid AND (k < 3 OR substr(a.source_id, 2)::int % 2 = 0)`,
  );
  await q(
    `INSERT INTO deal_contacts (workspace_id, deal_id, contact_id, source)
     SELECT $1::uuid, d.id, c.id, 'hubspot_association'
       FROM deals d JOIN contacts c ON c.workspace_id = d.workspace_id
                                   AND c.source_id LIKE 'c' || split_part(substr(d.source_id, 2), '-', 1) || '-%'
      WHERE d.workspace_id = $1::uuid
        AND (right(c.source_id, 1)::int + right(d.source_id, 1)::int) % 3 <> 0`,
  );
  await q(
    `INSERT INTO deal_stage_history (workspace_id, deal_id, to_stage, to_stage_normalized, changed_at, source)
     SELECT $1::uuid, d.id, s.stage, s.stage, s.at, 'hubspot'
       FROM deals d
       CROSS JOIN LATERAL (VALUES ('qualification', d.source_created_at),
                                  ('closed_won', coalesce(d.closed_at, d.source_created_at + interval '30 days'))) s(stage, at)
      WHERE d.workspace_id = $1::uuid`,
  );
  await q(
    `INSERT INTO conversations (workspace_id, source, source_id, title, started_at, organizer_email,
                                participants, crm_context)
     SELECT $1::uuid, 'gong', 'g' || k, CASE WHEN k % 10 = 0 THEN 'Team planning' ELSE 'Customer call' END,
            timestamptz '2025-01-15' + (k % 500) * interval '1 day', 'rep' || (k % 2) || '@vendor-demo.io',
            jsonb_build_array(jsonb_build_object('email', 'rep' || (k % 2) || '@vendor-demo.io'))
              || (SELECT jsonb_agg(jsonb_build_object('email', 'p' || (1 + (k + m) % 4) || '@company' || x.acct || '.com'))
                    FROM generate_series(0, k % 3) m),
            CASE WHEN k % 4 = 0
                 THEN jsonb_build_object('hubspot', jsonb_build_object('deal_id', 'da' || x.acct || '-1')) ELSE '{}' END
       FROM generate_series(1, $2::int) k
       CROSS JOIN LATERAL (SELECT (k * 7919) % $3::int + 1 AS acct) x`,
    [CONVERSATIONS, ACCOUNTS],
  );
}

before(async () => {
  t = await createTestDb();
  // The server's autovacuum would analyse the tables behind the test's back.
  for (const table of TABLES) await t.db.exec(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
  ws = (await createWorkspace(t.db, { name: 'never analysed' })).id;
  await writeWorld();
});
after(() => t.close());

test(`the linker links ${CONVERSATIONS} conversations of a never-analysed database within ${BOUND_MS / 1000} s`, async (ctx) => {
  const { rows } = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_class WHERE relname = ANY($1::text[]) AND reltuples >= 0`,
    [TABLES],
  );
  assert.equal(Number(rows[0]!.n), 0, 'no statistics: reltuples is -1 until a table is analysed');
  const started = performance.now();
  const run = await withWorkspace(t.db, ws, (tx) => runLinker(tx, ws));
  const elapsed = performance.now() - started;
  ctx.diagnostic(`linker ${Math.round(elapsed)} ms: ${JSON.stringify(run.elapsed_ms)}`);
  assert.ok(
    run.coverage.linked_to_deal > CONVERSATIONS / 2,
    `linked to a deal: ${run.coverage.linked_to_deal}`,
  );
  assert.ok(
    run.coverage.account_only > 0,
    'several live deals and no evidence leave some calls at the account',
  );
  assert.ok(
    elapsed < BOUND_MS,
    `linker took ${Math.round(elapsed)} ms on ${CONVERSATIONS} conversations: ${JSON.stringify(run.elapsed_ms)}`,
  );
});
