/**
 * Query benchmark: a large deal world on the PostgreSQL server (one big workspace plus several smaller
 * ones), then the deals list, pipeline summary and conversations without deals (list and summary, after
 * one linker run per world) over HTTP with autocannon at concurrency 1 and 32, EXPLAIN plans,
 * database-side time, and the cost of row-level security on the same SQL (per statement, and per request
 * transaction: settings, query, commit).
 *
 *   npm run bench:query -- [--deals 1000000] [--others 9] [--other-deals 100000] [--duration 10]
 *                          [--samples 200] [--world generator|plain] [--only cwd]
 *   --only cwd: conversations without deals alone (no scores computed, no deal lists or summaries, no
 *   run without the stored call facts).
 *   PANDORA_BENCH_REUSE_DB=1 keeps the scratch database for the next run and reuses one that exists.
 * The conversations-without-deals summary is timed beside the from-scratch query it replaced (migration
 * 190), with whether the two agree. 1M plain world, --only cwd, machine at load 3-7 (other work running):
 * before 190 p50 1,012 / p95 1,301 ms; after, in one run, p50 136 / p95 190 ms against the from-scratch
 * query's p50 738 / p95 1,510 ms, the same answer.
 * Plans and progress go to stderr; stdout gets one JSON line of figures.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config.ts';
import type { Db, Queryable, SqlParam } from '../../src/db/db.ts';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { buildListQuery } from '../../src/db/list-query.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { dealListing } from '../../src/entities/deals-queries.ts';
import { buildPipelineSummaryQuery } from '../../src/entities/pipeline-summary.ts';
import { listConversationsWithoutDeals } from '../../src/linker/conversations-without-deals.ts';
import { conversationsWithoutDealsSummaryFromScratch } from '../../src/linker/cwd-summary-from-scratch.ts';
import { conversationsWithoutDealsSummary } from '../../src/linker/cwd-summary.ts';
import { storeCallFacts } from '../../src/linker/call-facts.ts';
import { storedInternalDomains } from '../../src/linker/internal-domains.ts';
import { runLinkerInChunks } from '../../src/linker/linker-run.ts';
import { createApiKey } from '../../src/workspaces/api-keys.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { generateBenchWorld, type WorldKind } from './bench-world.ts';

const { values: args } = parseArgs({
  options: {
    deals: { type: 'string', default: '1000000' },
    others: { type: 'string', default: '9' },
    'other-deals': { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    samples: { type: 'string', default: '200' },
    world: { type: 'string', default: 'generator' },
    only: { type: 'string' },
  },
});
if (args.world !== 'generator' && args.world !== 'plain') throw new Error('--world is generator or plain');
const WORLD = args.world as WorldKind;
if (args.only !== undefined && args.only !== 'cwd') throw new Error('--only takes cwd');
const CWD_ONLY = args.only === 'cwd';
const DEALS = Number(args.deals);
const OTHERS = Number(args.others);
const OTHER_DEALS = Number(args['other-deals']);
const DURATION = Number(args.duration);
const SAMPLES = Number(args.samples);
const config = loadConfig();
const serverUrl = config.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = `pandora_bench_query_${WORLD}_${DEALS}_${OTHERS}x${OTHER_DEALS}`;
const log = (...parts: unknown[]) => console.error('[bench:query]', ...parts);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function prepareDatabase(admin: Db): Promise<{ db: Db; url: string; fresh: boolean }> {
  const url = new URL(serverUrl);
  url.pathname = `/${DB_NAME}`;
  const exists =
    (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])).rows.length > 0;
  if (exists && config.benchReuseDb) {
    const db = createPgDb(url.toString(), 4);
    const done = await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'bench_world_done'");
    if (done.rows.length > 0) {
      // Migrations added since the world was generated apply to it as they would in production.
      await migrate(db);
      return { db, url: url.toString(), fresh: false };
    }
    await db.close();
  }
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  const db = createPgDb(url.toString(), 4);
  await migrate(db);
  return { db, url: url.toString(), fresh: true };
}

interface Timing {
  p50: number;
  p99: number;
}

/** Database-side execution time (EXPLAIN ANALYZE, timing off) of one statement, as owner or in the tenant scope. */
async function executionMs(q: Queryable, sql: string, values: readonly SqlParam[]): Promise<number> {
  const { rows } = await q.query<{
    'QUERY PLAN': Array<{ 'Execution Time': number; 'Planning Time': number }>;
  }>(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${sql}`, values);
  const plan = rows[0]!['QUERY PLAN'][0]!;
  return plan['Execution Time'] + plan['Planning Time'];
}

async function dbTimes(db: Db, ws: string, sql: string, values: readonly SqlParam[], samples = SAMPLES) {
  const owner: number[] = [];
  const scoped: number[] = [];
  // Interleaved, so cache state and background noise hit both sides alike.
  for (let i = 0; i < samples; i++) {
    owner.push(await executionMs(db, sql, values));
    scoped.push(await withWorkspace(db, ws, (tx) => executionMs(tx, sql, values)));
  }
  owner.sort((a, b) => a - b);
  scoped.sort((a, b) => a - b);
  const o: Timing = { p50: round(percentile(owner, 50), 3), p99: round(percentile(owner, 99), 3) };
  const s: Timing = { p50: round(percentile(scoped, 50), 3), p99: round(percentile(scoped, 99), 3) };
  return { owner: o, rls: s, rls_overhead_pct: round(((s.p50 - o.p50) / o.p50) * 100, 1) };
}

/**
 * The same statement as a request runs it: one transaction with the tenant settings, the query and the
 * commit, timed from here (round trips included). The owner's transaction sets app.workspace_id only;
 * the scoped one also switches to pandora_app, so the difference is what row-level security costs a
 * request, planning and policy included.
 */
async function transactionTimes(db: Db, ws: string, sql: string, values: readonly SqlParam[]) {
  const owner: number[] = [];
  const scoped: number[] = [];
  const time = async (into: number[], run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    into.push(performance.now() - started);
  };
  for (let i = 0; i < SAMPLES * 2; i++) {
    await time(owner, () =>
      db.transaction((tx) => tx.query(sql, values), { localSettings: { 'app.workspace_id': ws } }),
    );
    await time(scoped, () => withWorkspace(db, ws, (tx) => tx.query(sql, values)));
  }
  owner.sort((a, b) => a - b);
  scoped.sort((a, b) => a - b);
  const o = percentile(owner, 50);
  const s = percentile(scoped, 50);
  return { owner_p50: round(o, 3), rls_p50: round(s, 3), rls_overhead_pct: round(((s - o) / o) * 100, 1) };
}

async function plan(db: Db, ws: string, name: string, sql: string, values: readonly SqlParam[]) {
  const text = await withWorkspace(db, ws, (tx) =>
    tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, values),
  );
  log(`EXPLAIN (ANALYZE, BUFFERS) ${name}:\n${text.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n')}`);
  const joined = text.rows.map((r) => r['QUERY PLAN']).join('\n');
  return (
    joined.match(/Index (?:Only )?Scan (?:Backward )?using (\w+)|Bitmap Index Scan on (\w+)/g) ?? []
  ).map((m) => m.replace(/.* (?:using|on) /, ''));
}

async function http(
  url: string,
  key: string,
  path: string,
  connections: number,
): Promise<Timing & { rps: number; errors: number; timeouts: number }> {
  const result = await autocannon({
    url: url + path,
    connections,
    duration: DURATION,
    headers: { authorization: `Bearer ${key}` },
  });
  if (result.non2xx > 0) throw new Error(`${path}: ${result.non2xx} non-2xx responses`);
  // Errors are timeouts (10 s): reported, since a saturated endpoint is a result, not a crash.
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: Math.round(result.requests.average),
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function main() {
  const admin = createPgDb(serverUrl, 1);
  const { db, url: dbUrl, fresh } = await prepareDatabase(admin);
  let generation: Record<string, unknown>;
  if (fresh) {
    log(`generating ${DEALS} deals + ${OTHERS} × ${OTHER_DEALS} in ${DB_NAME}`);
    const started = performance.now();
    let rows = 0;
    let generator = '';
    const sizes = [DEALS, ...Array.from({ length: OTHERS }, () => OTHER_DEALS)];
    for (const [i, deals] of sizes.entries()) {
      const ws = await db.transaction((tx) =>
        createWorkspace(tx, { name: i === 0 ? 'bench main' : `bench other ${i}` }),
      );
      const out = await generateBenchWorld(db, ws.id, deals, i + 1, WORLD);
      rows += out.rows;
      generator = out.generator;
      log(
        `  workspace ${i}: ${deals} deals, ${out.rows} rows, ${round((performance.now() - started) / 1000, 1)} s`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    await db.exec('VACUUM ANALYZE');
    generation = { generator, rows, seconds: round(seconds, 1), rows_per_s: Math.round(rows / seconds) };
    await db.exec('CREATE TABLE bench_world_done (figures jsonb NOT NULL)');
    await db.query('INSERT INTO bench_world_done VALUES ($1::jsonb)', [JSON.stringify(generation)]);
  } else {
    const { rows } = await db.query<{ figures: Record<string, unknown> }>(
      'SELECT figures FROM bench_world_done',
    );
    generation = { ...rows[0]?.figures, reused: true };
  }
  const { rows: wsRows } = await db.query<{ id: string }>(
    "SELECT id FROM workspaces WHERE name = 'bench main' LIMIT 1",
  );
  const ws = wsRows[0]!.id;
  const { rows: top } = await db.query<{ owner_email: string }>(
    `SELECT owner_email FROM deals WHERE workspace_id = $1::uuid AND owner_email IS NOT NULL
     GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    [ws],
  );
  const owner = top[0]!.owner_email;
  // Score-ordered lists need scores: what the post-sync chain computes after a load (timed, once per world).
  const { rows: scoredRows } = await db.query(
    'SELECT 1 FROM deals WHERE workspace_id = $1::uuid AND computed_at IS NOT NULL LIMIT 1',
    [ws],
  );
  if (scoredRows.length === 0 && !CWD_ONLY) {
    const started = performance.now();
    const scored = await runComputedFields(db, ws);
    await db.exec('ANALYZE deals; ANALYZE accounts');
    log(
      `computed scores of ${scored.deals_updated} deals in ${round((performance.now() - started) / 1000, 1)} s`,
    );
  }
  // Conversations without deals need linked conversations: what the post-sync chain's linker does.
  // A world linked before the call facts existed is linked again (idempotent) to store them.
  const { rows: linkedRows } = await db.query(
    'SELECT 1 FROM conversation_call_facts WHERE workspace_id = $1::uuid LIMIT 1',
    [ws],
  );
  if (linkedRows.length === 0) {
    const started = performance.now();
    const run = await runLinkerInChunks(db, ws);
    await db.exec('ANALYZE conversations');
    log(
      `linked ${run.coverage.external} external conversations (${run.coverage.account_only} without a deal) in ${round((performance.now() - started) / 1000, 1)} s`,
    );
  }
  const key = (await db.transaction((tx) => createApiKey(tx, ws, { name: 'bench' }))).plaintext;

  const lists: Record<string, Record<string, string>> = CWD_ONLY
    ? {}
    : {
        stage_open_by_close_date: { stage_normalized: 'negotiation', is_closed: 'false', sort: 'close_date' },
        owner_open_by_amount: { owner_email: owner, is_closed: 'false', sort: '-amount' },
        quarter_big_deals: {
          close_date_from: '2026-04-01',
          close_date_to: '2026-06-30',
          amount_min: '50000',
          sort: '-amount',
        },
        open_by_risk: { is_closed: 'false', sort: '-deal_risk' },
        risky_by_velocity: { deal_risk_min: '60', sort: 'velocity_score' },
        engaged_by_engagement: { engagement_score_min: '50.5', sort: '-engagement_score' },
      };
  const summaries: Record<string, Record<string, string>> = CWD_ONLY
    ? {}
    : {
        summary_by_stage: { group_by: 'stage' },
        summary_by_owner: { group_by: 'owner' },
        summary_quarter_by_forecast: {
          group_by: 'forecast_category',
          close_date_from: '2026-04-01',
          close_date_to: '2026-06-30',
        },
      };

  const database: Record<string, unknown> = {};
  const requestTransactions: Record<string, unknown> = {};
  const indexes: Record<string, string[]> = {};
  for (const [name, query] of Object.entries(lists)) {
    const built = buildListQuery(dealListing, ws, query);
    indexes[name] = await plan(db, ws, name, built.sql, built.values);
    database[name] = await dbTimes(db, ws, built.sql, built.values);
    requestTransactions[name] = await transactionTimes(db, ws, built.sql, built.values);
  }
  const summarySources: Record<string, string> = {};
  for (const [name, query] of Object.entries(summaries)) {
    const built = buildPipelineSummaryQuery(ws, query);
    summarySources[name] = built.source;
    indexes[name] = await plan(db, ws, name, built.sql, built.values);
    database[name] = await dbTimes(db, ws, built.sql, built.values);
    // The same summary computed from the deals, as before the rollups: the baseline of the speed-up.
    // It scans the workspace's open deals; fewer samples keep the run short.
    const fromDeals = buildPipelineSummaryQuery(ws, query, { source: 'deals' });
    database[`${name}_from_deals`] = await dbTimes(
      db,
      ws,
      fromDeals.sql,
      fromDeals.values,
      Math.min(SAMPLES, 30),
    );
  }
  // Conversations without deals: several statements per request, timed as the route runs them.
  const cwdCalls: Record<string, (q: Queryable) => Promise<unknown>> = {
    cwd_list: (q) => listConversationsWithoutDeals(q, ws, { sort: '-started_at', limit: 50 }),
    cwd_list_by_severity: (q) => listConversationsWithoutDeals(q, ws, { sort: '-severity', limit: 50 }),
    cwd_summary: (q) => conversationsWithoutDealsSummary(q, ws),
  };
  const timeCwdCalls = async (calls = cwdCalls) => {
    const out: Record<string, { p50: number; p95: number; p99: number }> = {};
    for (const [name, call] of Object.entries(calls)) {
      const times: number[] = [];
      for (let i = 0; i < Math.min(SAMPLES, 50); i++) {
        const started = performance.now();
        await withWorkspace(db, ws, call);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      out[name] = {
        p50: round(percentile(times, 50), 3),
        p95: round(percentile(times, 95), 3),
        p99: round(percentile(times, 99), 3),
      };
    }
    return out;
  };
  const cwdMs = await timeCwdCalls();
  // The summary from the counts kept at write time against the query over the calls it replaced, in
  // this run, and whether they agree.
  const fromScratchMs = await timeCwdCalls({
    cwd_summary_from_scratch: (q) => conversationsWithoutDealsSummaryFromScratch(q, ws),
  });
  const asOf = new Date();
  const [kept, scratch] = await withWorkspace(db, ws, async (q) => [
    await conversationsWithoutDealsSummary(q, ws, asOf),
    await conversationsWithoutDealsSummaryFromScratch(q, ws, asOf),
  ]);
  const summaryMatches = JSON.stringify(kept) === JSON.stringify(scratch);
  if (!summaryMatches) log('the kept summary differs from the from-scratch one', kept, scratch);
  // The same requests without the call facts the linker stores (each call's participants probed per
  // request, as before they were stored), then the cost of storing them all once: what a linker run
  // adds when every call without a deal changed.
  let cwdMsWithoutFacts: unknown;
  let callFactsStore: unknown;
  if (!CWD_ONLY) {
    await db.query('DELETE FROM conversation_call_facts WHERE workspace_id = $1::uuid', [ws]);
    await db.exec('ANALYZE conversation_call_facts');
    cwdMsWithoutFacts = await timeCwdCalls();
    const factsStarted = performance.now();
    const factsStored = await withWorkspace(db, ws, async (q) =>
      storeCallFacts(q, ws, await storedInternalDomains(q, ws)),
    );
    callFactsStore = { ...factsStored, ms: round(performance.now() - factsStarted, 1) };
    await db.exec('ANALYZE conversation_call_facts');
  }
  const { rows: cwdRows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM conversations WHERE workspace_id = $1::uuid
        AND is_internal = FALSE AND account_id IS NOT NULL AND deal_id IS NULL`,
    [ws],
  );
  const { rows: rollupRows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM deal_pipeline_rollups WHERE workspace_id = $1::uuid',
    [ws],
  );

  const child = fork(fileURLToPath(new URL('./serve.ts', import.meta.url)), [dbUrl, '16'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const apiUrl = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const httpFigures: Record<string, Record<string, unknown>> = {};
  try {
    const base = `/api/workspaces/${ws}`;
    const targets = {
      ...Object.fromEntries(
        Object.entries(lists).map(([n, q]) => [n, `${base}/deals?${new URLSearchParams(q)}`]),
      ),
      ...Object.fromEntries(
        Object.entries(summaries).map(([n, q]) => [n, `${base}/pipeline/summary?${new URLSearchParams(q)}`]),
      ),
      cwd_list: `${base}/conversations-without-deals?limit=50`,
      cwd_list_by_severity: `${base}/conversations-without-deals?limit=50&sort=-severity`,
      cwd_summary: `${base}/conversations-without-deals/summary`,
    };
    for (const [name, path] of Object.entries(targets)) {
      httpFigures[name] = {};
      for (const c of [1, 32]) {
        log(`http ${name} c=${c}`);
        httpFigures[name][`c${c}`] = await http(apiUrl, key, path, c);
      }
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    await exited;
  }

  const listP99c32 = Math.max(...Object.keys(lists).map((n) => (httpFigures[n]!.c32 as Timing).p99));
  const listDbP99 = Math.max(...Object.keys(lists).map((n) => (database[n] as { rls: Timing }).rls.p99));
  const summaryP99 = Math.max(...Object.keys(summaries).map((n) => (httpFigures[n]!.c1 as Timing).p99));
  const rlsOverhead = Math.max(
    ...[...Object.keys(lists), ...Object.keys(summaries)].map(
      (n) => (database[n] as { rls_overhead_pct: number }).rls_overhead_pct,
    ),
  );
  const figures = {
    bench: 'query',
    backend: 'postgres',
    database: DB_NAME,
    world: WORLD,
    sizes: { main_workspace_deals: DEALS, other_workspaces: OTHERS, other_workspace_deals: OTHER_DEALS },
    generation,
    http: httpFigures,
    db_ms: database,
    request_transaction_ms: requestTransactions,
    indexes_used: indexes,
    summary_sources: summarySources,
    pipeline_rollup_rows: rollupRows[0]!.n,
    conversations_without_deals: {
      rows: cwdRows[0]!.n,
      request_ms: cwdMs,
      summary_from_scratch_ms: fromScratchMs.cwd_summary_from_scratch,
      summary_matches_from_scratch: summaryMatches,
      request_ms_without_call_facts: cwdMsWithoutFacts,
      call_facts_store: callFactsStore,
    },
    headline: {
      list_http_p99_ms_c32: listP99c32,
      list_db_p99_ms: listDbP99,
      summary_http_p99_ms_c1: summaryP99,
      summary_http_p99_ms_c32: Math.max(
        ...Object.keys(summaries).map((n) => (httpFigures[n]!.c32 as Timing).p99),
      ),
      cwd_summary_p95_ms: cwdMs.cwd_summary!.p95,
      cwd_summary_from_scratch_p95_ms: fromScratchMs.cwd_summary_from_scratch!.p95,
      cwd_http_p99_ms_c32: Math.max(...Object.keys(cwdCalls).map((n) => (httpFigures[n]!.c32 as Timing).p99)),
      max_rls_overhead_pct: rlsOverhead,
      max_rls_overhead_pct_per_request_transaction: Math.max(
        ...Object.values(requestTransactions).map(
          (t) => (t as { rls_overhead_pct: number }).rls_overhead_pct,
        ),
      ),
    },
  };
  console.log(JSON.stringify(figures));
  await db.close();
  if (!config.benchReuseDb) await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.close();
}

await main();
