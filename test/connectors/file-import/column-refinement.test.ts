import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FakeLlmServer, startFakeLlmServer } from '../../fakes/fake-llm-server.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { upload } from './import-client.ts';

// "Stage" and "Close Date" are plain synonyms; the heuristic is unsure of the other three.
const CSV = [
  'Opportunity Name,Stage,Close Date,Bookings USD,Rep Mailbox,Widget Count',
  'Acme renewal,Negotiation,2026-03-01,"$12,000",ana@acme.test,4',
  'Globex expansion,Discovery,2026-04-15,"$8,500",bo@acme.test,9',
].join('\n');

type Column = { header: string; field: string | null; confidence: number; reason: string };
const byHeader = (mapping: Column[]) => Object.fromEntries(mapping.map((c) => [c.header, c]));

describe('column mapping refinement on the classify tier', () => {
  let offline: TestApp;
  let withModel: TestApp;
  let fireworks: FakeLlmServer;
  before(async () => {
    fireworks = await startFakeLlmServer('fireworks');
    offline = await startTestApp();
    withModel = await startTestApp({
      FIREWORKS_API_KEY: 'fw_testkey0123456789abcdef',
      PANDORA_FIREWORKS_BASE_URL: fireworks.url,
    });
  });
  after(async () => {
    await offline.close();
    await withModel.close();
    await fireworks.close();
  });

  test('with a model, unsure columns take its answers; sure ones are never asked about', async () => {
    fireworks.answer = (_system, user) => {
      // The model sees each unsure column as an item: answer by header.
      const items = [...user.matchAll(/\{"id":"(\d+)","text":"([^"]+?) — e\.g\./g)];
      const pick: Record<string, string> = {
        'Bookings USD': 'amount',
        'Rep Mailbox': 'owner_email',
        'Widget Count': 'custom_field',
      };
      return JSON.stringify({
        labels: items.map(([, id, header]) => ({ id, category: pick[header!] ?? 'custom_field' })),
      });
    };
    const ws = await withModel.createWorkspace();
    const up = await upload(withModel, ws, 'pipeline.csv', CSV);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const preview = up.body.preview;
    assert.match(preview.classifier, /classify tier \(fireworks:/);
    const m = byHeader(preview.mapping);
    assert.deepEqual(
      { field: m['Bookings USD']!.field, reason: m['Bookings USD']!.reason },
      { field: 'amount', reason: 'classifier' },
    );
    assert.equal(m['Rep Mailbox']!.field, 'owner_email');
    assert.equal(m['Widget Count']!.field, null);
    assert.equal(m.Stage!.reason, 'header');
    const asked = fireworks.requests.map((r) => JSON.stringify(r.body)).join('\n');
    assert.ok(asked.includes('Bookings USD — e.g.'), asked.slice(0, 2000));
    assert.ok(!asked.includes('Stage — e.g.'), 'a confidently mapped column is not sent');
    // The refined mapping is what the batch stores and the sample rows use.
    assert.equal(up.body.batch.column_mapping['Bookings USD'], 'amount');
    assert.equal(preview.sample_rows[0].amount, 12000);
  });

  test('without a model, the offline provider answers and the preview says so', async () => {
    const ws = await offline.createWorkspace();
    const up = await upload(offline, ws, 'pipeline.csv', CSV);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const preview = up.body.preview;
    assert.match(preview.classifier, /offline: no model configured/);
    const fields = (preview.mapping as Column[]).map((c) => c.field).filter(Boolean);
    assert.equal(new Set(fields).size, fields.length, 'each field feeds from one column');
    for (const c of preview.mapping as Column[]) {
      if (c.reason === 'classifier') assert.equal(c.confidence, 0.5);
    }
  });
});
