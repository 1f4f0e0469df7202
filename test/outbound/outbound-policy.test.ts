import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createOutboundFetch, type Resolver } from '../../src/outbound/outbound-fetch.ts';
import { OutboundUrlRefusedError, parseAllowedHosts } from '../../src/outbound/outbound-policy.ts';
import { type FakeServer, startFakeServer } from '../fakes/fake-server.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const HUBSPOT_OK = { access_token: 'pat-na1-0123456789' };
const portOf = (url: string) => new URL(url).port;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function connect(app: TestApp, ws: { id: string; key: string }, connector: string, body: object) {
  const started = Date.now();
  const res = await app.request('POST', `/api/workspaces/${ws.id}/connectors/${connector}/connect`, {
    token: ws.key,
    body: { sync: false, ...body },
  });
  return { ...res, ms: Date.now() - started };
}

async function connectionCount(app: TestApp): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connections');
  return rows[0]!.n;
}

describe('configuration', () => {
  test('private addresses: denied on the server, allowed embedded or with an allow-list, overridable', () => {
    const server = 'postgres://u@127.0.0.1/db';
    assert.equal(loadConfig({}).outbound.privateAddresses, 'allow');
    assert.equal(loadConfig({ DATABASE_URL: server }).outbound.privateAddresses, 'deny');
    assert.equal(
      loadConfig({ DATABASE_URL: server, PANDORA_PRIVATE_UPSTREAMS: 'allow' }).outbound.privateAddresses,
      'allow',
    );
    assert.equal(loadConfig({ PANDORA_PRIVATE_UPSTREAMS: 'deny' }).outbound.privateAddresses, 'deny');
    assert.equal(
      loadConfig({ DATABASE_URL: server, PANDORA_ALLOWED_BASE_URL_HOSTS: 'http://localhost:4000' }).outbound
        .privateAddresses,
      'allow',
    );
    assert.throws(() => loadConfig({ PANDORA_PRIVATE_UPSTREAMS: 'maybe' }), /PANDORA_PRIVATE_UPSTREAMS/);
    assert.throws(
      () => loadConfig({ PANDORA_ALLOWED_BASE_URL_HOSTS: 'https://x.example.com/path' }),
      /PANDORA_ALLOWED_BASE_URL_HOSTS/,
    );
  });

  test('allow-list entries: https and its port unless the entry says otherwise; wildcards', () => {
    assert.deepEqual(
      parseAllowedHosts(
        'API.example.com, sandbox.example.com:8443, http://localhost:4000, *.my.salesforce.com',
      ),
      [
        { host: 'api.example.com', protocol: 'https:', port: 443 },
        { host: 'sandbox.example.com', protocol: 'https:', port: 8443 },
        { host: 'localhost', protocol: 'http:', port: 4000 },
        { host: '*.my.salesforce.com', protocol: 'https:', port: 443 },
      ],
    );
  });
});

describe('resolved addresses are checked when the connection opens (DNS rebinding)', () => {
  let upstream: FakeServer;
  // An attacker's DNS: a public-looking name that answers with loopback.
  const rebinding: Resolver = (_host, _opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
  before(async () => {
    upstream = await startFakeServer(() => ({ json: { ok: true } }));
  });
  after(() => upstream.close());

  test('denied: refused before a byte is sent', async () => {
    const f = createOutboundFetch({ allowedHosts: [], privateAddresses: 'deny' }, { resolve: rebinding });
    await assert.rejects(
      f(new URL(`http://api.example.test:${portOf(upstream.url)}/x`), {}),
      (err: Error) =>
        err instanceof OutboundUrlRefusedError &&
        /api\.example\.test resolves to 127\.0\.0\.1/.test(err.message),
    );
    assert.equal(upstream.requests.length, 0);
  });

  test('allowed: the resolved address is the one connected to', async () => {
    const f = createOutboundFetch({ allowedHosts: [], privateAddresses: 'allow' }, { resolve: rebinding });
    const res = await f(new URL(`http://api.example.test:${portOf(upstream.url)}/x`), {});
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.length, 1);
  });
});

describe('connect on a deployment that denies private addresses', () => {
  let app: TestApp;
  let upstream: FakeServer;
  let ws: { id: string; key: string };
  before(async () => {
    upstream = await startFakeServer(() => ({ json: { results: [] } }));
    app = await startTestApp({ PANDORA_PRIVATE_UPSTREAMS: 'deny' });
    ws = await app.createWorkspace();
  });
  after(async () => {
    await app.close();
    await upstream.close();
  });

  const port = () => portOf(upstream.url);
  const spellings = () => [
    `http://127.0.0.1:${port()}`,
    `http://2130706433:${port()}`,
    `http://0x7f.1:${port()}`,
    `http://127.1:${port()}`,
    `http://0:${port()}`,
    `http://[::1]:${port()}`,
    `http://[::ffff:127.0.0.1]:${port()}`,
    `http://localhost:${port()}`,
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.1',
    'http://[fe80::1]',
  ];

  test('base_url in every spelling of a private address: 400 at once, nothing sent', async () => {
    for (const base_url of spellings()) {
      const res = await connect(app, ws, 'hubspot', { credentials: HUBSPOT_OK, base_url });
      assert.equal(res.status, 400, `${base_url}: ${JSON.stringify(res.body)}`);
      assert.match(
        res.body.error.message,
        /^base_url: .* is an? (loopback|private network|link-local|unspecified)/,
      );
      assert.ok(res.ms < 2000, `${base_url} answered in ${res.ms} ms`);
    }
    assert.equal(upstream.requests.length, 0);
    assert.equal(await connectionCount(app), 0);
  });

  test('Salesforce instance_url from the credentials is held to the same policy', async () => {
    const res = await connect(app, ws, 'salesforce', {
      credentials: { access_token: '00Dxx!secret-token-value', instance_url: `http://0x7f.1:${port()}` },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /^credentials\.instance_url: 127\.0\.0\.1 is a loopback address/);
    assert.equal(upstream.requests.length, 0);
  });
});

describe('connect with PANDORA_ALLOWED_BASE_URL_HOSTS', () => {
  let app: TestApp;
  let allowed: FakeServer;
  let listener: FakeServer;
  let ws: { id: string; key: string };
  before(async () => {
    allowed = await startFakeServer(() => ({ json: { results: [] } }));
    listener = await startFakeServer(() => ({ json: { results: [] } }));
    app = await startTestApp({
      PANDORA_ALLOWED_BASE_URL_HOSTS: `sandbox.example.com, ${allowed.url}, localhost`,
    });
    ws = await app.createWorkspace();
  });
  after(async () => {
    await app.close();
    await allowed.close();
    await listener.close();
  });

  test('a listed scheme, host and port connects', async () => {
    const res = await connect(app, ws, 'hubspot', { credentials: HUBSPOT_OK, base_url: allowed.url });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(allowed.requests.length, 1);
  });

  test('another port, another scheme or another host is refused', async () => {
    for (const base_url of [
      listener.url,
      allowed.url.replace('http:', 'https:'),
      'http://169.254.169.254/latest',
      'http://sandbox.example.com',
      'https://evil.example.com',
    ]) {
      const res = await connect(app, ws, 'hubspot', { credentials: HUBSPOT_OK, base_url });
      assert.equal(res.status, 400, base_url);
      assert.match(res.body.error.message, /^base_url: .* is not in PANDORA_ALLOWED_BASE_URL_HOSTS/);
    }
    assert.equal(listener.requests.length, 0);
  });

  test('Salesforce instance_url outside the list: the token is never sent', async () => {
    const res = await connect(app, ws, 'salesforce', {
      credentials: { access_token: '00Dxx!secret-token-value', instance_url: listener.url },
    });
    assert.equal(res.status, 400);
    assert.match(
      res.body.error.message,
      /^credentials\.instance_url: .* is not in PANDORA_ALLOWED_BASE_URL_HOSTS/,
    );
    assert.equal(listener.requests.length, 0);
  });
});

describe('redirects and unreachable hosts (embedded defaults: private addresses allowed)', () => {
  let app: TestApp;
  let target: FakeServer;
  let redirecting: FakeServer;
  let ws: { id: string; key: string };
  before(async () => {
    target = await startFakeServer(() => ({ json: { results: [] } }));
    redirecting = await startFakeServer((req) =>
      req.path === '/same/crm/v3/owners'
        ? { status: 302, headers: { location: '/crm/v3/owners' } }
        : req.path === '/crm/v3/owners'
          ? { json: { results: [] } }
          : { status: 302, headers: { location: `http://localhost:${portOf(target.url)}/crm/v3/owners` } },
    );
    app = await startTestApp();
    ws = await app.createWorkspace();
  });
  after(async () => {
    await app.close();
    await target.close();
    await redirecting.close();
  });

  test('a redirect to another host is not followed', async () => {
    const res = await connect(app, ws, 'hubspot', {
      credentials: HUBSPOT_OK,
      base_url: `${redirecting.url}/other`,
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(
      res.body.error.message,
      /redirect from 127\.0\.0\.1:\d+ to another host \(localhost:\d+\) refused/,
    );
    assert.equal(target.requests.length, 0);
  });

  test('a redirect on the same host is followed', async () => {
    const res = await connect(app, ws, 'hubspot', {
      credentials: HUBSPOT_OK,
      base_url: `${redirecting.url}/same`,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  test('an unreachable host is a 400 with a plain reason, at once', async () => {
    const port = await closedPort();
    const res = await connect(app, ws, 'hubspot', {
      credentials: HUBSPOT_OK,
      base_url: `http://127.0.0.1:${port}`,
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.message, `could not reach hubspot at 127.0.0.1:${port}: connection refused`);
    assert.ok(res.ms < 2000, `answered in ${res.ms} ms`);
  });
});
