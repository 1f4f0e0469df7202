import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import type { ApiRecord } from '../../src/entities/entity-listing.ts';
import { ENTITY_LISTINGS } from '../../src/entities/entity-listings.ts';
import { PIPELINE_GROUPS, pipelineSummary } from '../../src/entities/pipeline-summary.ts';
import { ValidationError } from '../../src/errors.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { STAGES, seedGtmWorld } from '../helpers/seed-gtm.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';
import { walkAll } from './list-walk.ts';

const cents = (n: number) => Math.round(n * 100);

function keyOf(group: string, d: ApiRecord): string | null {
  const v = { stage: d.stage_normalized, owner: d.owner_email, forecast_category: d.forecast_category }[
    group
  ];
  if (group === 'close_month') return d.close_date ? String(d.close_date).slice(0, 7) : null;
  return (v as string | null) ?? null;
}

describe('pipeline summary', () => {
  let t: TestDb;
  let ws: string;
  let deals: ApiRecord[];
  before(async () => {
    t = await createTestDb();
    ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'A' }))).id;
    const other = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'B' }))).id;
    await seedGtmWorld(t.db, ws, { deals: 150, seed: 11 });
    await seedGtmWorld(t.db, other, { deals: 50, seed: 12 });
    deals = await walkAll(t.db, ws, ENTITY_LISTINGS.deals, { limit: '200' });
  });
  after(() => t.close());

  const summary = (query: Record<string, string>) =>
    withWorkspace(t.db, ws, (tx) => pipelineSummary(tx, ws, query));

  const cases: Array<{ query: Record<string, string>; keep: (d: ApiRecord) => boolean }> = [
    { query: {}, keep: (d) => d.is_closed === false },
    { query: { is_closed: 'true' }, keep: (d) => d.is_closed === true },
    { query: { is_won: 'true' }, keep: (d) => d.is_won === true },
    {
      query: { owner_email: 'ana@acme.test', amount_min: '10000' },
      keep: (d) =>
        !d.is_closed && d.owner_email === 'ana@acme.test' && d.amount !== null && Number(d.amount) >= 10000,
    },
    {
      query: { close_date_from: '2026-03-01', close_date_to: '2026-05-31' },
      keep: (d) =>
        !d.is_closed &&
        d.close_date !== null &&
        String(d.close_date) >= '2026-03-01' &&
        String(d.close_date) <= '2026-05-31',
    },
  ];

  for (const group of PIPELINE_GROUPS) {
    test(`group_by=${group} equals a recomputation`, async () => {
      for (const c of cases) {
        const got = await summary({ group_by: group, ...c.query });
        const want = new Map<string | null, { count: number; amount: number; weighted: number }>();
        for (const d of deals.filter(c.keep)) {
          const k = keyOf(group, d);
          const b = want.get(k) ?? { count: 0, amount: 0, weighted: 0 };
          b.count += 1;
          b.amount += Number(d.amount ?? 0);
          b.weighted += (Number(d.amount ?? 0) * Number(d.probability ?? 0)) / 100;
          want.set(k, b);
        }
        assert.equal(got.data.length, want.size, JSON.stringify(c.query));
        for (const bucket of got.data) {
          const w = want.get(bucket.key);
          assert.ok(w, `unexpected bucket ${bucket.key}`);
          assert.equal(bucket.count, w.count);
          assert.equal(cents(bucket.amount), cents(w.amount));
          assert.ok(
            Math.abs(cents(bucket.weighted_amount) - cents(w.weighted)) <= 1,
            `${bucket.key} weighted`,
          );
        }
        assert.equal(got.totals.count, deals.filter(c.keep).length);
      }
    });
  }

  test('stages come in funnel order; months in calendar order', async () => {
    const byStage = await summary({ group_by: 'stage', is_closed: 'false' });
    const order = byStage.data.map((b) => STAGES.indexOf(String(b.key)));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );
    const byMonth = (await summary({ group_by: 'close_month' })).data
      .map((b) => b.key)
      .filter((k) => k !== null);
    assert.deepEqual(byMonth, [...byMonth].sort());
  });

  test('group_by=owner keys owners known only by name by their name', async () => {
    const named = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'names' }))).id;
    const deal = (id: string, owner: Record<string, string | null>, amount: number) => ({
      source: 'csv_import',
      source_id: id,
      name: `Deal ${id}`,
      stage_normalized: 'evaluation',
      is_closed: false,
      is_won: false,
      amount,
      currency: 'USD',
      probability: 50,
      ...owner,
    });
    await bulkUpsert(t.db, ENTITY_TABLES.deals, named, [
      deal('1', { owner_email: null, owner_name: 'Ellen Park' }, 1000),
      deal('2', { owner_email: null, owner_name: 'Ellen Park' }, 3000),
      deal('3', { owner_email: 'ana@acme.test', owner_name: null }, 500),
      deal('4', { owner_email: null, owner_name: null }, 200),
    ]);
    const got = await withWorkspace(t.db, named, (tx) => pipelineSummary(tx, named, { group_by: 'owner' }));
    assert.deepEqual(
      got.data.map((b) => [b.key, b.count, b.amount]),
      [
        ['Ellen Park', 2, 4000],
        ['ana@acme.test', 1, 500],
        [null, 1, 200],
      ],
    );
  });

  test('bad group_by or filters are validation errors', async () => {
    const queries: Array<Record<string, string>> = [
      { group_by: 'amount' },
      { group_by: "stage'--" },
      { foo: '1' },
      { amount_min: 'abc' },
      { limit: '5' },
    ];
    for (const query of queries) {
      await assert.rejects(summary(query), ValidationError, JSON.stringify(query));
    }
  });
});
