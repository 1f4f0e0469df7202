import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type OpenedTable, openTable } from '../../../src/connectors/file-import/table-reader.ts';
import { isDateFormat } from '../../../src/connectors/file-import/xlsx-reader.ts';
import { ValidationError } from '../../../src/errors.ts';
import { type FixtureOptions, type FixtureSheet, xlsxBuffer } from '../../helpers/xlsx-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'pandora-xlsx-reader-'));
const limits = { maxColumns: 100, maxUnzippedBytes: 50_000_000 };
let files = 0;

function save(content: Buffer): string {
  const path = join(dir, `book-${++files}.xlsx`);
  writeFileSync(path, content);
  return path;
}

async function readAll(table: OpenedTable) {
  const rows = [];
  for await (const r of table.rows) rows.push(r);
  return rows;
}

const DEALS: FixtureSheet = {
  name: 'Deals & <more>',
  rows: [
    ['Name', 'Amount', 'Won', 'Closed', 'Booked', 'Share', 'Note'],
    [
      'Alpha & "Co" <x>',
      1200.5,
      true,
      new Date(Date.UTC(2026, 0, 15)),
      { value: 46054, style: 2 },
      { value: 12.5, style: 3 },
      'ü 😀',
    ],
    ['Beta', -3, false, new Date(Date.UTC(1999, 11, 31)), null, null, { formula: 'A3&"!"', result: 'Beta!' }],
    ['Gamma', { formula: 'B3*2', result: -6 }, null, null, null, null, { formula: 'NOW()' }],
    [],
    ['Delta'],
  ],
};

const EXPECTED = [
  {
    row: 2,
    cells: [
      'Alpha & "Co" <x>',
      1200.5,
      true,
      new Date(Date.UTC(2026, 0, 15)),
      new Date(Date.UTC(2026, 1, 1)),
      12.5,
      'ü 😀',
    ],
  },
  {
    row: 3,
    cells: ['Beta', -3, false, new Date(Date.UTC(1999, 11, 31)), null, null, 'Beta!'],
    formulas: [6],
  },
  { row: 4, cells: ['Gamma', -6, null, null, null, null, '=NOW()'], formulas: [1, 6] },
  { row: 6, cells: ['Delta', null, null, null, null, null, null] },
];

describe('xlsx reader', () => {
  const layouts: Array<[string, FixtureOptions]> = [
    ['shared strings', {}],
    ['inline strings', { strings: 'inline' }],
    ['no cell references', { omitRefs: true }],
    ['prefixed elements', { prefixed: true }],
  ];
  for (const [label, options] of layouts) {
    test(`cells of every kind read back as plain values (${label})`, async () => {
      const path = save(xlsxBuffer([DEALS], options));
      const table = await openTable(path, limits);
      assert.equal(table.format, 'xlsx');
      assert.deepEqual(table.sheets, ['Deals & <more>']);
      assert.equal(table.sheet, 'Deals & <more>');
      assert.deepEqual(table.headers, ['Name', 'Amount', 'Won', 'Closed', 'Booked', 'Share', 'Note']);
      assert.deepEqual(await readAll(table), EXPECTED);
    });
  }

  test('sheet chosen by name; sparse cells keep their columns', async () => {
    const path = save(
      xlsxBuffer([
        { name: 'Notes', rows: [['not data']] },
        { name: 'Data', rows: [['A', 'B', 'C', 'D'], [null, 'b', null, 'd'], ['a']] },
      ]),
    );
    const first = await openTable(path, limits);
    assert.deepEqual(first.headers, ['not data']);
    await first.close();
    const table = await openTable(path, limits, 'Data');
    assert.deepEqual(table.sheets, ['Notes', 'Data']);
    assert.deepEqual(await readAll(table), [
      { row: 2, cells: [null, 'b', null, 'd'] },
      { row: 3, cells: ['a', null, null, null] },
    ]);
    await assert.rejects(openTable(path, limits, 'Nope'), /no sheet "Nope" \(sheets: Notes, Data\)/);
  });

  test('a big sheet streams through in order', async () => {
    const rows = function* () {
      yield ['id', 'name', 'amount'];
      for (let i = 0; i < 30_000; i++) yield [`D-${i}`, `Deal ${i % 977}`, i * 3];
    };
    const table = await openTable(save(xlsxBuffer([{ name: 'Big', rows: rows() }])), limits);
    let n = 0;
    for await (const r of table.rows) {
      assert.deepEqual(r.cells, [`D-${n}`, `Deal ${n % 977}`, n * 3]);
      n++;
    }
    assert.equal(n, 30_000);
  });

  test('broken workbooks fail with a clear message', async () => {
    const good = xlsxBuffer([DEALS]);
    // Cut off inside the data: the zip directory is gone.
    await assert.rejects(openTable(save(good.subarray(0, good.length - 200)), limits), (err) => {
      assert.ok(err instanceof ValidationError);
      assert.match(err.message, /not a valid \.xlsx workbook|could not be read/);
      return true;
    });
    // Damaged compressed data in every part, the directory intact.
    const damaged = Buffer.from(good);
    for (let i = 200; i < damaged.length - 800; i += 7) damaged[i] = (damaged[i]! * 31 + 7) & 0xff;
    await assert.rejects(openTable(save(damaged), limits), (err) => {
      assert.ok(err instanceof ValidationError);
      assert.match(err.message, /workbook/);
      return true;
    });
    // A directory that understates a part's size (the guard's figures must hold while inflating).
    const lying = Buffer.from(good);
    const eocd = lying.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    let p = lying.readUInt32LE(eocd + 16);
    while (lying.readUInt32LE(p) === 0x02014b50) {
      const nameLength = lying.readUInt16LE(p + 28);
      if (lying.toString('utf8', p + 46, p + 46 + nameLength) === 'xl/worksheets/sheet1.xml') {
        lying.writeUInt32LE(100, p + 24);
      }
      p += 46 + nameLength + lying.readUInt16LE(p + 30) + lying.readUInt16LE(p + 32);
    }
    await assert.rejects(openTable(save(lying), limits), /larger than its zip directory declares/);
    // Within the size limit as declared, beyond it when all parts are counted.
    await assert.rejects(
      openTable(save(good), { ...limits, maxUnzippedBytes: 1000 }),
      /beyond the import limit of 1000 bytes/,
    );
  });

  test('date formats are told from other number formats', () => {
    for (const code of [
      'yyyy-mm-dd',
      'd/m/yy',
      '[$-409]mmmm d, yyyy',
      'h:mm AM/PM',
      '[h]:mm:ss',
      'dd"."mm"."yyyy',
    ])
      assert.equal(isDateFormat(code), true, code);
    for (const code of ['General', '0.00', '#,##0 [$€-407]', '0.0"%"', '[Red]0.00', '"days" 0'])
      assert.equal(isDateFormat(code), false, code);
  });
});
