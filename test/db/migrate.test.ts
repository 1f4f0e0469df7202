import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MIGRATIONS_DIR, migrate, MigrationError, readMigrations } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createEmptyTestDb, type TestDb } from '../helpers/test-db.ts';

describe('migrations', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pandora-migrations-'));
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a fresh database gets every file once; a re-run applies nothing', async () => {
    const t = await createEmptyTestDb();
    try {
      const files = await readMigrations(dir);
      const first = await migrate(t.db, dir);
      assert.deepEqual(
        first.applied,
        files.map((f) => f.name),
      );
      const second = await migrate(t.db, dir);
      assert.deepEqual(second, { applied: [], alreadyApplied: files.length });
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      assert.equal(rows[0]!.n, files.length);
    } finally {
      await t.close();
    }
  });

  test('a new file is applied on the next run; an edited applied file stops the runner', async () => {
    const t = await createEmptyTestDb();
    try {
      await migrate(t.db, dir);
      await writeFile(join(dir, '900_extra.sql'), 'CREATE TABLE extra_thing (id int);');
      assert.deepEqual((await migrate(t.db, dir)).applied, ['900_extra.sql']);
      await appendFile(join(dir, '900_extra.sql'), '\n-- edited\n');
      await assert.rejects(migrate(t.db, dir), (err: Error) => {
        assert.ok(err instanceof MigrationError);
        assert.match(err.message, /900_extra\.sql was edited/);
        return true;
      });
    } finally {
      await rm(join(dir, '900_extra.sql'), { force: true });
      await t.close();
    }
  });

  test('a failing migration leaves nothing behind and the database stays usable', async () => {
    const t = await createEmptyTestDb();
    const broken = await mkdtemp(join(tmpdir(), 'pandora-broken-'));
    try {
      await writeFile(join(broken, '001_ok.sql'), 'CREATE TABLE ok_table (id int);');
      await writeFile(
        join(broken, '002_bad.sql'),
        'CREATE TABLE half_done (id int);\nSELECT no_such_function();',
      );
      await assert.rejects(migrate(t.db, broken));
      const { rows } = await t.db.query<{ half: string | null; ok: string | null }>(
        "SELECT to_regclass('half_done')::text AS half, to_regclass('ok_table')::text AS ok",
      );
      assert.equal(rows[0]!.half, null);
      assert.equal(rows[0]!.ok, 'ok_table');
    } finally {
      await rm(broken, { recursive: true, force: true });
      await t.close();
    }
  });

  test('two processes migrating one database at once apply each file exactly once', {
    skip:
      !process.env.DATABASE_URL && 'needs DATABASE_URL (PGlite allows one process; see data-dir-lock test)',
  }, async () => {
    const t: TestDb = await createEmptyTestDb();
    // Two independent pools stand in for two processes: separate sessions, same database.
    const a = createPgDb(t.url!, 2);
    const b = createPgDb(t.url!, 2);
    try {
      const [ra, rb] = await Promise.all([migrate(a, dir), migrate(b, dir)]);
      const files = await readMigrations(dir);
      assert.equal(ra.applied.length + rb.applied.length, files.length);
      assert.deepEqual([...ra.applied, ...rb.applied].sort(), files.map((f) => f.name).sort());
    } finally {
      await a.close();
      await b.close();
      await t.close();
    }
  });
});
