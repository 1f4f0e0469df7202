/**
 * The stage history an apply writes, inside its transaction: the previous images hold the stages before
 * the batch, the table holds them after; deals created in the transaction (created_at = its start) are new.
 * Written in keyset chunks over the batch's own rows, so no statement grows with the batch: the embedded
 * database runs each statement on the server's thread, and one statement over 50k deals held it for
 * seconds. Each chunk's result depends on its deals alone, so the chunks write exactly what one statement
 * over the whole batch would.
 */
import type { Queryable } from '../../db/db.ts';
import { eventLoopTurn } from '../../db/event-loop-turn.ts';
import { IMPORT_SOURCE } from './row-normaliser.ts';

const INSERT = /* sql */ `INSERT INTO deal_stage_history (workspace_id, deal_id, from_stage, to_stage,
    from_stage_normalized, to_stage_normalized, changed_at, source, import_batch_id)`;

// Updated deals: keyset over the batch's captured previous images (the primary key of
// import_batch_changes leads with the batch, so each chunk reads the next rows of its index).
const DIFF_CHUNK = /* sql */ `WITH chunk AS (
    SELECT c.row_id, c.previous FROM import_batch_changes c
    WHERE c.workspace_id = $1::uuid AND c.batch_id = $2::uuid AND c.entity_type = 'deals' AND c.action = 'update'
      AND ($4::uuid IS NULL OR c.row_id > $4::uuid)
    ORDER BY c.row_id LIMIT $5::int),
  ins AS (
    ${INSERT}
    SELECT $1::uuid, d.id, ch.previous ->> 'stage', d.stage, ch.previous ->> 'stage_normalized', d.stage_normalized,
           $3::timestamptz, 'file_import_diff', $2::uuid
    FROM chunk ch JOIN deals d ON d.workspace_id = $1::uuid AND d.id = ch.row_id
    WHERE d.stage IS NOT NULL AND d.stage IS DISTINCT FROM ch.previous ->> 'stage'
    ORDER BY d.id
    ON CONFLICT DO NOTHING
    RETURNING 1)
  SELECT (SELECT count(*) FROM ins)::int AS written, (SELECT count(*) FROM chunk)::int AS seen,
         (SELECT row_id FROM chunk ORDER BY row_id DESC LIMIT 1) AS last`;

// New deals: keyset over the deals this transaction wrote. Every deal it inserted or updated carries
// updated_at = its now(), so the (workspace_id, updated_at, id) index holds exactly the batch's deals in id
// order. They have no history yet (no other transaction can see them), so no conflict check.
const CREATED_CHUNK = /* sql */ `WITH chunk AS (
    SELECT d.id, d.source, d.created_at, d.stage, d.stage_normalized FROM deals d
    WHERE d.workspace_id = $1::uuid AND d.updated_at = $3::timestamptz AND ($4::uuid IS NULL OR d.id > $4::uuid)
    ORDER BY d.id LIMIT $5::int),
  ins AS (
    ${INSERT}
    SELECT $1::uuid, id, NULL, stage, NULL, stage_normalized, $3::timestamptz, 'file_import_new', $2::uuid
    FROM chunk
    WHERE source = '${IMPORT_SOURCE}' AND created_at = $3::timestamptz AND stage IS NOT NULL
    ORDER BY id
    RETURNING 1)
  SELECT (SELECT count(*) FROM ins)::int AS written, (SELECT count(*) FROM chunk)::int AS seen,
         (SELECT id FROM chunk ORDER BY id DESC LIMIT 1) AS last`;

interface ChunkResult {
  written: number;
  seen: number;
  last: string | null;
}

/** Runs `sql` chunk after chunk (`$4` the last key of the previous chunk, `$5` the chunk size); rows written. */
async function inChunks(
  q: Queryable,
  sql: string,
  args: [string, string, string],
  rowsPerStatement: number,
): Promise<number> {
  let written = 0;
  let after: string | null = null;
  for (;;) {
    const { rows }: { rows: ChunkResult[] } = await q.query<ChunkResult>(sql, [
      ...args,
      after,
      rowsPerStatement,
    ]);
    const chunk: ChunkResult = rows[0]!;
    written += Number(chunk.written);
    if (Number(chunk.seen) < rowsPerStatement || chunk.last === null) return written;
    after = chunk.last;
    await eventLoopTurn();
  }
}

/** Writes the batch's stage transitions; returns their count per source (file_import_diff, file_import_new). */
export async function writeStageHistory(
  q: Queryable,
  workspaceId: string,
  batchId: string,
  txAt: string,
  rowsPerStatement: number,
): Promise<Record<string, number>> {
  const args: [string, string, string] = [workspaceId, batchId, txAt];
  const diff = await inChunks(q, DIFF_CHUNK, args, rowsPerStatement);
  const created = await inChunks(q, CREATED_CHUNK, args, rowsPerStatement);
  const transitions: Record<string, number> = {};
  if (diff > 0) transitions.file_import_diff = diff;
  if (created > 0) transitions.file_import_new = created;
  return transitions;
}
