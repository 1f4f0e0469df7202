import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runSync } from '../../src/sync/orchestrator.ts';
import { requestSync } from '../../src/sync/sync-requests.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import {
  makeSalesforceOrg,
  type SalesforceOrg,
  sfId,
  startFakeSalesforce,
} from '../fakes/fake-salesforce.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

describe('Salesforce connector', () => {
  let app: ConnectorApp;
  let sf: FakeServer & { org: SalesforceOrg };
  const ws = () => app.workspaceId;
  const count = async (sql: string) => (await app.t.db.query<{ n: number }>(sql, [ws()])).rows[0]!.n;
  const waitSync = async (id: string) => {
    await app.deps.queue.idle();
    return (await app.api('GET', `/sync-log/${id}`)).body;
  };
  const connect = (extra = {}) =>
    app.api('POST', '/connectors/salesforce/connect', {
      credentials: { access_token: sf.org.token, instance_url: sf.url },
      ...extra,
    });

  before(async () => {
    app = await startConnectorApp({ PANDORA_SALESFORCE_RATE_LIMIT: '1000/1' });
    sf = await startFakeSalesforce(makeSalesforceOrg(6));
  });
  after(async () => {
    await app.close();
    await sf.close();
  });

  test('initial sync maps every object through SOQL with nextRecordsUrl paging', async () => {
    const res = await connect();
    assert.equal(res.status, 201, res.text);
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'succeeded', log.error);
    assert.equal(log.counts.deals.inserted, 6);
    assert.equal(log.counts.leads.inserted, 6);
    assert.equal(log.counts.calls.inserted, 6);
    assert.equal(log.counts.activities.inserted, 12); // 6 email tasks + 6 events
    assert.equal(log.counts.tasks.inserted, 6);
    assert.equal(log.counts.deal_contacts.inserted, 6);
    assert.equal(log.counts.deal_stage_history.inserted, 12);

    const opp = (
      await app.t.db.query<Record<string, unknown>>(
        `SELECT d.stage, d.stage_normalized, d.owner_email, d.custom_fields, d.forecast_category, d.is_won, a.domain
         FROM deals d JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id
         WHERE d.workspace_id = $1 AND d.source_id = $2`,
        [ws(), sfId('006', 2)],
      )
    ).rows[0]!;
    assert.deepEqual(opp, {
      stage: 'Proposal/Price Quote',
      stage_normalized: 'decision',
      owner_email: 'rep.one@vendor.example',
      custom_fields: { Competitor__c: 'Other' },
      forecast_category: 'best_case',
      is_won: false,
      domain: 'account2.example',
    });
    const role = (
      await app.t.db.query(
        `SELECT role, role_source, is_primary FROM deal_contacts WHERE workspace_id = $1 LIMIT 1`,
        [ws()],
      )
    ).rows[0];
    assert.deepEqual(role, { role: 'economic_buyer', role_source: 'crm_role', is_primary: true });
    const history = await app.t.db.query(
      `SELECT h.from_stage, h.to_stage FROM deal_stage_history h JOIN deals d ON d.workspace_id = h.workspace_id AND d.id = h.deal_id
       WHERE h.workspace_id = $1 AND d.source_id = $2 ORDER BY h.changed_at`,
      [ws(), sfId('006', 2)],
    );
    assert.deepEqual(history.rows, [
      { from_stage: null, to_stage: 'Prospecting' },
      { from_stage: 'Prospecting', to_stage: 'Proposal/Price Quote' },
    ]);
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM leads WHERE workspace_id = $1 AND is_converted AND converted_contact_id IS NOT NULL AND converted_account_id IS NOT NULL AND converted_deal_id IS NOT NULL`,
      ),
      3,
    );
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM calls WHERE workspace_id = $1 AND deal_id IS NOT NULL AND contact_id IS NOT NULL AND duration_seconds = 300`,
      ),
      6,
    );
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM tasks WHERE workspace_id = $1 AND account_id IS NOT NULL AND due_date = '2025-04-01'`,
      ),
      6,
    );
    assert.equal(
      await count(
        `SELECT count(*)::int AS n FROM contacts WHERE workspace_id = $1 AND seniority = 'c_level'`,
      ),
      6,
    );

    const queries = sf.requests.filter((r) => r.path.endsWith('/query')).map((r) => r.query.q!);
    assert.ok(
      queries.some((q) => q.startsWith('SELECT Id, Name, Amount, StageName') && q.includes('Competitor__c')),
    );
    assert.ok(
      sf.requests.some((r) => /\/query\/01g\w+-\d+$/.test(r.path)),
      'followed nextRecordsUrl',
    );
  });

  test('incremental sync filters on SystemModstamp and writes nothing when nothing changed', async () => {
    const mark = sf.requests.length;
    const res = await app.api('POST', '/connectors/salesforce/sync', {});
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'succeeded', log.error);
    for (const [entity, c] of Object.entries(
      log.counts as Record<string, { inserted: number; updated: number }>,
    )) {
      assert.equal(c.inserted + c.updated, 0, `${entity} wrote rows`);
    }
    const q = sf.requests.slice(mark).find((r) => r.query.q?.includes('FROM Opportunity'))!.query.q!;
    assert.match(q, /WHERE SystemModstamp >= 2025-02-01T00:06:00Z ORDER BY SystemModstamp ASC, Id ASC$/);
  });

  test('GET /leads/cohorts splits converted and unconverted by source, month and owner', async () => {
    const res = await app.api('GET', '/leads/cohorts');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.by_source, [
      { key: 'Event', total: 2, converted: 1, unconverted: 1, conversion_rate: 0.5 },
      { key: 'Web', total: 4, converted: 2, unconverted: 2, conversion_rate: 0.5 },
    ]);
    assert.deepEqual(res.body.by_month, [
      { key: '2025-02', total: 6, converted: 3, unconverted: 3, conversion_rate: 0.5 },
    ]);
    assert.equal(res.body.by_owner.length, 2);
    assert.equal((await app.api('GET', '/leads/cohorts?from=2030-01-01')).body.by_source.length, 0);
    assert.equal((await app.api('GET', '/leads/cohorts?bogus=1')).status, 400);
  });

  test('a crash mid-object resumes from the last committed SystemModstamp without loss or duplicates', async () => {
    await app.t.db.query(`DELETE FROM leads WHERE workspace_id = $1`, [ws()]);
    const first = await requestSync({ db: app.deps.db }, ws(), 'salesforce', 'manual', 'initial');
    let crashedAt = 0;
    const crashed = await runSync({ ...app.deps, queue: undefined }, ws(), first.row.id, {
      afterPage: (n) => {
        // Pages: Account 4+2, Contact 4+2, Opportunity 4+2, then Lead 4 → crash inside Lead.
        if (n === 7) {
          crashedAt = n;
          throw new Error('simulated crash');
        }
      },
    });
    assert.equal(crashedAt, 7);
    assert.equal(crashed.status, 'failed');
    assert.equal(await count('SELECT count(*)::int AS n FROM leads WHERE workspace_id = $1'), 4);
    const mark = sf.requests.length;
    const resumed = await requestSync({ db: app.deps.db }, ws(), 'salesforce', 'manual', 'initial');
    const done = await runSync({ ...app.deps, queue: undefined }, ws(), resumed.row.id);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const firstQuery = sf.requests
      .slice(mark)
      .find((r) => r.path.endsWith('/query') && !r.query.q!.includes('FROM User'))!;
    assert.match(firstQuery.query.q!, /FROM Lead WHERE SystemModstamp >= 2025-02-01T00:04:00Z/);
    assert.equal(await count('SELECT count(*)::int AS n FROM leads WHERE workspace_id = $1'), 6);
    assert.equal(done.counts.leads!.inserted, 2);
  });

  test('INVALID_SESSION_ID marks the connection auth_failed', async () => {
    sf.org.token = 'a-new-session-token-xyz';
    const res = await app.api('POST', '/connectors/salesforce/sync', {});
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'failed');
    assert.match(log.error, /INVALID_SESSION_ID/);
    const list = await app.api('GET', '/connectors');
    assert.equal(list.body.data[0].status, 'auth_failed');
    assert.ok(!list.text.includes('sf-session-token-0123456789'));
  });
});
