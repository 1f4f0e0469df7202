import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { type HubspotDataset, makeHubspotDataset, startFakeHubspot } from '../fakes/fake-hubspot.ts';
import {
  makeSalesforceOrg,
  type SalesforceOrg,
  sfId,
  startFakeSalesforce,
} from '../fakes/fake-salesforce.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

const at = (day: string) => `${day}T09:00:00.000Z`;

describe('deal history from the source (HubSpot propertiesWithHistory)', () => {
  let app: ConnectorApp;
  let hs: FakeServer & { data: HubspotDataset };
  const ws = () => app.workspaceId;

  before(async () => {
    app = await startConnectorApp({ PANDORA_HUBSPOT_RATE_LIMIT: '1000/1' });
    const data = makeHubspotDataset(60); // more than one batch of 50 deals
    const deal = data.objects.deals.find((d) => d.id === '9002')!; // now presentationscheduled
    deal.history = {
      dealstage: [
        { value: 'presentationscheduled', timestamp: at('2025-03-01') },
        { value: 'qualifiedtobuy', timestamp: at('2025-02-01') },
        { value: 'appointmentscheduled', timestamp: at('2025-01-01') },
      ],
      closedate: [
        { value: '2025-06-30T00:00:00Z', timestamp: at('2025-03-02') },
        { value: '2025-05-31T00:00:00Z', timestamp: at('2025-02-02') },
        { value: '2025-04-30T00:00:00Z', timestamp: at('2025-01-01') },
      ],
      amount: [
        { value: '2000', timestamp: at('2025-02-10') },
        { value: '2000', timestamp: at('2025-02-05') },
        { value: '1500', timestamp: at('2025-01-01') },
      ],
    };
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

  test('the first sync fills stage history and close-date and amount changes with HubSpot timestamps', async () => {
    const stages = await app.t.db.query(
      `SELECT h.from_stage, h.to_stage, h.to_stage_normalized, h.changed_at::text AS at, h.source
       FROM deal_stage_history h JOIN deals d ON d.workspace_id = h.workspace_id AND d.id = h.deal_id
       WHERE h.workspace_id = $1 AND d.source_id = '9002' ORDER BY h.changed_at`,
      [ws()],
    );
    assert.deepEqual(
      stages.rows.map((r) => [r.from_stage, r.to_stage, r.to_stage_normalized, r.source]),
      [
        [null, 'Appointment Scheduled', 'qualification', 'hubspot_history'],
        ['Appointment Scheduled', 'Qualified To Buy', 'qualification', 'hubspot_history'],
        ['Qualified To Buy', 'Presentation Scheduled', 'evaluation', 'hubspot_history'],
      ],
    );
    assert.match(String(stages.rows[1]!.at), /^2025-02-01 09:00:00/);
    const fields = await app.t.db.query(
      `SELECT f.field, f.old_value, f.new_value FROM deal_field_history f
       JOIN deals d ON d.workspace_id = f.workspace_id AND d.id = f.deal_id
       WHERE f.workspace_id = $1 AND d.source_id = '9002' ORDER BY f.changed_at`,
      [ws()],
    );
    assert.deepEqual(fields.rows, [
      { field: 'close_date', old_value: '2025-04-30', new_value: '2025-05-31' },
      { field: 'amount', old_value: '1500', new_value: '2000' },
      { field: 'close_date', old_value: '2025-05-31', new_value: '2025-06-30' },
    ]);
    const reads = hs.requests.filter((r) => r.path === '/crm/v3/objects/deals/batch/read');
    assert.ok(reads.length >= 2, 'history is read in batches of at most 50');
    for (const r of reads) {
      const body = r.body as { inputs: unknown[]; propertiesWithHistory: string[] };
      assert.ok(body.inputs.length <= 50);
      assert.deepEqual(body.propertiesWithHistory, ['dealstage', 'closedate', 'amount']);
    }
  });

  test('a re-run writes no history twice', async () => {
    const log = await app.syncNow('hubspot', { mode: 'initial' });
    assert.equal(log.counts.deal_stage_history.inserted, 0);
    assert.equal(log.counts.deal_field_history.inserted, 0);
  });
});

describe('deal history from the source (Salesforce OpportunityFieldHistory)', () => {
  let app: ConnectorApp;
  let sf: FakeServer & { org: SalesforceOrg };
  const ws = () => app.workspaceId;

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

  test('close-date and amount changes are kept and close-date slips reach the deal risk', async () => {
    const fields = await app.t.db.query(
      `SELECT f.field, f.old_value, f.new_value, f.source FROM deal_field_history f
       JOIN deals d ON d.workspace_id = f.workspace_id AND d.id = f.deal_id
       WHERE f.workspace_id = $1 AND d.source_id = $2 ORDER BY f.changed_at`,
      [ws(), sfId('006', 1)],
    );
    assert.deepEqual(
      fields.rows.map((r) => [r.field, r.old_value, r.new_value]),
      [
        ['close_date', '2025-06-30', '2025-07-31'],
        ['amount', '4000', '5000'],
        ['close_date', '2025-07-31', '2025-08-31'],
        ['close_date', '2025-08-31', '2025-09-30'],
      ],
    );
    const q = sf.requests.find((r) => /FROM OpportunityFieldHistory/.test(r.query.q ?? ''))!;
    assert.match(q.query.q!, /WHERE Field IN \('CloseDate', 'Amount'\) ORDER BY CreatedDate ASC, Id ASC$/);

    await runComputedFields(app.deps.db, ws(), { asOf: '2025-10-01' });
    const risk = await app.t.db.query<{ reasons: Array<{ rule: string; slips?: number }> }>(
      `SELECT deal_risk_reasons AS reasons FROM deals WHERE workspace_id = $1 AND source_id = $2`,
      [ws(), sfId('006', 1)],
    );
    const slipped = risk.rows[0]!.reasons.find((r) => r.rule === 'close_date_slipped');
    assert.equal(slipped?.slips, 3);

    // An incremental sync starts the history at its CreatedDate watermark and adds nothing.
    const log = await app.syncNow('salesforce');
    assert.equal(log.counts.deal_field_history?.inserted ?? 0, 0);
    const last = sf.requests.filter((r) => /FROM OpportunityFieldHistory/.test(r.query.q ?? '')).at(-1)!;
    assert.match(last.query.q!, /AND CreatedDate >= 2025-02-01T00:55:00Z/);
  });
});
