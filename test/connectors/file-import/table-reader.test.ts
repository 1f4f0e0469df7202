import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { detachedField } from '../../../src/connectors/file-import/csv-records.ts';
import { openTable, type RawRow } from '../../../src/connectors/file-import/table-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'pandora-table-reader-'));
const limits = { maxColumns: 100, maxUnzippedBytes: 50_000_000 };

/** 30,000 rows over many read chunks: quoted line breaks, non-Latin-1 text, a short row every 1000th. */
function writeCsv(): string {
  const lines = ['Id,Name,Note'];
  for (let i = 0; i < 30_000; i++) {
    if (i % 1000 === 999) lines.push(`R-${i},short row`);
    else lines.push(`R-${i},"Deal ${i} – ${'x'.repeat(i % 40)}","line one\nline two, ${i}"`);
  }
  const path = join(dir, 'rows.csv');
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
  return path;
}

const summary = (r: RawRow) => `${r.row}|${r.cells[0]}|${r.cells.length}|${r.error ?? ''}`;

describe('table reader: rows and batches', () => {
  const path = writeCsv();

  test('nextBatch goes on where rows stopped: every row once, in order, errors kept', async () => {
    const table = await openTable(path, limits);
    const rows: RawRow[] = [];
    for (let i = 0; i < 200; i++) rows.push((await table.rows.next()).value as RawRow);
    let batches = 0;
    for (let batch = await table.nextBatch(); batch !== null; batch = await table.nextBatch()) {
      assert.ok(batch.length > 0);
      batches++;
      rows.push(...batch);
    }
    await table.close();
    assert.ok(batches > 10, `${batches} batches`);

    const whole = await openTable(path, limits);
    const oneByOne: RawRow[] = [];
    for await (const r of whole.rows) oneByOne.push(r);
    assert.deepEqual(rows.map(summary), oneByOne.map(summary));
    assert.equal(rows.length, 30_000);
    // Two physical lines per record: the data row i is spreadsheet row i + 2 all the same.
    assert.equal(rows[29_999]!.row, 30_001);
    assert.deepEqual(rows[1]!.cells, ['R-1', 'Deal 1 – x', 'line one\nline two, 1']);
    const short = rows.filter((r) => r.error);
    assert.equal(short.length, 30);
    assert.equal(short[0]!.row, 1001);
    assert.match(short[0]!.error!, /row has 2 fields but the header has 3/);
  });

  test('a detached field equals its text', () => {
    for (const s of ['', 'short', 'exactly 13 ch', `a longer field – ${'y'.repeat(100)}`])
      assert.equal(detachedField(s), s);
  });
});
