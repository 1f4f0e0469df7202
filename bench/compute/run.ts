/**
 * Computed fields at scale on the PostgreSQL server: N deals (default 1M) with accounts, won-deal stage
 * history and activities, then the full compute run versus a bare full-table UPDATE of one deal column
 * (the lower bound for writing every row), then an idempotent second run. Prints one JSON line.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_DEALS=1000000 node --import tsx bench/compute/run.ts
 * BENCH_EXPLAIN=1 prints the plans of one chunk of each statement to stderr; BENCH_KEEP=1 keeps the scratch database.
 * 100k deals, load 3–5: first run 431 s (33.6× the bare UPDATE) while every chunk re-read the won deals and
 * a chunk's id range was estimated at one row; 25 s (1.75×) with the baselines read once and id lists.
 */
import { randomBytes } from 'node:crypto';
import { ACCOUNT_SCORES_SQL } from '../../src/compute/account-scores.ts';
import { COMPUTE_CHUNK_ROWS, runComputedFields } from '../../src/compute/compute-engine.ts';
import { DEAL_SCORES_SQL } from '../../src/compute/deal-scores.ts';
import { accountBaselines, dealBaselines } from '../../src/compute/score-baselines.ts';
import { resolveScoring } from '../../src/compute/scoring-config.ts';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import type { Db } from '../../src/db/db.ts';
import { idRanges, idsInRange } from '../../src/db/id-ranges.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { DEAL_STAGE_HISTORY_TABLE, ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) throw new Error('bench/compute needs DATABASE_URL (the real PostgreSQL server)');
const DEALS = Number(process.env.BENCH_DEALS ?? 1_000_000);
const AS_OF = '2025-06-30';
const STAGES = ['awareness', 'qualification', 'evaluation', 'decision', 'negotiation'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const day = (n: number) => new Date(Date.parse(`${AS_OF}T12:00:00Z`) - n * 86_400_000).toISOString();

async function seed(db: Db, ws: string): Promise<void> {
  const rand = rng(42);
  const accountCount = Math.max(1, Math.floor(DEALS / 20));
  const accounts = Array.from({ length: accountCount }, (_, i) => ({
    source: 'bench',
    source_id: `a${i}`,
    name: `Account ${i}`,
    domain: `a${i}.example.com`,
  }));
  await bulkUpsert(db, ENTITY_TABLES.accounts, ws, accounts);
  const { rows: accIds } = await db.query<{ id: string }>(
    'SELECT id FROM accounts WHERE workspace_id = $1::uuid ORDER BY source_id',
    [ws],
  );
  const CHUNK = 50_000;
  for (let start = 0; start < DEALS; start += CHUNK) {
    const deals = [];
    for (let i = start; i < Math.min(DEALS, start + CHUNK); i++) {
      const r = rand();
      const closed = r < 0.3;
      const won = r < 0.12;
      const age = 10 + Math.floor(rand() * 300);
      deals.push({
        source: 'bench',
        source_id: `d${i}`,
        name: `Deal ${i}`,
        amount: Math.round(1000 + rand() * 200_000),
        stage: won ? 'won' : closed ? 'lost' : STAGES[i % 5],
        stage_normalized: won ? 'closed_won' : closed ? 'closed_lost' : STAGES[i % 5],
        is_closed: closed,
        is_won: won,
        owner_email: `rep${i % 50}@us.example.com`,
        account_id: accIds[i % accIds.length]!.id,
        close_date: day(age - 90).slice(0, 10),
        closed_at: closed ? day(Math.max(0, age - 60)) : null,
        next_step: rand() < 0.6 ? 'follow up' : null,
        stage_entered_at: day(Math.floor(rand() * age)),
        source_created_at: day(age),
        source_data: rand() < 0.1 ? { close_date_slip_count: 3 } : {},
        custom_fields: {},
      });
    }
    await bulkUpsert(db, ENTITY_TABLES.deals, ws, deals);
  }
  // Stage history for won deals (the medians and percentiles) and activities on a third of the deals.
  const { rows: won } = await db.query<{ id: string }>(
    'SELECT id FROM deals WHERE workspace_id = $1::uuid AND is_won',
    [ws],
  );
  for (let start = 0; start < won.length; start += 20_000) {
    const history = [];
    for (const d of won.slice(start, start + 20_000)) {
      let at = 200;
      let from: string | null = null;
      for (const to of ['qualification', 'evaluation', 'negotiation', 'closed_won']) {
        history.push({
          deal_id: d.id,
          from_stage: from,
          to_stage: to,
          from_stage_normalized: from,
          to_stage_normalized: to,
          changed_at: day(at),
          source: 'bench',
        });
        from = to;
        at -= 5 + Math.floor(rand() * 30);
      }
    }
    await bulkUpsert(db, DEAL_STAGE_HISTORY_TABLE, ws, history);
  }
  const { rows: some } = await db.query<{ id: string; account_id: string }>(
    'SELECT id, account_id FROM deals WHERE workspace_id = $1::uuid AND NOT is_closed AND random() < 0.33',
    [ws],
  );
  for (let start = 0; start < some.length; start += CHUNK) {
    const acts = some.slice(start, start + CHUNK).map((d, i) => ({
      source: 'bench',
      source_id: `act${start + i}`,
      activity_type: 'email',
      subject: 'hello',
      occurred_at: day(Math.floor(rand() * 60)),
      deal_id: d.id,
      account_id: d.account_id,
    }));
    await bulkUpsert(db, ENTITY_TABLES.activities, ws, acts);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, Math.round(performance.now() - started)];
}

const name = `pandora_bench_compute_${randomBytes(4).toString('hex')}`;
const admin = createPgDb(serverUrl, 1);
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const db = createPgDb(url.toString(), 4);
try {
  await migrate(db);
  const ws = (await db.transaction((tx) => createWorkspace(tx, { name: 'bench' }))).id;
  const [, seedMs] = await timed(() => seed(db, ws));
  await db.query('VACUUM ANALYZE');
  if (process.env.BENCH_EXPLAIN) {
    // One chunk of each statement, from the middle of the workspace, as the engine runs it.
    const { config } = resolveScoring(undefined);
    const middle = async (table: 'deals' | 'accounts') => {
      const ranges = await idRanges(db, table, ws, COMPUTE_CHUNK_ROWS);
      return idsInRange(db, table, ws, ranges[Math.floor(ranges.length / 2)]!);
    };
    const statements = [
      [DEAL_SCORES_SQL, await middle('deals'), await dealBaselines(db, ws, config)],
      [ACCOUNT_SCORES_SQL, await middle('accounts'), await accountBaselines(db, ws)],
    ] as const;
    for (const [sql, ids, baselines] of statements) {
      const { rows } = await db.query<Record<string, string>>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`, [
        ws,
        AS_OF,
        JSON.stringify(config),
        1,
        ids,
        baselines,
      ]);
      console.error(rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
  }
  const [bare, bareMs] = await timed(() =>
    withWorkspace(db, ws, (tx) =>
      tx.query('UPDATE deals SET velocity_score = 1 WHERE workspace_id = $1::uuid', [ws]),
    ),
  );
  await db.query('VACUUM ANALYZE deals');
  const [first, firstMs] = await timed(() => runComputedFields(db, ws, { asOf: AS_OF }));
  await db.query('VACUUM ANALYZE deals');
  const [second, secondMs] = await timed(() => runComputedFields(db, ws, { asOf: AS_OF }));
  console.log(
    JSON.stringify({
      bench: 'compute',
      backend: 'postgres',
      deals: DEALS,
      seed_ms: seedMs,
      bare_update_ms: bareMs,
      bare_rows: bare.rowCount,
      compute_first_ms: firstMs,
      compute_first_deals_updated: first.deals_updated,
      compute_first_accounts_updated: first.accounts_updated,
      compute_second_ms: secondMs,
      compute_second_deals_updated: second.deals_updated,
      ratio_first_to_bare: Number((firstMs / bareMs).toFixed(2)),
      target_ratio: 4,
    }),
  );
} finally {
  await db.close();
  if (process.env.BENCH_KEEP) console.error(`kept database ${name}`);
  else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.close();
}
