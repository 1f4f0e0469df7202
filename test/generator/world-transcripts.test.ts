import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readTruthFile } from '../../src/generator/ground-truth.ts';
import { generateWorld } from '../../src/generator/world.ts';
import type { TruthRecord } from '../../src/generator/world-model.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';

const DEALS = 80;
let t: TestDb;
let plain: string;
let withTranscripts: string;
let truth: TruthRecord[];
const truthPath = join(tmpdir(), `pandora-transcript-truth-${process.pid}.jsonl`);

before(async () => {
  t = await createTestDb();
  plain = (await createWorkspace(t.db, { name: 'plain' })).id;
  withTranscripts = (await createWorkspace(t.db, { name: 'transcripts' })).id;
  await generateWorld(t.db, plain, { deals: DEALS, seed: 11 });
  await generateWorld(t.db, withTranscripts, {
    deals: DEALS,
    seed: 11,
    transcripts: true,
    truthFile: truthPath,
  });
  truth = await readTruthFile(truthPath);
});
after(async () => {
  await rm(truthPath, { force: true });
  await t.close();
});

interface CallRow {
  source_id: string;
  status: string;
  fetched_at_is_end: boolean;
  texts: string[] | null;
}

test('the world is the same with or without transcripts, apart from the transcripts', async () => {
  const digest = async (ws: string, table: string, columns: string) =>
    (
      await t.db.query<{ d: string }>(
        `SELECT md5(string_agg(row(${columns})::text, '|' ORDER BY source_id)) AS d FROM ${table} WHERE workspace_id = $1::uuid`,
        [ws],
      )
    ).rows[0]!.d;
  for (const [table, columns] of [
    ['conversations', 'source, source_id, title, started_at, participants, source_data, crm_context'],
    ['deals', 'source, source_id, name, amount, stage, close_date'],
    ['contacts', 'source, source_id, email'],
  ] as const)
    assert.equal(await digest(plain, table, columns), await digest(withTranscripts, table, columns), table);
  const none = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM conversations WHERE workspace_id = $1::uuid AND transcript IS NOT NULL`,
    [plain],
  );
  assert.equal(none.rows[0]!.n, 0);
});

test('external calls carry a fetched transcript holding every planted fact; internal meetings carry none', async () => {
  const { rows } = await t.db.query<CallRow>(
    `SELECT source_id, transcript_status AS status, transcript_fetched_at = source_updated_at AS fetched_at_is_end,
       ARRAY(SELECT s->>'text' FROM jsonb_array_elements(transcript->'segments') s) AS texts
     FROM conversations WHERE workspace_id = $1::uuid`,
    [withTranscripts],
  );
  const calls = new Map(rows.map((r) => [r.source_id, r]));
  let facts = 0;
  for (const record of truth) {
    const call = calls.get(record.source_id)!;
    if (record.kind === 'internal') {
      assert.equal(call.status, 'not_fetched');
      assert.equal(record.facts, undefined);
      continue;
    }
    assert.equal(call.status, 'fetched', record.source_id);
    assert.ok(call.fetched_at_is_end, 'fetched when the call ended');
    assert.ok(record.facts && record.facts.length >= 3, record.source_id);
    for (const f of record.facts) {
      assert.ok(
        call.texts!.some((text) => text.includes(f.sentence)),
        `${f.type} "${f.sentence}" in ${record.source_id}`,
      );
      facts++;
    }
  }
  assert.ok(facts > 100, `${facts} facts planted`);
});

test('re-running with transcripts writes nothing', async () => {
  const again = await generateWorld(t.db, withTranscripts, { deals: DEALS, seed: 11, transcripts: true });
  assert.deepEqual([again.tables.conversations.inserted, again.tables.conversations.updated], [0, 0]);
});
