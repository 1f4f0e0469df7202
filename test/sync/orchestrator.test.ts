import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import type { ConnectorAdapter, SyncPage } from '../../src/connectors/adapter.ts';
import { saveConnection } from '../../src/connectors/connections.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { registerAdapter } from '../../src/connectors/registry.ts';
import { loadConfig } from '../../src/config.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createLogger } from '../../src/logger.ts';
import { runSync, type SyncDeps } from '../../src/sync/orchestrator.ts';
import {
  postSyncSteps,
  registerPostSyncStep,
  unregisterPostSyncStep,
} from '../../src/sync/post-sync-steps.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { requestSync } from '../../src/sync/sync-requests.ts';
import { runSchedulerTick } from '../../src/sync/scheduler.ts';
import { createInProcessQueue } from '../../src/jobs/in-process-queue.ts';
import { failWithDeadlock } from '../helpers/deadlock-trigger.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

/** An adapter over an in-memory list of pages; the cursor is the index of the next page. */
const pages: SyncPage[] = [
  {
    records: { accounts: [{ row: { source: 'memory', source_id: 'a1', name: 'Acme' } }] },
    cursor: { next: 1 },
  },
  {
    records: {
      deals: [
        {
          row: { source: 'memory', source_id: 'd1', name: 'Big deal', stage: 'Discovery' },
          refs: { account_id: { entity: 'accounts', source_id: 'a1' } },
        },
        {
          row: { source: 'memory', source_id: 'd2', name: 'Orphan', stage: 'Discovery' },
          refs: { account_id: { entity: 'accounts', source_id: 'missing' } },
        },
      ],
    },
    cursor: { next: 2 },
  },
];
const memoryAdapter: ConnectorAdapter<{ key: string }> = {
  name: 'memory',
  credentialsSchema: z.object({ key: z.string() }),
  http: {
    service: 'memory',
    defaultBaseUrl: () => 'http://127.0.0.1:9',
    authHeaders: () => ({}),
    rateLimit: { capacity: 1, refillPerSecond: 1 },
  },
  entities: () => ['accounts', 'deals'],
  async testConnection() {
    return undefined;
  },
  async *sync(_ctx, request) {
    for (let i = Number(request.cursor.next ?? 0); i < pages.length; i++) yield pages[i]!;
  },
};

describe('sync orchestrator, post-sync chain and scheduler', () => {
  let t: TestDb;
  let deps: SyncDeps;
  let ws: string;
  const vault = createCredentialVault(Buffer.alloc(32, 7));

  /** A new workspace with a connection of the in-memory adapter. */
  async function connectedWorkspace(name: string, settings?: Record<string, unknown>): Promise<string> {
    const id = (await t.db.transaction((tx) => createWorkspace(tx, { name, ...(settings && { settings }) })))
      .id;
    await withWorkspace(t.db, id, (tx) =>
      saveConnection(tx, id, {
        name: 'memory',
        credentials: vault.encrypt({ key: 'k' }),
        baseUrl: null,
        metadata: {},
      }),
    );
    return id;
  }

  before(async () => {
    registerAdapter(memoryAdapter);
    t = await createTestDb();
    deps = { db: t.db, config: loadConfig({ LOG_LEVEL: 'silent' }), log: createLogger('silent'), vault };
    ws = await connectedWorkspace('w', { sync_time: '06:30' });
  });
  after(() => t.close());

  test('refs resolve to uuids (missing ones to NULL) and post-sync steps run in order and are logged', async () => {
    const ran: string[] = [];
    registerPostSyncStep({
      name: 'second',
      order: 20,
      reactsTo: ['deals'],
      run: async () => {
        ran.push('second');
        return { ok: true };
      },
    });
    registerPostSyncStep({
      name: 'first',
      order: 10,
      reactsTo: ['accounts'],
      run: async () => {
        ran.push('first');
        throw new Error('step broke');
      },
    });
    registerPostSyncStep({
      name: 'other-connector',
      order: 15,
      reactsTo: ['conversations'],
      run: async () => void ran.push('gong'),
    });
    try {
      const { row } = await requestSync(deps, ws, 'memory', 'manual');
      assert.equal(row.mode, 'initial');
      const done = await runSync(deps, ws, row.id);
      assert.equal(done.status, 'succeeded');
      assert.deepEqual(ran, ['first', 'second']);
      const steps = (done.progress.post_sync as Array<{ name: string; status: string }>).map((s) => [
        s.name,
        s.status,
      ]);
      // The test's two steps first (lowest order), then every step the capabilities registered, in order.
      assert.deepEqual(steps, [
        ['first', 'failed'],
        ['second', 'succeeded'],
        ...postSyncSteps(['accounts', 'deals'])
          .filter((s) => s.name !== 'first' && s.name !== 'second')
          .map((s) => [s.name, 'succeeded']),
      ]);
      assert.ok(steps.some(([name]) => name === 'stage-normalisation'));
      const deals = await t.db.query<{ source_id: string; has_account: boolean }>(
        `SELECT source_id, account_id IS NOT NULL AS has_account FROM deals WHERE workspace_id = $1 ORDER BY source_id`,
        [ws],
      );
      assert.deepEqual(deals.rows, [
        { source_id: 'd1', has_account: true },
        { source_id: 'd2', has_account: false },
      ]);
    } finally {
      for (const n of ['first', 'second', 'other-connector']) unregisterPostSyncStep(n);
    }
  });

  test('a second request while one is queued joins it; a claimed run is not run twice', async () => {
    const a = await requestSync(deps, ws, 'memory', 'manual');
    const b = await requestSync(deps, ws, 'memory', 'manual');
    assert.equal(a.created, true);
    assert.equal(b.created, false);
    assert.equal(b.row.id, a.row.id);
    assert.equal(a.row.mode, 'incremental');
    const [x, y] = await Promise.all([runSync(deps, ws, a.row.id), runSync(deps, ws, a.row.id)]);
    assert.equal(x.status, 'succeeded');
    assert.equal(y.id, x.id);
    // The source had nothing new: nothing changed, so no post-sync step had a reason to run.
    assert.deepEqual(x.progress.changed, []);
    assert.deepEqual(x.progress.post_sync ?? [], []);
    const logs = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_log WHERE workspace_id = $1 AND status = 'succeeded'`,
      [ws],
    );
    assert.equal(logs.rows[0]!.n, 2);
  });

  test('the scheduler starts one scheduled sync per connection per day at the workspace sync time', async () => {
    const queue = createInProcessQueue(deps.log); // no workers: jobs stay queued, which is what we inspect
    const tick = (iso: string) =>
      runSchedulerTick({ db: t.db, log: deps.log, queue, defaultSyncTime: '02:00' }, new Date(iso));
    assert.deepEqual((await tick('2030-01-01T06:00:00Z')).started, []);
    const due = await tick('2030-01-01T06:31:00Z');
    assert.equal(due.started.length, 1);
    assert.deepEqual((await tick('2030-01-01T06:45:00Z')).started, []);
    // The queued run is worked off; the same day stays covered.
    await runSync(deps, ws, due.started[0]!);
    assert.deepEqual((await tick('2030-01-01T23:59:00Z')).started, []);
    assert.equal((await tick('2030-01-02T06:30:00Z')).started.length, 1);
    const log = await t.db.query<{ trigger: string; mode: string }>(
      `SELECT trigger, mode FROM sync_log WHERE id = $1`,
      [due.started[0]!],
    );
    assert.deepEqual(log.rows[0], { trigger: 'scheduled', mode: 'incremental' });
    await queue.stop();
  });

  test('a first connect after today\'s slot is not followed by a "scheduled" sync a minute later', async () => {
    const other = await connectedWorkspace('late', { sync_time: '00:00' });
    const first = await requestSync(deps, other, 'memory', 'initial');
    assert.equal((await runSync(deps, other, first.row.id)).status, 'succeeded');
    const queue = createInProcessQueue(deps.log);
    const r = await runSchedulerTick(
      { db: t.db, log: deps.log, queue, defaultSyncTime: '02:00' },
      new Date(Date.now() + 60_000),
    );
    assert.ok(!r.started.some((id) => id !== first.row.id), 'no scheduled run for the new connection');
    const scheduled = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_log WHERE workspace_id = $1 AND trigger = 'scheduled'`,
      [other],
    );
    assert.equal(scheduled.rows[0]!.n, 0);
    // The next day's slot still starts one.
    const tomorrow = await runSchedulerTick(
      { db: t.db, log: deps.log, queue, defaultSyncTime: '02:00' },
      new Date(Date.now() + 86_400_000),
    );
    const next = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_log WHERE workspace_id = $1 AND trigger = 'scheduled'`,
      [other],
    );
    assert.equal(next.rows[0]!.n, 1, JSON.stringify(tomorrow));
    await t.db.query(
      `UPDATE sync_log SET status = 'cancelled' WHERE workspace_id = $1 AND status = 'queued'`,
      [other],
    );
    await queue.stop();
  });

  test('the tick fails runs whose worker vanished and re-sends queued runs whose job was lost', async () => {
    await t.db.query(
      `UPDATE sync_log SET status = 'running', heartbeat_at = now() - interval '2 hours' WHERE workspace_id = $1 AND status = 'queued'`,
      [ws],
    );
    await t.db.query(`UPDATE connections SET status = 'syncing' WHERE workspace_id = $1`, [ws]);
    const queue = createInProcessQueue(deps.log);
    const r = await runSchedulerTick(
      { db: t.db, log: deps.log, queue, defaultSyncTime: '02:00' },
      new Date(),
    );
    assert.equal(r.failedStale, 1);
    const conn = await t.db.query<{ status: string }>(
      `SELECT status FROM connections WHERE workspace_id = $1`,
      [ws],
    );
    assert.equal(conn.rows[0]!.status, 'error');
    const { row } = await requestSync(deps, ws, 'memory', 'manual');
    const later = new Date(Date.now() + 10 * 60_000);
    const r2 = await runSchedulerTick({ db: t.db, log: deps.log, queue, defaultSyncTime: '02:00' }, later);
    assert.equal(r2.resent, 1);
    await runSync(deps, ws, row.id);
    await queue.stop();
  });

  test('a sync whose connection was removed before it ran ends failed, not stuck running', async () => {
    const { row } = await requestSync(deps, ws, 'memory', 'manual');
    await t.db.query(`UPDATE connections SET status = 'disconnected' WHERE workspace_id = $1`, [ws]);
    const out = await runSync(deps, ws, row.id);
    assert.equal(out.status, 'failed');
    assert.match(out.error ?? '', /not found/);
  });

  test('a run whose worker died is taken over at once by a manual sync, which resumes from its cursor', async () => {
    const w = await connectedWorkspace('lost');
    const first = await requestSync(deps, w, 'memory', 'manual');
    // The worker stops for good after page 1 committed: the run stays running, its heartbeat ages.
    await assert
      .rejects(
        runSync(deps, w, first.row.id, {
          afterPage: () => {
            throw new Error('killed');
          },
        }),
      )
      .catch(() => undefined);
    await t.db.query(
      `UPDATE sync_log SET status = 'running', phase = 'fetching', error = NULL, finished_at = NULL,
         heartbeat_at = now() - interval '10 seconds' WHERE id = $1`,
      [first.row.id],
    );
    // Younger than the threshold: the request joins the running run.
    const joined = await requestSync(deps, w, 'memory', 'manual');
    assert.equal(joined.created, false);
    // Older: the request takes it over at once.
    const stale = { ...deps, config: loadConfig({ LOG_LEVEL: 'silent', PANDORA_SYNC_STALE_SECONDS: '5' }) };
    const next = await requestSync(stale, w, 'memory', 'manual');
    assert.equal(next.created, true);
    assert.equal(next.row.mode, 'initial');
    const old = await t.db.query<{ status: string; error: string }>(
      `SELECT status, error FROM sync_log WHERE id = $1`,
      [first.row.id],
    );
    assert.equal(old.rows[0]!.status, 'failed');
    assert.match(old.rows[0]!.error, /^worker_lost/);
    const done = await runSync(stale, w, next.row.id);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    // Resumed after page 1: only the deals page was fetched again; the source is complete, once.
    assert.deepEqual(Object.keys(done.counts), ['deals']);
    const rows = await t.db.query<{ n: number; distinct_ids: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT source_id)::int AS distinct_ids FROM deals WHERE workspace_id = $1`,
      [w],
    );
    assert.deepEqual(rows.rows[0], { n: 2, distinct_ids: 2 });
    // The chain covers what the lost run changed too (its accounts page).
    assert.deepEqual(done.progress.changed, ['accounts', 'deals']);
  });

  test('a worker that lost its run writes no further page', async () => {
    const w = await connectedWorkspace('zombie');
    const { row } = await requestSync(deps, w, 'memory', 'manual');
    const out = await runSync(deps, w, row.id, {
      // Another process takes the run over while this one is between pages.
      afterPage: async () => {
        await t.db.query(`UPDATE sync_log SET worker_id = 'other:1' WHERE id = $1`, [row.id]);
      },
    });
    assert.equal(out.status, 'failed');
    const deals = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1`,
      [w],
    );
    assert.equal(deals.rows[0]!.n, 0);
  });

  test('a page whose write PostgreSQL aborted to break a deadlock is written by a second attempt, once', async () => {
    const w = await connectedWorkspace('deadlocked');
    const { row } = await requestSync(deps, w, 'memory', 'manual');
    const done = await failWithDeadlock(t.db, 'deals', 1);
    let out: Awaited<ReturnType<typeof runSync>>;
    try {
      out = await runSync(deps, w, row.id);
    } finally {
      assert.equal(await done(), 2, 'the deals page failed once, then was written');
    }
    assert.equal(out.status, 'succeeded', out.error ?? '');
    assert.deepEqual(out.counts.deals, { inserted: 2, updated: 0, unchanged: 0 });
    const deals = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1`,
      [w],
    );
    assert.equal(deals.rows[0]!.n, 2);
  });
});
