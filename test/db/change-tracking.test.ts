import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';

let db: Db;
before(async () => {
  db = await createPgliteDb();
  await db.exec(`CREATE TABLE probe_a (id int PRIMARY KEY, v int);
                 CREATE TABLE probe_b (id int PRIMARY KEY, v int);
                 INSERT INTO probe_a SELECT g, g FROM generate_series(1, 500) g;
                 INSERT INTO probe_b SELECT g, g FROM generate_series(1, 500) g;
                 ANALYZE probe_a, probe_b`);
  // The setup's own scans are reported, so the first footprint counts only its transaction.
  await db.query('SELECT pg_stat_force_next_flush()');
});
after(() => db.close());

async function tablesRead(work: () => Promise<unknown>): Promise<string[]> {
  const read = new Set<string>();
  await db.changes!.recordingReads(read, work);
  return [...read].sort();
}

test('the tables a transaction read are recorded, through a sequential or an index scan alone', async () => {
  assert.deepEqual(await tablesRead(() => db.transaction((tx) => tx.query('SELECT sum(v) FROM probe_a'))), [
    'probe_a',
  ]);
  const byIndex = await tablesRead(() =>
    db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('enable_seqscan', 'off', true)`);
      const { rows } = await tx.query<{ plan: string }>(`EXPLAIN SELECT id FROM probe_b WHERE id = 7`);
      assert.match(JSON.stringify(rows), /Index/);
      return tx.query('SELECT id FROM probe_b WHERE id = 7');
    }),
  );
  assert.deepEqual(byIndex, ['probe_b']);
  assert.deepEqual(await tablesRead(() => db.query('SELECT 1')), ['*'], 'an outer read is unattributed');
});

test('a committed write counts for the tables it changed only; a rolled-back one for none', async () => {
  const tracker = db.changes!;
  const before = tracker.snapshot();
  const onA = tracker.stampOf(before, ['probe_a']);
  const onB = tracker.stampOf(before, ['probe_b']);
  await db.transaction((tx) => tx.query('UPDATE probe_a SET v = v + 1 WHERE id = 1'));
  assert.equal(tracker.isCurrent(onA), false);
  assert.equal(tracker.isCurrent(onB), true);
  const again = tracker.stampOf(tracker.snapshot(), ['probe_b']);
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query('UPDATE probe_b SET v = 0');
      throw new Error('rolled back');
    }),
  );
  assert.equal(tracker.isCurrent(again), true);
  await db.query('UPDATE probe_b SET v = v WHERE id = 2'); // an outer write names its table too
  assert.equal(tracker.isCurrent(again), false);
  const afterMaintenance = tracker.stampOf(tracker.snapshot(), ['probe_a', 'probe_b']);
  await db.exec('VACUUM ANALYZE probe_a');
  assert.equal(tracker.isCurrent(afterMaintenance), true, 'maintenance changes no row');
  await db.exec('CREATE TABLE probe_c (id int)');
  assert.equal(tracker.isCurrent(afterMaintenance), false, 'a script may change any table');
});
