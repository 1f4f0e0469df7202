/** The PostgreSQL server driver: a `pg` Pool behind the Db port, with COPY through pg-copy-streams. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CopyData, Db, QueryResult, Queryable, SqlParam } from './db.ts';

// int8 and numeric come back as strings from pg but as numbers from PGlite; normalise to numbers so
// callers never see the difference. Counts and sums here stay far inside the safe-integer range.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
// Dates (no time) stay 'YYYY-MM-DD' strings, as PGlite's are turned into them below.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

function handle(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<Row>> {
      const res = await client.query(sql, params as unknown[] | undefined);
      return { rows: res.rows as Row[], rowCount: res.rowCount ?? 0 };
    },
    async exec(script: string): Promise<void> {
      await client.query(script);
    },
  };
}

export function createPgDb(connectionString: string, poolSize: number): Db {
  const pool = new pg.Pool({ connectionString, max: poolSize, application_name: 'pandora' });
  // An idle client that errors (server restart) must not crash the process; the pool drops it.
  pool.on('error', () => {});

  async function copyInto(
    client: pg.PoolClient,
    copySql: string,
    csv: AsyncIterable<CopyData> | Iterable<CopyData>,
  ) {
    await pipeline(Readable.from(csv), client.query(copyFrom(copySql)));
  }

  return {
    kind: 'postgres',
    ...handle(pool),
    async copyFrom(copySql, csv) {
      const client = await pool.connect();
      try {
        await copyInto(client, copySql, csv);
      } finally {
        client.release();
      }
    },
    async transaction(fn, options) {
      const client = await pool.connect();
      let broken = false;
      try {
        // BEGIN and the settings go as one simple-protocol message (which takes no parameters, hence
        // escapeLiteral): one round trip instead of two.
        const settings = Object.entries(options?.localSettings ?? {}).map(
          ([name, value]) =>
            `set_config(${client.escapeLiteral(name)}, ${client.escapeLiteral(value)}, true)`,
        );
        await client.query(settings.length ? `BEGIN; SELECT ${settings.join(', ')}` : 'BEGIN');
        const tx: Queryable = { ...handle(client), copyFrom: (sql, csv) => copyInto(client, sql, csv) };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          // The connection itself is gone; hand it back as broken so the pool discards it.
          broken = true;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
