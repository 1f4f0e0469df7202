/**
 * generateWorld: writes a coherent, seeded, deterministic GTM world for one workspace, chunk by
 * chunk, through bulkUpsert. Same seed and size → the same rows (re-running reports all unchanged).
 */
import { emptyCounts } from '../db/bulk-upsert.ts';
import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import { createStatisticsKeeper } from '../db/table-statistics.ts';
import { runRollupCompaction } from '../entities/pipeline-rollups.ts';
import { openTruthWriter } from './ground-truth.ts';
import { type WorldCursor, planChunk } from './plan-chunk.ts';
import { Rng, seedHash } from './prng.ts';
import { SourceIds } from './source-ids.ts';
import { buildTeam } from './team.ts';
import { type WriteStats, writeChunk } from './write-chunk.ts';
import { PLAN_TABLES, type PlanTable, type WorldContext } from './world-model.ts';

export interface GenerateProgress {
  dealsWritten: number;
  dealsTotal: number;
  rowsWritten: number;
  elapsedMs: number;
}

export interface GenerateOptions {
  deals: number;
  seed?: number;
  /**
   * External calls carry generated transcripts with planted deal facts, stored as a fetched transcript
   * (the ground truth lists the facts). Off by default: the rest of the world is the same either way.
   */
  transcripts?: boolean;
  /** Where to write the conversation ground truth (JSON lines); omitted → not written. */
  truthFile?: string;
  /** The world's "now"; fixed by default so a re-run on another day writes identical rows. */
  asOf?: Date;
  /** Deals per chunk; the world is the same for every value, only memory and speed change. */
  chunkDeals?: number;
  /** Chunks written concurrently (server only; PGlite has one session). */
  concurrency?: number;
  onProgress?: (p: GenerateProgress) => void;
  log?: Logger;
}

export interface TableSummary {
  inserted: number;
  updated: number;
  unchanged: number;
  rows: number;
  writeMs: number;
  lookupMs: number;
  /** rows / writeMs: the table's own throughput while it was being written. */
  rowsPerSecond: number;
}

export interface GenerateSummary {
  workspaceId: string;
  seed: number;
  deals: number;
  asOf: string;
  internalDomain: string;
  companyName: string;
  reps: { name: string; email: string }[];
  tables: Record<PlanTable, TableSummary>;
  conversations: { dealCalls: number; accountCalls: number; internal: number };
  totalRows: number;
  elapsedMs: number;
  rowsPerSecond: number;
}

export const DEFAULT_SEED = 42;
export const DEFAULT_AS_OF = new Date('2026-11-01T00:00:00.000Z');
const DEFAULT_CHUNK_DEALS = 2500;

export async function generateWorld(
  db: Db,
  workspaceId: string,
  options: GenerateOptions,
): Promise<GenerateSummary> {
  const started = performance.now();
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(options.deals) || options.deals < 1)
    throw new RangeError('deals must be a positive integer');
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new RangeError('seed must be an integer in [0, 2^32)');
  const asOf = (options.asOf ?? DEFAULT_AS_OF).getTime();
  const ids = new SourceIds(seed);
  const team = buildTeam(seed, options.deals, ids);
  const ctx: WorldContext = {
    seed,
    rng: new Rng(seedHash(seed, 'world')),
    cases: new Rng(seedHash(seed, 'linker-cases')),
    ids,
    team,
    asOf,
    counters: new Map(),
    transcripts: options.transcripts ?? false,
  };
  const cursor: WorldCursor = { accountIndex: 0, dealsRemaining: options.deals, arrivingMover: null };
  const stats = Object.fromEntries(
    PLAN_TABLES.map((t) => [t, { ...emptyCounts(), writeMs: 0, lookupMs: 0 }]),
  ) as WriteStats;
  const conversations = { dealCalls: 0, accountCalls: 0, internal: 0 };
  const chunkDeals = options.chunkDeals ?? DEFAULT_CHUNK_DEALS;
  const concurrency = db.kind === 'pglite' ? 1 : Math.max(1, options.concurrency ?? 2);

  const statistics = createStatisticsKeeper(db, options.log);
  const truth = await openTruthWriter(options.truthFile);
  const inFlight = new Set<Promise<void>>();
  let dealsWritten = 0;
  let rowsWritten = 0;
  let failure: unknown;
  try {
    while (cursor.dealsRemaining > 0 && failure === undefined) {
      const plan = planChunk(ctx, cursor, chunkDeals);
      for (const t of plan.truth) {
        if (t.kind === 'deal_call') conversations.dealCalls++;
        else if (t.kind === 'account_call') conversations.accountCalls++;
        else conversations.internal++;
      }
      await truth.write(plan.truth);
      const rows = PLAN_TABLES.reduce((n, t) => n + plan[t].length, 0);
      const write = writeChunk(db, workspaceId, plan, stats).then(
        () => {
          dealsWritten += plan.deals_planned;
          rowsWritten += rows;
          options.onProgress?.({
            dealsWritten,
            dealsTotal: options.deals,
            rowsWritten,
            elapsedMs: performance.now() - started,
          });
        },
        (err: unknown) => {
          failure ??= err;
        },
      );
      const tracked = write.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      // Generating the next chunk overlaps with writing this one; past the limit, wait for one to land.
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      // Each chunk looks up the uuids it just wrote: growing tables need statistics that say so.
      if (failure === undefined) await statistics.afterPage(stats);
    }
    await Promise.all(inFlight);
  } finally {
    await truth.close();
  }
  if (failure !== undefined) throw failure;
  await statistics.finish(stats);
  // Chunks were written by many statements; fold their pipeline rollup deltas as a sync's chain would.
  await runRollupCompaction(db, workspaceId, options.log);

  const elapsedMs = performance.now() - started;
  const tables = {} as Record<PlanTable, TableSummary>;
  let totalRows = 0;
  for (const t of PLAN_TABLES) {
    const s = stats[t];
    const rows = s.inserted + s.updated + s.unchanged;
    totalRows += rows;
    tables[t] = {
      inserted: s.inserted,
      updated: s.updated,
      unchanged: s.unchanged,
      rows,
      writeMs: Math.round(s.writeMs),
      lookupMs: Math.round(s.lookupMs),
      rowsPerSecond: s.writeMs > 0 ? Math.round((rows * 1000) / s.writeMs) : 0,
    };
  }
  return {
    workspaceId,
    seed,
    deals: options.deals,
    asOf: new Date(asOf).toISOString(),
    internalDomain: team.domain,
    companyName: team.companyName,
    reps: team.reps.map((r) => ({ name: r.name, email: r.email })),
    tables,
    conversations,
    totalRows,
    elapsedMs: Math.round(elapsedMs),
    rowsPerSecond: Math.round((totalRows * 1000) / elapsedMs),
  };
}
