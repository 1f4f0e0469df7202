/**
 * COPY baselines for benchmarks, on either backend: a fresh migrated database (a scratch database on the
 * server, a PGlite in a temporary folder) that a CSV file is COPYed into. PGlite reads COPY input only from
 * /dev/blob, which the Db port does not carry, so the embedded baseline holds its own PGlite instance
 * (superuser, as the server's baseline runs) behind a minimal Db for the migrations.
 */
import { createReadStream, mkdtempSync, openAsBlob, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Db, Queryable } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createScratchDb } from './scratch-db.ts';

export interface CopyTarget {
  /** Runs SQL as the superuser (setup of the target table or workspace). */
  query(sql: string, params?: unknown[]): Promise<void>;
  /** `COPY <target> FROM <the file>` (CSV, with a header line or not); milliseconds. */
  copyFile(target: string, path: string, header?: boolean): Promise<number>;
  close(): Promise<void>;
}

function pgliteQueryable(h: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query(sql, params) {
      const r = await h.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as never[], rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(script) {
      await h.exec(script);
    },
  };
}

/** A fresh, migrated database to COPY into: on the server at `serverUrl`, else PGlite in a temporary folder. */
export async function openCopyTarget(serverUrl: string | undefined, prefix: string): Promise<CopyTarget> {
  if (serverUrl) {
    const scratch = await createScratchDb(serverUrl, prefix, 1);
    return {
      async query(sql, params) {
        await scratch.db.query(sql, params as never[]);
      },
      async copyFile(target, path, header = false) {
        const t0 = performance.now();
        await scratch.db.copyFrom!(
          `COPY ${target} FROM STDIN (FORMAT csv, HEADER ${header})`,
          createReadStream(path, { highWaterMark: 1 << 20 }),
        );
        return performance.now() - t0;
      },
      close: () => scratch.drop(),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const pglite = await PGlite.create(dir, { extensions: { pg_trgm, btree_gin } });
  const db: Db = {
    kind: 'pglite',
    ...pgliteQueryable(pglite),
    transaction: (fn) => pglite.transaction((tx) => fn(pgliteQueryable(tx))),
    close: () => pglite.close(),
  };
  await migrate(db);
  return {
    async query(sql, params) {
      await pglite.query(sql, params);
    },
    async copyFile(target, path, header = false) {
      const blob = await openAsBlob(path);
      const t0 = performance.now();
      await pglite.query(`COPY ${target} FROM '/dev/blob' (FORMAT csv, HEADER ${header})`, [], { blob });
      return performance.now() - t0;
    },
    async close() {
      await pglite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
