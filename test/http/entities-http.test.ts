import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENTITY_LISTINGS } from '../../src/entities/entity-listings.ts';
import { seedGtmWorld } from '../helpers/seed-gtm.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('entity REST API', () => {
  let app: TestApp;
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  let bDealId: string;
  let aDealId: string;
  before(async () => {
    app = await startTestApp();
    a = await app.createWorkspace('A');
    b = await app.createWorkspace('B');
    aDealId = (await seedGtmWorld(app.db, a.id, { deals: 60, seed: 21 })).dealIds[0]!;
    bDealId = (await seedGtmWorld(app.db, b.id, { deals: 30, seed: 22 })).dealIds[0]!;
  });
  after(() => app.close());

  const get = (path: string, ws = a) =>
    app.request('GET', `/api/workspaces/${ws.id}${path}`, { token: ws.key });

  test('every entity lists a page of API objects without source_data, and a detail with it', async () => {
    for (const [segment, listing] of Object.entries(ENTITY_LISTINGS)) {
      const res = await get(`/${segment}?limit=5&include_total=true`);
      assert.equal(res.status, 200, `${segment}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.data.length, 5);
      assert.ok(res.body.total >= 5);
      assert.equal(typeof res.body.next_cursor, 'string');
      const first = res.body.data[0];
      assert.deepEqual(Object.keys(first).sort(), Object.keys(listing.columns).sort());
      assert.ok(!('source_data' in first));
      assert.match(first.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const detail = await get(`/${segment}/${first.id}`);
      assert.equal(detail.status, 200);
      assert.equal(detail.body.id, first.id);
      assert.ok('source_data' in detail.body);
      const next = await get(`/${segment}?limit=5&cursor=${res.body.next_cursor}`);
      assert.equal(next.status, 200);
      assert.ok(
        !next.body.data.some((r: { id: string }) => res.body.data.some((s: { id: string }) => s.id === r.id)),
      );
    }
  });

  test('deal detail carries account, contacts with roles, activities, conversations and stage history', async () => {
    const { body, status } = await get(`/deals/${aDealId}`);
    assert.equal(status, 200);
    const { rows } = await app.db.query<{ account_id: string | null }>(
      'SELECT account_id FROM deals WHERE id = $1::uuid',
      [aDealId],
    );
    assert.equal(body.account?.id ?? null, rows[0]!.account_id);
    assert.equal(body.contacts.length, 2);
    assert.deepEqual(
      body.contacts.map((c: { role: string }) => c.role),
      ['champion', 'economic_buyer'],
    );
    assert.equal(body.contacts[0].is_primary, true);
    assert.equal(body.stage_history.length, 2);
    assert.deepEqual(
      body.stage_history.map((h: { to_stage: string }) => h.to_stage),
      ['raw_awareness', 'raw_evaluation'],
    );
    const acts = await app.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM activities WHERE workspace_id = $1::uuid AND deal_id = $2::uuid',
      [a.id, aDealId],
    );
    assert.equal(body.recent_activities.length, Math.min(20, acts.rows[0]!.n));
    assert.ok(Array.isArray(body.conversations));
  });

  test('unknown filters and sort fields are 400s naming the field', async () => {
    const unknown = await get('/deals?foo=1');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'validation_error');
    assert.match(unknown.body.error.message, /unknown filter "foo"/);
    const sort = await get('/deals?sort=-source_data');
    assert.equal(sort.status, 400);
    assert.match(sort.body.error.message, /unknown sort field "source_data"/);
    const summary = await get('/pipeline/summary?bar=2');
    assert.equal(summary.status, 400);
    assert.match(summary.body.error.message, /unknown filter "bar"/);
  });

  test('bad values are 400s', async () => {
    for (const qs of [
      'amount_min=abc',
      'amount_max=1e9999',
      'close_date_from=2026-13-45',
      'close_date_to=2026-02-30',
      'updated_from=yesterday',
      'is_closed=maybe',
      'account_id=not-a-uuid',
      'cursor=xyz!',
      'cursor=eyJzIjoiLXVwZGF0ZWRfYXQiLCJ2IjoiYSIsImkiOiJiIn0',
      'limit=0',
      'limit=10000',
      'limit=-1',
      'sort=amount&sort=name',
      'is_won=true&is_won=false',
      `q=${'x'.repeat(201)}`,
    ]) {
      const res = await get(`/deals?${qs}`);
      assert.equal(res.status, 400, `${qs}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'validation_error');
    }
    assert.equal((await get('/pipeline/summary?group_by=nope')).status, 400);
  });

  test('in-lists accept commas or repeated keys', async () => {
    const comma = await get('/deals?stage_normalized=negotiation,decision&limit=200');
    const repeated = await get('/deals?stage_normalized=negotiation&stage_normalized=decision&limit=200');
    assert.equal(comma.status, 200);
    assert.deepEqual(repeated.body.data, comma.body.data);
    assert.ok(
      comma.body.data.every((d: { stage_normalized: string }) =>
        ['negotiation', 'decision'].includes(d.stage_normalized),
      ),
    );
  });

  test('tenant isolation: ids of another workspace are 404, relation filters see nothing of it', async () => {
    assert.equal((await get(`/deals/${bDealId}`)).status, 404);
    assert.equal((await get(`/deals/${bDealId}`, b)).status, 200);
    for (const segment of Object.keys(ENTITY_LISTINGS)) {
      const { rows } = await app.db.query<{ id: string }>(
        `SELECT id FROM ${segment} WHERE workspace_id = $1::uuid LIMIT 1`,
        [b.id],
      );
      assert.equal((await get(`/${segment}/${rows[0]!.id}`)).status, 404, segment);
    }
    const bAccount = await app.db.query<{ id: string }>(
      'SELECT id FROM accounts WHERE workspace_id = $1::uuid LIMIT 1',
      [b.id],
    );
    const filtered = await get(`/deals?account_id=${bAccount.rows[0]!.id}`);
    assert.equal(filtered.status, 200);
    assert.deepEqual(filtered.body.data, []);
    assert.equal((await get(`/conversations?deal_id=${bDealId}`)).body.data.length, 0);
    // A's key on B's path
    const cross = await app.request('GET', `/api/workspaces/${b.id}/deals`, { token: a.key });
    assert.equal(cross.status, 404);
    // malformed ids are 404 like unknown ones
    assert.equal((await get('/deals/not-a-uuid')).status, 404);
    assert.equal((await get("/contacts/1' OR '1'='1")).status, 404);
    const listed = await get('/deals?limit=200');
    assert.ok(listed.body.data.every((d: { id: string }) => d.id !== bDealId));
  });

  test('SQL injection attempts in every parameter name and value change nothing', async () => {
    const count = async () =>
      (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deals')).rows[0]!.n;
    const before = await count();
    const payloads = [
      "'; DROP TABLE deals; --",
      '1 OR 1=1',
      "x') OR ('1'='1",
      '$1',
      '\\',
      '%',
      "'",
      '"; SELECT pg_sleep(1); --',
    ];
    for (const name of Object.keys(ENTITY_LISTINGS.deals.filters)) {
      for (const p of payloads) {
        for (const path of ['/deals', '/pipeline/summary']) {
          const res = await get(`${path}?${name}=${encodeURIComponent(p)}`);
          assert.ok(
            res.status === 200 || res.status === 400,
            `${name}=${p}: ${res.status} ${JSON.stringify(res.body)}`,
          );
          if (res.status === 200 && path === '/deals' && ENTITY_LISTINGS.deals.filters[name]!.op === 'in') {
            assert.equal(res.body.data.length, 0, `${name}=${p}`);
          }
        }
      }
    }
    for (const p of payloads) {
      for (const param of ['sort', 'cursor', 'limit', 'include_total', 'group_by']) {
        const res = await get(`/deals?${param}=${encodeURIComponent(p)}`);
        assert.equal(res.status, 400, `${param}=${p}`);
      }
      const named = await get(`/deals?${encodeURIComponent(`stage${p}`)}=1`);
      assert.equal(named.status, 400);
      assert.equal((await get(`/deals/${encodeURIComponent(p)}`)).status, 404);
    }
    assert.equal(await count(), before);
  });

  test('pipeline summary over HTTP', async () => {
    const res = await get('/pipeline/summary?group_by=owner&amount_min=1000');
    assert.equal(res.status, 200);
    assert.equal(res.body.group_by, 'owner');
    assert.ok(res.body.data.length > 0);
    const sum = res.body.data.reduce((s: number, x: { count: number }) => s + x.count, 0);
    assert.equal(sum, res.body.totals.count);
  });
});
