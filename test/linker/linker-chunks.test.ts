import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { runLinker, runLinkerInChunks } from '../../src/linker/linker-run.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';
import { buildFixture } from './linker-fixture.ts';

let t: TestDb;
before(async () => {
  t = await createTestDb();
});
after(() => t.close());

// Every conversation's outcome and stored call facts, named by source ids (the two worlds' uuids differ).
async function outcomes(ws: string) {
  const { rows } = await t.db.query<Record<string, unknown>>(
    `SELECT c.source_id, c.is_internal, c.internal_classification_reason, ct.source_id AS contact,
            a.source_id AS account, d.source_id AS deal, c.link_method,
            f.rep_email, f.external_participants, f.top_seniority
       FROM conversations c
       LEFT JOIN contacts ct ON ct.workspace_id = c.workspace_id AND ct.id = c.contact_id
       LEFT JOIN accounts a ON a.workspace_id = c.workspace_id AND a.id = c.account_id
       LEFT JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = c.deal_id
       LEFT JOIN conversation_call_facts f ON f.workspace_id = c.workspace_id AND f.conversation_id = c.id
      WHERE c.workspace_id = $1::uuid
      ORDER BY c.source_id`,
    [ws],
  );
  return rows;
}

test('a run in chunks of two conversations links, classifies and stores facts as one pass does', async () => {
  const whole = await buildFixture(t.db, 'one pass');
  const chunked = await buildFixture(t.db, 'chunks');
  const one = await withWorkspace(t.db, whole.ws, (tx) => runLinker(tx, whole.ws));
  const inChunks = await runLinkerInChunks(t.db, chunked.ws, { chunkSize: 2 });
  const expected = await outcomes(whole.ws);
  assert.ok(expected.length > 6, 'the fixture spans several chunks');
  assert.ok(expected.some((r) => r.deal !== null) && expected.some((r) => r.rep_email !== null));
  assert.deepEqual(await outcomes(chunked.ws), expected);
  assert.deepEqual(inChunks.tiers, one.tiers);
  assert.deepEqual(inChunks.classification, one.classification);
  assert.deepEqual(inChunks.coverage, one.coverage);
  const rerun = await runLinkerInChunks(t.db, chunked.ws, { chunkSize: 2 });
  assert.equal(rerun.links_changed + rerun.classification.changed, 0);
});
