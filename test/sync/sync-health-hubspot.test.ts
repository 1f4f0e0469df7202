import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  archiveHubspot,
  type HsObject,
  type HubspotDataset,
  makeHubspotDataset,
  startFakeHubspot,
  touchHubspot,
} from '../fakes/fake-hubspot.ts';
import type { FakeServer } from '../fakes/fake-server.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';
import { schemaErrors } from '../helpers/json-schema-check.ts';

interface ObjectHealth {
  entity: string;
  stored: number;
  deleted: number;
  source_count: number | null;
  drift: number | null;
}

describe('the sync health ledger (HubSpot)', () => {
  let app: ConnectorApp;
  let hs: FakeServer & { data: HubspotDataset };
  const sync = () => app.syncNow('hubspot', {}, { expectSuccess: false });
  const health = async () => {
    const res = await app.api('GET', '/connectors/hubspot/health');
    assert.equal(res.status, 200, res.text);
    // The response is what the OpenAPI document says it is.
    const doc = await (await fetch(`${app.url}/api/openapi.json`)).json();
    const schema =
      doc.paths['/api/workspaces/{workspaceId}/connectors/{name}/health'].get.responses['200'].content[
        'application/json'
      ].schema;
    assert.deepEqual(schemaErrors(schema, res.body, '$', doc), []);
    return res.body;
  };
  const object = (h: { objects: ObjectHealth[] }, entity: string) =>
    h.objects.find((o) => o.entity === entity)!;

  before(async () => {
    app = await startConnectorApp({ PANDORA_HUBSPOT_RATE_LIMIT: '1000/1' });
    const data = makeHubspotDataset(4);
    // A contact whose email arrives as a number: not HubSpot's record shape.
    const broken = structuredClone(data.objects.contacts[0]!);
    broken.id = '5999';
    (broken.properties as Record<string, unknown>).email = 12345;
    data.objects.contacts.push(broken as HsObject);
    hs = await startFakeHubspot(data);
    const res = await app.api('POST', '/connectors/hubspot/connect', {
      credentials: { access_token: hs.data.token },
      base_url: hs.url,
      sync: false,
    });
    assert.equal(res.status, 201, res.text);
  });
  after(async () => {
    await app.close();
    await hs.close();
  });

  test('a malformed record is skipped with its reason; rate limits and server errors are counted', async () => {
    hs.fault({
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"status":"error","category":"RATE_LIMITS"}',
      match: (r) => r.path === '/crm/v3/objects/companies',
    });
    hs.fault({ status: 502, match: (r) => r.path === '/crm/v3/objects/deals' });
    const log = await sync();
    assert.equal(log.status, 'succeeded', log.error);
    assert.equal(log.counts.contacts.inserted, 8);

    const h = await health();
    assert.deepEqual(h.rejections.recent, [
      {
        entity: 'contacts',
        source_id: '5999',
        reason: 'properties.email: Invalid input: expected string, received number',
        last_seen_at: h.rejections.recent[0].last_seen_at,
      },
    ]);
    assert.equal(h.rejections.total, 1);
    assert.equal(h.http.rate_limited, 1);
    assert.equal(h.http.server_errors, 1);
    assert.ok(h.http.requests > 2);
    // The source counts the contact Pandora could not read: one missing here.
    assert.deepEqual(
      { ...object(h, 'contacts') },
      { ...object(h, 'contacts'), source_count: 9, stored: 8, drift: 1 },
    );
    assert.equal(object(h, 'deals').drift, 0);
    // Emails, meetings and notes are all activities; the dataset has none.
    assert.equal(object(h, 'activities').source_count, 0);
    assert.ok(h.freshness.last_full_sync_at);
    assert.equal(h.freshness.last_success_at, h.freshness.last_full_sync_at);
    assert.ok(h.freshness.age_seconds >= 0);
    assert.deepEqual(h.runs, { window_days: 30, total: 1, failed: 0, error_rate: 0 });
  });

  test('fixed at the source, the record is written and leaves the ledger; deletions are counted', async () => {
    const broken = hs.data.objects.contacts.find((c) => c.id === '5999')!;
    broken.properties.email = 'fixed@company1.example';
    touchHubspot(hs.data, 'contacts', '5999', '2026-01-02T00:00:00.000Z');
    archiveHubspot(hs.data, 'deals', '9002', '2026-01-02T00:00:00.000Z');
    const log = await sync();
    assert.equal(log.status, 'succeeded', log.error);
    const h = await health();
    assert.equal(h.rejections.total, 0);
    assert.deepEqual(h.rejections.recent, []);
    assert.equal(object(h, 'contacts').drift, 0);
    const deals = object(h, 'deals');
    assert.deepEqual(
      { source_count: deals.source_count, stored: deals.stored, deleted: deals.deleted, drift: deals.drift },
      { source_count: 3, stored: 3, deleted: 1, drift: 0 },
    );
    assert.ok(h.freshness.last_incremental_sync_at);
  });

  test('a failed run counts in the error rate and leaves its error', async () => {
    hs.fault({
      status: 400,
      body: '{"status":"error"}',
      match: (r) => r.path.endsWith('/search'),
      times: 10,
    });
    const log = await sync();
    assert.equal(log.status, 'failed');
    hs.clearFaults();
    const h = await health();
    assert.equal(h.runs.total, 3);
    assert.equal(h.runs.failed, 1);
    assert.equal(h.runs.error_rate, 0.3333);
    assert.match(h.freshness.last_error, /400/);
  });

  test('unknown connectors, connectors not connected and bad windows are 4xx', async () => {
    assert.equal((await app.api('GET', '/connectors/nosuch/health')).status, 404);
    const gong = await app.api('GET', '/connectors/gong/health');
    assert.equal(gong.status, 404);
    assert.equal(gong.body.error.code, 'not_found');
    const bad = await app.api('GET', '/connectors/hubspot/health?window_days=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'validation_error');
  });
});
