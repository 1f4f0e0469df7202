import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openConnectorContext } from '../../src/sync/connector-context.ts';
import { runSync } from '../../src/sync/orchestrator.ts';
import { requestSync } from '../../src/sync/sync-requests.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { type HubspotDataset, makeHubspotDataset, startFakeHubspot } from '../fakes/fake-hubspot.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

describe('HubSpot connector', () => {
  let app: ConnectorApp;
  let hs: FakeServer & { data: HubspotDataset };
  const ws = () => app.workspaceId;
  const count = async (sql: string) => (await app.t.db.query<{ n: number }>(sql, [ws()])).rows[0]!.n;
  const waitSync = async (id: string) => {
    await app.deps.queue.idle();
    return (await app.api('GET', `/sync-log/${id}`)).body;
  };

  /** Runs the sync again after a failure in the deals: it must start at deals and insert the 5 of them. */
  async function resumeAtDeals() {
    const mark = hs.requests.length;
    const resumed = await requestSync({ db: app.deps.db }, ws(), 'hubspot', 'manual', 'initial');
    const done = await runSync({ ...app.deps, queue: undefined }, ws(), resumed.row.id);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    // Live lists only: the archived list of the object the crash left off in is read next, by design.
    const paths = hs.requests
      .slice(mark)
      .filter((r) => r.query.archived !== 'true')
      .map((r) => r.path);
    assert.ok(!paths.includes('/crm/v3/objects/companies'), 'resume re-read companies');
    assert.ok(!paths.includes('/crm/v3/objects/contacts'), 'resume re-read contacts');
    assert.equal(done.counts.deals!.inserted, 5);
    return done;
  }

  before(async () => {
    app = await startConnectorApp({ PANDORA_HUBSPOT_RATE_LIMIT: '1000/1' });
    hs = await startFakeHubspot(makeHubspotDataset(5, { engagements: true }));
  });
  after(async () => {
    await app.close();
    await hs.close();
  });

  test('connect rejects bad credentials with a live test and never echoes them', async () => {
    const bad = await app.api('POST', '/connectors/hubspot/connect', {
      credentials: { access_token: 'wrong-token-123456' },
      base_url: hs.url,
    });
    assert.equal(bad.status, 400);
    assert.ok(!bad.text.includes('wrong-token-123456'));
    const missing = await app.api('POST', '/connectors/hubspot/connect', {
      credentials: {},
      base_url: hs.url,
    });
    assert.equal(missing.status, 400);
  });

  test('connect stores encrypted credentials and the initial sync writes every object', async () => {
    const res = await app.api('POST', '/connectors/hubspot/connect', {
      credentials: { access_token: hs.data.token },
      base_url: hs.url,
    });
    assert.equal(res.status, 201, res.text);
    assert.ok(res.body.sync_log_id);
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'succeeded', log.error);
    assert.equal(log.trigger, 'initial');
    assert.equal(log.counts.deals.inserted, 5);
    assert.equal(log.counts.contacts.inserted, 10);
    assert.equal(log.counts.accounts.inserted, 5);
    assert.equal(log.counts.deal_contacts.inserted, 10);
    assert.equal(log.counts.activities.inserted, 15);

    const stored = await app.t.db.query<{ credentials: Buffer }>(
      'SELECT credentials FROM connections WHERE workspace_id = $1',
      [ws()],
    );
    assert.ok(!stored.rows[0]!.credentials.toString('latin1').includes(hs.data.token));

    const deal = (
      await app.t.db.query<Record<string, unknown>>(
        `SELECT d.*, a.source_id AS account_source_id FROM deals d LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id
         WHERE d.workspace_id = $1 AND d.source_id = '9002'`,
        [ws()],
      )
    ).rows[0]!;
    assert.equal(deal.stage, 'Presentation Scheduled');
    assert.equal(deal.stage_normalized, 'evaluation');
    assert.equal(deal.pipeline, 'Sales Pipeline');
    assert.equal(Number(deal.probability), 60);
    assert.equal(deal.owner_email, 'alice@vendor.example');
    const formerRepsDeal = await app.t.db.query<{ owner_email: string }>(
      `SELECT owner_email FROM deals WHERE workspace_id = $1 AND source_id = '9001'`,
      [ws()],
    );
    assert.equal(
      formerRepsDeal.rows[0]!.owner_email,
      'carol@vendor.example',
      'an archived owner keeps their deals',
    );
    const ownerCalls = hs.requests.filter((r) => r.path === '/crm/v3/owners').map((r) => r.query.archived);
    assert.ok(ownerCalls.includes('false') && ownerCalls.includes('true'), JSON.stringify(ownerCalls));
    assert.equal(deal.account_source_id, '1002');
    assert.deepEqual(deal.custom_fields, { deal_score__c: '2' });
    const won = (
      await app.t.db.query<{ is_won: boolean; stage_normalized: string }>(
        `SELECT is_won, stage_normalized FROM deals WHERE workspace_id = $1 AND source_id = '9005'`,
        [ws()],
      )
    ).rows[0]!;
    assert.deepEqual(won, { is_won: true, stage_normalized: 'closed_won' });
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM contacts WHERE workspace_id = $1 AND account_id IS NOT NULL`,
      ),
      10,
    );
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM deal_contacts WHERE workspace_id = $1 AND source = 'hubspot_association' AND role_source = 'crm_association'`,
      ),
      10,
    );
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM calls WHERE workspace_id = $1 AND duration_seconds = 125 AND deal_id IS NOT NULL`,
      ),
      5,
    );
    assert.equal(
      await count(`SELECT count(*)::int AS n FROM tasks WHERE workspace_id = $1 AND is_completed`),
      3,
    );
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM activities WHERE workspace_id = $1 AND activity_type = 'email' AND direction = 'inbound'`,
      ),
      5,
    );

    // What was asked of HubSpot: list endpoints with properties and associations.
    const dealList = hs.requests.find((r) => r.path === '/crm/v3/objects/deals' && r.method === 'GET')!;
    assert.equal(dealList.query.associations, 'contacts,companies');
    assert.ok(dealList.query.properties!.split(',').includes('deal_score__c'));
    assert.equal(dealList.query.archived, 'false');
    const companyList = hs.requests.find(
      (r) => r.path === '/crm/v3/objects/companies' && r.method === 'GET',
    )!;
    assert.ok(companyList.query.properties!.split(',').includes('hs_additional_domains'));
    const { rows: domains } = await app.deps.db.query<{ additional_domains: string[] | null }>(
      `SELECT additional_domains FROM accounts WHERE workspace_id = $1 ORDER BY source_id LIMIT 2`,
      [ws()],
    );
    assert.deepEqual(
      domains.map((r) => r.additional_domains),
      [['company1-group.example', 'company1.io'], null],
    );
  });

  test('on-demand hooks run with the stored connection (fetchUserDirectory)', async () => {
    const { adapter, ctx } = await openConnectorContext(app.deps, ws(), 'hubspot');
    const users = await adapter.fetchUserDirectory!(ctx);
    assert.deepEqual(
      users.map((u) => [u.email, u.name, u.is_active]),
      [
        ['alice@vendor.example', 'Alice Owner', true],
        ['bob@vendor.example', 'Bob Owner', true],
        ['carol@vendor.example', 'Carol Former', false],
      ],
    );
  });

  test('a second sync with no upstream change reports everything unchanged and writes nothing', async () => {
    const before = await app.t.db.query<{ max: string }>(
      'SELECT max(updated_at)::text AS max FROM deals WHERE workspace_id = $1',
      [ws()],
    );
    const first = await app.api('POST', '/connectors/hubspot/sync', {});
    assert.equal(first.status, 202);
    const second = await app.api('POST', '/connectors/hubspot/sync', {});
    assert.equal(second.body.sync_log_id, first.body.sync_log_id);
    assert.equal(second.body.coalesced, true);
    const log = await waitSync(first.body.sync_log_id);
    assert.equal(log.status, 'succeeded', log.error);
    assert.equal(log.mode, 'incremental');
    for (const [entity, c] of Object.entries(
      log.counts as Record<string, { inserted: number; updated: number }>,
    )) {
      assert.equal(c.inserted + c.updated, 0, `${entity} wrote rows`);
    }
    // A full re-read (mode initial) sees every row and still writes nothing.
    const full = await app.api('POST', '/connectors/hubspot/sync', { mode: 'initial' });
    const fullLog = await waitSync(full.body.sync_log_id);
    assert.equal(fullLog.mode, 'initial');
    assert.deepEqual(fullLog.counts.deals, { inserted: 0, updated: 0, unchanged: 5 });
    assert.deepEqual(fullLog.counts.contacts, { inserted: 0, updated: 0, unchanged: 10 });
    assert.deepEqual(fullLog.counts.deal_contacts, { inserted: 0, updated: 0, unchanged: 10 });
    const afterMax = await app.t.db.query<{ max: string }>(
      'SELECT max(updated_at)::text AS max FROM deals WHERE workspace_id = $1',
      [ws()],
    );
    assert.equal(afterMax.rows[0]!.max, before.rows[0]!.max);
    const search = hs.requests.filter((r) => r.path === '/crm/v3/objects/deals/search');
    assert.equal(
      (search.at(-1)!.body as { sorts: Array<{ propertyName: string }> }).sorts[0]!.propertyName,
      'hs_lastmodifieddate',
    );
  });

  test('a stage change upstream is written and recorded in deal_stage_history', async () => {
    const deal = hs.data.objects.deals.find((d) => d.id === '9001')!;
    deal.properties.dealstage = 'contractsent';
    deal.properties.hs_lastmodifieddate = '2025-03-01T00:00:00.000Z';
    deal.updatedAt = '2025-03-01T00:00:00.000Z';
    const res = await app.api('POST', '/connectors/hubspot/sync', {});
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.counts.deals.updated, 1);
    const h = await app.t.db.query(
      `SELECT from_stage, to_stage, from_stage_normalized, to_stage_normalized, source FROM deal_stage_history WHERE workspace_id = $1`,
      [ws()],
    );
    assert.deepEqual(h.rows, [
      {
        from_stage: 'Qualified To Buy',
        to_stage: 'Contract Sent',
        from_stage_normalized: 'qualification',
        to_stage_normalized: 'negotiation',
        source: 'sync_diff',
      },
    ]);
  });

  test('stage mappings: PUT re-normalises matching deals, GET lists mappings and observed stages', async () => {
    const put = await app.api('PUT', '/stage-mappings', {
      mappings: [{ source: 'hubspot', raw_stage: 'Contract Sent', stage_normalized: 'decision' }],
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.deals_updated, 2); // 9004 started there, 9001 moved there
    const got = await app.api('GET', '/stage-mappings');
    assert.deepEqual(
      got.body.data.map((m: { raw_stage: string; stage_normalized: string }) => [
        m.raw_stage,
        m.stage_normalized,
      ]),
      [['Contract Sent', 'decision']],
    );
    assert.ok(
      got.body.observed_stages.some(
        (o: { stage: string; deal_count: number }) => o.stage === 'Contract Sent',
      ),
    );
    assert.equal(
      (
        await app.api('PUT', '/stage-mappings', {
          mappings: [{ source: 'hubspot', raw_stage: 'x', stage_normalized: 'won' }],
        })
      ).status,
      400,
    );
    const removed = await app.api('PUT', '/stage-mappings', {
      mappings: [{ source: 'hubspot', raw_stage: 'Contract Sent', stage_normalized: null }],
    });
    assert.equal(removed.body.deals_updated, 2);
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1 AND stage_normalized = 'negotiation'`,
      ),
      2,
    );
  });

  test('429 with Retry-After and 500s are retried; the sync still succeeds', async () => {
    hs.fault({
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"status":"error","category":"RATE_LIMITS"}',
    });
    hs.fault({ status: 502, match: (r) => r.path.endsWith('/search') });
    const res = await app.api('POST', '/connectors/hubspot/sync', {});
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'succeeded', log.error);
  });

  test('malformed JSON fails the sync with the error recorded; the next sync recovers', async () => {
    hs.fault({
      status: 200,
      body: '{"results": [{"id": ',
      match: (r) => r.path === '/crm/v3/objects/contacts/search',
    });
    const res = await app.api('POST', '/connectors/hubspot/sync', {});
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'failed');
    assert.match(log.error, /not JSON/);
    const list = await app.api('GET', '/connectors');
    assert.equal(list.body.data[0].status, 'error');
    assert.match(list.body.data[0].last_error, /not JSON/);
    const again = await app.api('POST', '/connectors/hubspot/sync', {});
    assert.equal((await waitSync(again.body.sync_log_id)).status, 'succeeded');
  });

  test('archived records are picked up by the incremental sync and kept', async () => {
    const deal = hs.data.objects.deals.find((d) => d.id === '9003')!;
    deal.archived = true;
    deal.archivedAt = new Date().toISOString();
    const res = await app.api('POST', '/connectors/hubspot/sync', {});
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'succeeded', log.error);
    const row = await app.t.db.query<{ archived: boolean }>(
      `SELECT (source_data->>'archived')::boolean AS archived FROM deals WHERE workspace_id = $1 AND source_id = '9003'`,
      [ws()],
    );
    assert.equal(row.rows[0]!.archived, true);
  });

  test('populate-deal-contacts backfills from stored associations', async () => {
    await app.t.db.query('DELETE FROM deal_contacts WHERE workspace_id = $1', [ws()]);
    const res = await app.api('POST', '/connectors/hubspot/populate-deal-contacts');
    assert.equal(res.status, 200);
    assert.equal(res.body.deal_contacts_inserted, 10);
    const again = await app.api('POST', '/connectors/hubspot/populate-deal-contacts');
    assert.equal(again.body.deal_contacts_inserted, 0);
  });

  test('a crash after page N resumes at page N+1, losing and duplicating nothing', async () => {
    // Fresh initial sync into a clean slate, crashing after the second committed page (contacts).
    const restored = hs.data.objects.deals.find((d) => d.id === '9003')!;
    restored.archived = false;
    delete restored.archivedAt;
    await app.t.db.query(`DELETE FROM deals WHERE workspace_id = $1`, [ws()]);
    await app.t.db.query(`DELETE FROM contacts WHERE workspace_id = $1`, [ws()]);
    await app.t.db.query(`DELETE FROM accounts WHERE workspace_id = $1`, [ws()]);
    const first = await requestSync({ db: app.deps.db }, ws(), 'hubspot', 'manual', 'initial');
    // Queued without a job, so only the runs below touch it.
    const crashed = await runSync({ ...app.deps, queue: undefined }, ws(), first.row.id, {
      afterPage: (n) => {
        if (n === 2) throw new Error('simulated crash');
      },
    });
    assert.equal(crashed.status, 'failed');
    assert.equal(await count('SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1'), 0);
    assert.equal(await count('SELECT count(*)::int AS n FROM contacts WHERE workspace_id = $1'), 10);
    await app.deps.queue.idle();
    const done = await resumeAtDeals();
    assert.equal(done.counts.contacts, undefined);
    assert.equal(await count('SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1'), 5);
    assert.equal(await count('SELECT count(*)::int AS n FROM contacts WHERE workspace_id = $1'), 10);
    assert.equal(
      await count('SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1 AND account_id IS NOT NULL'),
      5,
    );
  });

  test('a failure in the read-ahead of the next object keeps the pages before it; the resume starts there', async () => {
    await app.t.db.query(`DELETE FROM deals WHERE workspace_id = $1`, [ws()]);
    await app.t.db.query(`DELETE FROM contacts WHERE workspace_id = $1`, [ws()]);
    await app.t.db.query(`DELETE FROM accounts WHERE workspace_id = $1`, [ws()]);
    // The deals list is read ahead while contacts are still being written; its first page is malformed.
    hs.fault({ match: (r) => r.path === '/crm/v3/objects/deals', status: 200, body: '{"results": [' });
    const first = await requestSync({ db: app.deps.db }, ws(), 'hubspot', 'manual', 'initial');
    const failed = await runSync({ ...app.deps, queue: undefined }, ws(), first.row.id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /not JSON/);
    assert.equal(await count('SELECT count(*)::int AS n FROM accounts WHERE workspace_id = $1'), 5);
    assert.equal(await count('SELECT count(*)::int AS n FROM contacts WHERE workspace_id = $1'), 10);
    assert.equal(await count('SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1'), 0);

    const done = await resumeAtDeals();
    assert.equal(done.counts.deal_contacts!.inserted, 10);
    assert.equal(
      await count('SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1 AND account_id IS NOT NULL'),
      5,
    );
  });

  test('an expired token marks the connection auth_failed and blocks syncs until reconnect', async () => {
    hs.data.token = 'rotated-token-abcdef';
    const res = await app.api('POST', '/connectors/hubspot/sync', {});
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'failed');
    const list = await app.api('GET', '/connectors');
    assert.equal(list.body.data[0].status, 'auth_failed');
    assert.equal((await app.api('POST', '/connectors/hubspot/sync', {})).status, 409);
    const re = await app.api('POST', '/connectors/hubspot/connect', {
      credentials: { access_token: 'rotated-token-abcdef' },
      base_url: hs.url,
      sync: false,
    });
    assert.equal(re.status, 201);
    const ok = await app.api('POST', '/connectors/hubspot/sync', {});
    assert.equal((await waitSync(ok.body.sync_log_id)).status, 'succeeded');
  });

  test('no connector endpoint ever returns the credentials', async () => {
    const bodies = [
      await app.api('GET', '/connectors'),
      await app.api('GET', '/sync-log'),
      await app.api('POST', '/connectors/hubspot/connect', {
        credentials: { access_token: 'rotated-token-abcdef' },
        base_url: hs.url,
        sync: false,
      }),
    ];
    for (const b of bodies) {
      assert.ok(!b.text.includes('rotated-token-abcdef'));
      assert.ok(!b.text.includes('hs-test-token-0123456789'));
    }
    const list = bodies[0]!.body.data[0];
    assert.equal(list.counts.deals, 5);
    assert.equal(list.credentials, undefined);
  });

  test('disconnect keeps the data unless purge=true', async () => {
    const kept = await app.api('DELETE', '/connectors/hubspot');
    assert.equal(kept.status, 200);
    assert.equal(await count('SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1'), 5);
    assert.equal((await app.api('GET', '/connectors')).body.data.length, 0);
    await app.api('POST', '/connectors/hubspot/connect', {
      credentials: { access_token: hs.data.token },
      base_url: hs.url,
      sync: false,
    });
    const purged = await app.api('DELETE', '/connectors/hubspot?purge=true');
    assert.equal(purged.body.deleted.deals, 5);
    assert.equal(await count('SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1'), 0);
  });
});
