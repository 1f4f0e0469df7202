import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { runTableMaintenance } from '../../src/db/table-maintenance.ts';
import { createStatisticsKeeper, refreshStatistics } from '../../src/db/table-statistics.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { generateWorld } from '../../src/generator/world.ts';
import { runLinker } from '../../src/linker/linker-run.ts';
import { withLinkerStatistics } from '../../src/linker/linker-statistics.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { seedGtmWorld } from '../helpers/seed-gtm.ts';
import { createTestDb, serverUrl, type TestDb } from '../helpers/test-db.ts';

const counts = (inserted: number) => ({ inserted, updated: 0, unchanged: 0 });

describe('statistics kept current during a sync', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
    const ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'A' }))).id;
    await seedGtmWorld(t.db, ws, { deals: 60 });
  });
  after(() => t.close());

  const estimatedRows = async (table: string) =>
    Number(
      (
        await t.db.query<{ n: number }>('SELECT reltuples AS n FROM pg_class WHERE oid = $1::regclass', [
          table,
        ])
      ).rows[0]!.n,
    );

  test('a table is analysed at 10k rows inserted by the sync, then each time they double', async () => {
    const keeper = createStatisticsKeeper(t.db, createLogger('silent'));
    const before = await estimatedRows('deals');
    await keeper.afterPage({ deals: counts(9_999), not_a_table: counts(50_000) });
    assert.equal(await estimatedRows('deals'), before, 'below the first threshold nothing runs');
    await keeper.afterPage({ deals: counts(10_000) });
    assert.equal(await estimatedRows('deals'), 60, 'ANALYZE ran and counted the rows');
    await t.db.query(`DELETE FROM deals WHERE source_id LIKE '%1'`);
    await keeper.afterPage({ deals: counts(19_999) });
    assert.equal(await estimatedRows('deals'), 60, 'the next ANALYZE waits for twice the rows');
    await keeper.afterPage({ deals: counts(20_000) });
    assert.ok((await estimatedRows('deals')) < 60);
  });
});

describe('statistics left fresh by every bulk writer', () => {
  let t: TestDb;
  let ws: string;
  before(async () => {
    t = await createTestDb();
    ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'B' }))).id;
  });
  after(() => t.close());

  const reltuples = async (table: string) =>
    Number(
      (
        await t.db.query<{ n: number }>('SELECT reltuples AS n FROM pg_class WHERE oid = $1::regclass', [
          table,
        ])
      ).rows[0]!.n,
    );
  // A server backend reports its counters up to seconds after a write; one arriving after the next
  // ANALYZE would count as changes made since. The write and a forced flush go in one round trip on one
  // connection, and the backend flushes before it answers.
  const write = (sql: string) => t.db.exec(`${sql}; SELECT pg_stat_force_next_flush()`);

  test('a never-analysed table with rows is analysed; fresh statistics are left alone', async () => {
    await t.db.exec(`CREATE TABLE stats_probe (id int PRIMARY KEY, v text)`);
    await write(`INSERT INTO stats_probe SELECT g, 'x' FROM generate_series(1, 1000) g`);
    assert.equal(await reltuples('stats_probe'), -1, 'never analysed');
    assert.deepEqual(await refreshStatistics(t.db, { stats_probe: 0 }), ['stats_probe']);
    assert.equal(await reltuples('stats_probe'), 1000);
    assert.deepEqual(await refreshStatistics(t.db, { stats_probe: 0 }), [], 'nothing changed since');
  });

  test("a writer's own count beyond 50 + 10 % of the table triggers ANALYZE; below it does not", async () => {
    await write(`INSERT INTO stats_probe SELECT g, 'y' FROM generate_series(1001, 1100) g`);
    assert.deepEqual(await refreshStatistics(t.db, { stats_probe: 100 }), [], '100 < 50 + 100');
    await write(`INSERT INTO stats_probe SELECT g, 'y' FROM generate_series(1101, 1200) g`);
    assert.deepEqual(await refreshStatistics(t.db, { stats_probe: 200 }), ['stats_probe']);
    assert.equal(await reltuples('stats_probe'), 1200);
    assert.deepEqual(await refreshStatistics(t.db, { not_a_table: 1e6 }), [], 'unknown names are skipped');
  });

  test('the generator leaves every table it filled analysed, so the linker plans with real row counts', async () => {
    await generateWorld(t.db, ws, { deals: 40, seed: 7 });
    for (const table of [
      'accounts',
      'contacts',
      'deals',
      'conversations',
      'deal_contacts',
      'deal_pipeline_rollups',
    ]) {
      const n = await reltuples(table);
      const real = Number(
        (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n,
      );
      assert.ok(n >= 0, `${table} analysed`);
      assert.ok(Math.abs(n - real) <= Math.max(5, real * 0.1), `${table}: estimate ${n} for ${real} rows`);
    }
  });

  test('a linker run analyses stale inputs first: rows written behind every writer are counted', async () => {
    const before = await reltuples('conversations');
    await t.db.query(
      /* sql */ `INSERT INTO conversations (workspace_id, source, source_id, title, started_at, participants)
                 SELECT $1::uuid, 'probe', 'p' || g, 'call ' || g, now(), '[]'::jsonb FROM generate_series(1, 400) g`,
      [ws],
    );
    await withLinkerStatistics(
      t.db,
      () => withWorkspace(t.db, ws, (tx) => runLinker(tx, ws)),
      (r) => r,
    );
    assert.ok(
      (await reltuples('conversations')) >= before + 350,
      'the 400 new conversations are in the estimate',
    );
  });
});

describe('embedded table maintenance', {
  skip: serverUrl ? 'autovacuum does this on a server' : false,
}, () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(() => t.close());

  const deadRows = async () => {
    await t.db.query('SELECT pg_stat_force_next_flush()');
    return Number(
      (
        await t.db.query<{ n: number }>(
          `SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'maintenance_probe'`,
        )
      ).rows[0]!.n,
    );
  };

  test('a pass vacuums a table whose dead rows passed the threshold, and only then', async () => {
    await t.db.exec(`CREATE TABLE maintenance_probe (id int PRIMARY KEY, v text)`);
    await t.db.exec(`INSERT INTO maintenance_probe SELECT g, 'x' FROM generate_series(1, 2000) g`);
    const first = await runTableMaintenance(t.db);
    assert.ok(first.analysed.includes('public.maintenance_probe'), 'never analysed: analysed');
    assert.ok(!first.vacuumed.includes('public.maintenance_probe'));
    for (let round = 0; round < 3; round++) await t.db.exec(`UPDATE maintenance_probe SET v = v || 'y'`);
    assert.ok((await deadRows()) >= 2000, 'upserts and updates leave dead row versions');
    const second = await runTableMaintenance(t.db);
    assert.ok(second.vacuumed.includes('public.maintenance_probe'));
    assert.equal(await deadRows(), 0, 'the dead rows are gone');
    const size = async () =>
      Number(
        (await t.db.query<{ n: number }>(`SELECT pg_relation_size('maintenance_probe') AS n`)).rows[0]!.n,
      );
    // With a pass between rounds of updates the table reuses its space instead of growing each round.
    const sizes: number[] = [];
    for (let round = 0; round < 6; round++) {
      await t.db.exec(`UPDATE maintenance_probe SET v = v || 'z'`);
      await runTableMaintenance(t.db);
      sizes.push(await size());
    }
    assert.ok(sizes[5]! <= sizes[1]! * 1.3, `table size stays bounded: ${sizes.join(', ')}`);
    const idle = await runTableMaintenance(t.db);
    assert.deepEqual([idle.vacuumed, idle.analysed], [[], []], 'nothing stale: nothing done');
  });

  test('each VACUUM and ANALYZE runs alone, with a turn of the event loop for requests before it', async () => {
    for (const table of ['turn_probe_a', 'turn_probe_b']) {
      await t.db.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
      await t.db.exec(`INSERT INTO ${table} SELECT g, 'x' FROM generate_series(1, 1000) g`);
      await t.db.exec(`UPDATE ${table} SET v = 'y'`);
    }
    // Counts turns of the event loop: a request read in a poll phase is answered in one.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const statements: { sql: string; turns: number }[] = [];
    const recorded = new Proxy(t.db, {
      get(target, prop, receiver) {
        if (prop === 'exec')
          return (sql: string) => {
            statements.push({ sql, turns });
            return target.exec(sql);
          };
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    try {
      const pass = await runTableMaintenance(recorded);
      assert.ok(
        pass.vacuumed.includes('public.turn_probe_a') && pass.vacuumed.includes('public.turn_probe_b'),
      );
    } finally {
      ticking = false;
    }
    assert.deepEqual(
      statements.filter((s) => /turn_probe/.test(s.sql)).map((s) => s.sql),
      [
        'VACUUM public.turn_probe_a',
        'ANALYZE public.turn_probe_a',
        'VACUUM public.turn_probe_b',
        'ANALYZE public.turn_probe_b',
      ],
    );
    for (let i = 1; i < statements.length; i++)
      assert.ok(statements[i]!.turns > statements[i - 1]!.turns, `a turn before "${statements[i]!.sql}"`);

    // A writer's statistics refresh too, before its first ANALYZE: the writer's own statements just ran.
    for (const table of ['turn_probe_a', 'turn_probe_b']) await t.db.exec(`UPDATE ${table} SET v = 'z'`);
    statements.length = 0;
    ticking = true;
    setImmediate(tick);
    try {
      const before = turns;
      const analysed = await refreshStatistics(recorded, { turn_probe_a: 1000, turn_probe_b: 1000 });
      assert.deepEqual(analysed.sort(), ['turn_probe_a', 'turn_probe_b']);
      const analyses = statements.filter((s) => s.sql.startsWith('ANALYZE'));
      assert.equal(analyses.length, 2);
      assert.ok(analyses[0]!.turns > before, 'a turn before the first ANALYZE');
      assert.ok(analyses[1]!.turns > analyses[0]!.turns, 'and between two');
    } finally {
      ticking = false;
    }
  });
});
