/**
 * A fresh, migrated database per test file: in-memory PGlite by default, or a new database on the
 * PostgreSQL server named by DATABASE_URL (dropped again on close). Both start from a copy of a database
 * migrated once per change to the migrations (a tar in the temp folder; a template database).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  return serverTestDb('empty');
}

/** A new database on the server, empty or a copy of the migrated template; dropped again on close. */
async function serverTestDb(from: 'empty' | 'template'): Promise<TestDb> {
  const name = `pandora_test_${randomBytes(6).toString('hex')}`;
  const admin = createPgDb(serverUrl!, 1);
  if (from === 'template') await createFromTemplate(admin, name);
  else await admin.query(`CREATE DATABASE ${name}`);
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
    ? await serverTestDb('template')
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

/**
 * The files of a freshly migrated PGlite database, made once and kept in the temp folder for every test
 * process. Read whole at once, so a run of other migrations that removes this file meanwhile (below) only
 * makes a later test file build it again.
 */
async function migratedPgliteFiles(): Promise<Blob> {
  const name = `pandora-test-pglite-${migrationInputsHash()}.tar`;
  const path = join(tmpdir(), name);
  try {
    return new Blob([readFileSync(path)]);
  } catch {
    const files = await dumpPgliteDataDir(async (db) => {
      await migrate(db);
    });
    // Written aside and renamed: a test process starting meanwhile never reads half a file.
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await files.arrayBuffer()));
    renameSync(partial, path);
    // Copies made for other migrations are not kept (44 MB each).
    for (const other of readdirSync(tmpdir()))
      if (/^pandora-test-pglite-[0-9a-f]{16}\.tar$/.test(other) && other !== name)
        rmSync(join(tmpdir(), other), { force: true });
    return files;
  }
}

// Any one value: test processes building the template, or copying it, hold it.
const TEMPLATE_LOCK = 7_315_004;

/**
 * Creates database `name` as a copy of a migrated template, made once per migration change. The template
 * is built under another name and renamed when complete, so a build that died is never copied; templates
 * of other migrations are dropped then. Building and copying hold one lock, so no copy is taken of a
 * template being dropped.
 */
async function createFromTemplate(admin: Db, name: string): Promise<void> {
  const template = `pandora_test_template_${migrationInputsHash()}`;
  await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (rows.length === 0) {
      const others = await admin.query<{ datname: string }>(
        String.raw`SELECT datname FROM pg_database WHERE datname LIKE 'pandora\_test\_template\_%'`,
      );
      for (const { datname } of others.rows)
        await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      const building = `${template}_building`;
      await admin.query(`CREATE DATABASE ${building}`);
      const db = createPgDb(databaseUrl(building), 1);
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    }
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  }
}
