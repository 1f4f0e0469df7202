import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { createPgliteSession, TransactionRolledBackError } from '../../src/db/pglite-session.ts';

// The embedded driver's own wire-protocol session (src/db/pglite-session.ts), whichever backend the
// suite runs on.
describe('the embedded session', () => {
  let db: Db;
  const prepared = async () =>
    (await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map(
      (r) => r.statement,
    );

  before(async () => {
    db = await createPgliteDb();
    await db.exec('CREATE TABLE items (id int PRIMARY KEY, name text)');
  });
  after(() => db.close());

  test('reads are kept prepared and run again from it; writes are not kept', async () => {
    for (let i = 1; i <= 3; i++) {
      await db.transaction((tx) => tx.query('INSERT INTO items (id, name) VALUES ($1, $2)', [i, `n${i}`]));
      const { rows } = await db.transaction((tx) =>
        tx.query<{ name: string }>('SELECT name FROM items WHERE id = $1', [i]),
      );
      assert.deepEqual(rows, [{ name: `n${i}` }]);
    }
    const kept = await prepared();
    assert.equal(kept.filter((s) => s === 'SELECT name FROM items WHERE id = $1').length, 1);
    assert.ok(kept.includes('BEGIN') && kept.includes('COMMIT'), JSON.stringify(kept));
    assert.ok(!kept.some((s) => s.startsWith('INSERT')), JSON.stringify(kept));
  });

  test('a read kept before its table changed returns the new columns', async () => {
    const read = () => db.query<Record<string, unknown>>('SELECT * FROM items WHERE id = $1', [1]);
    assert.deepEqual(Object.keys((await read()).rows[0]!), ['id', 'name']);
    await db.exec('ALTER TABLE items ADD COLUMN tag text');
    assert.deepEqual((await read()).rows[0], { id: 1, name: 'n1', tag: null });
  });

  test('a megabyte parameter refused at Bind leaves the session usable, in a transaction or not', async () => {
    const bulk = 'x'.repeat(1 << 20);
    await assert.rejects(db.query('SELECT $1::int AS n', [bulk]), { code: '22P02' });
    assert.deepEqual((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, name) VALUES (10, $1)', ['kept?']);
        await tx.query('INSERT INTO items (id, name) VALUES ($1::int, $2)', [bulk, 'bulk']);
      }),
      { code: '22P02' },
    );
    await db.transaction((tx) => tx.query(`INSERT INTO items (id, name) VALUES (11, $1)`, ['after']));
    const { rows } = await db.query<{ id: number }>('SELECT id FROM items WHERE id >= 10 ORDER BY id');
    assert.deepEqual(rows, [{ id: 11 }], 'the failed transaction was rolled back, the next one committed');
    // A bulk parameter that binds is written.
    await db.transaction((tx) => tx.query('INSERT INTO items (id, name) VALUES (12, $1)', [bulk]));
    const { rows: big } = await db.query<{ n: number }>('SELECT length(name) AS n FROM items WHERE id = 12');
    assert.equal(big[0]!.n, 1 << 20);
  });

  test('a transaction whose failed statement was caught is rolled back, and says so', async () => {
    // Through the driver: its closing statement finds the transaction aborted.
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO items (id, name) VALUES (20, 'lost')`);
        await tx.query('SELECT 1 / 0').catch(() => undefined);
      }),
      { code: '25P02' },
    );
    assert.equal((await db.query('SELECT 1 FROM items WHERE id = 20')).rows.length, 0);
    assert.deepEqual((await db.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
    // The session alone, committing with nothing before COMMIT: COMMIT answers ROLLBACK.
    const pglite = await PGlite.create();
    try {
      const session = createPgliteSession(pglite);
      await pglite.exec('CREATE TABLE t (id int)');
      await assert.rejects(
        session.transaction(undefined, async (tx) => {
          await tx.query('INSERT INTO t VALUES (1)');
          await tx.query('SELECT 1 / 0').catch(() => undefined);
        }),
        TransactionRolledBackError,
      );
      assert.deepEqual((await session.query('SELECT count(*)::int AS n FROM t')).rows, [{ n: 0 }]);
    } finally {
      await pglite.close();
    }
  });

  test('at most 200 reads stay prepared, the least recently used closed first', async () => {
    for (let i = 0; i < 250; i++) await db.query(`SELECT $1::int + ${i} AS n`, [1]);
    const kept = await prepared();
    assert.ok(kept.length <= 200, `${kept.length} prepared`);
    assert.ok(kept.includes('SELECT $1::int + 249 AS n'));
    assert.ok(!kept.includes('SELECT $1::int + 0 AS n'));
  });

  test("answers read as PGlite's own query reads them: every type, nulls, multibyte text, counts, errors", async () => {
    const pglite = await PGlite.create();
    try {
      const session = createPgliteSession(pglite);
      await pglite.exec(`CREATE TABLE typed (
        id int PRIMARY KEY, label text, big bigint, amount numeric(14,2), ratio float8, flag boolean,
        doc jsonb, raw json, at timestamptz, day date, uid uuid, bytes bytea, tags text[], counts int[])`);
      const row = [
        1,
        'Zoë — 東京 🚀 "quoted"',
        '9007199254740993',
        '1234567.89',
        0.1,
        true,
        JSON.stringify({ name: 'Ünïcödé', nested: [1, null, { x: '🚀' }] }),
        '{"a": 1}',
        '2026-03-01T10:00:00.123456Z',
        '2026-03-01',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        new Uint8Array([0, 1, 254, 255]),
        ['a', 'b,c', '', null],
        [1, 2, 3],
      ];
      const insert = `INSERT INTO typed VALUES (${row.map((_, i) => `$${i + 1}`).join(', ')})`;
      await pglite.query(insert, row);
      await pglite.query(`INSERT INTO typed (id, label) VALUES (2, ''), (3, NULL)`);
      const reads = [
        'SELECT * FROM typed ORDER BY id',
        'SELECT label, label AS label FROM typed ORDER BY id', // a repeated name: the last one wins
        'SELECT * FROM typed WHERE id < 0',
        `SELECT count(*)::int AS n, repeat('é', 70000) AS long FROM typed`,
      ];
      for (const sql of reads) {
        const ours = await session.query(sql);
        const theirs = await pglite.query(sql);
        assert.deepEqual(ours.rows, theirs.rows, sql);
        assert.deepEqual(ours.fields, theirs.fields, sql);
      }
      const updated = await session.query(`UPDATE typed SET flag = NOT coalesce(flag, false) WHERE id > 0`);
      assert.equal(updated.affectedRows, 3);
      assert.equal(updated.rows.length, 0);
      // What the server said (PGlite's query adds the statement and its parameters besides).
      const error = (p: Promise<unknown>) =>
        p.then(
          () => assert.fail('expected an error'),
          (e: Record<string, unknown>) =>
            Object.fromEntries(
              ['name', 'message', 'severity', 'code', 'detail', 'schema', 'table', 'constraint'].map((k) => [
                k,
                e[k],
              ]),
            ),
        );
      assert.deepEqual(await error(session.query(insert, row)), await error(pglite.query(insert, row)));
      assert.deepEqual((await session.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    } finally {
      await pglite.close();
    }
  });
});
