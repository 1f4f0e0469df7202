/**
 * The conversations-without-deals summary on the embedded backend (PGlite in memory): the plain world of
 * the query benchmark at --deals, one chunked linker run, then p50/p95 of the summary read from the counts
 * kept at write time beside the from-scratch query it replaced, and whether the two agree. The server's
 * figures come from bench:query (--only cwd). Prints one JSON line. 20k deals (17k calls without a deal
 * after the linker run), load 1: p50 32 / p95 33 ms against the from-scratch query's 50 / 58 ms.
 *   npm run bench:cwd-summary-embedded -- [--deals 20000] [--samples 30]
 */
import { parseArgs } from 'node:util';
import type { Db, Queryable } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { conversationsWithoutDealsSummaryFromScratch } from '../../src/linker/cwd-summary-from-scratch.ts';
import { conversationsWithoutDealsSummary } from '../../src/linker/cwd-summary.ts';
import { runLinkerInChunks } from '../../src/linker/linker-run.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { generateBenchWorld } from './bench-world.ts';

const { values: args } = parseArgs({
  options: { deals: { type: 'string', default: '20000' }, samples: { type: 'string', default: '30' } },
});
const DEALS = Number(args.deals);
const SAMPLES = Number(args.samples);
const log = (...parts: unknown[]) => console.error('[bench:cwd-summary-embedded]', ...parts);
const round = (n: number) => Math.round(n * 100) / 100;

async function timed(db: Db, ws: string, call: (q: Queryable) => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await withWorkspace(db, ws, call);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => round(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!);
  return { p50: at(50), p95: at(95) };
}

const db = await createPgliteDb();
await migrate(db);
const ws = (await db.transaction((tx) => createWorkspace(tx, { name: 'bench main' }))).id;
let started = performance.now();
const world = await generateBenchWorld(db, ws, DEALS, 1, 'plain');
log(`${world.rows} rows in ${round((performance.now() - started) / 1000)} s`);
started = performance.now();
await runLinkerInChunks(db, ws);
log(`linked in ${round((performance.now() - started) / 1000)} s`);
const { rows } = await db.query<{ n: number }>(
  'SELECT count(*)::int AS n FROM cwd_calls WHERE workspace_id = $1::uuid',
  [ws],
);
const asOf = new Date();
const [kept, scratch] = await withWorkspace(db, ws, async (q) => [
  await conversationsWithoutDealsSummary(q, ws, asOf),
  await conversationsWithoutDealsSummaryFromScratch(q, ws, asOf),
]);
console.log(
  JSON.stringify({
    bench: 'cwd-summary-embedded',
    backend: 'pglite',
    deals: DEALS,
    calls_without_deal: rows[0]!.n,
    summary_ms: await timed(db, ws, (q) => conversationsWithoutDealsSummary(q, ws)),
    summary_from_scratch_ms: await timed(db, ws, (q) => conversationsWithoutDealsSummaryFromScratch(q, ws)),
    summary_matches_from_scratch: JSON.stringify(kept) === JSON.stringify(scratch),
  }),
);
await db.close();
