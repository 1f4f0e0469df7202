/**
 * A fresh, migrated database per test file: in-memory PGlite by default, or a new database on the
 * PostgreSQL server named by DATABASE_URL (dropped again on close).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';

export const serverUrl = process.env.DATABASE_URL || undefined;

export interface TestDb {
  db: Db;
  /** Connection string of this test's own database (server backend only). */
  url: string | undefined;
  close(): Promise<void>;
}

export async function createEmptyTestDb(): Promise<TestDb> {
  if (!serverUrl) {
    const db = await createPgliteDb();
    return { db, url: undefined, close: () => db.close() };
  }
  const name = `pandora_test_${randomBytes(6).toString('hex')}`;
  const admin = createPgDb(serverUrl, 1);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createPgDb(url.toString(), 8);
  return {
    db,
    url: url.toString(),
    async close() {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

export async function createTestDb(): Promise<TestDb> {
  const t = await createEmptyTestDb();
  await migrate(t.db);
  return t;
}
