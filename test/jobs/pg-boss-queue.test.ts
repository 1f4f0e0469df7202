import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { createPgBossQueue } from '../../src/jobs/pg-boss-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDb, serverUrl, type TestDb } from '../helpers/test-db.ts';

const skip = serverUrl ? false : 'pg-boss needs the server backend (DATABASE_URL)';

let t: TestDb;
const queues: JobQueue[] = [];
before(async () => {
  if (skip) return;
  t = await createTestDb();
});
after(async () => {
  for (const q of queues) await q.stop();
  await t?.close();
});

test('two pg-boss workers share one queue and never run a job twice', { skip }, async () => {
  const log = createLogger('silent');
  const runs = new Map<string, number>();
  for (let i = 0; i < 2; i++) {
    const q = createPgBossQueue(t.url!, log);
    await q.start();
    await q.work('post-sync', async (data) => {
      runs.set(data.sync_log_id, (runs.get(data.sync_log_id) ?? 0) + 1);
    });
    queues.push(q);
  }
  const ids = Array.from({ length: 20 }, () => randomUUID());
  for (const id of ids) {
    await queues[0]!.send('post-sync', {
      workspace_id: randomUUID(),
      connector_name: 'hubspot',
      sync_log_id: id,
    });
  }
  await queues[0]!.idle(60_000);
  assert.equal(runs.size, 20);
  assert.ok([...runs.values()].every((n) => n === 1));
  // pg-boss's own tables carry no workspace_id, so the tenant RLS catalog rule does not reach them.
  const { rows } = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'pgboss' AND column_name = 'workspace_id'`,
  );
  assert.equal(rows[0]!.n, 0);
});
