import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const revokeInDatabase = (app: TestApp, workspaceId: string) =>
  app.db.query('UPDATE api_keys SET revoked_at = now() WHERE workspace_id = $1::uuid', [workspaceId]);

describe('API key cache', () => {
  let cached: TestApp;
  let uncached: TestApp;
  before(async () => {
    cached = await startTestApp({ PANDORA_API_KEY_CACHE_SECONDS: '1' });
    uncached = await startTestApp({ PANDORA_API_KEY_CACHE_SECONDS: '0' });
  });
  after(async () => {
    await cached.close();
    await uncached.close();
  });

  test('a key revoked behind the process’s back works until its cache entry expires, then never', async () => {
    const ws = await cached.createWorkspace();
    assert.equal((await cached.request('GET', `/api/workspaces/${ws.id}`, { token: ws.key })).status, 200);
    await revokeInDatabase(cached, ws.id);
    // Within the TTL the process still trusts its earlier verification (the documented trade-off).
    assert.equal((await cached.request('GET', `/api/workspaces/${ws.id}`, { token: ws.key })).status, 200);
    await sleep(1100);
    assert.equal((await cached.request('GET', `/api/workspaces/${ws.id}`, { token: ws.key })).status, 401);
  });

  test('a revoke through the API ends the key at once, cache or not', async () => {
    const ws = await cached.createWorkspace();
    const other = await cached.request('POST', `/api/workspaces/${ws.id}/api-keys`, { body: { name: 'b' } });
    assert.equal(
      (await cached.request('GET', `/api/workspaces/${ws.id}`, { token: other.body.key })).status,
      200,
    );
    const revoked = await cached.request('DELETE', `/api/workspaces/${ws.id}/api-keys/${other.body.id}`, {
      token: ws.key,
    });
    assert.equal(revoked.status, 200);
    assert.equal(
      (await cached.request('GET', `/api/workspaces/${ws.id}`, { token: other.body.key })).status,
      401,
    );
    // The revoking key itself is still good.
    assert.equal((await cached.request('GET', `/api/workspaces/${ws.id}`, { token: ws.key })).status, 200);
  });

  test('with the cache off, a revoke in the database takes effect on the next request', async () => {
    const ws = await uncached.createWorkspace();
    assert.equal((await uncached.request('GET', `/api/workspaces/${ws.id}`, { token: ws.key })).status, 200);
    await revokeInDatabase(uncached, ws.id);
    assert.equal((await uncached.request('GET', `/api/workspaces/${ws.id}`, { token: ws.key })).status, 401);
  });

  test('a cached key of one workspace still cannot reach another', async () => {
    const a = await cached.createWorkspace('A');
    const b = await cached.createWorkspace('B');
    assert.equal((await cached.request('GET', `/api/workspaces/${a.id}`, { token: a.key })).status, 200);
    assert.equal((await cached.request('GET', `/api/workspaces/${b.id}`, { token: a.key })).status, 404);
  });
});
