/**
 * Writes an import's normalised rows set-based, one chunk at a time, inside the apply transaction. A chunk
 * is built row by row while the file is parsed (on the server each row becomes its COPY line right away,
 * so the database never waits for this process to serialise), loaded into a transaction-local staging
 * table typed exactly like the target's columns (COPY on the server, jsonb_to_recordset on PGlite), then:
 * - one INSERT … SELECT … ON CONFLICT DO NOTHING writes every row whose key is new. A fresh import is
 *   nothing but this statement: no previous images to read, no IS DISTINCT FROM per row. Rows go in id
 *   order, so the uuid-led indexes are filled page after page instead of at random.
 * - only when some keys already exist: their previous images are captured for the rollback (rows created
 *   before this transaction), and one UPDATE … FROM writes those that differ, so unchanged rows write no
 *   tuple. Append leaves existing rows alone and counts them as skipped.
 * Without COPY (PGlite), when the source had no rows of this entity before the batch (`direct`), a chunk's
 * keys can only collide with the batch's own earlier chunks: chunks are inserted straight from their
 * recordsets, with no staging pass, under a savepoint. The first chunk that repeats a key fails with a
 * unique violation, is rolled back to the savepoint and staged, as are the chunks after it. The server
 * keeps its staging COPY: COPY FROM into a table with row-level security is refused (0A000).
 */
import { csvLine, toJsonParam, type UpsertRow, type UpsertTableSpec } from '../../db/bulk-upsert.ts';
import type { Queryable } from '../../db/db.ts';
import { PG_ERROR, pgErrorCode } from '../../errors.ts';
import type { ImportStrategy } from './import-batches.ts';

const STAGE = 'pandora_import_stage';
const SAVEPOINT = 'pandora_import_direct';
// Rows per jsonb_to_recordset parameter where there is no COPY (about 1 MB of JSON).
const RECORDSET_BATCH = 1000;
// The recordset is sent as bytes (bytea, binary), not as a text parameter: PGlite keeps a text parameter
// reachable past the statement, long enough for a young collection to promote it, and a megabyte of
// string per statement then piles up in the old generation until a full collection (on PGlite about
// 70 MB between two over a 100k-row apply). Bytes live outside the JS heap.
const RECORDSET_PARAM = (n: number) => `convert_from($${n}::bytea, 'UTF8')::jsonb`;
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

export interface ChunkCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows repeating a key earlier in the chunk (the last one wins), plus existing rows append left alone. */
  skipped: number;
}

/** Rows collected for one write; a repeated key replaces the earlier row. */
export interface StagedChunk {
  /** Rows added, repeated keys included. */
  readonly added: number;
  add(key: string, row: UpsertRow): void;
}

export interface StagedWriter {
  chunk(): StagedChunk;
  write(chunk: StagedChunk): Promise<ChunkCounts>;
}

interface Chunk extends StagedChunk {
  /** key → the row's COPY line (server) or its JSON text (no COPY), as UTF-8. */
  readonly rows: Map<string, Buffer>;
  /** The columns any row sets: the only ones written, so the others keep their stored value or default. */
  readonly columns: Set<string>;
}

export async function openStagedWriter(
  q: Queryable,
  spec: UpsertTableSpec,
  target: {
    workspaceId: string;
    batchId: string;
    entityType: string;
    strategy: ImportStrategy;
    /** A table of account keys (createAccountKeyTable): new rows are inserted with their account set. */
    accountKeys?: string | null;
    /** No row of this entity and source existed before the batch: chunks may go straight into the table. */
    direct?: boolean;
  },
): Promise<StagedWriter> {
  // The target's own types (numeric(18,2), not numeric), so a staged value compares with the stored one
  // exactly as the table would store it.
  const { rows: typeRows } = await q.query<{ name: string; type: string }>(
    /* sql */ `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
               WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [spec.table],
  );
  const sqlType = new Map(typeRows.map((r) => [r.name, r.type]));
  const all = Object.keys(spec.columns);
  for (const c of all) if (!sqlType.has(c)) throw new Error(`${spec.table} has no column "${c}"`);
  await q.query(
    `CREATE TEMP TABLE ${STAGE} (id uuid NOT NULL DEFAULT gen_random_uuid(), ${all
      .map((c) => `${c} ${sqlType.get(c)}`)
      .join(', ')}) ON COMMIT DROP`,
  );
  const copy = q.copyFrom?.bind(q);
  const keyMatch = spec.conflictKey.map((k) => `t.${k} = s.${k}`).join(' AND ');
  let direct = target.direct === true && !copy;

  async function stage(chunk: Chunk, columns: string[], recordsets: Buffer[]) {
    await q.query(`TRUNCATE ${STAGE}`);
    if (copy) {
      // Every line carries all columns (unset ones empty, i.e. NULL); only `columns` are written on. One
      // piece: the socket sends it without waiting for this event loop, busy parsing the next chunk.
      const data = Buffer.concat([...chunk.rows.values()]);
      chunk.rows.clear(); // a chunk is written once; its lines are garbage from here
      await copy(`COPY ${STAGE} (${all.join(', ')}) FROM STDIN (FORMAT csv)`, [data]);
      return;
    }
    const recordType = columns.map((c) => `${c} ${sqlType.get(c)}`).join(', ');
    for (const json of recordsets) {
      await q.query(
        `INSERT INTO ${STAGE} (${columns.join(', ')}) SELECT ${columns.join(', ')}
         FROM jsonb_to_recordset(${RECORDSET_PARAM(1)}) AS r(${recordType})`,
        [json],
      );
    }
  }

  /** A chunk's rows as JSON arrays of RECORDSET_BATCH rows (UTF-8), its row texts dropped. */
  function recordsetsOf(chunk: Chunk): Buffer[] {
    if (copy) return [];
    const texts = [...chunk.rows.values()];
    chunk.rows.clear();
    const out: Buffer[] = [];
    for (let i = 0; i < texts.length; i += RECORDSET_BATCH) {
      const parts: Buffer[] = [OPEN];
      for (const t of texts.slice(i, i + RECORDSET_BATCH)) {
        if (parts.length > 1) parts.push(COMMA);
        parts.push(t);
      }
      parts.push(CLOSE);
      out.push(Buffer.concat(parts));
    }
    return out;
  }

  /** INSERT … SELECT of a chunk's rows from `from` (alias s), with their staged ids or fresh ones. */
  function insertSql(from: string, columns: string[], chunk: Chunk, stagedIds: boolean): string {
    const id = stagedIds ? 'id, ' : '';
    const values = `${stagedIds ? 's.id, ' : ''}$1::uuid, ${columns.map((c) => `s.${c}`).join(', ')}`;
    // New rows get their account in the same statement, by one hash join against the account keys.
    const link = target.accountKeys && !chunk.columns.has('account_id') ? target.accountKeys : null;
    return link
      ? `INSERT INTO ${spec.table} (${id}workspace_id, ${columns.join(', ')}, account_id)
         SELECT ${values}, coalesce(bd.account_id, bn.account_id)
         FROM ${from}
         LEFT JOIN ${link} bd ON bd.kind = 'domain' AND bd.k = s.source_data #>> '{refs,account_domain}'
         LEFT JOIN ${link} bn ON bn.kind = 'name' AND bn.k = s.source_data #>> '{refs,account_key}'`
      : `INSERT INTO ${spec.table} (${id}workspace_id, ${columns.join(', ')}) SELECT ${values} FROM ${from}`;
  }

  /** Inserts a chunk straight from its recordsets; false, with nothing written, when a key was taken. */
  async function insertDirect(chunk: Chunk, columns: string[], recordsets: Buffer[]): Promise<boolean> {
    const recordType = columns.map((c) => `${c} ${sqlType.get(c)}`).join(', ');
    const sql = insertSql(
      `jsonb_to_recordset(${RECORDSET_PARAM(2)}) AS s(${recordType})`,
      columns,
      chunk,
      false,
    );
    await q.query(`SAVEPOINT ${SAVEPOINT}`);
    try {
      for (const json of recordsets) await q.query(sql, [target.workspaceId, json]);
      await q.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
      return true;
    } catch (err) {
      if (pgErrorCode(err) !== PG_ERROR.uniqueViolation) throw err;
      await q.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
      await q.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
      return false;
    }
  }

  return {
    chunk(): Chunk {
      const rows = new Map<string, Buffer>();
      const columns = new Set<string>();
      let added = 0;
      return {
        rows,
        columns,
        get added() {
          return added;
        },
        add(key, row) {
          added++;
          for (const c in row) {
            if (!(c in spec.columns)) throw new Error(`${spec.table}: unknown column "${c}" in import rows`);
            columns.add(c);
          }
          // The row as text at once, so its objects die young: a chunk's rows live until it is written,
          // long enough to be promoted to the old generation, where they would pile up as garbage until a
          // full collection. As UTF-8 bytes: half the memory of the string when the text is not all
          // Latin-1, and outside the JS heap.
          rows.set(key, Buffer.from(copy ? csvLine(row, all, spec) : toJsonParam(row)));
        },
      };
    },

    async write(staged) {
      const chunk = staged as Chunk;
      const counts: ChunkCounts = {
        inserted: 0,
        updated: 0,
        unchanged: 0,
        skipped: chunk.added - chunk.rows.size,
      };
      const n = chunk.rows.size;
      if (n === 0) return counts;
      for (const k of spec.conflictKey) {
        if (!chunk.columns.has(k)) throw new Error(`${spec.table}: import rows must carry "${k}"`);
      }
      const columns = all.filter((c) => chunk.columns.has(c));
      const recordsets = recordsetsOf(chunk);
      if (direct) {
        if (await insertDirect(chunk, columns, recordsets)) {
          counts.inserted = n;
          return counts;
        }
        direct = false; // the file repeats keys across chunks: this chunk and the rest go staged
      }
      await stage(chunk, columns, recordsets);
      const ins = await q.query(
        `${insertSql(`${STAGE} s`, columns, chunk, true)}
         ORDER BY s.id ON CONFLICT (workspace_id, ${spec.conflictKey.join(', ')}) DO NOTHING`,
        [target.workspaceId],
      );
      counts.inserted = ins.rowCount;
      // A staged row whose key was already taken kept its fresh id, which the table row does not have.
      const existing = n - ins.rowCount;
      if (existing === 0) return counts;
      if (target.strategy === 'append') {
        counts.skipped += existing;
        return counts;
      }
      // The rows as they are before this batch touches them: what a rollback writes back. Rows this
      // transaction inserted (an earlier chunk repeating the key) need none.
      await q.query(
        `INSERT INTO import_batch_changes (workspace_id, batch_id, entity_type, row_id, action, previous)
         SELECT $1::uuid, $2::uuid, $3::text, t.id, 'update', to_jsonb(t)
         FROM ${spec.table} t JOIN ${STAGE} s ON ${keyMatch}
         WHERE t.workspace_id = $1::uuid AND t.id <> s.id AND t.created_at <> now()
         ON CONFLICT DO NOTHING`,
        [target.workspaceId, target.batchId, target.entityType],
      );
      const updatable = columns.filter((c) => !spec.conflictKey.includes(c));
      if (updatable.length === 0) {
        counts.unchanged = existing;
        return counts;
      }
      const set = updatable.map((c) => `${c} = s.${c}`);
      if (spec.hasUpdatedAt) set.push('updated_at = now()');
      const upd = await q.query(
        `UPDATE ${spec.table} t SET ${set.join(', ')}
         FROM ${STAGE} s
         WHERE t.workspace_id = $1::uuid AND ${keyMatch} AND t.id <> s.id
           AND (${updatable.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${updatable.map((c) => `s.${c}`).join(', ')})`,
        [target.workspaceId],
      );
      counts.updated = upd.rowCount;
      counts.unchanged = existing - upd.rowCount;
      return counts;
    },
  };
}
