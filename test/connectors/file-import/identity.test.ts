import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { confirmAndWait, upload } from './import-client.ts';

// An opportunity export with an id column and no name column; three open deals have no account yet.
function opportunities(withLateAccounts: boolean): string {
  const rows = [
    ['0A1B2C3D', 'Acme', 'GTX Pro', 'Won', '1054'],
    ['00X7Y8Z9', 'Globex', 'MG Special', 'Prospecting', ''],
    ['1C1I7A6R', 'Initech', 'GTX Basic', 'Lost', '0'],
    ['2D2J8B7S', withLateAccounts ? 'Hooli' : '', 'GTX Pro', 'Prospecting', ''],
    ['3E3K9C8T', withLateAccounts ? 'Hooli' : '', 'MG Advanced', 'Prospecting', ''],
    ['4F4L0D9U', withLateAccounts ? 'Umbrella' : '', 'GTX Plus Basic', 'Prospecting', ''],
    ['5G5M1E0V', 'Acme', 'GTX Plus Pro', 'Won', '4514'],
  ];
  return `opportunity_id,account,product,deal_stage,close_value\n${rows.map((r) => r.join(',')).join('\n')}\n`;
}

describe('file import identity: id-like columns, proposed names, keys independent of the account', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  const q = <T = any>(sql: string, params: unknown[] = []) =>
    app.db.query<T>(sql, params as never[]).then((r) => r.rows);

  before(async () => {
    app = await startTestApp({ PANDORA_IMPORT_DIR: mkdtempSync(join(tmpdir(), 'pandora-import-')) });
    ws = await app.createWorkspace('Identity');
  });
  after(() => app.close());

  test('the id column is the external id and the preview proposes names from account + product', async () => {
    const up = await upload(app, ws, 'opportunities.csv', opportunities(false));
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const p = up.body.preview;
    assert.equal(p.entity_type, 'deals');
    const field = (h: string) => p.mapping.find((c: any) => c.header === h);
    assert.equal(field('opportunity_id').field, 'external_id');
    assert.ok(field('opportunity_id').confidence > 0.9);
    assert.equal(field('account').field, 'account_name');
    assert.deepEqual(p.proposed_name, { columns: ['account', 'product'], example: 'Acme — GTX Pro' });
    assert.ok(p.warnings.some((w: string) => /names are made from account \+ product/.test(w)));
    assert.equal(p.error_rows, 0, JSON.stringify(p.errors));
    assert.equal(p.sample_rows[0].name, 'Acme — GTX Pro');
    const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    const rows = await q(`SELECT source_id, name FROM deals WHERE workspace_id = $1 ORDER BY source_id`, [
      ws.id,
    ]);
    // Ids kept exactly, leading zeros included; a deal with no account is named by its product.
    assert.deepEqual(rows.slice(0, 2), [
      { source_id: 'id:00X7Y8Z9', name: 'Globex — MG Special' },
      { source_id: 'id:0A1B2C3D', name: 'Acme — GTX Pro' },
    ]);
    assert.ok(rows.some((r: any) => r.source_id === 'id:2D2J8B7S' && r.name === 'GTX Pro'));
  });

  test('re-upload after three deals gained an account: every row matches, no duplicates', async () => {
    const up = await upload(app, ws, 'opportunities.csv', opportunities(true));
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const d = up.body.preview.dedup;
    assert.equal(d.existing_matches, 7);
    assert.equal(d.new_records, 0);
    assert.match(d.reason, /7 of 7 records in the file \(100 %\)/);
    const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    assert.equal(done.body.batch.counts.inserted, 0);
    const n = await q(`SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1`, [ws.id]);
    assert.equal(n[0].n, 7);
  });

  test('one new deal among known ones is not rounded to 100 %', async () => {
    const csv = `${opportunities(true)}6H6N2F1W,Acme,GTX Pro,Prospecting,\n`;
    const up = await upload(app, ws, 'opportunities.csv', csv);
    assert.equal(up.body.preview.dedup.new_records, 1);
    assert.match(up.body.preview.dedup.reason, /7 of 8 records in the file \(87.5 %\)/);
    const cancel = await app.request('POST', `/api/workspaces/${ws.id}/import/cancel/${up.body.batch.id}`, {
      token: ws.key,
    });
    assert.equal(cancel.status, 200);
  });

  test('a non-unique id column is no identity; name_from in the confirm body picks the name columns', async () => {
    const csv = 'account id,product,stage\nA1,Widget,Prospecting\nA1,Gadget,Won\n';
    const up = await upload(app, ws, 'deals.csv', csv, { entity_type: 'deals' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.notEqual(up.body.preview.mapping.find((c: any) => c.header === 'account id').field, 'external_id');
    const done = await confirmAndWait(app, ws, up.body.batch.id, {
      strategy: 'merge',
      name_from: ['account id', 'product'],
    });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    const names = await q(
      `SELECT name FROM deals WHERE workspace_id = $1 AND name LIKE 'A1%' ORDER BY name`,
      [ws.id],
    );
    assert.deepEqual(names, [{ name: 'A1 — Gadget' }, { name: 'A1 — Widget' }]);
    const bad = await upload(app, ws, 'deals.csv', csv, { entity_type: 'deals' });
    const refused = await app.request(
      'POST',
      `/api/workspaces/${ws.id}/import/${bad.body.batch.id}/confirm`,
      {
        token: ws.key,
        body: { strategy: 'merge', name_from: ['nope'] },
      },
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'validation_error');
  });
});
