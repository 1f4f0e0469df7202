import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UpstreamAuthError } from '../../src/connectors/http-client.ts';
import { UpstreamError } from '../../src/errors.ts';
import { createApolloClient } from '../../src/enrichment/apollo-client.ts';
import { createSerperClient, parseDisplayDate } from '../../src/enrichment/serper-client.ts';
import { type FakeApollo, type FakeApolloPerson, startFakeApollo } from '../fakes/fake-apollo.ts';
import { type FakeSerper, maxRequestsPerSecond, startFakeSerper } from '../fakes/fake-serper.ts';

const person = (first: string, last: string, extra: Partial<FakeApolloPerson> = {}) => ({
  email: `${first}.${last}@acme.test`.toLowerCase(),
  first_name: first,
  last_name: last,
  domain: 'acme.test',
  title: 'VP Sales',
  seniority: 'vp',
  departments: ['sales'],
  start_date: '2022-01-01',
  ...extra,
});

let apollo: FakeApollo;
let serper: FakeSerper;

describe('Apollo and Serper clients against the fakes', () => {
  before(async () => {
    apollo = await startFakeApollo('apollo-key-1');
    serper = await startFakeSerper('serper-key-1');
  });
  after(async () => {
    await apollo.close();
    await serper.close();
  });

  const apolloClient = (key = 'apollo-key-1', ws = crypto.randomUUID()) =>
    createApolloClient({
      apiKey: key,
      baseUrl: `${apollo.url}/api/v1`,
      workspaceId: ws,
      requestsPerSecond: 2,
      retryBaseMs: 10,
    });

  test('bulk match in batches of ten, misses as no_match, locked emails dropped, name + domain matching', async () => {
    apollo.people = [
      ...Array.from({ length: 11 }, (_, i) => person('P', `N${i}`)),
      person('Lock', 'Ed', { email_locked: true }),
    ];
    const lookups = [
      ...Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, email: `p.n${i}@acme.test` })),
      { key: 'miss', email: 'nobody@acme.test' },
      { key: 'lock', first_name: 'Lock', last_name: 'Ed', domain: 'www.acme.test' },
    ];
    const before = apollo.enrichmentRequests().length;
    const out = await apolloClient().matchPeople(lookups);
    const sent = apollo.enrichmentRequests().slice(before);
    assert.equal(sent.length, 2);
    assert.ok(sent.every((r) => r.path === '/api/v1/people/bulk_match'));
    assert.equal((sent[0]!.body as { details: unknown[] }).details.length, 10);
    assert.equal(out.length, 13);
    assert.equal(out[0]!.outcome, 'enriched');
    assert.equal(out.find((m) => m.key === 'miss')!.outcome, 'no_match');
    const locked = out.find((m) => m.key === 'lock')!;
    assert.equal(locked.outcome, 'enriched');
    assert.ok(locked.outcome === 'enriched' && locked.emailLocked && locked.person.email === null);
    // Two requests at 2 per second: never more than two in a second.
    assert.ok(maxRequestsPerSecond(sent.map((r) => r.receivedAt)) <= 2);
  });

  test('429 with Retry-After and a 5xx are retried; an expired key is an auth error; a malformed body an upstream error', async () => {
    apollo.people = [person('A', 'B')];
    apollo.fault({ status: 429, headers: { 'retry-after': '1' }, body: '{"message":"too many"}' });
    apollo.fault({ status: 503, body: '<html>down</html>' });
    const start = apollo.enrichmentRequests().length;
    const [m] = await apolloClient().matchPeople([{ key: 'x', email: 'a.b@acme.test' }]);
    assert.equal(m!.outcome, 'enriched');
    const sent = apollo.enrichmentRequests().slice(start);
    assert.equal(sent.length, 3);
    assert.ok(sent[1]!.receivedAt - sent[0]!.receivedAt >= 950, 'waited for Retry-After');

    apollo.expiredKeys.add('apollo-key-1');
    await assert.rejects(
      apolloClient().matchPeople([{ key: 'x', email: 'a.b@acme.test' }]),
      UpstreamAuthError,
    );
    apollo.expiredKeys.clear();

    apollo.fault({ status: 200, body: '{"person": ' });
    await assert.rejects(apolloClient().matchPeople([{ key: 'x', email: 'a.b@acme.test' }]), (err) => {
      assert.ok(err instanceof UpstreamError && !(err instanceof UpstreamAuthError));
      return true;
    });
    apollo.fault({ status: 200, body: '{"matches": "no"}' });
    await assert.rejects(
      apolloClient().matchPeople([
        { key: 'x', email: 'a.b@acme.test' },
        { key: 'y', email: 'c@acme.test' },
      ]),
      /unexpected shape/,
    );
  });

  test('Serper pages, drops items without a link, 429 without headers retried, 403 auth, credits spent', async () => {
    serper.results.set('Acme', {
      news: [
        ...Array.from({ length: 12 }, (_, i) => ({
          title: `Acme news ${i}`,
          link: `https://n.test/${i}`,
          date: '2 days ago',
        })),
        { title: 'no link' } as never,
      ],
      search: [],
    });
    const client = createSerperClient({
      apiKey: 'serper-key-1',
      baseUrl: serper.url,
      workspaceId: crypto.randomUUID(),
      requestsPerSecond: 5,
      retryBaseMs: 10,
    });
    const page1 = await client.search('news', '"Acme"', { num: 10, page: 1 });
    const page2 = await client.search('news', '"Acme"', { num: 10, page: 2 });
    assert.equal(page1.length, 10);
    assert.deepEqual(
      page2.map((r) => r.title),
      ['Acme news 10', 'Acme news 11'],
    );
    serper.fault({ status: 429, body: '{"message":"Too many requests","statusCode":429}' });
    serper.fault({ status: 500, body: 'oops' });
    assert.equal((await client.search('news', '"Acme"')).length, 10);

    const bad = createSerperClient({
      apiKey: 'wrong-key-123',
      baseUrl: serper.url,
      workspaceId: crypto.randomUUID(),
      requestsPerSecond: 5,
    });
    await assert.rejects(bad.search('news', 'Acme'), UpstreamAuthError);
    serper.credits.left = 0;
    await assert.rejects(client.search('news', 'Acme'), /400/);
    serper.credits.left = 100;
    serper.fault({ status: 200, body: 'not json' });
    await assert.rejects(client.search('news', 'Acme'), /not JSON/);
  });

  test('display dates: relative, absolute, unreadable', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    assert.equal(parseDisplayDate('2 weeks ago', now), '2026-02-24');
    assert.equal(parseDisplayDate('Mar 3, 2024', now), '2024-03-03');
    assert.equal(parseDisplayDate('yesterday-ish', now), null);
    assert.equal(parseDisplayDate(null, now), null);
  });
});
