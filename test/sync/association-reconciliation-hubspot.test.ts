import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type HubspotDataset,
  makeHubspotDataset,
  reassociateHubspot,
  startFakeHubspot,
} from '../fakes/fake-hubspot.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

describe('association reconciliation (HubSpot)', () => {
  let app: ConnectorApp;
  let hs: FakeServer & { data: HubspotDataset };
  const ws = () => app.workspaceId;
  const sync = () => app.syncNow('hubspot');
  const reconcile = async () => {
    const res = await app.api('POST', '/connectors/hubspot/reconcile-associations', {});
    assert.equal(res.status, 202, res.text);
    await app.deps.queue.idle();
    const row = (await app.api('GET', `/connectors/hubspot/reconciliations/${res.body.reconciliation_id}`))
      .body;
    assert.equal(row.status, 'succeeded', row.error);
    return row;
  };
  const dealContacts = async (deal: string) =>
    (
      await app.t.db.query<{ contact: string }>(
        `SELECT c.source_id AS contact FROM deal_contacts dc
         JOIN deals d ON d.workspace_id = dc.workspace_id AND d.id = dc.deal_id
         JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
         WHERE dc.workspace_id = $1 AND d.source_id = $2 AND dc.source = 'hubspot_association'
         ORDER BY 1`,
        [ws(), deal],
      )
    ).rows.map((r) => r.contact);
  const accountOf = async (table: 'deals' | 'contacts', sourceId: string) =>
    (
      await app.t.db.query<{ account: string | null }>(
        `SELECT a.source_id AS account FROM ${table} t LEFT JOIN accounts a ON a.workspace_id = t.workspace_id AND a.id = t.account_id
         WHERE t.workspace_id = $1 AND t.source_id = $2`,
        [ws(), sourceId],
      )
    ).rows[0]!.account;

  before(async () => {
    app = await startConnectorApp({ PANDORA_HUBSPOT_RATE_LIMIT: '1000/1' });
    const data = makeHubspotDataset(4);
    // Per-record association lists page past 1 in the v4 reads, so the paging is exercised.
    data.associationPageSize = 1;
    hs = await startFakeHubspot(data);
    const res = await app.api('POST', '/connectors/hubspot/connect', {
      credentials: { access_token: hs.data.token },
      base_url: hs.url,
    });
    assert.equal(res.status, 201, res.text);
    await app.deps.queue.idle();
  });
  after(async () => {
    await app.close();
    await hs.close();
  });

  test('associations changed at the source without a modified time are missed by the sync', async () => {
    assert.deepEqual(await dealContacts('9001'), ['5002', '5003']);
    // Deal 9001 drops contact 5003 and gains 5005; deal 9002 moves from company 1002 to 1003; deal 9003
    // loses its company; contact 5004 moves to company 1004. None of it moves a last-modified time.
    reassociateHubspot(hs.data, 'deals', '9001', 'contacts', ['5002', '5005']);
    reassociateHubspot(hs.data, 'deals', '9002', 'companies', ['1003']);
    reassociateHubspot(hs.data, 'deals', '9003', 'companies', []);
    reassociateHubspot(hs.data, 'contacts', '5004', 'companies', ['1004']);
    await sync();
    assert.deepEqual(await dealContacts('9001'), ['5002', '5003']);
    assert.equal(await accountOf('deals', '9002'), '1002');
  });

  test('a reconciliation pass removes, adds and moves them, and reports what it corrected', async () => {
    const row = await reconcile();
    assert.deepEqual(row.counts.deal_contact, {
      checked: 4,
      added: 1,
      removed: 1,
      moved: 0,
      updated: 0,
      unresolved: 0,
    });
    assert.deepEqual(row.counts.deal_account, {
      checked: 4,
      added: 0,
      removed: 1,
      moved: 1,
      updated: 0,
      unresolved: 0,
    });
    assert.deepEqual(row.counts.contact_account, {
      checked: 8,
      added: 0,
      removed: 0,
      moved: 1,
      updated: 0,
      unresolved: 0,
    });
    assert.deepEqual(await dealContacts('9001'), ['5002', '5005']);
    assert.equal(await accountOf('deals', '9002'), '1003');
    assert.equal(await accountOf('deals', '9003'), null);
    assert.equal(await accountOf('contacts', '5004'), '1004');
    // Associations were read in batches through the v4 endpoint, paged per record.
    assert.ok(hs.data.v4Reads!.some((r) => r.startsWith('deals/contacts:')));
    // The corrections went through the post-sync chain like any write.
    const chain = await app.t.db.query<{ status: string; changed: string[] }>(
      `SELECT status, progress->'changed' AS changed FROM sync_log
       WHERE workspace_id = $1 AND connector_name = 'hubspot_associations'`,
      [ws()],
    );
    assert.equal(chain.rows.length, 1);
    assert.equal(chain.rows[0]!.status, 'succeeded');
    assert.deepEqual(chain.rows[0]!.changed, ['contacts', 'deals']);
  });

  test('a second pass changes nothing', async () => {
    const row = await reconcile();
    for (const kind of ['deal_contact', 'deal_account', 'contact_account']) {
      const c = row.counts[kind];
      assert.equal(c.added + c.removed + c.moved + c.updated, 0, kind);
    }
    assert.deepEqual(await dealContacts('9001'), ['5002', '5005']);
  });

  test('an account the source still associates is kept even when it is not the first listed', async () => {
    reassociateHubspot(hs.data, 'deals', '9004', 'companies', ['1001', '1004']);
    const row = await reconcile();
    assert.equal(row.counts.deal_account.moved, 0);
    assert.equal(await accountOf('deals', '9004'), '1004');
  });

  test('an association to a record not stored yet is left alone and counted unresolved', async () => {
    reassociateHubspot(hs.data, 'deals', '9004', 'companies', ['7777']);
    reassociateHubspot(hs.data, 'deals', '9004', 'contacts', ['5008', '8888']);
    const row = await reconcile();
    assert.equal(row.counts.deal_account.unresolved, 1);
    assert.equal(row.counts.deal_contact.unresolved, 1);
    assert.equal(await accountOf('deals', '9004'), '1004');
    assert.deepEqual(await dealContacts('9004'), ['5008']);
  });

  test('passes are listed, unknown connectors and ids are 404, connectors without associations 400', async () => {
    const list = await app.api('GET', '/connectors/hubspot/reconciliations?limit=2');
    assert.equal(list.status, 200);
    assert.equal(list.body.data.length, 2);
    assert.equal(
      (await app.api('GET', '/connectors/hubspot/reconciliations/00000000-0000-4000-8000-000000000000'))
        .status,
      404,
    );
    assert.equal((await app.api('POST', '/connectors/nosuch/reconcile-associations', {})).status, 404);
    const gong = await app.api('POST', '/connectors/gong/reconcile-associations', {});
    assert.equal(gong.status, 400);
    assert.equal(gong.body.error.code, 'validation_error');
  });

  test('a request while a pass runs joins it; a pass whose heartbeat stopped is failed and replaced', async () => {
    const running = await app.t.db.query<{ id: string }>(
      `INSERT INTO association_reconciliations (workspace_id, connector_name, trigger)
       VALUES ($1, 'hubspot', 'scheduled') RETURNING id`,
      [ws()],
    );
    const joined = await app.api('POST', '/connectors/hubspot/reconcile-associations', {});
    assert.equal(joined.status, 202);
    assert.deepEqual(joined.body, {
      reconciliation_id: running.rows[0]!.id,
      status: 'running',
      coalesced: true,
    });
    await app.t.db.query(
      `UPDATE association_reconciliations SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`,
      [running.rows[0]!.id],
    );
    const row = await reconcile();
    assert.notEqual(row.id, running.rows[0]!.id);
    const lost = (await app.api('GET', `/connectors/hubspot/reconciliations/${running.rows[0]!.id}`)).body;
    assert.equal(lost.status, 'failed');
    assert.match(lost.error, /stopped/);
  });

  test('a scheduled pass is due a week after the last one', async () => {
    const { dueReconciliations } = await import('../../src/sync/association-reconciliation.ts');
    const now = new Date();
    assert.deepEqual(await dueReconciliations(app.t.db, 7, now), []);
    const later = new Date(now.getTime() + 8 * 86_400_000);
    assert.deepEqual(await dueReconciliations(app.t.db, 7, later), [
      { workspace_id: ws(), connector_name: 'hubspot' },
    ]);
    assert.deepEqual(await dueReconciliations(app.t.db, 0, later), []);
  });
});
