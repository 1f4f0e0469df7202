import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { confirmAndWait, upload } from './import-client.ts';

const STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'];
const HEADER = 'Deal ID,Deal Name,Amount,Stage,Close Date,Company';
const ROWS = 210_000;
// Every 997th data row has an amount that is no number; every 1009th repeats the previous row's id.
const isBad = (i: number) => i % 997 === 500;
const isRepeat = (i: number) => i % 1009 === 700;

/** About 20 MB of deals whose errors, repeats and stage counts are known row by row. */
function generate(): { csv: Buffer; expected: Expected } {
  const lines = [HEADER];
  const stageRows = new Map<string, number>();
  let bad = 0;
  let repeats = 0;
  let firstBadRow = 0;
  for (let i = 0; i < ROWS; i++) {
    const id = isRepeat(i) ? `D-${i - 1}` : `D-${i}`;
    const stage = STAGES[i % STAGES.length]!;
    const amount = isBad(i) ? 'about a lot' : String((i * 7919) % 250_000);
    lines.push(
      `${id},"Deal ${i}, expansion of the ${i % 300} seats",${amount},${stage},2026-${String((i % 12) + 1).padStart(2, '0')}-15,"Company ${i % 5000}, Inc."`,
    );
    if (isBad(i)) {
      bad++;
      // The header is row 1, so data row i is row i + 2.
      if (firstBadRow === 0) firstBadRow = i + 2;
      continue;
    }
    // A repeat of a failing row is no repeat of an importable key.
    if (isRepeat(i) && !isBad(i - 1)) repeats++;
    stageRows.set(stage, (stageRows.get(stage) ?? 0) + 1);
  }
  return {
    csv: Buffer.from(`${lines.join('\n')}\n`),
    expected: { bad, repeats, stageRows, firstBadRow },
  };
}

interface Expected {
  bad: number;
  repeats: number;
  stageRows: Map<string, number>;
  firstBadRow: number;
}

describe('file import preview of a large file: exact counts from streamed passes', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  const { csv, expected } = generate();

  before(async () => {
    app = await startTestApp({ PANDORA_IMPORT_DIR: mkdtempSync(join(tmpdir(), 'pandora-import-')) });
    ws = await app.createWorkspace('Large preview');
    // 40 deals already imported: the large file's preview must find exactly those as existing.
    const seed = [HEADER];
    for (let i = 0; i < 40; i++) seed.push(`D-${i * 100 + 1},Seed ${i},100,Proposal,2026-01-15,Seed Co`);
    const first = await upload(app, ws, 'seed.csv', `${seed.join('\n')}\n`);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const done = await confirmAndWait(app, ws, first.body.batch.id, { strategy: 'merge' });
    assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
  });
  after(() => app.close());

  test('row, error, stage, duplicate and existing-match counts cover every row', async () => {
    assert.ok(csv.length > 18 * 1024 ** 2, `generated ${csv.length} bytes`);
    const up = await upload(app, ws, 'large-deals.csv', csv);
    assert.equal(up.status, 201, JSON.stringify(up.body).slice(0, 2000));
    const p = up.body.preview;
    assert.equal(p.entity_type, 'deals');
    assert.equal(p.row_count, ROWS);
    assert.equal(p.error_rows, expected.bad);
    assert.equal(p.valid_rows, ROWS - expected.bad);
    assert.ok(p.errors.length > 0 && p.errors.length <= 100, `${p.errors.length} errors kept`);
    assert.equal(p.errors[0].row, expected.firstBadRow);
    assert.deepEqual(
      Object.fromEntries(p.stage_values.map((s: any) => [s.value, s.rows])),
      Object.fromEntries(expected.stageRows),
    );
    assert.equal(p.dedup.duplicate_keys_in_file, expected.repeats);
    // Seeded ids D-1, D-101, … D-3901: none is a bad row, so all 40 are found.
    assert.equal(p.dedup.existing_records, 40);
    assert.equal(p.dedup.existing_matches, 40);
    assert.equal(p.dedup.new_records, ROWS - expected.bad - expected.repeats - 40);
    assert.equal(p.sample_rows.length, 10);
  });
});
