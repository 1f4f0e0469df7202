import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signatureHeaders, signWebhook } from '../../src/outputs/webhooks/webhook-signature.ts';
import {
  settleWebhookDeliveries,
  sweepDueWebhookDeliveries,
} from '../../src/outputs/webhooks/webhook-deliveries.ts';
import { settleSkillRuns } from '../../src/skills/skill-dispatch.ts';
import { type FakeServer, startFakeServer } from '../fakes/fake-server.ts';
import { AS_OF, type Fixture, seedFixture } from '../helpers/intelligence-fixture.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('webhooks: signed inbound triggers and events, outbound deliveries', () => {
  let app: TestApp;
  let f: Fixture;
  let base: string;
  let secret: string;

  before(async () => {
    app = await startTestApp({
      PANDORA_WEBHOOK_RETRY_BASE_MS: '40',
      PANDORA_WEBHOOK_MAX_ATTEMPTS: '4',
      PANDORA_WEBHOOK_DISABLE_AFTER: '6',
      // The receivers answer on loopback, which a server deployment refuses by default.
      PANDORA_PRIVATE_UPSTREAMS: 'allow',
    });
    f = await seedFixture(app.db);
    base = `/api/workspaces/${f.workspaceId}`;
  });
  after(async () => {
    await settleSkillRuns();
    await settleWebhookDeliveries();
    await app.close();
  });

  async function signed(
    method: string,
    path: string,
    body: unknown,
    opts: { secret?: string; at?: number; headers?: Record<string, string> } = {},
  ) {
    const raw = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      ...signatureHeaders(opts.secret ?? secret, raw, opts.at ?? Date.now()),
      ...(raw ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    };
    const res = await fetch(app.url + path, { method, headers, body: raw || undefined });
    return { status: res.status, body: (await res.json()) as any, headers };
  }
  const runCount = async () =>
    Number((await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM skill_runs')).rows[0]!.n);

  test('the signing secret is shown once; rotation keeps the previous one for the grace period', async () => {
    const created = await app.request('POST', `${base}/webhooks/signing-secrets`, { body: {} });
    assert.equal(created.status, 201);
    assert.match(created.body.secret, /^whsec_/);
    secret = created.body.secret;
    const listed = await app.request('GET', `${base}/webhooks/signing-secrets`);
    assert.equal(listed.body.data.length, 1);
    assert.ok(!JSON.stringify(listed.body).includes(secret));

    const rotated = await app.request('POST', `${base}/webhooks/signing-secrets`, {
      body: { grace_seconds: 600 },
    });
    const old = secret;
    secret = rotated.body.secret;
    const path = `/webhooks/${f.workspaceId}/skills/forecast/trigger`;
    assert.equal(
      (await signed('POST', path, { inputs: { as_of: AS_OF } }, { secret: old })).status,
      202,
      'old secret in grace',
    );
    assert.equal((await signed('POST', path, { inputs: { as_of: AS_OF } })).status, 202, 'new secret');
    const revoke = await app.request('POST', `${base}/webhooks/signing-secrets`, {
      body: { grace_seconds: 0 },
    });
    assert.equal(
      (await signed('POST', path, { inputs: { as_of: AS_OF } }, { secret })).status,
      401,
      'revoked at once',
    );
    secret = revoke.body.secret;
    await settleSkillRuns();
  });

  test('a signed trigger starts a run; its status is readable with the same signature scheme', async () => {
    const res = await signed('POST', `/webhooks/${f.workspaceId}/skills/pipeline-hygiene/trigger`, {
      inputs: { as_of: AS_OF },
    });
    assert.equal(res.status, 202);
    assert.equal(res.body.status, 'queued');
    await settleSkillRuns();
    const status = await signed('GET', res.body.status_url, undefined);
    assert.equal(status.status, 200);
    assert.equal(status.body.status, 'succeeded');
    assert.equal(typeof status.body.headline, 'string');
    const run = await app.request('GET', `${base}/skill-runs/${res.body.id}`);
    assert.equal(run.body.trigger, 'webhook');
  });

  test('wrong, stale, future, altered, replayed and unknown-workspace requests are refused with no side effect', async () => {
    const path = `/webhooks/${f.workspaceId}/skills/forecast/trigger`;
    const body = { inputs: { as_of: AS_OF } };
    const before = await runCount();
    const wrong = await signed('POST', path, body, { secret: 'whsec_wrong' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'invalid_signature');
    assert.equal((await signed('POST', path, body, { at: Date.now() - 301_000 })).status, 401);
    assert.equal((await signed('POST', path, body, { at: Date.now() + 301_000 })).status, 401);
    const unsigned = await fetch(app.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(unsigned.status, 401);

    // One byte of the body changed after signing.
    const raw = JSON.stringify(body);
    const headers = { ...signatureHeaders(secret, raw), 'content-type': 'application/json' };
    const altered = await fetch(app.url + path, {
      method: 'POST',
      headers,
      body: raw.replace('2025', '2024'),
    });
    assert.equal(altered.status, 401);
    // A body re-serialised differently from the bytes that were signed fails too.
    const spaced = await fetch(app.url + path, {
      method: 'POST',
      headers,
      body: JSON.stringify(body, null, 1),
    });
    assert.equal(spaced.status, 401);

    const unknown = await signed(
      'POST',
      `/webhooks/00000000-0000-4000-8000-00000000abcd/skills/forecast/trigger`,
      body,
    );
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.body, wrong.body, 'an unknown workspace answers exactly as a wrong signature');
    assert.equal((await signed('POST', `/webhooks/not-a-uuid/skills/forecast/trigger`, body)).status, 401);
    assert.equal(await runCount(), before, 'no refused request started a run');

    const first = await fetch(app.url + path, { method: 'POST', headers, body: raw });
    assert.equal(first.status, 202, await first.clone().text());
    const replay = await fetch(app.url + path, { method: 'POST', headers, body: raw });
    assert.equal(replay.status, 409);
    assert.equal(((await replay.json()) as any).error.code, 'replayed');
    assert.equal(await runCount(), before + 1);
    await settleSkillRuns();
  });

  test('a CRM change notice queues one incremental sync; repeats are no-ops; a second notice joins the queued sync', async () => {
    await app.db.query(
      `INSERT INTO connections (workspace_id, connector_name, status, credentials) VALUES ($1::uuid, 'hubspot', 'connected', '\\x00'::bytea)`,
      [f.workspaceId],
    );
    const path = `/webhooks/${f.workspaceId}/events`;
    const hubspot = [
      {
        eventId: 101,
        subscriptionType: 'deal.propertyChange',
        objectId: 5001,
        portalId: 62515,
        occurredAt: 1733400000000,
      },
      {
        eventId: 102,
        subscriptionType: 'contact.creation',
        objectId: 7001,
        portalId: 62515,
        occurredAt: 1733400000001,
      },
    ];
    const first = await signed('POST', path, hubspot);
    assert.equal(first.status, 202);
    assert.equal(first.body.new_events, 2);
    assert.equal(first.body.coalesced, false);
    const syncs = await app.db.query<{ trigger: string; mode: string; status: string }>(
      `SELECT trigger, mode, status FROM sync_log WHERE workspace_id = $1::uuid AND connector_name = 'hubspot'`,
      [f.workspaceId],
    );
    assert.deepEqual(syncs.rows, [{ trigger: 'webhook', mode: 'incremental', status: 'queued' }]);

    const repeat = await signed('POST', path, hubspot);
    assert.equal(repeat.status, 409, 'the same events delivered again');
    const generic = await signed('POST', path, {
      id: 'evt-9',
      type: 'deal.updated',
      connector: 'hubspot',
      object_ids: ['5002'],
    });
    assert.equal(generic.status, 202);
    assert.equal(generic.body.coalesced, true);
    assert.equal(generic.body.sync_log_id, first.body.sync_log_id);
    const count = await app.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sync_log WHERE workspace_id = $1::uuid',
      [f.workspaceId],
    );
    assert.equal(count.rows[0]!.n, 1);

    const notConnected = await signed('POST', path, { id: 'evt-10', type: 'x', connector: 'salesforce' });
    assert.equal(notConnected.status, 404);
    const malformed = await signed('POST', path, {
      id: 'evt 11 with spaces',
      type: 'x',
      connector: 'hubspot',
    });
    assert.equal(malformed.status, 400);
  });

  describe('outbound deliveries', () => {
    let receiver: FakeServer;
    let failing: FakeServer;
    let failuresLeft = 2;
    before(async () => {
      receiver = await startFakeServer(() => {
        if (failuresLeft > 0) {
          failuresLeft--;
          return { status: 503, json: { error: 'try later' } };
        }
        return { status: 204, text: '' };
      });
      failing = await startFakeServer(() => ({ status: 500, json: { secret: 'whsec_leak' } }));
    });
    after(async () => {
      await receiver.close();
      await failing.close();
    });

    test('a failing receiver gets the event again with backoff until it recovers; each delivery is signed', async () => {
      const created = await app.request('POST', `${base}/webhook-endpoints`, {
        body: { url: `${receiver.url}/hooks/pandora`, events: ['skill_run.completed'] },
      });
      assert.equal(created.status, 201);
      const endpointSecret = created.body.secret;
      assert.match(endpointSecret, /^whsec_/);
      assert.ok(
        !JSON.stringify((await app.request('GET', `${base}/webhook-endpoints`)).body).includes(
          endpointSecret,
        ),
      );

      const run = await app.request('POST', `${base}/skills/forecast/run`, {
        body: { inputs: { as_of: AS_OF } },
      });
      await settleSkillRuns();
      await settleWebhookDeliveries();
      assert.equal(receiver.requests.length, 3, 'two failures, then delivered');
      const ids = new Set(receiver.requests.map((r) => (r.body as any).id));
      assert.equal(ids.size, 1, 'the same event each time');
      for (const r of receiver.requests) {
        const ts = Number(r.headers['x-pandora-timestamp']);
        assert.equal(r.headers['x-pandora-signature'], signWebhook(endpointSecret, ts, r.raw));
        assert.equal(r.headers['x-pandora-event'], 'skill_run.completed');
      }
      const event = receiver.requests[0]!.body as any;
      assert.equal(event.type, 'skill_run.completed');
      assert.equal(event.data.run_id, run.body.id);
      assert.equal(event.data.status, 'succeeded');

      const log = await app.request('GET', `${base}/webhook-endpoints/${created.body.id}/deliveries`);
      assert.equal(log.status, 200);
      assert.equal(log.body.data.length, 1);
      assert.equal(log.body.data[0].status, 'delivered');
      assert.equal(log.body.data[0].attempts, 3);
      assert.equal(log.body.data[0].last_status, 204);
    });

    test('an endpoint that keeps failing stops after the attempt cap and is turned off with the reason', async () => {
      const created = await app.request('POST', `${base}/webhook-endpoints`, {
        body: { url: `${failing.url}/x`, events: ['skill_run.completed'] },
      });
      const id = created.body.id;
      for (let i = 0; i < 2; i++) {
        await app.request('POST', `${base}/skills/forecast/run`, { body: { inputs: { as_of: AS_OF } } });
        await settleSkillRuns();
        await settleWebhookDeliveries();
      }
      const log = await app.request('GET', `${base}/webhook-endpoints/${id}/deliveries`);
      assert.deepEqual(
        log.body.data.map((d: any) => [d.status, d.last_error]),
        [
          ['failed', 'HTTP 500'],
          ['failed', 'HTTP 500'],
        ],
      );
      assert.ok(!JSON.stringify(log.body).includes('whsec_leak'), "the receiver's body is never stored");
      const endpoint = await app.request('GET', `${base}/webhook-endpoints/${id}`);
      assert.equal(endpoint.body.enabled, false);
      assert.match(endpoint.body.disabled_reason, /6 consecutive failed deliveries \(last: HTTP 500\)/);

      // Off: new events are not queued for it. Turned on again: the count starts afresh.
      const before = failing.requests.length;
      await app.request('POST', `${base}/skills/forecast/run`, { body: { inputs: { as_of: AS_OF } } });
      await settleSkillRuns();
      await settleWebhookDeliveries();
      assert.equal(failing.requests.length, before);
      const on = await app.request('PATCH', `${base}/webhook-endpoints/${id}`, { body: { enabled: true } });
      assert.equal(on.body.enabled, true);
      assert.equal(on.body.consecutive_failures, 0);
      assert.equal(on.body.disabled_reason, null);
      assert.equal((await app.request('DELETE', `${base}/webhook-endpoints/${id}`)).status, 204);
    });

    test('the sweep finds deliveries whose scheduled attempt was lost', async () => {
      failuresLeft = 0;
      const created = await app.request('POST', `${base}/webhook-endpoints`, {
        body: { url: `${receiver.url}/swept`, events: ['sync.completed'] },
      });
      await app.db.query(
        `INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id, event_type, payload)
         VALUES ($1::uuid, $2::uuid, gen_random_uuid(), 'sync.completed', '{"type":"sync.completed"}')`,
        [f.workspaceId, created.body.id],
      );
      const before = receiver.requests.filter((r) => r.path === '/swept').length;
      assert.equal(await sweepDueWebhookDeliveries(app.deps), 1);
      assert.equal(receiver.requests.filter((r) => r.path === '/swept').length, before + 1);
      assert.equal(await sweepDueWebhookDeliveries(app.deps), 0, 'delivered once');
    });

    test('endpoint input is validated', async () => {
      const bad = [
        { url: 'ftp://example.com/x' },
        { url: 'not a url' },
        { url: `${receiver.url}/x`, events: ['deal.created'] },
        { url: `${receiver.url}/x`, events: [] },
        { url: 'https://user:pass@example.com/x' },
      ];
      for (const body of bad) {
        const res = await app.request('POST', `${base}/webhook-endpoints`, { body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.code, 'validation_error');
      }
      assert.equal(
        (await app.request('GET', `${base}/webhook-endpoints/00000000-0000-4000-8000-000000000000`)).status,
        404,
      );
    });
  });
});

test('output URLs obey the outbound policy: private addresses refused where the deployment says so', async () => {
  const app = await startTestApp({ PANDORA_PRIVATE_UPSTREAMS: 'deny' });
  try {
    const ws = await app.createWorkspace('policy');
    const base = `/api/workspaces/${ws.id}`;
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://2130706433/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://169.254.169.254/latest',
      'http://localhost/x',
    ]) {
      const endpoint = await app.request('POST', `${base}/webhook-endpoints`, { body: { url } });
      assert.equal(endpoint.status, 400, url);
      assert.match(endpoint.body.error.message, /private|loopback|link-local/);
      const slack = await app.request('PUT', `${base}/slack/settings`, { body: { webhook_url: url } });
      assert.equal(slack.status, 400, url);
    }
  } finally {
    await app.close();
  }
});
