/**
 * The embedded backend's stand-in for autovacuum: one pass vacuums every table whose dead rows passed
 * autovacuum's threshold (50 + 20 % of the table) and analyses every table whose statistics are stale.
 * Upserts and updates leave dead row versions behind; without this pass PGlite's tables and indexes grow
 * with every sync and the planner works from statistics of a table that no longer exists. Scheduled on
 * the in-process queue (`table-maintenance`); a server's autovacuum does the same work there.
 */
import type { Db } from './db.ts';
import { requestsTurn } from './event-loop-turn.ts';
import { flushStatisticsViews, needsAnalyze, VACUUM_BASE, VACUUM_SCALE } from './table-statistics.ts';

export interface MaintenancePass {
  vacuumed: string[];
  analysed: string[];
  ms: number;
}

export async function runTableMaintenance(db: Db): Promise<MaintenancePass> {
  const started = performance.now();
  await flushStatisticsViews(db);
  const { rows } = await db.query<{
    name: string;
    reltuples: number;
    has_rows: boolean;
    modified: number;
    dead: number;
  }>(
    /* sql */ `SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.relname) AS name,
                      c.reltuples::float8 AS reltuples, pg_relation_size(c.oid) > 0 AS has_rows,
                      s.n_mod_since_analyze::float8 AS modified, s.n_dead_tup::float8 AS dead
                 FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                ORDER BY 1`,
  );
  const pass: MaintenancePass = { vacuumed: [], analysed: [], ms: 0 };
  for (const r of rows) {
    const state = {
      ...r,
      reltuples: Number(r.reltuples),
      modified: Number(r.modified),
      dead: Number(r.dead),
    };
    // One statement at a time, VACUUM and ANALYZE apart (each some 300-400 ms for 50k deals on PGlite,
    // together twice that), the requests that waited answered between two.
    const vacuum = state.dead > VACUUM_BASE + VACUUM_SCALE * Math.max(state.reltuples, 0);
    if (vacuum) {
      await requestsTurn(db);
      await db.exec(`VACUUM ${r.name}`);
      pass.vacuumed.push(r.name);
    }
    if (vacuum || needsAnalyze(state)) {
      await requestsTurn(db);
      await db.exec(`ANALYZE ${r.name}`);
      pass.analysed.push(r.name);
    }
  }
  pass.ms = Math.round(performance.now() - started);
  return pass;
}
