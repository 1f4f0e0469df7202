import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hashApiKey, parseKeyRef } from '../../src/workspaces/api-keys.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// 401 invalid_api_key says "your key is wrong"; 404 stays for a good key used on another workspace.
describe('API key answers', () => {
  let app: TestApp;
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  before(async () => {
    app = await startTestApp({ PANDORA_API_KEY_CACHE_SECONDS: '0' });
    a = await app.createWorkspace('A');
    b = await app.createWorkspace('B');
  });
  after(() => app.close());

  const get = (ws: string, token: string) => app.request('GET', `/api/workspaces/${ws}/deals`, { token });

  test('new keys carry their key id and workspace: pdr_<ref>_<secret>', async () => {
    assert.match(a.key, /^pdr_[A-Za-z0-9_-]{43}_[A-Za-z0-9_-]{32}$/);
    const ref = parseKeyRef(a.key)!;
    assert.equal(ref.workspaceId, a.id);
    const keys = await app.request('GET', `/api/workspaces/${a.id}/api-keys`, { token: a.key });
    assert.ok(keys.body.data.some((k: { id: string }) => k.id === ref.keyId));
  });

  test('malformed, unknown, forged and revoked keys get 401 invalid_api_key on any path', async () => {
    const ref = a.key.slice(0, 48);
    const forged = [
      'nonsense',
      'pdr_',
      `pdr_${randomBytes(24).toString('base64url')}`, // old form, matches nothing
      `${ref}${randomBytes(24).toString('base64url')}`, // A's real ref, wrong secret
      `pdr_${'A'.repeat(43)}_${'B'.repeat(32)}`,
      a.key.slice(0, -1),
    ];
    for (const token of forged) {
      for (const ws of [a.id, b.id, 'not-a-uuid']) {
        const res = await get(ws, token);
        assert.equal(res.status, 401, `${token} on ${ws}`);
        assert.equal(res.body.error.code, 'invalid_api_key');
      }
    }
    const extra = await app.request('POST', `/api/workspaces/${a.id}/api-keys`, { token: a.key, body: {} });
    await app.request('DELETE', `/api/workspaces/${a.id}/api-keys/${extra.body.id}`, { token: a.key });
    const revoked = await get(a.id, extra.body.key);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error.code, 'invalid_api_key');
    assert.match(revoked.body.error.message, /revoked/);
  });

  test('a live key on another workspace (or a malformed workspace id) is 404, as before', async () => {
    for (const ws of [b.id, '00000000-0000-0000-0000-000000000000', 'not-a-uuid']) {
      const res = await get(ws, a.key);
      assert.equal(res.status, 404, ws);
      assert.equal(res.body.error.code, 'not_found');
    }
    assert.equal((await get(a.id, a.key)).status, 200);
  });

  test('keys issued before key refs keep working, and are told apart the same way', async () => {
    const legacy = `pdr_${randomBytes(24).toString('base64url')}`;
    await app.db.query(
      `INSERT INTO api_keys (workspace_id, name, key_prefix, key_hash, scopes) VALUES ($1::uuid, 'old', $2, $3, '{read}')`,
      [a.id, legacy.slice(0, 12), hashApiKey(legacy)],
    );
    assert.equal((await get(a.id, legacy)).status, 200);
    assert.equal((await get(b.id, legacy)).status, 404);
    await app.db.query(
      `UPDATE api_keys SET revoked_at = now() WHERE workspace_id = $1::uuid AND name = 'old'`,
      [a.id],
    );
    const res = await get(a.id, legacy);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'invalid_api_key');
    assert.equal((await get(b.id, legacy)).status, 401);
  });

  test('a missing Authorization header stays 401 unauthorized', async () => {
    const res = await get(a.id, '');
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'unauthorized');
  });
});
