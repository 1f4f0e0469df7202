/**
 * The migration runner: numbered .sql files applied once each, in order, each in its own transaction,
 * recorded with a SHA-256 checksum. An edited applied file stops the runner: migrations are append-only.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

// Any constant works; it only has to be the same for every Pandora process on the database.
const MIGRATION_LOCK_KEY = 728_443_001;

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((f) => /^\d{3,}_[\w-]+\.sql$/.test(f)).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const sql = await readFile(`${dir}/${name}`, 'utf8');
    files.push({
      version: Number.parseInt(name, 10),
      name,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  const versions = new Set<number>();
  for (const f of files) {
    if (versions.has(f.version)) throw new MigrationError(`two migration files share version ${f.version}`);
    versions.add(f.version);
  }
  return files;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(db: Db, dir = DEFAULT_MIGRATIONS_DIR): Promise<MigrateResult> {
  const files = await readMigrations(dir);
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });

  const applied: string[] = [];
  let alreadyApplied = 0;
  // Each file in its own transaction, holding the lock and re-reading what is applied, so two processes
  // starting at once apply every file exactly once: the second waits, then finds it done.
  for (const file of files) {
    const didApply = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const { rows } = await tx.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations');
      verifyApplied(rows, files);
      if (rows.some((r) => r.version === file.version)) return false;
      await tx.exec(file.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        file.version,
        file.name,
        file.checksum,
      ]);
      return true;
    });
    if (didApply) applied.push(file.name);
    else alreadyApplied++;
  }
  if (files.length === 0) {
    const { rows } = await db.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations');
    verifyApplied(rows, files);
  }
  return { applied, alreadyApplied };
}

function verifyApplied(rows: AppliedRow[], files: MigrationFile[]): void {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of rows) {
    const file = byVersion.get(row.version);
    if (!file) {
      throw new MigrationError(
        `the database has migration ${row.name}, which this code does not have; run a newer Pandora`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${file.name} was edited after it was applied (checksum mismatch); ` +
          'applied migrations are append-only: revert the edit and add a new numbered migration instead',
      );
    }
  }
}
