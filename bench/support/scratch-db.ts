/** A throwaway database on the server named by DATABASE_URL, migrated, for one benchmark run. */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';

export interface ScratchDb {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

export function serverUrlOrExit(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      'set DATABASE_URL to a PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres)',
    );
    process.exit(2);
  }
  return url;
}

export async function createScratchDb(serverUrl: string, prefix: string, poolSize = 8): Promise<ScratchDb> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = createPgDb(serverUrl, 1);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createPgDb(url.toString(), poolSize);
  await migrate(db);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}
