/**
 * Set-based steps of the conversation and document sources at scale, on a scratch PostgreSQL database:
 * Drive document→account matching, re-marking is_tracked after a selection change, the sales roster.
 * Usage: DATABASE_URL=postgres://… node --import tsx bench/conversation-sources/run.ts [accounts] [documents] [conversations]
 */
import { linkDocumentsToAccounts } from '../../src/connectors/gdrive/gdrive-account-match.ts';
import { salesRoster } from '../../src/conversations/sales-roster.ts';
import { applyTrackedFlags } from '../../src/conversations/tracked-users.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createScratchDb, serverUrlOrExit } from '../support/scratch-db.ts';

const accounts = Number(process.argv[2] ?? 20_000);
const documents = Number(process.argv[3] ?? 50_000);
const conversations = Number(process.argv[4] ?? 200_000);
const REPS = 200;

const scratch = await createScratchDb(serverUrlOrExit(), 'bench_conv_sources');
try {
  const { db } = scratch;
  const ws = (await db.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('bench') RETURNING id`))
    .rows[0]!.id;
  await db.query(
    `INSERT INTO accounts (workspace_id, source, source_id, name, domain)
     SELECT $1, 'hubspot', 'a' || i, 'Company ' || i, 'company' || i || '.com' FROM generate_series(1, $2::int) i`,
    [ws, accounts],
  );
  // A third named by folder, a third by domain in the file name, a third by nothing.
  await db.query(
    `INSERT INTO documents (workspace_id, source, source_id, name, folder_path)
     SELECT $1, 'gdrive', 'd' || i,
            CASE i % 3 WHEN 1 THEN 'company' || (i % $2::int + 1) || '.com notes.txt' ELSE 'Meeting notes ' || i END,
            CASE i % 3 WHEN 0 THEN '/Clients/Company ' || (i % $2::int + 1) ELSE '/Shared/Misc' END
     FROM generate_series(1, $3::int) i`,
    [ws, accounts, documents],
  );
  await db.query(
    `INSERT INTO conversations (workspace_id, source, source_id, title, custom_fields)
     SELECT $1, 'gong', 'c' || i, 'Call ' || i, jsonb_build_object('source_user_id', 'u' || (i % $2::int))
     FROM generate_series(1, $3::int) i`,
    [ws, REPS, conversations],
  );
  await db.query(
    `INSERT INTO connections (workspace_id, connector_name, metadata)
     SELECT $1, 'gong', jsonb_build_object('tracked_users', jsonb_agg(jsonb_build_object(
       'source_user_id', 'u' || i, 'email', 'rep' || i || '@acme.com', 'name', 'Rep ' || i, 'tracked_at', now()::text)))
     FROM generate_series(0, $2::int - 1) i`,
    [ws, REPS],
  );
  await db.query(
    `INSERT INTO deals (workspace_id, source, source_id, name, owner_email, is_closed)
     SELECT $1, 'hubspot', 'deal' || i, 'Deal ' || i, 'REP' || (i % $2::int) || '@acme.com', i % 4 = 0
     FROM generate_series(1, $3::int) i`,
    [ws, REPS, accounts],
  );
  await db.query('ANALYZE');

  let t = performance.now();
  const linked = await withWorkspace(db, ws, (tx) => linkDocumentsToAccounts(tx, ws));
  const matchMs = performance.now() - t;

  const half = Array.from({ length: REPS / 2 }, (_, i) => ({
    source_user_id: `u${i}`,
    email: `rep${i}@acme.com`,
  }));
  t = performance.now();
  const flags = await withWorkspace(db, ws, (tx) => applyTrackedFlags(tx, ws, 'gong', half));
  const flagsMs = performance.now() - t;

  t = performance.now();
  const roster = await withWorkspace(db, ws, (tx) => salesRoster(tx, ws));
  const rosterMs = performance.now() - t;

  console.log(
    JSON.stringify({
      bench: 'conversation-sources',
      backend: 'postgresql',
      accounts,
      documents,
      conversations,
      reps: REPS,
      documents_linked: linked,
      account_match_ms: Math.round(matchMs),
      conversations_untracked: flags.untracked,
      tracked_flags_ms: Math.round(flagsMs),
      roster_entries: roster.length,
      roster_ms: Math.round(rosterMs),
    }),
  );
} finally {
  await scratch.drop();
}
