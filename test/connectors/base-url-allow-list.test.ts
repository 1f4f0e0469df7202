import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('PANDORA_ALLOWED_BASE_URL_HOSTS', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  before(async () => {
    app = await startTestApp({ PANDORA_ALLOWED_BASE_URL_HOSTS: 'sandbox.example.com, 127.0.0.1' });
    ws = await app.createWorkspace();
  });
  after(() => app.close());

  test('a connection may not point its base_url at a host outside the list', async () => {
    const res = await app.request('POST', `/api/workspaces/${ws.id}/connectors/hubspot/connect`, {
      token: ws.key,
      body: { credentials: { access_token: 'x' }, base_url: 'http://169.254.169.254/latest' },
    });
    assert.equal(res.status, 400);
    assert.match(
      res.body.error.message,
      /host "169\.254\.169\.254" is not in PANDORA_ALLOWED_BASE_URL_HOSTS/,
    );
    const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connections');
    assert.equal(rows[0]!.n, 0);
  });

  test('a listed host passes the check (and then meets the live credential test)', async () => {
    const res = await app.request('POST', `/api/workspaces/${ws.id}/connectors/hubspot/connect`, {
      token: ws.key,
      body: { credentials: { access_token: 'x' }, base_url: 'http://127.0.0.1:9' },
    });
    assert.notEqual(res.status, 201);
    assert.doesNotMatch(JSON.stringify(res.body), /ALLOWED_BASE_URL_HOSTS/);
  });
});
