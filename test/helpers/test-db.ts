/**
 * A fresh, migrated database per test file: in-memory PGlite by default, or a new database on the
 * PostgreSQL server named by DATABASE_URL (dropped again on close). Both start from a copy of a database
 * migrated once per change to the migrations (a tar in the temp folder; a template database).
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
  return serverTestDb(null);
}

/** A new database on the server, empty or a copy of `template`; dropped again on close. */
async function serverTestDb(template: string | null): Promise<TestDb> {
  const name = `pandora_test_${randomBytes(6).toString('hex')}`;
  const admin = createPgDb(serverUrl!, 1);
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  const db = createPgDb(databaseUrl(name), 8);
  return {
    db,
    url: databaseUrl(name),
    async close() {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

function databaseUrl(name: string): string {
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

// A copy of a migrated database: each test file would otherwise spend seconds on every migration (and on
// PGlite, an empty cluster). migrate() then finds nothing to do, which checks the copy.
export async function createTestDb(): Promise<TestDb> {
  const t = serverUrl
    ? await serverTestDb(await migratedServerTemplate())
    : await (async () => {
        const db = await createPgliteDb(undefined, { fromDump: await migratedPgliteFiles() });
        return { db, url: undefined, close: () => db.close() };
      })();
  await migrate(t.db);
  return t;
}

const root = join(import.meta.dirname, '..', '..');

/** Changes with the migrations, the migration runner, the drivers and PGlite: names the migrated copies. */
function migrationInputsHash(): string {
  const hash = createHash('sha256');
  const migrations = join(root, 'src', 'migrations');
  for (const name of readdirSync(migrations).sort())
    hash.update(name).update(readFileSync(join(migrations, name)));
  for (const file of [
    'src/db/migrate.ts',
    'src/db/pglite-driver.ts',
    'src/db/pg-driver.ts',
    'node_modules/@electric-sql/pglite/package.json',
  ])
    hash.update(readFileSync(join(root, file)));
  return hash.digest('hex').slice(0, 16);
}

/** The files of a freshly migrated PGlite database, made once and kept in the temp folder for every test process. */
async function migratedPgliteFiles(): Promise<Blob> {
  const path = join(tmpdir(), `pandora-test-pglite-${migrationInputsHash()}.tar`);
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

// Any one value: it only keeps test processes from building the same template at once.
const TEMPLATE_LOCK = 7_315_004;

/**
 * A migrated database on the server that test databases are created from, made once per migration
 * change. It is built under another name and renamed when complete, so a build that died is never copied.
 */
async function migratedServerTemplate(): Promise<string> {
  const name = `pandora_test_template_${migrationInputsHash()}`;
  const admin = createPgDb(serverUrl!, 1);
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length === 0) {
      const building = `${name}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const db = createPgDb(databaseUrl(building), 1);
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    }
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    return name;
  } finally {
    await admin.close();
  }
}
