import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyImportBatch } from '../../../src/connectors/file-import/apply-import.ts';
import { createLogger } from '../../../src/logger.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { xlsxBuffer } from '../../helpers/xlsx-writer.ts';
import { confirmAndWait, upload } from './import-client.ts';

/** A workbook whose rows end early where their trailing cells are blank (spreadsheets store no blank cell). */
function sparseWorkbook(): Buffer {
  return xlsxBuffer([
    {
      name: 'Deals',
      rows: [
        ['Deal ID', 'Deal Name', 'Stage', 'Amount', 'Close Date', 'Next Step'],
        ['X-1', 'Full row', 'Proposal', 1000, '2026-01-31', 'Call back'],
        ['X-2', 'No next step', 'Proposal', 2000, '2026-02-28'],
        ['X-3', 'Only a name'],
      ],
    },
  ]);
}

const ALL_FAILING = `Deal Name,Amount,Close Date
Alpha,lots,2026-01-01
Beta,plenty,2026-01-02
Gamma,a few,2026-01-03
`;

const HALF_FAILING = `Deal Name,Amount,Close Date
Alpha,100,2026-01-01
Beta,plenty,2026-01-02
`;

const PRODUCTS = `product,series,sales_price
GTX Basic,GTX,550
GTX Pro,GTX,4821
MG Special,MG,55
`;

describe('file import batches: short xlsx rows, all-failing files, non-entity files, rollback order', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  const base = () => `/api/workspaces/${ws.id}`;
  const q = <T = any>(sql: string, params: unknown[] = []) =>
    app.db.query<T>(sql, params as never[]).then((r) => r.rows);

  before(async () => {
    app = await startTestApp({ PANDORA_IMPORT_DIR: mkdtempSync(join(tmpdir(), 'pandora-import-')) });
    ws = await app.createWorkspace('Batches');
  });
  after(() => app.close());

  test('xlsx rows missing trailing cells import with those values empty', async () => {
    const up = await upload(app, ws, 'deals.xlsx', sparseWorkbook());
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.preview.row_count, 3);
    assert.equal(up.body.preview.error_rows, 0, JSON.stringify(up.body.preview.errors));
    const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    const rows = await q(
      `SELECT source_id, amount, close_date::text, next_step FROM deals WHERE workspace_id = $1 ORDER BY source_id`,
      [ws.id],
    );
    assert.deepEqual(rows, [
      { source_id: 'id:X-1', amount: 1000, close_date: '2026-01-31', next_step: 'Call back' },
      { source_id: 'id:X-2', amount: 2000, close_date: '2026-02-28', next_step: null },
      { source_id: 'id:X-3', amount: null, close_date: null, next_step: null },
    ]);
  });

  test('a file whose rows all fail: confidence 0, confirm refused with 422, nothing queued', async () => {
    const up = await upload(app, ws, 'deals.csv', ALL_FAILING);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const p = up.body.preview;
    assert.equal(p.entity_type, 'deals');
    assert.equal(p.valid_rows, 0);
    assert.equal(p.entity_confidence, 0);
    assert.ok(p.warnings.some((w: string) => /every row has errors/.test(w)));
    const res = await app.request('POST', `${base()}/import/${up.body.batch.id}/confirm`, {
      token: ws.key,
      body: { strategy: 'merge' },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'unprocessable');
    assert.match(res.body.error.message, /none of the 3 rows would import \(e\.g\. row 2, Amount/);
    const still = await app.request('GET', `${base()}/import/batches/${up.body.batch.id}`, { token: ws.key });
    assert.equal(still.body.batch.status, 'pending');
    // Mapping the bad column away makes the rows importable: the confirm re-counts and accepts.
    const fixed = await confirmAndWait(app, ws, up.body.batch.id, {
      strategy: 'merge',
      mapping: { Amount: null },
    });
    assert.equal(fixed.body.batch.status, 'applied', JSON.stringify(fixed.body.batch));
    assert.equal(fixed.body.batch.counts.inserted, 3);
    const rb = await app.request('POST', `${base()}/import/${up.body.batch.id}/rollback`, { token: ws.key });
    assert.equal(rb.status, 200, JSON.stringify(rb.body));
  });

  test('entity confidence is scaled by the share of rows that would import', async () => {
    const good = await upload(app, ws, 'deals.csv', HALF_FAILING.split('\n').slice(0, 2).join('\n'));
    const half = await upload(app, ws, 'deals.csv', HALF_FAILING);
    const full = good.body.preview.entity_confidence;
    assert.ok(full > 0);
    assert.equal(half.body.preview.entity_confidence, +(full / 2).toFixed(2));
    for (const b of [good, half])
      await app.request('POST', `${base()}/import/cancel/${b.body.batch.id}`, { token: ws.key });
  });

  test('a file that is no supported entity is refused, listing what is supported', async () => {
    const before = await q(`SELECT count(*)::int AS n FROM import_batches WHERE workspace_id = $1`, [ws.id]);
    const up = await upload(app, ws, 'products.csv', PRODUCTS);
    assert.equal(up.status, 422, JSON.stringify(up.body));
    assert.equal(up.body.error.code, 'unprocessable');
    assert.match(up.body.error.message, /none of the supported record types: accounts \(name or domain\)/);
    assert.match(up.body.error.message, /deals \(name\)/);
    const hinted = await upload(app, ws, 'products.csv', PRODUCTS, { entity_type: 'deals' });
    assert.equal(hinted.status, 422);
    assert.match(hinted.body.error.message, /no column of the file gives deals a name/);
    const afterCount = await q(`SELECT count(*)::int AS n FROM import_batches WHERE workspace_id = $1`, [
      ws.id,
    ]);
    assert.deepEqual(afterCount, before);
  });

  test('an applied batch whose rows all fail ends failed with reasons and blocks no rollback', async () => {
    const first = await upload(app, ws, 'deals.csv', 'Deal ID,Deal Name\nR-1,Rollback me\n');
    const applied = await confirmAndWait(app, ws, first.body.batch.id, { strategy: 'merge' });
    assert.equal(applied.body.batch.status, 'applied');

    // A batch confirmed before its rows went bad (as a queued job would find it) goes through the apply job.
    const bad = await upload(app, ws, 'deals.csv', 'Deal ID,Deal Name\nR-2,Fine\n');
    await app.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE import_batches SET status = 'confirmed', strategy = 'merge',
           column_mapping = jsonb_build_object('Deal ID', 'external_id', 'Deal Name', 'close_date')
         WHERE id = $1::uuid`,
        [bad.body.batch.id],
      );
    });
    await applyImportBatch(
      app.db,
      createLogger('silent'),
      { maxColumns: 500, maxUnzippedBytes: 1e9 },
      ws.id,
      bad.body.batch.id,
    );
    const failed = await app.request('GET', `${base()}/import/batches/${bad.body.batch.id}`, {
      token: ws.key,
    });
    assert.equal(failed.body.batch.status, 'failed');
    assert.match(
      failed.body.batch.error,
      /no row could be imported: all 1 rows have errors \(e\.g\. row 2, Deal Name/,
    );
    assert.equal(failed.body.batch.counts.errored, 1);
    assert.equal(failed.body.batch.result.errors[0].column, 'Deal Name');

    // A later batch that changed nothing is no reason to refuse either.
    const same = await upload(app, ws, 'deals.csv', 'Deal ID,Deal Name\nR-1,Rollback me\n');
    const unchanged = await confirmAndWait(app, ws, same.body.batch.id, { strategy: 'merge' });
    assert.equal(unchanged.body.batch.status, 'applied');
    assert.equal(unchanged.body.batch.counts.unchanged, 1);

    const rb = await app.request('POST', `${base()}/import/${first.body.batch.id}/rollback`, {
      token: ws.key,
    });
    assert.equal(rb.status, 200, JSON.stringify(rb.body));
    assert.deepEqual(
      await q(`SELECT name FROM deals WHERE workspace_id = $1 AND name = 'Rollback me'`, [ws.id]),
      [],
    );
  });
});
