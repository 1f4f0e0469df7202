import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { putInternalDomains, resolveInternalDomains } from '../../src/linker/internal-domains.ts';
import { runLinker } from '../../src/linker/linker-run.ts';
import { setManualLinks } from '../../src/linker/manual-links.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';
import { type Fixture, buildFixture } from './linker-fixture.ts';

let t: TestDb;
let f: Fixture;

interface Row {
  is_internal: boolean | null;
  internal_classification_reason: string | null;
  contact_id: string | null;
  account_id: string | null;
  deal_id: string | null;
  link_method: string | null;
}

async function conv(key: string, fx = f): Promise<Row> {
  const { rows } = await t.db.query<Row>(
    `SELECT is_internal, internal_classification_reason, contact_id, account_id, deal_id, link_method
       FROM conversations WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [fx.ws, fx.ids[key]!],
  );
  return rows[0]!;
}

const run = (ws = f.ws) => withWorkspace(t.db, ws, (tx) => runLinker(tx, ws));

before(async () => {
  t = await createTestDb();
});
after(() => t.close());
beforeEach(async () => {
  f = await buildFixture(t.db);
});

test('internal domains: inferred from CRM owners, then recorder tracked users, then the context layer', async () => {
  const resolve = () => withWorkspace(t.db, f.ws, (tx) => resolveInternalDomains(tx, f.ws));
  let r = await resolve();
  assert.equal(r.decided_by, 'crm_owner_inference');
  assert.deepEqual(r.domains, ['acme-vendor.io']);
  await t.db.query(
    `INSERT INTO connections (workspace_id, connector_name, metadata) VALUES
       ($1::uuid, 'salesforce', '{"username": "admin@acme-crm.io"}'),
       ($1::uuid, 'gong', '{"tracked_users": [{"email": "rita@acme-vendor.io"}, {"email": "x@gmail.com"}, {"email": "z@acme.co.uk"}]}')`,
    [f.ws],
  );
  r = await resolve();
  assert.equal(r.decided_by, 'recorder_tracked_users');
  assert.deepEqual(r.domains, ['acme-vendor.io', 'acme.co.uk'], 'free-mail domains never count');
  assert.deepEqual(r.candidates.crm_connection_user, ['acme-crm.io']);
  await withWorkspace(t.db, f.ws, (tx) => putInternalDomains(tx, f.ws, ['Acme-Vendor.io']));
  r = await resolve();
  assert.equal(r.decided_by, 'context_layer');
  assert.deepEqual(r.entries, [{ domain: 'acme-vendor.io', source: 'context_layer' }]);
  await assert.rejects(
    withWorkspace(t.db, f.ws, (tx) => putInternalDomains(tx, f.ws, ['gmail.com'])),
    /free-mail/,
  );
});

test('internal-meeting filter: domains first, titles only when participants leave it open', async () => {
  const result = await run();
  assert.equal(
    (await conv('c6_internal')).internal_classification_reason,
    'all_participants_internal_domain',
  );
  assert.equal((await conv('c6_internal')).is_internal, true);
  assert.deepEqual(
    [(await conv('c7_title')).is_internal, (await conv('c7_title')).internal_classification_reason],
    [true, 'title_pattern:sprint'],
  );
  const c8 = await conv('c8_title_vs_domain');
  assert.equal(c8.is_internal, false, 'a stand-up title never outvotes a company-domain participant');
  assert.equal(c8.internal_classification_reason, 'external_participant_domain');
  assert.equal((await conv('c3_freemail')).internal_classification_reason, 'free_mail_participant');
  assert.equal((await conv('c9_crm_legacy')).internal_classification_reason, 'unidentified_participants');
  assert.equal(result.classification.internal, 2);
  assert.equal((await conv('c6_internal')).link_method, null);
});

test('tier 1: e-mail match (case-insensitive) to contact, account and the deal that contact is on', async () => {
  await run();
  const c1 = await conv('c1_email');
  assert.deepEqual(
    [c1.contact_id, c1.account_id, c1.deal_id, c1.link_method],
    [f.ids.alice, f.ids.globex, f.ids.d1, 'email_match'],
  );
  const c12 = await conv('c12_closed_deal');
  assert.equal(c12.deal_id, f.ids.d2, 'the closed deal whose dates fit the call');
  const c11 = await conv('c11_freemail_contact');
  assert.equal(c11.contact_id, f.ids.carol, 'an exact contact address matches even on a free-mail domain');
  assert.equal(c11.link_method, 'email_match');
});

test('tier 1: domain match for participants with no contact, never on a free-mail domain', async () => {
  await run();
  const c2 = await conv('c2_domain');
  assert.deepEqual([c2.account_id, c2.deal_id, c2.link_method], [f.ids.initech, null, 'domain_match']);
  const c3 = await conv('c3_freemail');
  assert.deepEqual(
    [c3.account_id, c3.link_method],
    [null, null],
    'gmail.com never matches the gmail.com account',
  );
});

test('tier 2: CRM native ids in both crm_context shapes', async () => {
  await run();
  for (const key of ['c4_crm', 'c9_crm_legacy']) {
    const c = await conv(key);
    assert.deepEqual(
      [c.account_id, c.deal_id, c.link_method],
      [f.ids.umbrella, f.ids.d3, 'crm_native_id'],
      key,
    );
  }
});

test('tier 3: single open deal whose dates fit; tier 1 wins over a conflicting CRM id', async () => {
  await run();
  const c5 = await conv('c5_inferred');
  assert.deepEqual(
    [c5.account_id, c5.deal_id, c5.link_method],
    [f.ids.umbrella, f.ids.d3, 'single_deal_inference'],
  );
  const c8 = await conv('c8_title_vs_domain');
  assert.deepEqual([c8.deal_id, c8.link_method], [f.ids.d1, 'single_deal_inference']);
  const c10 = await conv('c10_priority');
  assert.deepEqual([c10.account_id, c10.deal_id, c10.link_method], [f.ids.globex, f.ids.d1, 'email_match']);
});

test('idempotent: a second run writes no row', async () => {
  const first = await run();
  assert.ok(first.links_changed > 0);
  const xmin = async () =>
    (
      await t.db.query<{ x: string }>(
        `SELECT string_agg(xmin::text, ',' ORDER BY id) AS x FROM conversations WHERE workspace_id = $1::uuid`,
        [f.ws],
      )
    ).rows[0]!.x;
  const before = await xmin();
  const second = await run();
  assert.equal(second.links_changed, 0);
  assert.equal(second.classification.changed, 0);
  assert.equal(await xmin(), before);
});

test('manual links are never overwritten; a higher tier is not replaced by a lower one', async () => {
  await run();
  await withWorkspace(t.db, f.ws, (tx) => setManualLinks(tx, f.ws, f.ids.c2_domain!, { deal_id: f.ids.d3! }));
  // An earlier e-mail match (tier 1) on c4, whose evidence today is only a CRM id (tier 2).
  await t.db.query(
    `UPDATE conversations SET account_id = $3::uuid, deal_id = NULL, link_method = 'email_match'
      WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [f.ws, f.ids.c4_crm!, f.ids.initech!],
  );
  await run();
  const c2 = await conv('c2_domain');
  assert.deepEqual([c2.account_id, c2.deal_id, c2.link_method], [f.ids.umbrella, f.ids.d3, 'manual']);
  const c4 = await conv('c4_crm');
  assert.deepEqual([c4.account_id, c4.link_method], [f.ids.initech, 'email_match']);
  // Releasing the manual link hands the conversation back to the linker.
  await withWorkspace(t.db, f.ws, (tx) =>
    setManualLinks(tx, f.ws, f.ids.c2_domain!, { contact_id: null, account_id: null, deal_id: null }),
  );
  await run();
  assert.equal((await conv('c2_domain')).link_method, 'domain_match');
});

test('re-classification after a domain change withdraws automatic links and restores them', async () => {
  await run();
  await withWorkspace(t.db, f.ws, (tx) => putInternalDomains(tx, f.ws, ['acme-vendor.io', 'globex.com']));
  await run();
  const c1 = await conv('c1_email');
  assert.deepEqual(
    [c1.is_internal, c1.internal_classification_reason],
    [true, 'all_participants_internal_domain'],
  );
  assert.deepEqual([c1.account_id, c1.deal_id, c1.link_method], [null, null, null]);
  await withWorkspace(t.db, f.ws, (tx) => putInternalDomains(tx, f.ws, ['acme-vendor.io']));
  await run();
  const again = await conv('c1_email');
  assert.deepEqual([again.is_internal, again.deal_id, again.link_method], [false, f.ids.d1, 'email_match']);
});

test('tenant isolation: a run touches its own workspace and links only to its own rows', async () => {
  const other = await buildFixture(t.db, 'neighbour');
  await run();
  assert.equal((await conv('c1_email', other)).is_internal, null, 'the neighbour is not classified');
  assert.equal((await conv('c1_email', other)).link_method, null);
  await run(other.ws);
  const mine = await conv('c1_email');
  const theirs = await conv('c1_email', other);
  assert.equal(theirs.deal_id, other.ids.d1);
  assert.notEqual(theirs.deal_id, mine.deal_id);
  const { rows } = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM conversations c JOIN deals d ON d.id = c.deal_id
      WHERE c.workspace_id <> d.workspace_id`,
  );
  assert.equal(Number(rows[0]!.n), 0);
});
