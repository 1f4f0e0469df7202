import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Queryable } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { seedGtmWorld } from '../helpers/seed-gtm.ts';
import { type TestApp, startTestApp } from '../helpers/test-app.ts';
import { serverUrl } from '../helpers/test-db.ts';

describe('read cache', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  let other: { id: string; key: string };
  before(async () => {
    app = await startTestApp({ PANDORA_READ_CACHE_SECONDS: '60' });
    ws = await app.createWorkspace('Cached');
    other = await app.createWorkspace('Neighbour');
    await seedGtmWorld(app.db, ws.id, { deals: 12 });
  });
  after(() => app.close());

  const deals = (query = 'limit=5&sort=-amount', key = ws.key, id = ws.id) =>
    app.request('GET', `/api/workspaces/${id}/deals?${query}`, { token: key });
  const cacheHeader = (r: { headers: Headers }) => r.headers.get('x-pandora-cache');

  test('a repeated read is answered from memory until a write commits, on the embedded backend only', async () => {
    const first = await deals();
    assert.equal(first.status, 200);
    const second = await deals();
    assert.deepEqual(second.body, first.body);
    // The page is the database's JSON text, answered as JSON whether from the cache or not.
    for (const r of [first, second]) assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(first.body.data.length, 5);
    if (serverUrl) {
      assert.equal(cacheHeader(second), null, 'a server has other writers: no cache');
      return;
    }
    assert.equal(cacheHeader(first), 'miss');
    assert.equal(cacheHeader(second), 'hit');
    assert.equal(cacheHeader(await deals('limit=5&sort=amount')), 'miss', 'each question has its own answer');

    // A write through any path (here straight SQL, as a sync or a job would) is seen by the next read.
    const top = first.body.data[0];
    await withWorkspace(app.db, ws.id, (tx) =>
      tx.query('UPDATE deals SET amount = amount * 10 WHERE workspace_id = $1::uuid AND id = $2::uuid', [
        ws.id,
        top.id,
      ]),
    );
    const after = await deals();
    assert.equal(cacheHeader(after), 'miss');
    assert.equal(after.body.data[0].id, top.id);
    assert.equal(Number(after.body.data[0].amount), Number(top.amount) * 10);

    // A read-only transaction and a rolled-back one change nothing.
    await withWorkspace(app.db, ws.id, (tx) => tx.query('SELECT count(*) FROM deals'));
    await assert.rejects(
      withWorkspace(app.db, ws.id, async (tx) => {
        await tx.query('UPDATE deals SET amount = 0 WHERE workspace_id = $1::uuid', [ws.id]);
        throw new Error('rolled back');
      }),
    );
    assert.equal(cacheHeader(await deals()), 'hit');
  });

  test('a write to a table the answer did not read keeps it; a write to one it read does not', async () => {
    if (serverUrl) return;
    await app.db.exec('CREATE TABLE cache_probe (id int)'); // a script: any table may have changed
    assert.equal(cacheHeader(await deals()), 'miss');
    assert.equal(cacheHeader(await deals()), 'hit');
    await app.db.transaction((tx) => tx.query('INSERT INTO cache_probe VALUES (1)'));
    assert.equal(cacheHeader(await deals()), 'hit', 'the deals list never read cache_probe');
    await app.db.transaction((tx) =>
      tx.query('UPDATE deals SET amount = amount WHERE workspace_id = $1::uuid', [ws.id]),
    );
    assert.equal(cacheHeader(await deals()), 'miss', 'a rewrite of the deals it read');
  });

  test('a cached answer is never given to another workspace or to a caller without access', async () => {
    await deals();
    const neighbour = await deals('limit=5&sort=-amount', other.key, other.id);
    assert.equal(neighbour.status, 200);
    assert.deepEqual(neighbour.body.data, [], 'the neighbour has no deals');
    const stranger = await deals('limit=5&sort=-amount', other.key);
    assert.equal(stranger.status, 404, 'another workspace is not found for this key');
    assert.equal(cacheHeader(stranger), null);
  });

  test('writes and routes outside the list are not cached', async () => {
    const status = await app.request('GET', `/api/workspaces/${ws.id}/linker/status`, { token: ws.key });
    assert.equal(status.status, 200);
    assert.equal(cacheHeader(status), null);
    const path = `/api/workspaces/${ws.id}/deals/${crypto.randomUUID()}`;
    assert.equal((await app.request('GET', path, { token: ws.key })).status, 404);
    const again = await app.request('GET', path, { token: ws.key });
    assert.equal(again.status, 404);
    assert.notEqual(cacheHeader(again), 'hit', 'errors are not kept');
  });
});

describe('read cache while a job holds the embedded session', {
  skip: serverUrl ? 'a server has no read cache' : false,
}, () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  before(async () => {
    app = await startTestApp({ PANDORA_READ_CACHE_SECONDS: '1' });
    ws = await app.createWorkspace('Busy');
    await seedGtmWorld(app.db, ws.id, { deals: 6 });
  });
  after(() => app.close());

  const deals = () => app.request('GET', `/api/workspaces/${ws.id}/deals?limit=5`, { token: ws.key });
  /** A transaction that holds the one session until released, as a long job's does between its statements. */
  function holdSession(work: (tx: Queryable) => Promise<unknown> = async () => {}) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const done = app.db.transaction(async (tx) => {
      await work(tx);
      await released;
    });
    return { release, done };
  }

  // Without the fallback a read would wait for the held session, which is only released after it.
  test('an expired answer is given when nothing committed since; once the job commits, the data is read again', {
    timeout: 60_000,
  }, async () => {
    const first = await deals();
    assert.equal(first.headers.get('x-pandora-cache'), 'miss');
    const expire = () => new Promise((resolve) => setTimeout(resolve, 1100));
    await expire();

    const reading = holdSession();
    const during = await deals();
    assert.equal(during.headers.get('x-pandora-cache'), 'stale-while-busy');
    assert.deepEqual(during.body, first.body);
    reading.release();
    await reading.done;
    await expire(); // the request's own answer, stored once the session was free, expires too

    // A job's writes are not visible before it commits: the earlier answer is still the true one.
    const writing = holdSession((tx) =>
      tx.query('UPDATE deals SET amount = coalesce(amount, 0) + 1 WHERE workspace_id = $1::uuid', [ws.id]),
    );
    const uncommitted = await deals();
    assert.equal(uncommitted.headers.get('x-pandora-cache'), 'stale-while-busy');
    assert.deepEqual(uncommitted.body, first.body);
    writing.release();
    await writing.done;
    const committed = await deals();
    assert.notEqual(committed.headers.get('x-pandora-cache'), 'stale-while-busy');
    assert.notDeepEqual(committed.body, first.body, 'the committed amounts are read');
  });
});
