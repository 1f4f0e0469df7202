/**
 * Runs whole-workspace linker statements with nested-loop joins switched off for the transaction.
 * Their joins are between sets (materialized CTEs, whole tables): with no statistics (PGlite has no
 * autovacuum) the planner takes each side for a row or two and nests loops over them, so a scan runs
 * once per conversation and a one-second run takes a minute. Hash and merge joins cost the same
 * whatever the estimates say. JIT goes off with them: the planner's penalty on a nested loop it cannot
 * avoid (a LATERAL function scan) inflates the cost past the JIT thresholds, and compiling costs the
 * server seconds on statements that run in a fraction of that.
 */
import type { Queryable } from '../db/db.ts';

export async function withHashJoins<T>(q: Queryable, fn: () => Promise<T>): Promise<T> {
  const { rows } = await q.query<{ nestloop: string; jit: string }>(
    /* sql */ `SELECT current_setting('enable_nestloop') AS nestloop, current_setting('jit', true) AS jit,
                   set_config('enable_nestloop', 'off', true), set_config('jit', 'off', true)`,
  );
  // No finally: after a failure the transaction is aborted (the settings go with it) and a restoring
  // query would only replace the real error with "current transaction is aborted".
  const result = await fn();
  await q.query(
    /* sql */ `SELECT set_config('enable_nestloop', $1::text, true), set_config('jit', $2::text, true)`,
    [rows[0]!.nestloop, rows[0]!.jit ?? 'off'],
  );
  return result;
}
