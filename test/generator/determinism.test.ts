import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateWorld } from '../../src/generator/world.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';
import { snapshotWorld } from './world-snapshot.ts';

let t: TestDb;
before(async () => {
  t = await createTestDb();
});
after(() => t.close());

async function world(seed: number, chunkDeals?: number) {
  const ws = await createWorkspace(t.db, { name: `seed ${seed}` });
  const summary = await generateWorld(t.db, ws.id, {
    deals: 120,
    seed,
    ...(chunkDeals ? { chunkDeals } : {}),
  });
  return { summary, snapshot: await snapshotWorld(t.db, ws.id) };
}

test('the same seed writes identical worlds, whatever the chunk size; another seed writes another', async () => {
  const a = await world(7);
  const b = await world(7, 9);
  const c = await world(8);

  assert.deepEqual(b.snapshot, a.snapshot);
  assert.equal(b.summary.internalDomain, a.summary.internalDomain);
  assert.deepEqual(b.summary.reps, a.summary.reps);

  assert.notDeepEqual(c.snapshot.deals, a.snapshot.deals);
  const idsA = new Set(a.snapshot.deals!.map((r) => JSON.parse(r).source_id));
  const idsC = c.snapshot.deals!.map((r) => JSON.parse(r).source_id);
  assert.ok(
    idsC.every((id) => !idsA.has(id)),
    'source ids depend on the seed',
  );
});
