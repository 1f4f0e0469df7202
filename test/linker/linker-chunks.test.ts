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

test('a chunked run follows accounts whose domains changed or that were deleted since the last run', async () => {
  const whole = await buildFixture(t.db, 'one pass, accounts changed');
  const chunked = await buildFixture(t.db, 'chunks, accounts changed');
  await withWorkspace(t.db, whole.ws, (tx) => runLinker(tx, whole.ws));
  await runLinkerInChunks(t.db, chunked.ws, { chunkSize: 2 });
  for (const { ws, ids } of [whole, chunked]) {
    const change = (sql: string, params: string[]) => t.db.query(sql, [ws, ...params]);
    await change(
      `UPDATE accounts SET domain = 'initech.net', additional_domains = ARRAY['www.INITECH.net']
        WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [ids.initech!],
    );
    await change(
      `UPDATE accounts SET additional_domains = ARRAY['initech.com', 'www.globex.co.uk']
        WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [ids.globex!],
    );
    // Links are kept against a lower tier at another account: cleared, each is decided afresh.
    await change(
      `UPDATE conversations SET contact_id = NULL, account_id = NULL, deal_id = NULL, link_method = NULL
        WHERE workspace_id = $1::uuid`,
      [],
    );
    await change(`UPDATE accounts SET deleted_at = now() WHERE workspace_id = $1::uuid AND id = $2::uuid`, [
      ids.umbrella!,
    ]);
  }
  await withWorkspace(t.db, whole.ws, (tx) => runLinker(tx, whole.ws));
  const rerun = await runLinkerInChunks(t.db, chunked.ws, { chunkSize: 2 });
  assert.ok(rerun.links_changed > 0, 'the links are written again');
  const after = await outcomes(chunked.ws);
  assert.deepEqual(after, await outcomes(whole.ws));
  // dave@initech.com: initech.com is now Globex's alone.
  assert.equal(after.find((r) => r.source_id === 'c2_domain')?.account, 'co-1');
  const { rows } = await t.db.query<{ account_id: string; domain: string; is_primary: boolean }>(
    `SELECT account_id, domain, is_primary FROM linker_account_domains
      WHERE workspace_id = $1::uuid ORDER BY domain, account_id, is_primary`,
    [chunked.ws],
  );
  assert.deepEqual(
    rows.filter((r) =>
      [chunked.ids.initech, chunked.ids.globex, chunked.ids.umbrella].includes(r.account_id),
    ),
    [
      { account_id: chunked.ids.globex, domain: 'globex.co.uk', is_primary: false },
      { account_id: chunked.ids.globex, domain: 'globex.com', is_primary: true },
      { account_id: chunked.ids.globex, domain: 'initech.com', is_primary: false },
      { account_id: chunked.ids.initech, domain: 'initech.net', is_primary: false },
      { account_id: chunked.ids.initech, domain: 'initech.net', is_primary: true },
    ],
  );
});
