import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { computeAccountScores } from '../../src/compute/account-scores.ts';
import { computeDealScores } from '../../src/compute/deal-scores.ts';
import { accountBaselines, dealBaselines } from '../../src/compute/score-baselines.ts';
import { DEFAULT_SCORING } from '../../src/compute/scoring-config.ts';
import type { Queryable } from '../../src/db/db.ts';
import { idRanges, idsInRange } from '../../src/db/id-ranges.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { AS_OF, type Fixture, seedFixture } from '../helpers/intelligence-fixture.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

let t: TestDb;
let f: Fixture;
before(async () => {
  t = await createTestDb();
  f = await seedFixture(t.db);
  // Insights from the healthy deal's extracted call, so the insight rules are chunked too.
  const conversation = await t.db.query<{ id: string }>(
    "SELECT id FROM conversations WHERE workspace_id = $1::uuid AND source_id = 'cv1'",
    [f.workspaceId],
  );
  const [ws, deal, call] = [f.workspaceId, f.ids['deal:healthy']!, conversation.rows[0]!.id];
  await t.db.query(
    `INSERT INTO insight_extractions (workspace_id, conversation_id, deal_id, status, extractor, extractor_version)
     VALUES ($1::uuid, $3::uuid, $2::uuid, 'extracted', 'fixture', '1')`,
    [ws, deal, call],
  );
  await t.db.query(
    `INSERT INTO deal_insights (workspace_id, deal_id, conversation_id, insight_type, value, value_key, quote,
       speaker_role, segment_index, quote_offset, confidence, extractor, extractor_version, transcript_hash)
     SELECT $1::uuid, $2::uuid, $3::uuid, v.type, v.value::jsonb, v.type, 'quoted', 'buyer', 0, 0, 0.9, 'fixture', '1', 'h'
     FROM (VALUES ('competitors', '{"name": "Clari"}'), ('timeline', '{"date": "2099-01-31"}')) v(type, value)`,
    [ws, deal, call],
  );
});
after(() => t.close());

/** Id lists per chunk (null: every row). */
type Chunks = { deals: Array<string[] | null>; accounts: Array<string[] | null> };

/**
 * Deal then account scores over the given chunks, read back and rolled back. With `baselinesOnce`, the
 * workspace-wide figures are read once and passed to every chunk, as the engine does; without, each
 * call reads its own.
 */
async function scoresIn(chunks: (tx: Queryable) => Promise<Chunks>, { baselinesOnce = false } = {}) {
  let scores: { deals: unknown[]; accounts: unknown[]; chunks: number } | undefined;
  await withWorkspace(t.db, f.workspaceId, async (tx) => {
    const { deals, accounts } = await chunks(tx);
    const ws = f.workspaceId;
    const dealsBase = baselinesOnce ? await dealBaselines(tx, ws, DEFAULT_SCORING) : undefined;
    const accountsBase = baselinesOnce ? await accountBaselines(tx, ws) : undefined;
    for (const r of deals) await computeDealScores(tx, ws, AS_OF, DEFAULT_SCORING, 1, r, dealsBase);
    for (const r of accounts) await computeAccountScores(tx, ws, AS_OF, DEFAULT_SCORING, 1, r, accountsBase);
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
  const whole = await scoresIn(async () => ({ deals: [null], accounts: [null] }));
  // As the engine chunks: ranges of 2 rows, each read as its id list.
  const idsOf = async (tx: Queryable, table: 'deals' | 'accounts') => {
    const lists: string[][] = [];
    for (const r of await idRanges(tx, table, f.workspaceId, 2)) {
      lists.push(await idsInRange(tx, table, f.workspaceId, r));
    }
    return lists;
  };
  const inTwos = async (tx: Queryable) => ({
    deals: await idsOf(tx, 'deals'),
    accounts: await idsOf(tx, 'accounts'),
  });
  const chunked = await scoresIn(inTwos);
  assert.ok(chunked.chunks > 4, `the fixture is too small to chunk: ${chunked.chunks} chunks`);
  assert.ok(whole.deals.some((d) => (d as { deal_risk: number | null }).deal_risk !== null));
  const rulesOf = (d: unknown) =>
    ((d as { deal_risk_reasons: Array<{ rule: string }> | null }).deal_risk_reasons ?? []).map((r) => r.rule);
  assert.ok(whole.deals.some((d) => rulesOf(d).includes('competitor_named')));
  assert.ok(whole.deals.some((d) => rulesOf(d).includes('timeline_after_close_date')));
  assert.deepEqual(chunked.deals, whole.deals);
  assert.deepEqual(chunked.accounts, whole.accounts);
  const once = await scoresIn(inTwos, { baselinesOnce: true });
  assert.deepEqual(once.deals, whole.deals);
  assert.deepEqual(once.accounts, whole.accounts);
});
