import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { listConversationsWithoutDeals } from '../../src/linker/conversations-without-deals.ts';
import { putInternalDomains } from '../../src/linker/internal-domains.ts';
import { runLinker } from '../../src/linker/linker-run.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';
import { type Fixture, buildFixture } from './linker-fixture.ts';

let t: TestDb;
let f: Fixture;

before(async () => {
  t = await createTestDb();
  f = await buildFixture(t.db);
});
after(() => t.close());

async function stored(): Promise<{ domains: string[]; decided_by: string | null } | undefined> {
  const { rows } = await t.db.query<{ domains: string[]; decided_by: string | null }>(
    'SELECT domains, decided_by FROM internal_domains_resolved WHERE workspace_id = $1::uuid',
    [f.ws],
  );
  return rows[0];
}

/** The rep of the initech call as conversations-without-deals names it (attributed by internal domain). */
async function initechRep(): Promise<string | null> {
  const page = await withWorkspace(t.db, f.ws, (tx) =>
    listConversationsWithoutDeals(tx, f.ws, { sort: '-started_at', limit: 100, as_of: '2026-04-10' }),
  );
  const item = page.data.find((d) => d.conversation_id === f.ids.c2_domain);
  assert.ok(item, 'the initech call has an account and no deal');
  return item.rep?.email ?? null;
}

const setStored = (domains: string[]) =>
  t.db.query('UPDATE internal_domains_resolved SET domains = $2::text[] WHERE workspace_id = $1::uuid', [
    f.ws,
    domains,
  ]);

test('a linker run stores the internal domains and conversations without deals read them', async () => {
  assert.equal(await stored(), undefined);
  await withWorkspace(t.db, f.ws, (tx) => runLinker(tx, f.ws));
  assert.deepEqual(await stored(), { domains: ['acme-vendor.io'], decided_by: 'crm_owner_inference' });
  assert.equal(await initechRep(), 'rita@acme-vendor.io');
  // The stored answer is what the list reads, not a fresh resolution.
  await setStored(['elsewhere.io']);
  assert.equal(await initechRep(), null);
  await withWorkspace(t.db, f.ws, (tx) => runLinker(tx, f.ws));
  assert.deepEqual((await stored())?.domains, ['acme-vendor.io'], 'the next run refreshes it');
  assert.equal(await initechRep(), 'rita@acme-vendor.io');
});

test('a change to the context layer or to a connection forgets the stored answer; the next read stores it again', async () => {
  await setStored(['elsewhere.io']);
  await withWorkspace(t.db, f.ws, (tx) => putInternalDomains(tx, f.ws, ['acme-vendor.io']));
  assert.equal(await stored(), undefined);
  assert.equal(await initechRep(), 'rita@acme-vendor.io');
  assert.deepEqual(await stored(), { domains: ['acme-vendor.io'], decided_by: 'context_layer' });

  await setStored(['elsewhere.io']);
  await t.db.query(
    `INSERT INTO connections (workspace_id, connector_name, metadata)
     VALUES ($1::uuid, 'gong', '{"tracked_users": []}')`,
    [f.ws],
  );
  assert.equal(await stored(), undefined, 'a new connection');
  assert.equal(await initechRep(), 'rita@acme-vendor.io');
  await setStored(['elsewhere.io']);
  await t.db.query(
    `UPDATE connections SET last_sync_at = now() WHERE workspace_id = $1::uuid AND connector_name = 'gong'`,
    [f.ws],
  );
  assert.deepEqual((await stored())?.domains, ['elsewhere.io'], 'nothing the sources read changed');
  await t.db.query(
    `UPDATE connections SET metadata = '{"tracked_users": [{"email": "rita@acme-vendor.io"}]}'
      WHERE workspace_id = $1::uuid AND connector_name = 'gong'`,
    [f.ws],
  );
  assert.equal(await stored(), undefined, 'tracked users changed');
  assert.equal(await initechRep(), 'rita@acme-vendor.io');

  // Emptying the context layer's list hands the decision back to the other sources.
  await withWorkspace(t.db, f.ws, (tx) => putInternalDomains(tx, f.ws, []));
  assert.equal(await initechRep(), 'rita@acme-vendor.io');
  assert.deepEqual(await stored(), { domains: ['acme-vendor.io'], decided_by: 'recorder_tracked_users' });
});
