import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  archiveHubspot,
  type HubspotDataset,
  makeHubspotDataset,
  mergeHubspot,
  restoreHubspot,
  startFakeHubspot,
} from '../fakes/fake-hubspot.ts';
import {
  makeSalesforceOrg,
  type SalesforceOrg,
  sfId,
  startFakeSalesforce,
} from '../fakes/fake-salesforce.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { runSkillNow } from '../../src/skills/run-all-skills.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

const NOW = '2026-01-10T00:00:00.000Z';

describe('deletions and merges at the source (HubSpot)', () => {
  let app: ConnectorApp;
  let hs: FakeServer & { data: HubspotDataset };
  const ws = () => app.workspaceId;
  const one = async <T = Record<string, unknown>>(sql: string, params: string[] = []) =>
    (await app.t.db.query<T>(sql, [ws(), ...params])).rows[0]!;
  const sync = () => app.syncNow('hubspot');
  const idOf = async (table: string, sourceId: string) =>
    (
      await one<{ id: string }>(`SELECT id FROM ${table} WHERE workspace_id = $1 AND source_id = $2`, [
        sourceId,
      ])
    ).id;

  before(async () => {
    app = await startConnectorApp({ PANDORA_HUBSPOT_RATE_LIMIT: '1000/1' });
    const data = makeHubspotDataset(5);
    // A second open deal at company 1003, with no contacts: the only live deal left there once 9003 goes.
    data.objects.deals.push({
      ...structuredClone(data.objects.deals[2]!),
      id: '9006',
      properties: { ...data.objects.deals[2]!.properties, dealname: 'Deal 6 (expansion)' },
      assoc: { companies: ['1003'] },
    });
    hs = await startFakeHubspot(data);
    const res = await app.api('POST', '/connectors/hubspot/connect', {
      credentials: { access_token: hs.data.token },
      base_url: hs.url,
    });
    assert.equal(res.status, 201, res.text);
    await app.deps.queue.idle();
    // A recorded call with a contact of deal 9003: the linker ties it to that deal.
    await app.t.db.query(
      `INSERT INTO conversations (workspace_id, source, source_id, title, started_at, participants)
       VALUES ($1, 'gong', 'call-1', 'Pricing', '2025-02-01T10:00:00Z',
               '[{"email": "alice@vendor.example"}, {"email": "person5006@company3.example"}]')`,
      [ws()],
    );
    // The row was written behind the sync's back, so no sync reports a change; run the linker as a user would.
    const linked = await app.api('POST', '/linker/run');
    assert.equal(linked.status, 200, linked.text);
  });
  after(async () => {
    await app.close();
    await hs.close();
  });

  test('the linker first ties the call to deal 9003', async () => {
    const c = await one<{ deal: string; link_method: string }>(
      `SELECT d.source_id AS deal, c.link_method FROM conversations c JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = c.deal_id
       WHERE c.workspace_id = $1`,
    );
    assert.deepEqual(c, { deal: '9003', link_method: 'email_match' });
  });

  test('archived and merged records are marked, excluded by default, and links follow', async () => {
    const summaryBefore = (await app.api('GET', '/pipeline/summary')).body.totals;
    const survivor5008 = await idOf('contacts', '5008');
    const company1004 = await idOf('accounts', '1004');
    archiveHubspot(hs.data, 'deals', '9003', NOW);
    mergeHubspot(hs.data, 'contacts', '5009', '5008', NOW);
    mergeHubspot(hs.data, 'companies', '1005', '1004', NOW);
    const log = await sync();
    assert.equal(log.counts.merged.updated, 2);
    assert.equal(log.counts.conversations_released.updated, 1);

    const deal = await one<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM deals WHERE workspace_id = $1 AND source_id = '9003'`,
    );
    assert.equal(new Date(deal.deleted_at!).toISOString(), NOW);
    const contact = await one<{ deleted_at: Date | null; merged_into_id: string }>(
      `SELECT deleted_at, merged_into_id FROM contacts WHERE workspace_id = $1 AND source_id = '5009'`,
    );
    assert.ok(contact.deleted_at);
    assert.equal(contact.merged_into_id, survivor5008);
    // Deal 9004 had both contacts; it keeps one link, to the survivor.
    const links = await app.t.db.query<{ contact: string }>(
      `SELECT c.source_id AS contact FROM deal_contacts dc JOIN deals d ON d.workspace_id = dc.workspace_id AND d.id = dc.deal_id
       JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
       WHERE dc.workspace_id = $1 AND d.source_id = '9004'`,
      [ws()],
    );
    assert.deepEqual(links.rows, [{ contact: '5008' }]);
    // What pointed at company 1005 now points at 1004.
    const moved = await one<{ deal_account: string; contacts_at_1004: number }>(
      `SELECT (SELECT account_id FROM deals WHERE workspace_id = $1 AND source_id = '9005') AS deal_account,
              (SELECT count(*)::int FROM contacts WHERE workspace_id = $1 AND account_id = $2) AS contacts_at_1004`,
      [company1004],
    );
    assert.deepEqual(moved, { deal_account: company1004, contacts_at_1004: 4 });

    // Lists leave them out unless asked.
    const live = await app.api('GET', '/deals?limit=50');
    assert.equal(live.body.data.length, 5);
    assert.ok(!live.body.data.some((d: { source_id: string }) => d.source_id === '9003'));
    const all = await app.api('GET', '/deals?include_deleted=true&limit=50');
    assert.equal(all.body.data.length, 6);
    assert.equal(all.body.data.find((d: { source_id: string }) => d.source_id === '9003').deleted_at, NOW);
    const contacts = await app.api('GET', '/contacts?include_deleted=true&email=person5009@company4.example');
    assert.equal(contacts.body.data[0].merged_into_id, survivor5008);
    assert.equal((await app.api('GET', '/contacts?email=person5009@company4.example')).body.data.length, 0);
    assert.equal((await app.api('GET', '/deals?include_deleted=maybe')).status, 400);
    assert.equal((await app.api('GET', '/conversations?include_deleted=true')).status, 400);

    // Totals drop the deleted deal (rollups and the deals fallback agree).
    const summary = (await app.api('GET', '/pipeline/summary')).body.totals;
    assert.equal(summary.count, summaryBefore.count - 1);
    assert.equal(summary.amount, summaryBefore.amount - 3000);
    // A filter the rollups cannot answer makes the deals answer: the same totals.
    const byDeals = await app.api('GET', '/pipeline/summary?source=hubspot');
    assert.equal(byDeals.body.source ?? 'deals', 'deals');
    assert.equal(byDeals.body.totals.count, summary.count);
    assert.equal(byDeals.body.totals.amount, summary.amount);

    // The call is re-linked among the live deals: company 1003's only open deal is now 9006.
    const c = await one<{ deal: string; link_method: string }>(
      `SELECT d.source_id AS deal, c.link_method FROM conversations c JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = c.deal_id
       WHERE c.workspace_id = $1`,
    );
    assert.deepEqual(c, { deal: '9006', link_method: 'single_deal_inference' });
  });

  test('skills leave deleted deals out', async () => {
    const run = await runSkillNow(app.deps, ws(), 'pipeline-hygiene', {});
    const detail = await app.api('GET', `/skill-runs/${run.id}`);
    assert.equal(detail.body.status, 'succeeded', detail.text);
    const text = JSON.stringify(detail.body);
    // Every open deal's close date (2025-06-30) has passed: the live ones are named, the deleted one not.
    assert.ok(text.includes(await idOf('deals', '9006')), 'a live open deal is missing');
    assert.ok(!text.includes(await idOf('deals', '9003')), 'a finding names the deleted deal');
  });

  test('a record restored at the source comes back', async () => {
    restoreHubspot(hs.data, 'deals', '9003', '2026-01-11T00:00:00.000Z');
    await sync();
    const deal = await one<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM deals WHERE workspace_id = $1 AND source_id = '9003'`,
    );
    assert.equal(deal.deleted_at, null);
    assert.equal((await app.api('GET', '/deals?limit=50')).body.data.length, 6);
  });

  test('a full re-read marks records archived at any time', async () => {
    await app.t.db.query(`UPDATE deals SET deleted_at = NULL WHERE workspace_id = $1`, [ws()]);
    archiveHubspot(hs.data, 'deals', '9001', '2024-01-01T00:00:00.000Z'); // before every watermark
    await app.syncNow('hubspot', { mode: 'initial' });
    const deal = await one<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM deals WHERE workspace_id = $1 AND source_id = '9001'`,
    );
    assert.equal(new Date(deal.deleted_at!).toISOString(), '2024-01-01T00:00:00.000Z');
    assert.ok(
      hs.requests.some((r) => r.path === '/crm/v3/objects/deals' && r.query.archived === 'true'),
      'the archived list was read',
    );
  });
});

describe('deletions and merges at the source (Salesforce)', () => {
  let app: ConnectorApp;
  let sf: FakeServer & { org: SalesforceOrg };
  const ws = () => app.workspaceId;
  const sync = () => app.syncNow('salesforce');
  const row = async (table: string, sourceId: string) =>
    (
      await app.t.db.query<{ id: string; deleted_at: Date | null; merged_into_id: string | null }>(
        `SELECT id, deleted_at, merged_into_id FROM ${table} WHERE workspace_id = $1 AND source_id = $2`,
        [ws(), sourceId],
      )
    ).rows[0]!;

  before(async () => {
    app = await startConnectorApp({ PANDORA_SALESFORCE_RATE_LIMIT: '1000/1' });
    sf = await startFakeSalesforce(makeSalesforceOrg(6));
    const res = await app.api('POST', '/connectors/salesforce/connect', {
      credentials: { access_token: sf.org.token, instance_url: sf.url },
    });
    assert.equal(res.status, 201, res.text);
    await app.deps.queue.idle();
  });
  after(async () => {
    await app.close();
    await sf.close();
  });

  test('QueryAll reads deletions and merges; rows are marked and leave lists and totals', async () => {
    const stamp = '2026-01-10T00:00:00.000+0000';
    const del = (object: string, id: string, extra: Record<string, unknown> = {}) => {
      const r = sf.org.objects[object]!.find((x) => x.Id === id)!;
      Object.assign(r, { IsDeleted: true, SystemModstamp: stamp }, extra);
    };
    const before = (await app.api('GET', '/pipeline/summary?is_closed=false')).body.totals;
    del('Opportunity', sfId('006', 2));
    del('Contact', sfId('003', 3), { MasterRecordId: sfId('003', 4) });
    del('Lead', sfId('00Q', 5));
    del('Account', sfId('001', 1));
    const log = await sync();
    assert.equal(log.counts.deleted.updated, 3);
    assert.equal(log.counts.merged.updated, 1);

    assert.ok((await row('deals', sfId('006', 2))).deleted_at);
    assert.ok((await row('leads', sfId('00Q', 5))).deleted_at);
    assert.ok((await row('accounts', sfId('001', 1))).deleted_at);
    const merged = await row('contacts', sfId('003', 3));
    assert.equal(merged.merged_into_id, (await row('contacts', sfId('003', 4))).id);
    const deletedQueries = sf.requests.filter(
      (r) => r.path.endsWith('/queryAll') && /IsDeleted = true/.test(r.query.q ?? ''),
    );
    assert.deepEqual(deletedQueries.map((r) => /FROM (\w+)/.exec(r.query.q!)![1]).slice(-4), [
      'Account',
      'Contact',
      'Opportunity',
      'Lead',
    ]);
    // Opportunity 2 (Proposal/Price Quote, 10 000) was open.
    const after = (await app.api('GET', '/pipeline/summary?is_closed=false')).body.totals;
    assert.equal(after.count, before.count - 1);
    assert.equal(after.amount, before.amount - 10000);
    assert.equal((await app.api('GET', '/leads?limit=50')).body.data.length, 5);
    assert.equal((await app.api('GET', '/leads?limit=50&include_deleted=true')).body.data.length, 6);
    assert.equal((await app.api('GET', '/accounts?limit=50')).body.data.length, 5);

    // A second sync reads the same deletions again and changes nothing.
    const again = await sync();
    assert.equal(again.counts.deleted, undefined);
    assert.equal(again.counts.merged, undefined);
  });

  test('an undeleted record comes back through the regular query', async () => {
    const r = sf.org.objects.Opportunity!.find((x) => x.Id === sfId('006', 2))!;
    Object.assign(r, { IsDeleted: false, SystemModstamp: '2026-01-11T00:00:00.000+0000' });
    await sync();
    assert.equal((await row('deals', sfId('006', 2))).deleted_at, null);
  });
});
