import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTokenKeeper } from '../../src/connectors/oauth-tokens.ts';
import { type HubspotDataset, makeHubspotDataset, startFakeHubspot } from '../fakes/fake-hubspot.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

test('concurrent rejections share one refresh', async () => {
  let refreshes = 0;
  const keeper = createTokenKeeper({
    credentials: { access_token: 'old', refresh_token: 'refresh-0123456789' },
    authHeaders: (c) => ({ authorization: `Bearer ${c.access_token}` }),
    refresh: async (c) => {
      refreshes++;
      await new Promise((r) => setTimeout(r, 20));
      return { ...c, access_token: `new-${refreshes}` };
    },
    persist: async () => {},
  });
  const rejected = await keeper.headers();
  const results = await Promise.all([1, 2, 3, 4].map(() => keeper.refreshAfterRejection(rejected)));
  assert.deepEqual(results, [true, true, true, true]);
  assert.equal(refreshes, 1);
  assert.deepEqual(await keeper.headers(), { authorization: 'Bearer new-1' });
  // A private token (no refresh_token) is never refreshed: the 401 stands.
  const fixed = createTokenKeeper({
    credentials: { access_token: 'private' },
    authHeaders: (c) => ({ authorization: `Bearer ${c.access_token}` }),
    refresh: async () => assert.fail('refreshed a private token'),
    persist: async () => {},
  });
  assert.equal(await fixed.refreshAfterRejection(await fixed.headers()), false);
});

describe('OAuth tokens that expire (HubSpot)', () => {
  let app: ConnectorApp;
  let hs: FakeServer & { data: HubspotDataset };
  const ws = () => app.workspaceId;
  const FIRST = 'hs-oauth-access-0-0123456789';
  const REFRESH = 'hs-refresh-token-0123456789';
  const storedCredentials = async () => {
    const row = await app.t.db.query<{ credentials: Uint8Array }>(
      'SELECT credentials FROM connections WHERE workspace_id = $1',
      [ws()],
    );
    return app.deps.vault.decrypt<Record<string, string>>(Buffer.from(row.rows[0]!.credentials));
  };
  const sync = () => app.syncNow('hubspot', { mode: 'initial' }, { expectSuccess: false });
  const connect = (expiresAt: string) =>
    app.api('POST', '/connectors/hubspot/connect', {
      credentials: { access_token: hs.data.token, refresh_token: REFRESH, expires_at: expiresAt },
      base_url: hs.url,
      sync: false,
    });

  before(async () => {
    app = await startConnectorApp({
      PANDORA_HUBSPOT_RATE_LIMIT: '1000/1',
      PANDORA_HUBSPOT_CLIENT_ID: 'pandora-app',
      PANDORA_HUBSPOT_CLIENT_SECRET: 'pandora-app-secret',
    });
    const data = makeHubspotDataset(150, { engagements: true });
    data.token = FIRST;
    data.oauth = {
      clientId: 'pandora-app',
      clientSecret: 'pandora-app-secret',
      refreshToken: REFRESH,
      refreshes: 0,
    };
    hs = await startFakeHubspot(data);
  });
  after(async () => {
    await app.close();
    await hs.close();
  });

  test('a token expiring mid-sync is refreshed once and the sync completes', async () => {
    assert.equal((await connect('2099-01-01T00:00:00Z')).status, 201);
    // Expires while object lists are read ahead concurrently.
    hs.data.expireTokenAfter = 25;
    const log = await sync();
    assert.equal(log.status, 'succeeded', log.error);
    assert.equal(log.counts.deals.inserted, 150);
    assert.equal(hs.data.oauth!.refreshes, 1);
    const stored = await storedCredentials();
    assert.equal(stored.access_token, hs.data.token);
    assert.notEqual(stored.access_token, FIRST);
    assert.equal(stored.refresh_token, REFRESH);
    assert.ok(Date.parse(stored.expires_at!) > Date.now());
    const row = await app.t.db.query<{ credentials: Uint8Array }>(
      'SELECT credentials FROM connections WHERE workspace_id = $1',
      [ws()],
    );
    assert.ok(!Buffer.from(row.rows[0]!.credentials).toString('latin1').includes(hs.data.token));
    const list = await app.api('GET', '/connectors');
    assert.equal(list.body.data[0].status, 'connected');
    assert.ok(!list.text.includes(hs.data.token) && !list.text.includes(REFRESH));
  });

  test('a token past its expires_at is refreshed before the first request', async () => {
    const stale = hs.data.token;
    const mark = hs.requests.length;
    assert.equal((await connect('2020-01-01T00:00:00Z')).status, 201);
    const log = await sync();
    assert.equal(log.status, 'succeeded', log.error);
    // Refreshed once, by the connect's test call, and stored: the sync needs no other.
    assert.equal(hs.data.oauth!.refreshes, 2);
    assert.equal((await storedCredentials()).access_token, hs.data.token);
    const sent = hs.requests.slice(mark).filter((r) => r.path !== '/oauth/v1/token');
    assert.ok(sent.length > 0);
    assert.deepEqual(
      sent.filter((r) => r.headers.authorization !== `Bearer ${hs.data.token}`).map((r) => r.path),
      [],
      `no request went out with the expired token ${stale.slice(0, 16)}…`,
    );
  });

  test('a refused refresh marks the connection auth_failed', async () => {
    hs.data.oauth!.refreshToken = 'revoked-at-the-source-0123';
    hs.data.expireTokenAfter = 3;
    const log = await sync();
    assert.equal(log.status, 'failed');
    assert.match(log.error, /refused to refresh/);
    const list = await app.api('GET', '/connectors');
    assert.equal(list.body.data[0].status, 'auth_failed');
  });
});
