/**
 * Planner statistics for bulk writers, one mechanism on both backends. A writer that changed a table
 * beyond autovacuum's threshold (50 rows + 10 % of the table) analyses it before the next step reads it:
 * PGlite has no autovacuum at all, and on a server the next step (the linker after a sync) runs long
 * before autovacuum's next pass. With stale statistics the planner believes a freshly filled table is
 * empty and set-based statements go quadratic (a 0.9 s linker run took a minute). Writers pass the rows
 * they changed; the statistics views add what others changed since the last ANALYZE. ANALYZE runs as
 * the owning login role on the outer handle, after the writer's transaction (pandora_app may not
 * analyse), and each call costs one catalog query when nothing is stale.
 */
import { requestsTurn } from './event-loop-turn.ts';
import type { UpsertCounts } from './bulk-upsert.ts';
import type { Db, Queryable } from './db.ts';
import type { Logger } from '../logger.ts';

/** Rows a writer changed per table (0: unknown, the statistics views decide). */
export type TableChanges = Readonly<Record<string, number>>;

// autovacuum's defaults: analyze_threshold 50, analyze_scale_factor 0.1, vacuum_scale_factor 0.2.
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;
export const VACUUM_BASE = 50;
export const VACUUM_SCALE = 0.2;
// During one long write (an initial sync, a generated world): a table is analysed at 10k inserted rows,
// then each time they double, so per-page lookups keep using the unique key at a handful of ANALYZEs.
const FIRST_GROWTH_ANALYZE_AT = 10_000;

const IDENTIFIER = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

interface TableState {
  name: string;
  reltuples: number;
  has_rows: boolean;
  modified: number;
  dead: number;
}

/**
 * PGlite's single backend never goes idle, so its cumulative statistics are never flushed on their own:
 * ask for a flush, which the next statement performs. A server's views may lag a few seconds, which the
 * writer's own counts cover.
 */
export async function flushStatisticsViews(db: Queryable & { kind?: Db['kind'] }): Promise<void> {
  if (db.kind === 'pglite') await db.query('SELECT pg_stat_force_next_flush()');
}

/** Each named table's row estimate (-1: never analysed), whether it has any pages, and its view counters. */
export async function readTableStates(db: Db, tables: readonly string[]): Promise<TableState[]> {
  await flushStatisticsViews(db);
  const { rows } = await db.query<TableState>(
    /* sql */ `SELECT t.name, c.reltuples::float8 AS reltuples, pg_relation_size(c.oid) > 0 AS has_rows,
                      coalesce(s.n_mod_since_analyze, 0)::float8 AS modified,
                      coalesce(s.n_dead_tup, 0)::float8 AS dead
                 FROM unnest($1::text[]) AS t(name)
                 JOIN pg_class c ON c.oid = to_regclass(t.name)
                 LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid`,
    [tables],
  );
  return rows.map((r) => ({
    ...r,
    reltuples: Number(r.reltuples),
    modified: Number(r.modified),
    dead: Number(r.dead),
  }));
}

/** True when a table's statistics no longer describe it: never analysed though it has rows, or changed beyond the threshold. */
export function needsAnalyze(state: TableState, writtenRows = 0): boolean {
  if (state.reltuples < 0) return state.has_rows || writtenRows > 0;
  return Math.max(writtenRows, state.modified) >= ANALYZE_BASE + ANALYZE_SCALE * state.reltuples;
}

/**
 * Analyses the tables among `changes` whose statistics are stale; returns the ones analysed. Call it on
 * the outer handle after the writer's transaction committed.
 */
export async function refreshStatistics(db: Db, changes: TableChanges, log?: Logger): Promise<string[]> {
  const names = Object.keys(changes).filter((t) => IDENTIFIER.test(t));
  if (names.length === 0) return [];
  const stale = (await readTableStates(db, names))
    .filter((s) => needsAnalyze(s, changes[s.name] ?? 0))
    .map((s) => s.name);
  if (stale.length === 0) return [];
  const started = performance.now();
  // One table per statement, each after a turn for the requests that arrived meanwhile: the embedded
  // database runs it on the server's own thread, and the writer's last statements just held it too.
  for (const table of stale) {
    await requestsTurn(db);
    await db.exec(`ANALYZE ${table}`);
  }
  log?.debug({ tables: stale, ms: Math.round(performance.now() - started) }, 'statistics refreshed');
  return stale;
}

/** Rows a writer's counts say it changed, per table. */
export function changedRows(totals: Readonly<Record<string, UpsertCounts>>): Record<string, number> {
  return Object.fromEntries(Object.entries(totals).map(([t, c]) => [t, c.inserted + c.updated]));
}

/**
 * For one long write that grows tables (a sync, a generated world): `afterPage` analyses a table at 10k
 * inserted rows and each doubling; `finish` leaves every changed table's statistics fresh.
 */
export function createStatisticsKeeper(db: Db, log?: Logger) {
  const nextAt = new Map<string, number>();
  const analysedAt = new Map<string, number>();
  return {
    /** Called with the writer's running totals after each committed page or chunk. */
    async afterPage(totals: Readonly<Record<string, UpsertCounts>>): Promise<void> {
      const due = Object.entries(totals).filter(
        ([table, c]) =>
          IDENTIFIER.test(table) && c.inserted >= (nextAt.get(table) ?? FIRST_GROWTH_ANALYZE_AT),
      );
      if (due.length === 0) return;
      const present = new Set(
        (
          await readTableStates(
            db,
            due.map(([t]) => t),
          )
        ).map((s) => s.name),
      );
      for (const [table, c] of due) {
        nextAt.set(table, c.inserted * 2);
        if (!present.has(table)) continue;
        const started = performance.now();
        await requestsTurn(db);
        await db.exec(`ANALYZE ${table}`);
        analysedAt.set(table, c.inserted + c.updated);
        log?.debug({ table, inserted: c.inserted, ms: performance.now() - started }, 'analysed during write');
      }
    },
    /** After the last page: the rows changed since each table's last ANALYZE decide. */
    finish(totals: Readonly<Record<string, UpsertCounts>>): Promise<string[]> {
      const since = Object.fromEntries(
        Object.entries(changedRows(totals)).map(([t, n]) => [t, Math.max(0, n - (analysedAt.get(t) ?? 0))]),
      );
      return refreshStatistics(db, since, log);
    },
  };
}

/**
 * For a set-based job: first the statistics of what it reads (a writer outside this mechanism, or a data
 * folder written by an older version, may have left them stale), then those of what it changed.
 */
export async function withFreshStatistics<T>(
  db: Db,
  reads: readonly string[],
  run: () => Promise<T>,
  changed: (result: T) => TableChanges,
  log?: Logger,
): Promise<T> {
  await refreshStatistics(db, Object.fromEntries(reads.map((t) => [t, 0])), log);
  const result = await run();
  await refreshStatistics(db, changed(result), log);
  return result;
}
