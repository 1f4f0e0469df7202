import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('foundation API', () => {
  let app: TestApp;
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  before(async () => {
    app = await startTestApp();
    a = await app.createWorkspace('Acme');
    b = await app.createWorkspace('Globex');
  });
  after(() => app.close());

  test('GET / points to the API reference, without credentials', async () => {
    const res = await app.request('GET', '/', { token: '' });
    assert.equal(res.status, 200);
    assert.equal(res.body.docs, '/api/docs');
    assert.equal((await app.request('GET', res.body.docs, { token: '' })).status, 200);
    assert.equal((await app.request('GET', res.body.openapi, { token: '' })).status, 200);
  });

  test('healthz checks the database', async () => {
    const res = await app.request('GET', '/healthz', { token: '' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', db: app.db.kind });
    assert.ok(res.headers.get('x-request-id'));
  });

  test('creating workspaces needs the admin token', async () => {
    assert.equal(
      (await app.request('POST', '/api/workspaces', { token: '', body: { name: 'x' } })).status,
      401,
    );
    const wrong = await app.request('POST', '/api/workspaces', {
      token: 'not-the-token',
      body: { name: 'x' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'unauthorized');
    const withKey = await app.request('POST', '/api/workspaces', { token: a.key, body: { name: 'x' } });
    assert.equal(withKey.status, 401);
    const list = await app.request('GET', '/api/workspaces');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.data.map((w: { name: string }) => w.name),
      ['Acme', 'Globex'],
    );
  });

  test('bad bodies get 400/413 with a clear error', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /name/],
      [{ name: '' }, /name/],
      [{ name: 'ok', color: 'red' }, /unknown field\(s\): color/],
      [{ name: 42 }, /name/],
    ];
    for (const [body, message] of cases) {
      const res = await app.request('POST', '/api/workspaces', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'validation_error');
      assert.match(res.body.error.message, message);
    }
    const badJson = await app.request('POST', '/api/workspaces', { raw: '{"name": ' });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body.error.code, 'bad_json');
    const huge = await app.request('POST', '/api/workspaces', {
      body: { name: 'x', settings: { blob: 'x'.repeat(2_000_000) } },
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'payload_too_large');
    const unknownRoute = await app.request('GET', '/api/nothing-here');
    assert.equal(unknownRoute.status, 404);
    assert.equal(unknownRoute.body.error.code, 'not_found');
  });

  test('API keys: shown once, listed by prefix only, scoped to their workspace, revocable', async () => {
    const created = await app.request('POST', `/api/workspaces/${a.id}/api-keys`, {
      token: a.key,
      body: { name: 'ci' },
    });
    assert.equal(created.status, 201);
    assert.match(created.body.key, /^pdr_/);
    assert.equal(created.body.prefix, created.body.key.slice(0, 12));
    const list = await app.request('GET', `/api/workspaces/${a.id}/api-keys`, { token: created.body.key });
    assert.equal(list.status, 200);
    assert.equal(list.body.data.length, 2);
    assert.ok(!JSON.stringify(list.body).includes(created.body.key), 'a listing never shows a key');
    assert.ok(!JSON.stringify(list.body).includes('hash'));

    // A key of A on B: 404, as if B did not exist.
    const probe = await app.request('GET', `/api/workspaces/${b.id}`, { token: created.body.key });
    assert.equal(probe.status, 404);
    assert.equal((await app.request('GET', `/api/workspaces/${a.id}`, { token: '' })).status, 401);

    const revoked = await app.request('DELETE', `/api/workspaces/${a.id}/api-keys/${created.body.id}`, {
      token: a.key,
    });
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revoked_at);
    assert.equal(
      (await app.request('GET', `/api/workspaces/${a.id}`, { token: created.body.key })).status,
      401,
    );

    const readOnly = await app.request('POST', `/api/workspaces/${a.id}/api-keys`, {
      body: { scopes: ['read'] },
    });
    assert.equal(
      (await app.request('GET', `/api/workspaces/${a.id}/context`, { token: readOnly.body.key })).status,
      200,
    );
    const write = await app.request('PUT', `/api/workspaces/${a.id}/context/definitions`, {
      token: readOnly.body.key,
      body: {},
    });
    assert.equal(write.status, 403);
    assert.equal(write.body.error.code, 'forbidden');
  });

  test('context layer: whole and per section, validated', async () => {
    const empty = await app.request('GET', `/api/workspaces/${a.id}/context`, { token: a.key });
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body.definitions, {});
    const put = await app.request('PUT', `/api/workspaces/${a.id}/context/definitions`, {
      token: a.key,
      body: { internal_domains: ['Acme.COM'], stale_deal_days: 21 },
    });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { internal_domains: ['acme.com'], stale_deal_days: 21 });
    const whole = await app.request('PUT', `/api/workspaces/${a.id}/context`, {
      token: a.key,
      body: { goals_and_targets: { quarterly_quota: 500000 } },
    });
    assert.equal(whole.status, 200);
    assert.deepEqual(whole.body.definitions, { internal_domains: ['acme.com'], stale_deal_days: 21 });
    assert.deepEqual(whole.body.goals_and_targets, { quarterly_quota: 500000 });
    assert.ok(whole.body.version > empty.body.version);

    const bad = await app.request('PUT', `/api/workspaces/${a.id}/context/definitions`, {
      token: a.key,
      body: { internal_domains: ['not a domain'] },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /internal_domains\.0/);
    assert.equal(
      (await app.request('GET', `/api/workspaces/${a.id}/context/nonsense`, { token: a.key })).status,
      404,
    );
    // B's context is untouched.
    const other = await app.request('GET', `/api/workspaces/${b.id}/context/definitions`, { token: b.key });
    assert.deepEqual(other.body, {});
  });

  test('quota periods, rep quotas and the active quota', async () => {
    const bad = await app.request('POST', `/api/workspaces/${a.id}/quota-periods`, {
      token: a.key,
      body: { name: 'Q1', period_type: 'quarter', start_date: '2026-03-31', end_date: '2026-01-01' },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /end_date/);
    const badDate = await app.request('POST', `/api/workspaces/${a.id}/quota-periods`, {
      token: a.key,
      body: { name: 'Q1', period_type: 'quarter', start_date: '2026-13-45', end_date: '2026-03-31' },
    });
    assert.equal(badDate.status, 400);

    const period = await app.request('POST', `/api/workspaces/${a.id}/quota-periods`, {
      token: a.key,
      body: {
        name: 'Q1 2026',
        period_type: 'quarter',
        start_date: '2026-01-01',
        end_date: '2026-03-31',
        team_quota: 900000,
      },
    });
    assert.equal(period.status, 201);
    const rep = await app.request(
      'PUT',
      `/api/workspaces/${a.id}/quota-periods/${period.body.id}/rep-quotas`,
      {
        token: a.key,
        body: { rep_email: 'Ann@Acme.com', quota_amount: 300000 },
      },
    );
    assert.equal(rep.status, 200);
    const again = await app.request(
      'PUT',
      `/api/workspaces/${a.id}/quota-periods/${period.body.id}/rep-quotas`,
      {
        token: a.key,
        body: { rep_email: 'ann@acme.com', quota_amount: 350000 },
      },
    );
    assert.equal(again.body.id, rep.body.id, 'emails compare case-insensitively');

    const active = await app.request('GET', `/api/workspaces/${a.id}/quota/active?date=2026-02-15`, {
      token: a.key,
    });
    assert.equal(active.status, 200);
    assert.equal(active.body.source, 'quota_period');
    assert.equal(active.body.team_quota, 900000);
    assert.deepEqual(active.body.rep_quotas, [{ rep_email: 'ann@acme.com', quota_amount: 350000 }]);

    const fallback = await app.request('GET', `/api/workspaces/${a.id}/quota/active?date=2026-05-15`, {
      token: a.key,
    });
    assert.equal(fallback.body.source, 'context_layer');
    assert.equal(fallback.body.team_quota, 500000);
    assert.deepEqual(fallback.body.period, {
      period_type: 'quarter',
      start_date: '2026-04-01',
      end_date: '2026-06-30',
    });

    const none = await app.request('GET', `/api/workspaces/${b.id}/quota/active?date=2026-05-15`, {
      token: b.key,
    });
    assert.equal(none.body.source, 'none');
    assert.equal(
      (await app.request('GET', `/api/workspaces/${a.id}/quota/active?date=soon`, { token: a.key })).status,
      400,
    );
    assert.equal(
      (await app.request('GET', `/api/workspaces/${a.id}/quota/active?when=1`, { token: a.key })).status,
      400,
    );

    // Every id-bearing route refuses A's ids through B, even with the admin token on B's path.
    const crossPaths = [
      ['GET', `/api/workspaces/${b.id}/quota-periods/${period.body.id}`],
      ['PATCH', `/api/workspaces/${b.id}/quota-periods/${period.body.id}`],
      ['DELETE', `/api/workspaces/${b.id}/quota-periods/${period.body.id}`],
      ['GET', `/api/workspaces/${b.id}/quota-periods/${period.body.id}/rep-quotas`],
      ['PUT', `/api/workspaces/${b.id}/quota-periods/${period.body.id}/rep-quotas`],
      ['DELETE', `/api/workspaces/${b.id}/quota-periods/${period.body.id}/rep-quotas/${rep.body.id}`],
      ['DELETE', `/api/workspaces/${b.id}/api-keys/${rep.body.id}`],
    ] as const;
    for (const token of [b.key, app.adminToken]) {
      for (const [method, path] of crossPaths) {
        const body =
          method === 'PUT'
            ? { rep_email: 'x@y.com', quota_amount: 1 }
            : method === 'PATCH'
              ? { name: 'stolen' }
              : undefined;
        const res = await app.request(method, path, { token, body });
        assert.equal(res.status, 404, `${method} ${path}`);
      }
    }
    const still = await app.request('GET', `/api/workspaces/${a.id}/quota-periods/${period.body.id}`, {
      token: a.key,
    });
    assert.equal(still.body.name, 'Q1 2026');
    assert.equal(still.body.rep_quotas.length, 1);
    // And B's key on every A path is 404.
    for (const path of [
      '',
      '/api-keys',
      '/context',
      '/quota-periods',
      `/quota-periods/${period.body.id}`,
      '/quota/active',
    ]) {
      assert.equal(
        (await app.request('GET', `/api/workspaces/${a.id}${path}`, { token: b.key })).status,
        404,
        path,
      );
    }
  });

  test('no endpoint returns stored credentials', async () => {
    const secret = 'sk-live-very-secret-token-123';
    const envelope = app.deps.vault.encrypt({ access_token: secret });
    await app.db.query(
      "INSERT INTO connections (workspace_id, connector_name, credentials) VALUES ($1::uuid, 'hubspot', $2)",
      [a.id, envelope],
    );
    for (const path of ['', '/api-keys', '/context', '/quota-periods']) {
      const res = await app.request('GET', `/api/workspaces/${a.id}${path}`, { token: a.key });
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(secret) && !text.includes(envelope.toString('base64')), path);
    }
  });

  test('deleting a workspace needs the admin token and removes its data', async () => {
    const c = await app.createWorkspace('Temp');
    assert.equal((await app.request('DELETE', `/api/workspaces/${c.id}`, { token: c.key })).status, 403);
    assert.equal((await app.request('DELETE', `/api/workspaces/${c.id}`)).status, 204);
    assert.equal((await app.request('GET', `/api/workspaces/${c.id}`)).status, 404);
    const { rows } = await app.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM api_keys WHERE workspace_id = $1::uuid',
      [c.id],
    );
    assert.equal(rows[0]!.n, 0);
  });
});
