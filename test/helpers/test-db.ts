/**
 * A fresh, migrated database per test file: in-memory PGlite by default, or a new database on the
 * PostgreSQL server named by DATABASE_URL (dropped again on close).
 */
import { createHash, randomBytes } from 'node:crypto';
import { openAsBlob, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createPgliteDb, dumpPgliteDataDir } from '../../src/db/pglite-driver.ts';

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
  if (!serverUrl) {
    // A copy of a migrated database: each test file would otherwise spend seconds on an empty cluster
    // and every migration. migrate() then finds nothing to do, which checks the copy.
    const db = await createPgliteDb(undefined, { fromDump: await migratedPgliteFiles() });
    await migrate(db);
    return { db, url: undefined, close: () => db.close() };
  }
  const t = await createEmptyTestDb();
  await migrate(t.db);
  return t;
}

const root = join(import.meta.dirname, '..', '..');

/**
 * The files of a freshly migrated PGlite database, made once and kept in the temp folder for every test
 * process, under a name that changes with the migrations, the migration runner, the driver and PGlite.
 */
async function migratedPgliteFiles(): Promise<Blob> {
  const hash = createHash('sha256');
  const migrations = join(root, 'src', 'migrations');
  for (const name of readdirSync(migrations).sort())
    hash.update(name).update(readFileSync(join(migrations, name)));
  for (const file of [
    'src/db/migrate.ts',
    'src/db/pglite-driver.ts',
    'node_modules/@electric-sql/pglite/package.json',
  ])
    hash.update(readFileSync(join(root, file)));
  const path = join(tmpdir(), `pandora-test-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
  try {
    return await openAsBlob(path);
  } catch {
    const files = await dumpPgliteDataDir(async (db) => {
      await migrate(db);
    });
    // Written aside and renamed: a test process starting meanwhile never reads half a file.
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await files.arrayBuffer()));
    renameSync(partial, path);
    return files;
  }
}
