/**
 * Runs whole-workspace linker statements with nested-loop joins switched off for the transaction.
 * Their joins are between sets (materialized CTEs, whole tables): with no statistics (PGlite has no
 * autovacuum) the planner takes each side for a row or two and nests loops over them, so a scan runs
 * once per conversation and a one-second run takes a minute. Hash and merge joins cost the same
 * whatever the estimates say.
 */
import type { Queryable } from '../db/db.ts';

export async function withHashJoins<T>(q: Queryable, fn: () => Promise<T>): Promise<T> {
  const { rows } = await q.query<{ previous: string }>(
    /* sql */ `SELECT current_setting('enable_nestloop') AS previous, set_config('enable_nestloop', 'off', true)`,
  );
  try {
    return await fn();
  } finally {
    await q.query(/* sql */ `SELECT set_config('enable_nestloop', $1::text, true)`, [rows[0]!.previous]);
  }
}
