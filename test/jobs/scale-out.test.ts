/**
 * Three `pandora serve` processes with workers on one PostgreSQL database: syncs of ten connections and
 * skill runs queued at once run exactly once between them, a process SIGKILLed mid-sync has its run
 * finished by another, and the ten connections, all calling one upstream account, stay within that
 * account's request budget together.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiRequest, type ServeProcess, servePandora } from '../../bench/support/pandora-process.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { mostRequestsInWindow } from '../fakes/fake-server.ts';
import { type HubspotDataset, makeHubspotDataset, startFakeHubspot } from '../fakes/fake-hubspot.ts';
import { createEmptyTestDb, serverUrl, type TestDb } from '../helpers/test-db.ts';

const skip = serverUrl
  ? false
  : 'several processes need the server backend: a PGlite data folder is single-process';

const WORKSPACES = 10;
const SKILL_RUNS = 30;
// The account's budget: 50 requests at once, 25 a second after. Any 2-second window: at most 50 + 50.
const RATE_LIMIT = '50/2';
const WINDOW_MS = 2000;
const BUDGET_PER_WINDOW = 100;
// A request leaves after its booked slot, never before; on a loaded machine it may leave up to half a
// second late (event loop, scheduling), which can bunch requests of several slots: 25/s × 0.5 s.
// Three processes with budgets of their own would be allowed 300 per window.
const DELIVERY_ALLOWANCE = 13;

let t: TestDb;
let hs: FakeServer & { data: HubspotDataset };
let procs: ServeProcess[] = [];
before(async () => {
  if (skip) return;
  t = await createEmptyTestDb();
  hs = await startFakeHubspot(makeHubspotDataset(5));
  const extra = {
    PANDORA_HUBSPOT_BASE_URL: hs.url,
    PANDORA_HUBSPOT_RATE_LIMIT: RATE_LIMIT,
    PANDORA_SYNC_STALE_SECONDS: '3',
  };
  // One after the other: the first applies the migrations.
  for (let i = 0; i < 3; i++) procs.push(await servePandora({ databaseUrl: t.url, extra }));
});
after(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.terminate();
  await hs?.close();
  await t?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every sync run over, its post-sync chain included. */
function allSyncsOver(): Promise<true> {
  return until('every sync to finish', async () => {
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_log WHERE status IN ('queued', 'running')`,
    );
    return rows[0]!.n === 0 ? true : undefined;
  });
}

/** One sync request per connection, all at once, spread over the three processes' APIs. */
async function syncEveryConnection(workspaces: string[]): Promise<void> {
  const answers = await Promise.all(
    workspaces.map((ws, i) =>
      apiRequest<{ coalesced: boolean }>(
        procs[i % 3]!.url,
        'POST',
        `/api/workspaces/${ws}/connectors/hubspot/sync`,
        {},
      ),
    ),
  );
  for (const a of answers) assert.equal(a.status, 202, JSON.stringify(a.body));
}

test('three processes: syncs and skill runs run exactly once, a killed process is taken over, one budget', {
  skip,
}, async (ctx) => {
  const workspaces: string[] = [];
  for (let i = 0; i < WORKSPACES; i++) {
    const base = procs[i % 3]!.url;
    const ws = await apiRequest<{ id: string }>(base, 'POST', '/api/workspaces', { name: `Scale ${i}` });
    assert.equal(ws.status, 201);
    workspaces.push(ws.body.id);
  }
  // Wave 1: ten connections to one account, each starting its initial sync.
  await Promise.all(
    workspaces.map(async (ws, i) => {
      const res = await apiRequest(
        procs[i % 3]!.url,
        'POST',
        `/api/workspaces/${ws}/connectors/hubspot/connect`,
        {
          credentials: { access_token: hs.data.token },
        },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }),
  );
  await allSyncsOver();

  // Wave 2: ten syncs and thirty skill runs queued at once.
  const skillRuns = await Promise.all(
    Array.from({ length: SKILL_RUNS }, (_, i) =>
      apiRequest<{ id: string }>(
        procs[i % 3]!.url,
        'POST',
        `/api/workspaces/${workspaces[i % WORKSPACES]}/skills/pipeline-hygiene/run`,
        { inputs: {} },
      ),
    ).concat([]),
  );
  for (const r of skillRuns) assert.equal(r.status, 202, JSON.stringify(r.body));
  await syncEveryConnection(workspaces);
  await allSyncsOver();
  await until('every skill run to finish', async () => {
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM skill_runs WHERE status IN ('queued', 'running')`,
    );
    return rows[0]!.n === 0 ? true : undefined;
  });

  // Wave 3: ten syncs; the process holding one of them is killed mid-run.
  await syncEveryConnection(workspaces);
  const holder = await until('a sync to be running', async () => {
    const { rows } = await t.db.query<{ id: string; worker_id: string }>(
      `SELECT id, worker_id FROM sync_log WHERE status = 'running' AND phase = 'fetching' AND worker_id IS NOT NULL LIMIT 1`,
    );
    return rows[0];
  });
  const victim = procs.find((p) => p.child.pid === Number(holder.worker_id.split(':').pop()))!;
  victim.child.kill('SIGKILL');
  procs = procs.filter((p) => p !== victim);
  await allSyncsOver();

  // Every run ended: succeeded, or lost with the killed process and resumed by a run that succeeded.
  const runs = await t.db.query<{
    workspace_id: string;
    status: string;
    error: string | null;
    worker_id: string;
  }>(`SELECT workspace_id, status, error, worker_id FROM sync_log ORDER BY created_at`);
  const lost = runs.rows.filter((r) => r.status === 'failed');
  assert.ok(lost.length >= 1, 'the killed process held at least one run');
  for (const r of lost) assert.match(r.error ?? '', /^worker_lost/);
  for (const ws of workspaces) {
    const own = runs.rows.filter((r) => r.workspace_id === ws);
    assert.equal(own.filter((r) => r.status === 'succeeded').length, 3, `three syncs of ${ws} succeeded`);
    assert.equal(own.length, 3 + own.filter((r) => r.status === 'failed').length);
  }
  const processes = new Set(runs.rows.map((r) => r.worker_id.split(':').pop()));
  assert.equal(processes.size, 3, 'all three processes ran syncs');

  // Exactly once: one job per run, and every job of a live process completed on its first attempt.
  const jobs = await t.db.query<{ name: string; run: string; n: number; completed: number; retries: number }>(
    `SELECT name, coalesce(data->>'sync_log_id', data->>'skill_run_id') AS run, count(*)::int AS n,
            count(*) FILTER (WHERE state = 'completed')::int AS completed, max(retry_count)::int AS retries
     FROM (SELECT name, data, state, retry_count FROM pgboss.job
           UNION ALL SELECT name, data, state, retry_count FROM pgboss.archive) j
     WHERE name IN ('connector-sync', 'skill-run') GROUP BY 1, 2`,
  );
  assert.equal(jobs.rows.filter((j) => j.name === 'connector-sync').length, runs.rows.length);
  assert.equal(jobs.rows.filter((j) => j.name === 'skill-run').length, SKILL_RUNS);
  for (const j of jobs.rows) {
    assert.equal(j.n, 1, `${j.name} ${j.run} queued once`);
    assert.equal(j.retries, 0);
  }
  const incomplete = jobs.rows.filter((j) => j.completed === 0);
  assert.ok(incomplete.length <= lost.length, 'only the killed process left jobs unfinished');

  const skills = await t.db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM skill_runs GROUP BY 1`,
  );
  assert.deepEqual(skills.rows, [{ status: 'succeeded', n: SKILL_RUNS }]);

  // The source is in every workspace once.
  for (const [table, n] of Object.entries({
    accounts: hs.data.objects.companies.length,
    contacts: hs.data.objects.contacts.length,
    deals: hs.data.objects.deals.length,
  })) {
    const { rows } = await t.db.query<{ n: number; d: number; w: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (workspace_id, source_id))::int AS d,
              count(DISTINCT workspace_id)::int AS w FROM ${table}`,
    );
    assert.deepEqual(rows[0], { n: n * WORKSPACES, d: n * WORKSPACES, w: WORKSPACES }, table);
  }

  // One budget for the account, whichever process sent the request.
  const most = mostRequestsInWindow(hs.requests, WINDOW_MS);
  ctx.diagnostic(
    `${runs.rows.length} sync runs (${lost.length} lost and resumed), ${hs.requests.length} upstream requests, at most ${most} in ${WINDOW_MS} ms`,
  );
  assert.ok(
    most <= BUDGET_PER_WINDOW + DELIVERY_ALLOWANCE,
    `${most} requests within ${WINDOW_MS} ms; the budget allows ${BUDGET_PER_WINDOW}`,
  );
});
