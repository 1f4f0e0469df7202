/**
 * Slices of a workspace's rows by id, so long set-based jobs (the linker, the computed fields) run as
 * short committed chunks. A job chunks this way only where each row's result depends on the row and
 * workspace-wide inputs alone, never on another row of the same pass, so a chunk gives the same
 * answer as the whole set.
 */
import type { Queryable } from './db.ts';

/** Rows with `after < id <= upTo`; a null bound is open. */
export interface IdRange {
  after: string | null;
  upTo: string | null;
}

/**
 * SQL keeping `column` to the id list parameter `$list` (a uuid array; NULL: every row). For chunked
 * statements that join per-row aggregates: the planner estimates `= ANY(list)` from the column's
 * distinct values, but cannot place a uuid inside a histogram bucket, so a range narrower than one
 * bucket (500 of 100k deals, with 100 buckets) is estimated at one row, and the joins planned for one
 * row re-ran each aggregate once per row of the chunk.
 */
export function inIdList(column: string, list: number): string {
  return `($${list}::uuid[] IS NULL OR ${column} = ANY($${list}::uuid[]))`;
}

/**
 * `AND column = ANY(ARRAY(keys))` in a chunk, nothing in a pass over every row. A chunked statement
 * reads the workspace-wide tables it joins only for its own keys (`keys`, a subquery), probed by index:
 * joined whole by hash, a chunk of 500 calls read every contact, account and deal of the workspace, and
 * 200 chunks cost ten times one pass. A probe is one index scan over an array, so it cannot go
 * quadratic whatever the statistics say (the whole pass keeps its hash joins).
 */
export function chunkProbe(chunked: boolean, column: string, keys: string): string {
  return chunked ? `AND ${column} = ANY(ARRAY(${keys}))` : '';
}

// The tables jobs chunk over; the name is spliced into SQL, so it comes from this list only.
export type ChunkedTable = 'conversations' | 'deals' | 'accounts' | 'contacts';

/** Ranges of at most `size` rows of `table` covering the workspace, in id order. */
export async function idRanges(
  q: Queryable,
  table: ChunkedTable,
  workspaceId: string,
  size: number,
): Promise<IdRange[]> {
  const { rows } = await q.query<{ id: string }>(
    /* sql */ `SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n
                                 FROM ${table} WHERE workspace_id = $1::uuid) s
              WHERE n % $2::int = 0 ORDER BY id`,
    [workspaceId, size],
  );
  const ranges: IdRange[] = [];
  let after: string | null = null;
  for (const { id } of rows) {
    ranges.push({ after, upTo: id });
    after = id;
  }
  ranges.push({ after, upTo: null });
  return ranges;
}

/** The ids of `table` in one range of the workspace, in id order (for inIdList). */
export async function idsInRange(
  q: Queryable,
  table: ChunkedTable,
  workspaceId: string,
  range: IdRange,
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    /* sql */ `SELECT id FROM ${table}
                WHERE workspace_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid)
                  AND ($3::uuid IS NULL OR id <= $3::uuid)
                ORDER BY id`,
    [workspaceId, range.after, range.upTo],
  );
  return rows.map((r) => r.id);
}
