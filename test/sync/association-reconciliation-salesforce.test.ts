import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  makeSalesforceOrg,
  type SalesforceOrg,
  sfId,
  startFakeSalesforce,
} from '../fakes/fake-salesforce.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { runSkillNow } from '../../src/skills/run-all-skills.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

describe('association reconciliation and the health ledger (Salesforce)', () => {
  let app: ConnectorApp;
  let sf: FakeServer & { org: SalesforceOrg };
  const ws = () => app.workspaceId;
  const sync = () => app.syncNow('salesforce');
  const reconcile = async () => {
    const res = await app.api('POST', '/connectors/salesforce/reconcile-associations', {});
    assert.equal(res.status, 202, res.text);
    await app.deps.queue.idle();
    const row = (await app.api('GET', `/connectors/salesforce/reconciliations/${res.body.reconciliation_id}`))
      .body;
    assert.equal(row.status, 'succeeded', row.error);
    return row;
  };
  const roles = async () =>
    (
      await app.t.db.query<{ deal: string; contact: string; role: string | null }>(
        `SELECT d.source_id AS deal, c.source_id AS contact, dc.role FROM deal_contacts dc
         JOIN deals d ON d.workspace_id = dc.workspace_id AND d.id = dc.deal_id
         JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
         WHERE dc.workspace_id = $1 AND dc.source = 'salesforce_contact_role' ORDER BY 1, 2`,
        [ws()],
      )
    ).rows;
  const dealAccount = async (opp: string) =>
    (
      await app.t.db.query<{ account: string | null }>(
        `SELECT a.source_id AS account FROM deals d LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id
         WHERE d.workspace_id = $1 AND d.source_id = $2`,
        [ws(), opp],
      )
    ).rows[0]!.account;

  before(async () => {
    app = await startConnectorApp({ PANDORA_SALESFORCE_RATE_LIMIT: '1000/1' });
    sf = await startFakeSalesforce(makeSalesforceOrg(3));
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

  test('the ledger after the first sync: counts at the source match what is stored', async () => {
    const res = await app.api('GET', '/connectors/salesforce/health');
    assert.equal(res.status, 200, res.text);
    const byEntity = Object.fromEntries(res.body.objects.map((o: { entity: string }) => [o.entity, o]));
    for (const entity of ['accounts', 'contacts', 'deals', 'leads']) {
      assert.equal(byEntity[entity].source_count, 3, entity);
      assert.equal(byEntity[entity].stored, 3, entity);
      assert.equal(byEntity[entity].drift, 0, entity);
    }
    // Tasks and events are not counted at the source: no figure rather than a wrong one.
    assert.equal(byEntity.tasks.source_count, null);
    assert.ok(res.body.freshness.last_full_sync_at);
    assert.equal(res.body.freshness.last_incremental_sync_at, null);
    assert.equal(res.body.runs.failed, 0);
    assert.ok(res.body.http.requests > 0);
    assert.equal(res.body.associations.last_reconciliation, null);
  });

  test('a deleted contact role and a moved account are corrected by the pass, a changed role updated', async () => {
    assert.deepEqual(
      (await roles()).map((r) => r.deal),
      [sfId('006', 1), sfId('006', 2), sfId('006', 3)],
    );
    const org = sf.org.objects;
    // Deleting a contact role moves no opportunity's SystemModstamp; neither is the role's change
    // seen here (the stamp is left where the sync already read).
    org.OpportunityContactRole = org.OpportunityContactRole!.filter(
      (r) => r.OpportunityId !== sfId('006', 1),
    );
    org.OpportunityContactRole.find((r) => r.OpportunityId === sfId('006', 2))!.Role = 'Decision Maker';
    // Opportunity 3 is re-read by the incremental (its stamp is the watermark); opportunity 2 is not.
    org.Opportunity!.find((o) => o.Id === sfId('006', 2))!.AccountId = sfId('001', 1);
    await sync();
    assert.equal((await roles()).length, 3);
    assert.equal(await dealAccount(sfId('006', 2)), sfId('001', 2));

    const row = await reconcile();
    assert.deepEqual(row.counts.deal_contact, {
      checked: 3,
      added: 0,
      removed: 1,
      moved: 0,
      updated: 1,
      unresolved: 0,
    });
    assert.equal(row.counts.deal_account.moved, 1);
    assert.equal(row.counts.contact_account.checked, 3);
    const after = await roles();
    assert.deepEqual(
      after.map((r) => [r.deal, r.role]),
      [
        [sfId('006', 2), 'decision_maker'],
        [sfId('006', 3), 'economic_buyer'],
      ],
    );
    assert.equal(await dealAccount(sfId('006', 2)), sfId('001', 1));
    const again = await reconcile();
    assert.equal(again.counts.deal_contact.removed + again.counts.deal_contact.updated, 0);
    assert.equal(again.counts.deal_account.moved, 0);
  });

  test('records the cursor never sees show as drift, and the audit reports it', async () => {
    // An opportunity stamped before the watermark: an incremental sync does not read it.
    const org = sf.org.objects;
    org.Opportunity!.push({
      ...structuredClone(org.Opportunity![0]!),
      Id: sfId('006', 99),
      Name: 'Backdated',
      SystemModstamp: '2024-01-01T00:00:00.000+0000',
    });
    await sync();
    const res = await app.api('GET', '/connectors/salesforce/health');
    const deals = res.body.objects.find((o: { entity: string }) => o.entity === 'deals');
    assert.equal(deals.source_count, 4);
    assert.equal(deals.stored, 3);
    assert.equal(deals.drift, 1);
    // Newest first: 1 now; 0 after the first two syncs and the two reconciliation passes.
    assert.deepEqual(
      deals.drift_history.map((h: { drift: number }) => h.drift),
      [1, 0, 0, 0, 0],
    );
    assert.ok(res.body.freshness.last_incremental_sync_at);
    assert.equal(res.body.associations.last_reconciliation.status, 'succeeded');

    const run = await runSkillNow(app.deps, ws(), 'data-quality-audit', {});
    const runs = await app.t.db.query<{ findings: Array<{ kind: string; title: string }> }>(
      `SELECT result->'findings' AS findings FROM skill_runs WHERE workspace_id = $1 AND id = $2`,
      [ws(), run.id],
    );
    const drift = runs.rows[0]!.findings.filter((f) => f.kind === 'sync_drift');
    assert.deepEqual(
      drift.map((f) => f.title),
      ['salesforce: 1 of 4 deals at the source are missing here'],
    );
  });
});
