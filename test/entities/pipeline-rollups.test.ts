import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import type { Queryable } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { compactPipelineRollups } from '../../src/entities/pipeline-rollups.ts';
import {
  buildPipelineSummaryQuery,
  PIPELINE_GROUPS,
  pipelineSummary,
} from '../../src/entities/pipeline-summary.ts';
import { createWorkspace, deleteWorkspace } from '../../src/workspaces/workspaces.ts';
import { seedGtmWorld, seededRandom } from '../helpers/seed-gtm.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

// Every query here is answered by the rollups; each is compared with the same summary computed from
// the deals themselves (which pipeline-summary.test.ts checks against a JavaScript recomputation).
const ROLLUP_QUERIES: Array<Record<string, string>> = [
  {},
  { is_closed: 'true' },
  { is_won: 'true', is_closed: 'true' },
  { owner_email: 'ana@acme.test,bo@acme.test' },
  { stage_normalized: 'negotiation', forecast_category: 'commit' },
  { close_date_from: '2026-04-01', close_date_to: '2026-06-30' },
  { close_date_from: '2026-02-01', is_closed: 'false', pipeline: 'default' },
];

describe('pipeline rollups', () => {
  let t: TestDb;
  let ws: string;
  let other: string;
  before(async () => {
    t = await createTestDb();
    ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'A' }))).id;
    other = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'B' }))).id;
    await seedGtmWorld(t.db, ws, { deals: 150, seed: 21 });
    await seedGtmWorld(t.db, other, { deals: 60, seed: 22 });
  });
  after(() => t.close());

  const scoped = <T>(fn: (q: Queryable) => Promise<T>) => withWorkspace(t.db, ws, fn);

  async function assertRollupsMatchDeals(label: string) {
    for (const group_by of PIPELINE_GROUPS) {
      for (const filters of ROLLUP_QUERIES) {
        const query = { group_by, ...filters };
        const fromRollups = buildPipelineSummaryQuery(ws, query);
        assert.equal(fromRollups.source, 'rollups', JSON.stringify(query));
        const fromDeals = buildPipelineSummaryQuery(ws, query, { source: 'deals' });
        const [a, b] = await scoped(async (q) => [
          (await q.query(fromRollups.sql, fromRollups.values)).rows,
          (await q.query(fromDeals.sql, fromDeals.values)).rows,
        ]);
        assert.deepEqual(a, b, `${label}: ${JSON.stringify(query)}`);
      }
    }
  }

  const rollupRows = async () =>
    Number(
      (
        await t.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM deal_pipeline_rollups WHERE workspace_id = $1::uuid',
          [ws],
        )
      ).rows[0]!.n,
    );

  test('match the deals after seeding', () => assertRollupsMatchDeals('seeded'));

  test('follow inserts, upsert updates, plain updates and deletes', async () => {
    const r = seededRandom(5);
    const { rows } = await t.db.query<{ source: string; source_id: string }>(
      'SELECT source, source_id FROM deals WHERE workspace_id = $1::uuid ORDER BY source_id LIMIT 40',
      [ws],
    );
    // An upsert that changes stage, amount, probability and close month of existing deals and adds new ones.
    const changed = rows.map((d, i) => ({
      ...d,
      stage_normalized: i % 2 ? 'decision' : 'closed_won',
      is_closed: i % 2 === 0,
      is_won: i % 2 === 0,
      amount: r.int(1, 90_000) + 0.37,
      probability: r.int(0, 100),
      close_date: `2026-0${r.int(1, 9)}-1${r.int(0, 9)}`,
    }));
    const added = Array.from({ length: 25 }, (_, i) => ({
      source: 'hubspot',
      source_id: `rollup-new-${i}`,
      name: `New ${i}`,
      amount: i % 5 === 0 ? null : 1000 * i + 0.01,
      probability: i % 3 === 0 ? null : 10 * (i % 10),
      stage_normalized: 'evaluation',
      is_closed: false,
      is_won: false,
      owner_email: i % 4 === 0 ? null : 'ana@acme.test',
      forecast_category: 'pipeline',
      pipeline: 'default',
      close_date: i % 6 === 0 ? null : `2026-05-${String(1 + i).padStart(2, '0')}`,
    }));
    await scoped((q) => bulkUpsert(q, ENTITY_TABLES.deals, ws, [...changed, ...added]));
    await assertRollupsMatchDeals('after upsert');

    await scoped((q) =>
      q.query(
        `UPDATE deals SET owner_email = 'cy@acme.test', amount = amount * 2
         WHERE workspace_id = $1::uuid AND source_id LIKE 'rollup-new-1%'`,
        [ws],
      ),
    );
    await scoped((q) =>
      q.query(`DELETE FROM deals WHERE workspace_id = $1::uuid AND source_id LIKE 'rollup-new-2%'`, [ws]),
    );
    await assertRollupsMatchDeals('after update and delete');
  });

  test('an update that leaves summarised columns alone records nothing', async () => {
    const before = await rollupRows();
    const { rowCount } = await scoped((q) =>
      q.query(`UPDATE deals SET next_step = 'call back', updated_at = now() WHERE workspace_id = $1::uuid`, [
        ws,
      ]),
    );
    assert.ok(rowCount > 100);
    assert.equal(await rollupRows(), before);
  });

  test('compaction folds deltas into one row per group and changes no total', async () => {
    const before = await rollupRows();
    const summaries = await scoped((q) =>
      Promise.all(PIPELINE_GROUPS.map((group_by) => pipelineSummary(q, ws, { group_by, is_closed: 'true' }))),
    );
    const result = await scoped((q) => compactPipelineRollups(q, ws));
    assert.equal(result.rows_before, before);
    assert.ok(result.rows_after < before, `${result.rows_after} < ${before}`);
    assert.equal(await rollupRows(), result.rows_after);
    const { rows } = await t.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM (
         SELECT 1 FROM deal_pipeline_rollups WHERE workspace_id = $1::uuid
         GROUP BY is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category, close_month
         HAVING count(*) > 1 OR sum(deal_count) = 0) dup`,
      [ws],
    );
    assert.equal(Number(rows[0]!.n), 0, 'one row per group, none empty');
    const again = await scoped((q) =>
      Promise.all(PIPELINE_GROUPS.map((group_by) => pipelineSummary(q, ws, { group_by, is_closed: 'true' }))),
    );
    assert.deepEqual(again, summaries);
    await assertRollupsMatchDeals('after compaction');
    // The other workspace's rows were neither read nor folded.
    const otherSummary = buildPipelineSummaryQuery(other, {});
    const otherDeals = buildPipelineSummaryQuery(other, {}, { source: 'deals' });
    const [a, b] = await withWorkspace(t.db, other, async (q) => [
      (await q.query(otherSummary.sql, otherSummary.values)).rows,
      (await q.query(otherDeals.sql, otherDeals.values)).rows,
    ]);
    assert.ok(a.length > 0);
    assert.deepEqual(a, b);
  });

  test('filters the rollups cannot answer fall back to the deals', () => {
    const cases: Array<Record<string, string>> = [
      { amount_min: '1000' },
      { close_date_from: '2026-04-02' },
      { close_date_to: '2026-06-29' },
      { stage: 'Contract Sent' },
      { q: 'renewal' },
      { has_account: 'true' },
    ];
    for (const query of cases) {
      assert.equal(buildPipelineSummaryQuery(ws, query).source, 'deals', JSON.stringify(query));
    }
    // A leap-year February ends on the 29th.
    assert.equal(buildPipelineSummaryQuery(ws, { close_date_to: '2028-02-29' }).source, 'rollups');
    assert.equal(buildPipelineSummaryQuery(ws, { close_date_to: '2028-02-28' }).source, 'deals');
  });

  test('a workspace with deals can be deleted, rollups and all', async () => {
    const doomed = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'C' }))).id;
    await seedGtmWorld(t.db, doomed, { deals: 20, seed: 23 });
    await t.db.transaction((tx) => deleteWorkspace(tx, doomed));
    const { rows } = await t.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM deal_pipeline_rollups WHERE workspace_id = $1::uuid',
      [doomed],
    );
    assert.equal(Number(rows[0]!.n), 0);
  });
});
