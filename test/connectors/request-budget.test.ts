import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpClient } from '../../src/connectors/http-client.ts';
import type { RateLimit, TokenBucket } from '../../src/connectors/rate-limiter.ts';
import {
  createSharedTokenBucket,
  requestBudget,
  requestBudgetKey,
} from '../../src/connectors/request-budget.ts';
import type { Db } from '../../src/db/db.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { type FakeServer, mostRequestsInWindow, startFakeServer } from '../fakes/fake-server.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

let t: TestDb;
let fake: FakeServer;
before(async () => {
  t = await createTestDb();
  fake = await startFakeServer(() => ({ json: { ok: true } }));
});
after(async () => {
  await fake?.close();
  await t?.close();
});

test('the budget key names one account: same connector, origin and credential, whatever the workspace', () => {
  const a = requestBudgetKey('hubspot', 'https://api.hubapi.com/', {}, { authorization: 'Bearer one' });
  assert.equal(
    a,
    requestBudgetKey('hubspot', 'https://api.hubapi.com/crm', {}, { Authorization: 'Bearer one' }),
  );
  assert.notEqual(
    a,
    requestBudgetKey('hubspot', 'https://api.hubapi.com', {}, { authorization: 'Bearer two' }),
  );
  assert.notEqual(
    a,
    requestBudgetKey('hubspot', 'https://eu1.hubapi.com', {}, { authorization: 'Bearer one' }),
  );
  assert.notEqual(a, requestBudgetKey('gong', 'https://api.hubapi.com', {}, { authorization: 'Bearer one' }));
  // An OAuth connection keeps its budget when its access token rotates.
  const first = requestBudgetKey(
    'hubspot',
    'https://api.hubapi.com',
    { refresh_token: 'r1' },
    { authorization: 'Bearer a1' },
  );
  const rotated = requestBudgetKey(
    'hubspot',
    'https://api.hubapi.com',
    { refresh_token: 'r1' },
    { authorization: 'Bearer a2' },
  );
  assert.equal(first, rotated);
  assert.doesNotMatch(a, /one/, 'the key holds a hash, never the credential');
});

test('the embedded backend keeps the budget in memory; the server backend in PostgreSQL', async () => {
  const limit = { capacity: 5, refillPerSecond: 5 };
  await requestBudget(t.db, 'kind-check', limit).take();
  const rows = await t.db.query(`SELECT 1 FROM upstream_request_budgets WHERE budget_key = 'kind-check'`);
  assert.equal(rows.rows.length, t.db.kind === 'postgres' ? 1 : 0);
});

/**
 * Three clients of one account, as three processes would run them: each its own database handle (its own
 * pool on the server) and its own HTTP client, all sending as fast as their bucket lets them.
 */
async function sendFromThreeClients(
  bucketOf: (i: number) => TokenBucket,
  perClient: number,
  path: string,
): Promise<void> {
  await Promise.all(
    [0, 1, 2].map(async (i) => {
      const http = createHttpClient({ service: 'Fake', baseUrl: fake.url, rateLimit: bucketOf(i) });
      for (let n = 0; n < perClient; n++) await http.get(path);
    }),
  );
}

// A token bucket of capacity C refilled at r/s lets at most C + r·W requests through in any window W.
// With r·W whole and the delivery delay under 1/r, the bound holds for arrivals at the fake as well.
// Three private buckets would let 3·C through at once and 3·r a second after.
const LIMIT: RateLimit = { capacity: 2, refillPerSecond: 4 };
const WINDOW_MS = 1000;
const BOUND = LIMIT.capacity + LIMIT.refillPerSecond * (WINDOW_MS / 1000);

test('three clients sharing one account never exceed its budget together', async () => {
  const handles: Db[] =
    t.db.kind === 'postgres' ? [0, 1, 2].map(() => createPgDb(t.url!, 2)) : [t.db, t.db, t.db];
  try {
    await sendFromThreeClients(
      (i) => createSharedTokenBucket(handles[i]!, 'shared-account', LIMIT),
      6,
      '/shared',
    );
  } finally {
    if (t.db.kind === 'postgres') await Promise.all(handles.map((h) => h.close()));
  }
  const sent = fake.requests.filter((r) => r.path === '/shared');
  assert.equal(sent.length, 18);
  const most = mostRequestsInWindow(sent, WINDOW_MS);
  assert.ok(most <= BOUND, `${most} requests within one second; the budget allows ${BOUND}`);
});

test('an aborted wait rejects and books nothing more', async () => {
  const key = 'abort-check';
  const bucket = createSharedTokenBucket(t.db, key, { capacity: 1, refillPerSecond: 0.1 });
  await bucket.take();
  const controller = new AbortController();
  const waiting = bucket.take(controller.signal);
  controller.abort(new Error('stopped'));
  await assert.rejects(waiting, /stopped/);
  await assert.rejects(bucket.take(controller.signal), /stopped/);
  const { rows } = await t.db.query<{ slots: number }>(
    `SELECT round(extract(epoch FROM booked_until - clock_timestamp()) / 10)::int AS slots
     FROM upstream_request_budgets WHERE budget_key = $1`,
    [key],
  );
  // Two slots booked (the first request and the aborted one), none for the call made already aborted.
  assert.equal(rows[0]!.slots, 2);
});

test('requests that wake long after their slots book new ones instead of leaving together', async () => {
  const bucket = createSharedTokenBucket(t.db, 'late-wakers', LIMIT);
  // Block the event loop for most of a second once the clients are paced: every slot due meanwhile is
  // missed, and sending those requests at once would crowd the window that follows.
  const blocked = new Promise<void>((resolve) =>
    setTimeout(() => {
      const until = performance.now() + 900;
      while (performance.now() < until);
      resolve();
    }, 600),
  );
  await Promise.all([sendFromThreeClients(() => bucket, 5, '/late'), blocked]);
  const sent = fake.requests.filter((r) => r.path === '/late');
  assert.equal(sent.length, 15);
  const most = mostRequestsInWindow(sent, WINDOW_MS);
  assert.ok(most <= BOUND, `${most} requests within one second; the budget allows ${BOUND}`);
});
