/**
 * A process running a sync dies by SIGKILL (no shutdown, no last write). Server backend: another
 * `pandora serve` process on the same database takes the run over once its heartbeat is stale. Embedded
 * backend: the process is started again on the data folder and takes the run over at start. Either way
 * the source is written once, resumed from the stored cursor.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { apiRequest, type ServeProcess, servePandora } from '../../bench/support/pandora-process.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { openDb } from '../../src/db/open-db.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { type HubspotDataset, makeHubspotDataset, startFakeHubspot } from '../fakes/fake-hubspot.ts';
import { createEmptyTestDb, serverUrl, type TestDb } from '../helpers/test-db.ts';

// Companies are one committed page, contacts the next: slow answers leave time to kill between them.
const COMPANIES = 300;
const ANSWER_DELAY_MS = 150;
const STALE_SECONDS = 3;

let hs: FakeServer & { data: HubspotDataset };
const started: ServeProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
before(async () => {
  hs = await startFakeHubspot(makeHubspotDataset(COMPANIES));
  hs.delay(ANSWER_DELAY_MS);
});
after(async () => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) await p.terminate();
  for (const c of cleanups) await c();
  await hs?.close();
});

function serve(backend: { databaseUrl?: string; dataDir?: string }): Promise<ServeProcess> {
  return servePandora({
    ...backend,
    extra: {
      PANDORA_HUBSPOT_BASE_URL: hs.url,
      PANDORA_HUBSPOT_RATE_LIMIT: '1000/1',
      PANDORA_SYNC_STALE_SECONDS: String(STALE_SECONDS),
    },
  }).then((p) => {
    started.push(p);
    return p;
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface SyncRun {
  id: string;
  status: string;
  error: string | null;
  counts: Record<string, { inserted: number }>;
}

/** Creates a workspace, connects HubSpot (its initial sync starts) and returns both ids. */
async function connect(base: string): Promise<{ ws: string; syncLogId: string }> {
  const ws = await apiRequest<{ id: string }>(base, 'POST', '/api/workspaces', { name: 'Takeover' });
  assert.equal(ws.status, 201);
  const res = await apiRequest<{ sync_log_id: string }>(
    base,
    'POST',
    `/api/workspaces/${ws.body.id}/connectors/hubspot/connect`,
    { credentials: { access_token: hs.data.token } },
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { ws: ws.body.id, syncLogId: res.body.sync_log_id };
}

/** The run once its companies page is committed and the rest is still being fetched. */
async function midway(base: string, ws: string, syncLogId: string): Promise<void> {
  await until('the companies page to commit', async () => {
    const run = (await apiRequest<SyncRun>(base, 'GET', `/api/workspaces/${ws}/sync-log/${syncLogId}`)).body;
    assert.ok(
      run.status === 'queued' || run.status === 'running',
      `the sync ended before it could be interrupted: ${JSON.stringify(run)}`,
    );
    return (run.counts.accounts?.inserted ?? 0) >= COMPANIES ? run : undefined;
  });
}

/** Waits for the run that resumed the lost one, through the API of a live process. */
async function resumedRun(
  base: string,
  ws: string,
  lostId: string,
): Promise<{ lost: SyncRun; resumed: SyncRun }> {
  return until('the lost run to be taken over and completed', async () => {
    const list = (
      await apiRequest<{ data: SyncRun[] }>(base, 'GET', `/api/workspaces/${ws}/sync-log?connector=hubspot`)
    ).body.data;
    const lost = list.find((r) => r.id === lostId);
    const resumed = list.find((r) => r.id !== lostId);
    return lost && resumed && resumed.status !== 'queued' && resumed.status !== 'running'
      ? { lost, resumed }
      : undefined;
  });
}

/** The source is in the database once: as many rows as records, each source id once. */
async function assertWrittenOnce(db: Db, ws: string): Promise<void> {
  const expected = {
    accounts: hs.data.objects.companies.length,
    contacts: hs.data.objects.contacts.length,
    deals: hs.data.objects.deals.length,
  };
  for (const [table, n] of Object.entries(expected)) {
    const { rows } = await db.query<{ n: number; d: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT source_id)::int AS d FROM ${table} WHERE workspace_id = $1`,
      [ws],
    );
    assert.deepEqual(rows[0], { n, d: n }, table);
  }
  const cursor = await db.query<{ in_progress: boolean }>(
    `SELECT (sync_cursor->>'in_progress')::boolean AS in_progress FROM connections WHERE workspace_id = $1`,
    [ws],
  );
  assert.equal(cursor.rows[0]!.in_progress, false);
}

/** The resumed run went on from the cursor: the first page of companies was fetched by the lost run only. */
function assertResumedFromCursor(): void {
  const firstCompanyPages = hs.requests.filter(
    (r) => r.path === '/crm/v3/objects/companies' && !r.query.after && r.query.archived !== 'true',
  );
  assert.equal(firstCompanyPages.length, 1);
}

function assertTakenOver(lost: SyncRun, resumed: SyncRun): void {
  assert.equal(lost.status, 'failed');
  assert.match(lost.error ?? '', /^worker_lost/);
  assert.equal(resumed.status, 'succeeded', resumed.error ?? '');
}

test('server: a sync whose process is killed is taken over by another process and completed once', {
  skip: serverUrl ? false : 'two processes need the server backend: a PGlite data folder is single-process',
}, async () => {
  hs.requests.length = 0;
  const t: TestDb = await createEmptyTestDb();
  cleanups.push(() => t.close());
  const a = await serve({ databaseUrl: t.url });
  const b = await serve({ databaseUrl: t.url });
  const { ws, syncLogId } = await connect(a.url);
  await midway(a.url, ws, syncLogId);
  // pg-boss gave the job to one of the two: that process dies.
  const { rows } = await t.db.query<{ worker_id: string }>(`SELECT worker_id FROM sync_log WHERE id = $1`, [
    syncLogId,
  ]);
  const holderPid = Number(rows[0]!.worker_id.split(':').pop());
  const [victim, survivor] = a.child.pid === holderPid ? [a, b] : [b, a];
  assert.equal(victim.child.pid, holderPid);
  victim.child.kill('SIGKILL');

  const { lost, resumed } = await resumedRun(survivor.url, ws, syncLogId);
  assertTakenOver(lost, resumed);
  const worker = await t.db.query<{ worker_id: string }>(`SELECT worker_id FROM sync_log WHERE id = $1`, [
    resumed.id,
  ]);
  assert.equal(Number(worker.rows[0]!.worker_id.split(':').pop()), survivor.child.pid);
  await assertWrittenOnce(t.db, ws);
  assertResumedFromCursor();
});

test('a sync whose process is killed is taken over when the process is started again', async () => {
  hs.requests.length = 0;
  let backend: { databaseUrl?: string; dataDir?: string };
  let t: TestDb | undefined;
  if (serverUrl) {
    t = await createEmptyTestDb();
    cleanups.push(() => t!.close());
    backend = { databaseUrl: t.url };
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'pandora-takeover-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    backend = { dataDir: dir };
  }
  const first = await serve(backend);
  const { ws, syncLogId } = await connect(first.url);
  await midway(first.url, ws, syncLogId);
  const exited = new Promise((resolve) => first.child.once('exit', resolve));
  first.child.kill('SIGKILL');
  await exited;

  const again = await serve(backend);
  const { lost, resumed } = await resumedRun(again.url, ws, syncLogId);
  assertTakenOver(lost, resumed);
  assertResumedFromCursor();
  if (t) return assertWrittenOnce(t.db, ws);
  // The data folder is the process's own: read it once the process has stopped.
  await again.terminate();
  const db = await openDb(loadConfig({ PANDORA_DATA_DIR: backend.dataDir, LOG_LEVEL: 'silent' }));
  try {
    await assertWrittenOnce(db, ws);
  } finally {
    await db.close();
  }
});
