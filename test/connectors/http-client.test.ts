import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpClient, retryAfterMs, UpstreamAuthError } from '../../src/connectors/http-client.ts';
import { UpstreamError } from '../../src/errors.ts';
import { type FakeServer, startFakeServer } from '../fakes/fake-server.ts';

describe('http client', () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeServer((req) => {
      if (req.path.endsWith('/bad-json')) return { text: '{"results": [' };
      if (req.path.endsWith('/gql')) {
        const attempts = fake.requests.filter((r) => r.path.endsWith('/gql')).length;
        return attempts === 1
          ? {
              json: {
                errors: [
                  { message: 'Complexity budget exhausted', extensions: { code: 'ComplexityException' } },
                ],
              },
            }
          : { json: { data: { ok: true } } };
      }
      return { json: { path: req.path, query: req.query, auth: req.headers.authorization } };
    });
  });
  after(() => fake.close());

  const client = (extra = {}) =>
    createHttpClient({
      service: 'fake',
      baseUrl: `${fake.url}/api`,
      headers: { authorization: 'Bearer s3cret' },
      retryBaseMs: 1,
      retryMaxMs: 5,
      ...extra,
    });

  test('joins base URL, query and headers', async () => {
    const out = await client().get<{ path: string; query: Record<string, string>; auth: string }>(
      '/v3/things',
      {
        limit: 10,
        properties: ['a', 'b'],
        skip: undefined,
      },
    );
    assert.equal(out.path, '/api/v3/things');
    assert.deepEqual(out.query, { limit: '10', properties: 'a,b' });
    assert.equal(out.auth, 'Bearer s3cret');
  });

  test('an error classifier overrides the status verdict; undefined keeps the default', async () => {
    const classifyErrorResponse = (status: number, body: string) =>
      status === 403 && body.includes('slow down')
        ? ('retryable' as const)
        : status === 502
          ? ('fatal' as const)
          : undefined;
    fake.fault({ status: 403, body: '{"message":"slow down"}' });
    const before = fake.requests.length;
    const out = await client({ classifyErrorResponse }).get<{ path: string }>('/classified');
    assert.equal(out.path, '/api/classified');
    assert.equal(fake.requests.length - before, 2);
    fake.fault({ status: 403, body: '{"message":"forbidden"}' });
    await assert.rejects(client({ classifyErrorResponse }).get('/classified'), UpstreamAuthError);
    fake.fault({ status: 502 });
    const mark = fake.requests.length;
    await assert.rejects(client({ classifyErrorResponse }).get('/classified'), UpstreamError);
    assert.equal(fake.requests.length - mark, 1, 'a fatal verdict is not retried');
  });

  test('retries 429 honouring Retry-After and 5xx with backoff', async () => {
    fake.fault({ status: 429, headers: { 'retry-after': '0' } });
    fake.fault({ status: 503 });
    const before = fake.requests.length;
    const out = await client().get<{ path: string }>('/retry');
    assert.equal(out.path, '/api/retry');
    assert.equal(fake.requests.length - before, 3);
  });

  test('gives up after maxRetries with UpstreamError carrying status and excerpt', async () => {
    fake.fault({ status: 500, body: '{"message":"boom"}', times: 3 });
    await assert.rejects(client({ maxRetries: 2 }).get('/x'), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.status, 500);
      assert.match(err.bodyExcerpt, /boom/);
      return true;
    });
  });

  test('401 and 403 are auth errors and are not retried', async () => {
    fake.fault({ status: 401, body: '{"status":"error","category":"EXPIRED_AUTHENTICATION"}' });
    const before = fake.requests.length;
    await assert.rejects(client().get('/x'), UpstreamAuthError);
    assert.equal(fake.requests.length - before, 1);
  });

  test('a malformed JSON body is an UpstreamError, not a crash', async () => {
    await assert.rejects(client().get('/bad-json'), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.match(err.message, /not JSON/);
      return true;
    });
  });

  test('refuses next-page links to another origin', async () => {
    await assert.rejects(client().get('http://198.51.100.1/steal'), UpstreamError);
  });

  test('GraphQL errors classified retryable are retried', async () => {
    const c = client({
      classifyGraphqlErrors: (errors: readonly unknown[]) =>
        JSON.stringify(errors).includes('Complexity') ? 'retryable' : 'fatal',
    });
    assert.deepEqual(await c.graphql('/gql', '{ ok }'), { ok: true });
  });

  test('network errors are retried then reported as status 0', async () => {
    const c = createHttpClient({
      service: 'nowhere',
      baseUrl: 'http://127.0.0.1:1',
      maxRetries: 1,
      retryBaseMs: 1,
    });
    await assert.rejects(c.get('/x'), (err: unknown) => err instanceof UpstreamError && err.status === 0);
  });

  test('Retry-After as seconds or HTTP date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(retryAfterMs('garbage'), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });
});
