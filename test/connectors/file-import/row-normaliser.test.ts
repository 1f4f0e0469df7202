import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createOwnerDirectory } from '../../../src/connectors/file-import/owner-directory.ts';
import {
  createRowNormaliser,
  type NormaliserSetup,
} from '../../../src/connectors/file-import/row-normaliser.ts';
import type { RawRow } from '../../../src/connectors/file-import/table-reader.ts';

const headers = [
  'Deal ID',
  'Deal Name',
  'Amount',
  'Stage',
  'Close Date',
  'Deal Owner',
  'Probability',
  'Notes',
];
const setup: NormaliserSetup = {
  entity: 'deals',
  headers,
  mapping: {
    'Deal ID': 'external_id',
    'Deal Name': 'name',
    Amount: 'amount',
    Stage: 'stage',
    'Close Date': 'close_date',
    'Deal Owner': 'owner_email',
    Probability: 'probability',
    Notes: null,
  },
  dateOrders: { 'Close Date': 'dmy' },
  stageOf: (raw) => (/won/i.test(raw) ? 'closed_won' : 'qualification'),
  owners: createOwnerDirectory([{ email: 'jane.doe@example.com', name: 'Jane Doe' }]),
};

/**
 * Rows whose dates, owners, stages and probabilities repeat (as exports do), with bad values among them,
 * formula-looking cells, and an amount column of more distinct values than a column remembers.
 */
function rows(count: number): RawRow[] {
  const out: RawRow[] = [];
  for (let i = 0; i < count; i++) {
    const bad = i % 97 === 5;
    out.push({
      row: i + 2,
      cells: [
        `D-${i}`,
        i % 50 === 3 ? '=HYPERLINK("x")' : `Deal ${i}`,
        bad ? 'lots' : `$${(i * 7919) % 250_000}.${i % 10}0`,
        i % 3 === 0 ? 'Closed Won' : 'Proposal',
        i % 89 === 7 ? '31/02/2026' : `${(i % 28) + 1}/0${(i % 9) + 1}/2026`,
        ['Jane Doe', 'jane.doe@example.com', 'Bob Roe', ' JANE  DOE '][i % 4]!,
        bad ? '140' : String((i % 10) * 10),
        i % 7 === 0 ? '' : `note ${i % 11}`,
      ],
    });
  }
  return out;
}

describe('row normaliser', () => {
  test('remembered cell outcomes give every row what a fresh normaliser gives it', () => {
    const all = rows(12_000);
    const reused = createRowNormaliser(setup);
    for (const raw of all) {
      // A normaliser made for one row has remembered nothing.
      assert.deepEqual(reused(raw), createRowNormaliser(setup)(raw), `row ${raw.row}`);
    }
  });

  test('without keepRaw: same validity, key, fields and errors, with no raw values or custom fields', () => {
    const full = createRowNormaliser(setup);
    const lean = createRowNormaliser({ ...setup, keepRaw: false });
    let errors = 0;
    for (const raw of rows(3000)) {
      const a = full(raw);
      const b = lean(raw);
      if (!a.ok || !b.ok) {
        errors++;
        assert.deepEqual(b, a);
        continue;
      }
      const { custom_fields, source_data, ...fields } = a.record;
      assert.deepEqual(b.record, {
        ...fields,
        source_data: { row: raw.row, refs: (source_data as { refs: unknown }).refs },
      });
      assert.equal(typeof custom_fields, 'object');
      assert.deepEqual({ ...b, record: null }, { ...a, record: null });
    }
    assert.ok(errors > 0);
  });

  test('formula-looking cells are neutralised and counted on every row, remembered or not', () => {
    const normalise = createRowNormaliser(setup);
    for (let i = 0; i < 3; i++) {
      const r = normalise({
        row: 2 + i,
        cells: ['D-1', 'Deal', '100', 'Proposal', '2026-01-15', '=1+1', '10', '@note'],
      });
      assert.ok(r.ok);
      assert.equal(r.formulas, 2);
      assert.equal(r.record.owner_name, "'=1+1");
      assert.deepEqual(r.record.custom_fields, { Notes: "'@note" });
    }
    const negative = normalise({ row: 9, cells: ['D-2', 'Deal', '-5', 'Proposal', '', '', '5', '-5'] });
    assert.ok(negative.ok);
    assert.equal(negative.formulas, 0);
    assert.equal(negative.record.amount, -5);
  });
});
