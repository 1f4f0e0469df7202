import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { xlsxBuffer } from '../../helpers/xlsx-writer.ts';
import { confirmAndWait, upload } from './import-client.ts';

/** A one-entry zip whose entry inflates to `bytes` zeros. */
function zipBomb(bytes: number): Buffer {
  const data = deflateRawSync(Buffer.alloc(bytes));
  const name = Buffer.from('xl/worksheets/sheet1.xml');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(bytes, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(bytes, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42);
  const dirOffset = local.length + name.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + name.length, 12);
  eocd.writeUInt32LE(dirOffset, 16);
  return Buffer.concat([local, name, data, central, name, eocd]);
}

function workbook(): Buffer {
  return xlsxBuffer([
    { name: 'Notes', rows: [['This sheet is not data']] },
    {
      name: 'Q1 deals',
      rows: [
        ['Deal Name', 'Amount', 'Stage', 'Close Date', 'Link'],
        [
          'Xlsx one',
          1000,
          'Closed Won',
          new Date(Date.UTC(2026, 0, 15)),
          { formula: 'HYPERLINK("http://evil")', result: 'click' },
        ],
        ['Xlsx two', 2500.5, 'Negotiation', new Date(Date.UTC(2026, 1, 1)), 'x'],
      ],
    },
  ]);
}

describe('file import: bad input and limits', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  const dir = mkdtempSync(join(tmpdir(), 'pandora-import-bad-'));
  const count = async (table: string) =>
    (await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

  before(async () => {
    app = await startTestApp({
      PANDORA_IMPORT_DIR: dir,
      PANDORA_IMPORT_MAX_BYTES: '200000',
      PANDORA_IMPORT_MAX_COLUMNS: '300',
      PANDORA_IMPORT_MAX_UNZIPPED_BYTES: '5000000',
    });
    ws = await app.createWorkspace('Bad files');
  });
  after(() => app.close());

  test('whole-file problems get a clear 4xx and leave nothing behind', async () => {
    const cases: Array<[string, string | Buffer, number, RegExp]> = [
      ['empty.csv', '', 400, /empty/],
      ['blank.csv', '\n\n  \n', 400, /empty/],
      ['header-only.csv', 'Deal Name,Amount,Stage\n', 400, /header row but no data rows/],
      ['dupes.csv', 'Name,Email,name\na,b@c.de,x\n', 400, /duplicate column headers: name/],
      ['garbage.csv', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)), 400, /binary/],
      ['bomb.xlsx', zipBomb(20_000_000), 400, /beyond the import limit/],
      [
        'not-a-workbook.xlsx',
        Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100)]),
        400,
        /not a valid \.xlsx/,
      ],
      [
        'wide.csv',
        `${Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(',')}\n${'1,'.repeat(9_999)}1\n`,
        400,
        /10000 columns; at most 300/,
      ],
      [
        'big.csv',
        `Deal Name,Amount\n${'A deal,100\n'.repeat(25_000)}`,
        413,
        /larger than the import limit of 200000 bytes/,
      ],
    ];
    for (const [name, content, status, message] of cases) {
      const res = await upload(app, ws, name, content);
      assert.equal(res.status, status, `${name}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error.message, message, name);
    }
    const wide = await upload(
      app,
      ws,
      'wide.csv',
      `${Array.from({ length: 1000 }, (_, i) => `c${i}`).join(',')}\n${'1,'.repeat(999)}1\n`,
    );
    assert.equal(wide.status, 400);
    assert.match(wide.body.error.message, /1000 columns; at most 300/);
    assert.equal(await count('import_batches'), 0);
    assert.deepEqual(readdirSync(dir), []);
    const noMultipart = await app.request('POST', `/api/workspaces/${ws.id}/import/upload`, {
      token: ws.key,
      body: {},
    });
    assert.equal(noMultipart.status, 400);
  });

  test('row-level errors: ragged rows, bad dates and money, empty required fields; formulas neutralised', async () => {
    const csv = [
      'Deal Name,Amount,Stage,Close Date,Notes',
      'Good one,"1,234.50",Qualification,2026-01-05,ok',
      'Mixed date,"€1.000",Qualification,15/01/2026,ok',
      'Month name,£20,Qualification,"Feb 3, 2026",ok',
      'Bad date,100,Qualification,2026-02-30,ok',
      'Bad money,12 apples,Qualification,2026-01-05,ok',
      ',100,Qualification,2026-01-05,no name',
      'Ragged,100,Qualification',
      'Formula,100,Qualification,2026-01-05,"=HYPERLINK(""http://evil"",""x"")"',
    ].join('\n');
    const res = await upload(app, ws, 'deals.csv', csv);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const p = res.body.preview;
    assert.equal(p.row_count, 8);
    assert.equal(p.error_rows, 4);
    const messages = p.errors.map((e: any) => `${e.row}:${e.message}`);
    assert.ok(
      messages.some((m: string) => /^5:not a real date/.test(m)),
      messages.join('|'),
    );
    assert.ok(messages.some((m: string) => /^6:not an amount/.test(m)));
    assert.ok(messages.some((m: string) => /^7:empty required field/.test(m)));
    assert.ok(messages.some((m: string) => /^8:row has 3 fields but the header has 5/.test(m)));
    assert.equal(p.formula_cells, 1);
    assert.ok(p.warnings.some((w: string) => /formulas/.test(w)));
    const done = await confirmAndWait(app, ws, res.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied');
    assert.equal(done.body.batch.counts.errored, 4);
    const rows = (
      await app.db.query<any>(`SELECT name, amount, close_date, custom_fields FROM deals ORDER BY name`)
    ).rows;
    assert.deepEqual(
      rows.map((r) => [r.name, r.amount, r.close_date]),
      [
        ['Formula', 100, '2026-01-05'],
        ['Good one', 1234.5, '2026-01-05'],
        ['Mixed date', 1000, '2026-01-15'],
        ['Month name', 20, '2026-02-03'],
      ],
    );
    assert.equal(rows[0].custom_fields.Notes, `'=HYPERLINK("http://evil","x")`);
  });

  test('encodings and delimiters: UTF-8 BOM, UTF-16 LE/BE, Latin-1, semicolons, tabs, pipes, quoted newlines', async () => {
    const text = 'Company Name;Website;City\n"Café Zürich AG";cafe-zurich.ch;"Zürich\nAltstadt"\n';
    const utf16be = Buffer.from(`\uFEFF${text}`, 'utf16le').swap16();
    const variants: Array<[string, Buffer]> = [
      ['bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
      ['utf16le.csv', Buffer.from(`\uFEFF${text}`, 'utf16le')],
      ['utf16be.csv', utf16be],
      ['latin1.csv', Buffer.from(text, 'latin1')],
      ['tabs.csv', Buffer.from(text.replaceAll(';', '\t'))],
      ['pipes.csv', Buffer.from(text.replaceAll(';', '|'))],
    ];
    for (const [name, content] of variants) {
      const res = await upload(app, ws, name, content, { entity_type: 'accounts' });
      assert.equal(res.status, 201, `${name}: ${JSON.stringify(res.body)}`);
      const row = res.body.preview.sample_rows[0];
      assert.equal(row.name, 'Café Zürich AG', name);
      assert.equal(row.city, 'Zürich\nAltstadt', name);
      await app.request('POST', `/api/workspaces/${ws.id}/import/cancel/${res.body.batch.id}`, {
        token: ws.key,
      });
    }
  });

  test('xlsx: sheets listed, sheet chosen at upload, formula cells flagged and never evaluated', async () => {
    const book = workbook();
    const first = await upload(app, ws, 'book.xlsx', book);
    assert.equal(first.status, 400);
    assert.match(first.body.error.message, /header row but no data rows/);
    const res = await upload(app, ws, 'book.xlsx', book, { sheet: 'Q1 deals' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const p = res.body.preview;
    assert.deepEqual(p.sheets, ['Notes', 'Q1 deals']);
    assert.equal(p.sheet, 'Q1 deals');
    assert.equal(p.entity_type, 'deals');
    assert.equal(p.formula_cells, 1);
    assert.equal(p.sample_rows[0].close_date, '2026-01-15');
    assert.equal(p.sample_rows[1].amount, 2500.5);
    const missing = await upload(app, ws, 'book.xlsx', book, { sheet: 'Nope' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /no sheet "Nope"/);
    const done = await confirmAndWait(app, ws, res.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
    assert.equal(done.body.batch.counts.inserted, 2);
  });
});
