import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FakeServer, startFakeServer } from '../fakes/fake-server.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// A token with CR/LF/NUL used to be sent upstream, fail there, and come back as a 502 after seconds of retries.
describe('credentials with control characters are refused at connect', () => {
  let app: TestApp;
  let upstream: FakeServer;
  let ws: { id: string; key: string };
  before(async () => {
    upstream = await startFakeServer(() => ({ status: 200, json: {} }));
    app = await startTestApp({
      PANDORA_HUBSPOT_BASE_URL: upstream.url,
      PANDORA_GONG_BASE_URL: upstream.url,
      PANDORA_SALESFORCE_BASE_URL: upstream.url,
    });
    ws = await app.createWorkspace();
  });
  after(async () => {
    await app.close();
    await upstream.close();
  });

  const cases: Array<[string, Record<string, string>, string]> = [
    ['hubspot', { access_token: 'pat-na1-abc\r\nX-Injected: yes' }, 'credentials.access_token'],
    ['hubspot', { access_token: 'pat-na1-abc\ndef-ghi' }, 'credentials.access_token'],
    ['hubspot', { access_token: 'pat-na1-abc\u0000defghi' }, 'credentials.access_token'],
    ['hubspot', { access_token: 'pat-na1-abc\tdefghi' }, 'credentials.access_token'],
    ['hubspot', { access_token: 'pat-na1-abc\u007fdefghi' }, 'credentials.access_token'],
    ['hubspot', { access_token: 'pat-na1-äbcdefghi' }, 'credentials.access_token'],
    ['gong', { access_key: 'key1', access_key_secret: 'sec\r\nret' }, 'credentials.access_key_secret'],
    [
      'salesforce',
      { access_token: '00Dxx!abcdefghij', instance_url: 'https://x.my.salesforce.com/\r\n' },
      'credentials.instance_url',
    ],
  ];

  for (const [connector, credentials, field] of cases) {
    test(`${connector}: ${JSON.stringify(credentials).slice(0, 60)}`, async () => {
      const before = upstream.requests.length;
      const started = Date.now();
      const res = await app.request('POST', `/api/workspaces/${ws.id}/connectors/${connector}/connect`, {
        token: ws.key,
        body: { credentials },
      });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'validation_error');
      assert.match(res.body.error.message, new RegExp(field.replace('.', '\\.')));
      for (const value of Object.values(credentials))
        assert.ok(!res.body.error.message.includes(value), 'the value is never echoed');
      assert.equal(upstream.requests.length, before, 'nothing was sent upstream');
      assert.ok(Date.now() - started < 2000, 'answered at once, no retries');
      const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connections');
      assert.equal(rows[0]!.n, 0);
    });
  }

  test('a clean token still reaches the upstream', async () => {
    const before = upstream.requests.length;
    await app.request('POST', `/api/workspaces/${ws.id}/connectors/hubspot/connect`, {
      token: ws.key,
      body: { credentials: { access_token: 'pat-na1-0123456789' }, sync: false },
    });
    assert.ok(upstream.requests.length > before);
  });
});
