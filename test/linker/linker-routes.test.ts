import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestApp, startTestApp } from '../helpers/test-app.ts';
import { type Fixture, buildFixture } from './linker-fixture.ts';

let app: TestApp;
let f: Fixture;
let base: string;

before(async () => {
  app = await startTestApp();
  f = await buildFixture(app.db);
  base = `/api/workspaces/${f.ws}`;
});
after(() => app.close());

test('internal domains: GET resolves with its source, PUT stores them and re-links', async () => {
  const got = await app.request('GET', `${base}/config/internal-domains`);
  assert.equal(got.status, 200);
  assert.equal(got.body.decided_by, 'crm_owner_inference');
  const put = await app.request('PUT', `${base}/config/internal-domains`, {
    body: { domains: ['acme-vendor.io', 'globex.com'] },
  });
  assert.equal(put.status, 200);
  assert.equal(put.body.decided_by, 'context_layer');
  assert.ok(put.body.relink.classification.internal >= 3);
  const back = await app.request('PUT', `${base}/config/internal-domains`, { body: { domains: [] } });
  assert.equal(back.body.decided_by, 'crm_owner_inference', 'an empty list hands back to inference');
  for (const body of [
    { domains: ['gmail.com'] },
    { domains: ['not a domain'] },
    { domains: 'x' },
    { extra: 1 },
  ]) {
    const bad = await app.request('PUT', `${base}/config/internal-domains`, { body });
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.body.error.code, 'validation_error');
  }
});

test('POST linker/run returns per-tier counts; GET linker/status shows coverage', async () => {
  const run = await app.request('POST', `${base}/linker/run`);
  assert.equal(run.status, 200);
  assert.deepEqual(Object.keys(run.body.tiers).sort(), [
    'crm_native_id',
    'domain_match',
    'email_match',
    'single_deal_inference',
  ]);
  const again = await app.request('POST', `${base}/linker/run`);
  assert.equal(again.body.links_changed, 0);
  const status = await app.request('GET', `${base}/linker/status`);
  assert.equal(status.status, 200);
  const c = status.body.coverage;
  assert.equal(c.external, c.linked_to_deal + c.account_only + c.contact_only + c.unlinked);
  assert.equal(c.internal, 2);
  assert.equal(c.account_only, 1, 'the initech call');
});

test('PUT conversations/:id/links sets a manual link; bad input is rejected', async () => {
  const url = `${base}/conversations/${f.ids.c3_freemail}/links`;
  const ok = await app.request('PUT', url, { body: { deal_id: f.ids.d3 } });
  assert.equal(ok.status, 200);
  assert.deepEqual(
    [ok.body.account_id, ok.body.deal_id, ok.body.link_method],
    [f.ids.umbrella, f.ids.d3, 'manual'],
  );
  const cases: [string, unknown, number][] = [
    [url, {}, 400],
    [url, { deal_id: 'nope' }, 400],
    [url, { deal_id: f.ids.d3, colour: 'red' }, 400],
    [url, { deal_id: f.ids.globex }, 400],
    [url, { account_id: f.ids.globex, deal_id: f.ids.d3 }, 400],
    [`${base}/conversations/not-a-uuid/links`, { deal_id: f.ids.d3 }, 400],
    [`${base}/conversations/${f.ids.d3}/links`, { deal_id: f.ids.d3 }, 404],
  ];
  for (const [u, body, status] of cases) {
    const res = await app.request('PUT', u, { body });
    assert.equal(res.status, status, JSON.stringify(body));
    assert.ok(res.body.error.code);
  }
  await app.request('POST', `${base}/linker/run`);
  const kept = await app.request('PUT', url, { body: { contact_id: null } });
  assert.equal(kept.body.deal_id, f.ids.d3, 'the run left the manual link alone');
});

test('conversations without deals: fields, filters, keyset pages, summary, bad queries', async () => {
  await app.request('POST', `${base}/linker/run`);
  const all = await app.request('GET', `${base}/conversations-without-deals?as_of=2026-04-10`);
  assert.equal(all.status, 200);
  const c2 = all.body.data.find((d: any) => d.conversation_id === f.ids.c2_domain);
  assert.ok(c2, 'the initech call has an account and no deal');
  assert.equal(c2.account.id, f.ids.initech);
  assert.equal(c2.open_deals_at_account, 0);
  assert.equal(c2.total_contacts_at_account, 0);
  assert.equal(c2.rep.email, 'rita@acme-vendor.io');
  assert.equal(c2.days_ago, 8);
  assert.ok(['high', 'medium', 'low'].includes(c2.severity));
  assert.equal(c2.likely_cause, 'deal_not_created');
  assert.equal(c2.cause_rule, 'recent_substantive_call');
  assert.deepEqual([c2.ambiguous, c2.deal_candidates], [false, []], 'no deal was live there');

  const firstPage = await app.request('GET', `${base}/conversations-without-deals?limit=1&sort=-severity`);
  const items = [...firstPage.body.data];
  let cursor = firstPage.body.next_cursor;
  while (cursor) {
    const page = await app.request(
      'GET',
      `${base}/conversations-without-deals?limit=1&sort=-severity&cursor=${cursor}`,
    );
    assert.equal(page.status, 200);
    items.push(...page.body.data);
    cursor = page.body.next_cursor;
  }
  const full = await app.request('GET', `${base}/conversations-without-deals?sort=-severity`);
  assert.deepEqual(
    items.map((i) => i.conversation_id),
    full.body.data.map((i: any) => i.conversation_id),
  );
  // A page chosen before scoring (no score filter, sort by time) holds the rows, scores included, that
  // scoring every conversation first puts there.
  const walked: any[] = [];
  let next: string | null = '';
  while (next !== null) {
    const page: { body: any } = await app.request(
      'GET',
      `${base}/conversations-without-deals?as_of=2026-04-10&limit=1&sort=-started_at${next ? `&cursor=${next}` : ''}`,
    );
    walked.push(...page.body.data);
    next = page.body.next_cursor;
  }
  const scoredFirst = await app.request(
    'GET',
    `${base}/conversations-without-deals?as_of=2026-04-10&sort=-started_at&severity=high,medium,low`,
  );
  assert.equal(walked.length, all.body.data.length, `${walked.length} pages, one conversation each`);
  assert.deepEqual(walked, scoredFirst.body.data);
  const filtered = await app.request(
    'GET',
    `${base}/conversations-without-deals?likely_cause=disqualified_not_logged&rep_email=nobody@x.io`,
  );
  assert.deepEqual(filtered.body.data, []);
  const summary = await app.request('GET', `${base}/conversations-without-deals/summary?as_of=2026-04-10`);
  assert.equal(summary.status, 200);
  assert.equal(summary.body.total, all.body.data.length);
  for (const q of ['severity=urgent', 'limit=0', 'sort=title', 'cursor=abc', 'since=2026-13-01', 'x=1']) {
    const bad = await app.request('GET', `${base}/conversations-without-deals?${q}`);
    assert.equal(bad.status, 400, q);
  }
});

test('another workspace key cannot reach this workspace', async () => {
  const other = await app.createWorkspace('other');
  const res = await app.request('POST', `${base}/linker/run`, { token: other.key });
  assert.ok([403, 404].includes(res.status), String(res.status));
});
