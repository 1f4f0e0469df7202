import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { computeAccountScores } from '../../src/compute/account-scores.ts';
import { computeDealScores } from '../../src/compute/deal-scores.ts';
import { DEFAULT_SCORING } from '../../src/compute/scoring-config.ts';
import type { Queryable } from '../../src/db/db.ts';
import { EVERY_ROW, type IdRange, idRanges } from '../../src/db/id-ranges.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { AS_OF, type Fixture, seedFixture } from '../helpers/intelligence-fixture.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

let t: TestDb;
let f: Fixture;
before(async () => {
  t = await createTestDb();
  f = await seedFixture(t.db);
});
after(() => t.close());

/** Deal then account scores over the given ranges, read back and rolled back. */
async function scoresIn(ranges: (tx: Queryable) => Promise<{ deals: IdRange[]; accounts: IdRange[] }>) {
  let scores: { deals: unknown[]; accounts: unknown[]; chunks: number } | undefined;
  await withWorkspace(t.db, f.workspaceId, async (tx) => {
    const { deals, accounts } = await ranges(tx);
    for (const r of deals) await computeDealScores(tx, f.workspaceId, AS_OF, DEFAULT_SCORING, 1, r);
    for (const r of accounts) await computeAccountScores(tx, f.workspaceId, AS_OF, DEFAULT_SCORING, 1, r);
    const d = await tx.query(
      `SELECT id, deal_risk, deal_risk_reasons, velocity_score, velocity_reasons, engagement_score, engagement_reasons
       FROM deals WHERE workspace_id = $1::uuid ORDER BY id`,
      [f.workspaceId],
    );
    const a = await tx.query(
      `SELECT id, engagement_score, engagement_reasons, health_score, health_reasons
       FROM accounts WHERE workspace_id = $1::uuid ORDER BY id`,
      [f.workspaceId],
    );
    scores = { deals: d.rows, accounts: a.rows, chunks: deals.length + accounts.length };
    throw new Error('roll back');
  }).catch((err: Error) => {
    if (err.message !== 'roll back') throw err;
  });
  return scores!;
}

test('deal and account scores computed in chunks of 2 rows equal those of one pass', async () => {
  const whole = await scoresIn(async () => ({ deals: [EVERY_ROW], accounts: [EVERY_ROW] }));
  const chunked = await scoresIn(async (tx) => ({
    deals: await idRanges(tx, 'deals', f.workspaceId, 2),
    accounts: await idRanges(tx, 'accounts', f.workspaceId, 2),
  }));
  assert.ok(chunked.chunks > 4, `the fixture is too small to chunk: ${chunked.chunks} chunks`);
  assert.ok(whole.deals.some((d) => (d as { deal_risk: number | null }).deal_risk !== null));
  assert.deepEqual(chunked.deals, whole.deals);
  assert.deepEqual(chunked.accounts, whole.accounts);
});
