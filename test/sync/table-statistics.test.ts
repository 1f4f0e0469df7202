import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { createStatisticsKeeper } from '../../src/sync/table-statistics.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { seedGtmWorld } from '../helpers/seed-gtm.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

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
