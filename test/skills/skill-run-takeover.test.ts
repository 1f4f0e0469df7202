import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { createInProcessQueue } from '../../src/jobs/in-process-queue.ts';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { createPgBossQueue } from '../../src/jobs/pg-boss-queue.ts';
import { WORKER_ID } from '../../src/jobs/worker-id.ts';
import { createLogger } from '../../src/logger.ts';
import '../../src/skills/all-skills.ts';
import { registerSkillRunWorker } from '../../src/skills/skill-dispatch.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

let t: TestDb;
let queue: JobQueue;
before(async () => {
  t = await createTestDb();
  const log = createLogger('silent');
  queue = t.url ? createPgBossQueue(t.url, log) : createInProcessQueue(log);
});
after(async () => {
  await queue?.stop();
  await t?.close();
});

test('a skill run whose process stopped beating is run again by a live worker; a beating one is left alone', async () => {
  const ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'Lost runs' }))).id;
  const insert = (worker: string, heartbeat: string) =>
    t.db.query<{ id: string }>(
      `INSERT INTO skill_runs (workspace_id, skill_id, status, inputs, started_at, worker_id, heartbeat_at)
       VALUES ($1, 'pipeline-hygiene', 'running', '{}', now() - interval '5 minutes', $2, now() + $3::interval)
       RETURNING id`,
      [ws, worker, heartbeat],
    );
  // One process died a minute ago; another is alive and keeps its heartbeat fresh.
  const lost = (await insert('gone:1', '-1 minute')).rows[0]!.id;
  const alive = (await insert('alive:2', '1 hour')).rows[0]!.id;

  await queue.start();
  await registerSkillRunWorker(queue, {
    db: t.db,
    config: loadConfig({ PANDORA_SYNC_STALE_SECONDS: '1', LOG_LEVEL: 'silent' }),
    vault: createCredentialVault(randomBytes(32)),
    log: createLogger('silent'),
    queue,
  });
  let row: { status: string; worker_id: string; result: unknown } | undefined;
  for (let i = 0; i < 240; i++) {
    const { rows } = await t.db.query<{ status: string; worker_id: string; result: unknown }>(
      `SELECT status, worker_id, result FROM skill_runs WHERE id = $1`,
      [lost],
    );
    row = rows[0];
    if (row?.status === 'succeeded' || row?.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(row?.status, 'succeeded');
  assert.equal(row?.worker_id, WORKER_ID);
  assert.ok(row?.result);
  const other = await t.db.query(`SELECT status, worker_id FROM skill_runs WHERE id = $1`, [alive]);
  assert.deepEqual(other.rows[0], { status: 'running', worker_id: 'alive:2' });
});
