import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { compactPipelineRollups } from '../../src/entities/pipeline-rollups.ts';
import { buildPipelineSummaryQuery } from '../../src/entities/pipeline-summary.ts';
import { putContextSections } from '../../src/workspaces/context-layer.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// Deals in three currencies and none; amounts chosen so every sum is exact.
const DEALS = [
  { source_id: 'u1', amount: 1000, currency: 'USD', close_date: '2026-03-10' },
  { source_id: 'u2', amount: 500, currency: null, close_date: '2026-05-10' },
  { source_id: 'e1', amount: 200, currency: 'EUR', close_date: '2026-01-15' },
  { source_id: 'e2', amount: 400, currency: 'eur', close_date: '2026-06-15' },
  { source_id: 'e3', amount: 100, currency: 'EUR', close_date: null },
  { source_id: 'g1', amount: 300, currency: 'GBP', close_date: '2026-04-01' },
  { source_id: 'n1', amount: null, currency: 'GBP', close_date: '2026-04-01' },
].map((d) => ({
  source: 'hubspot',
  name: `Deal ${d.source_id}`,
  stage: 'qualification',
  stage_normalized: 'qualification',
  probability: 50,
  is_closed: false,
  is_won: false,
  ...d,
}));

describe('money in several currencies', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  const base = () => `/api/workspaces/${ws.id}`;
  const call = (method: string, path: string, body?: unknown) =>
    app.request(method, `${base()}${path}`, { token: ws.key, body });
  const amountsBySourceId = async () => {
    const { rows } = await app.db.query<{ source_id: string; amount_base: number | null }>(
      'SELECT source_id, amount_base::float8 AS amount_base FROM deals WHERE workspace_id = $1::uuid ORDER BY source_id',
      [ws.id],
    );
    return Object.fromEntries(rows.map((r) => [r.source_id, r.amount_base]));
  };
  // The summary from the rollups must equal the one from the deals, whatever the rates did.
  async function assertRollupsAgree() {
    for (const query of [{}, { group_by: 'close_month' }, { group_by: 'owner' }]) {
      const a = buildPipelineSummaryQuery(ws.id, query);
      const b = buildPipelineSummaryQuery(ws.id, query, { source: 'deals' });
      assert.equal(a.source, 'rollups');
      const [ra, rb, na, nb] = await withWorkspace(app.db, ws.id, async (q) => [
        (await q.query(a.sql, a.values)).rows,
        (await q.query(b.sql, b.values)).rows,
        (await q.query(a.notConvertedSql, a.values)).rows,
        (await q.query(b.notConvertedSql, b.values)).rows,
      ]);
      assert.deepEqual(ra, rb, JSON.stringify(query));
      assert.deepEqual(na, nb, JSON.stringify(query));
    }
  }

  before(async () => {
    app = await startTestApp();
    ws = await app.createWorkspace('Money');
    await bulkUpsert(app.db, ENTITY_TABLES.deals, ws.id, DEALS);
  });
  after(() => app.close());

  test('without rates only the base currency (and currency-less amounts) is summed; the rest is counted', async () => {
    assert.deepEqual(await amountsBySourceId(), {
      e1: null,
      e2: null,
      e3: null,
      g1: null,
      n1: null,
      u1: 1000,
      u2: 500,
    });
    const s = await call('GET', '/pipeline/summary');
    assert.equal(s.status, 200);
    assert.equal(s.body.currency, 'USD');
    assert.equal(s.body.totals.count, 7);
    assert.equal(s.body.totals.amount, 1500);
    assert.equal(s.body.totals.weighted_amount, 750);
    assert.equal(s.body.totals.not_converted, 4);
    assert.deepEqual(s.body.not_converted, {
      deals: 4,
      by_currency: { EUR: 3, GBP: 1 },
      note: '4 deals in EUR/GBP not converted: no rate',
    });
    const state = await call('GET', '/exchange-rates');
    assert.equal(state.body.base_currency, 'USD');
    assert.deepEqual(state.body.rates, []);
    assert.equal(state.body.not_converted.note, '4 deals in EUR/GBP not converted: no rate');
    await assertRollupsAgree();
  });

  test('dated rates convert each deal at the rate in force on its close date', async () => {
    const r = await call('PUT', '/exchange-rates', {
      rates: [
        { currency: 'eur', effective_date: '2026-01-01', rate: 1.1 },
        { currency: 'EUR', effective_date: '2026-06-01', rate: 1.2 },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.reconverted_deals, 3);
    assert.deepEqual(
      r.body.rates.map((x: { currency: string; effective_date: string; rate: number }) => [
        x.currency,
        x.effective_date,
        x.rate,
      ]),
      [
        ['EUR', '2026-01-01', 1.1],
        ['EUR', '2026-06-01', 1.2],
      ],
    );
    const a = await amountsBySourceId();
    assert.equal(a.e1, 220); // January: 1.1
    assert.equal(a.e2, 480); // June: 1.2
    assert.equal(a.e3, 120); // no close date: the latest rate
    assert.equal(a.g1, null);
    const s = await call('GET', '/pipeline/summary');
    assert.equal(s.body.totals.amount, 1500 + 220 + 480 + 120);
    assert.deepEqual(s.body.not_converted.by_currency, { GBP: 1 });
    assert.equal(s.body.not_converted.note, '1 deal in GBP not converted: no rate');
    await assertRollupsAgree();
  });

  test("a currency's first rate covers earlier dates; writes convert as they happen", async () => {
    await call('PUT', '/exchange-rates', {
      rates: [{ currency: 'GBP', effective_date: '2026-05-01', rate: 1.25 }],
    });
    assert.equal((await amountsBySourceId()).g1, 375);
    // A sync changing amount, currency and close date: converted in the same statement.
    await bulkUpsert(app.db, ENTITY_TABLES.deals, ws.id, [
      { ...DEALS[2]!, amount: 1000, close_date: '2026-07-01' },
      { ...DEALS[0]!, currency: 'GBP' },
    ]);
    const a = await amountsBySourceId();
    assert.equal(a.e1, 1200);
    assert.equal(a.u1, 1250);
    // A plain UPDATE too.
    await app.db.query(
      "UPDATE deals SET close_date = '2026-02-01' WHERE workspace_id = $1::uuid AND source_id = 'e1'",
      [ws.id],
    );
    assert.equal((await amountsBySourceId()).e1, 1100);
    await assertRollupsAgree();
    await withWorkspace(app.db, ws.id, (q) => compactPipelineRollups(q, ws.id));
    await assertRollupsAgree();
  });

  test('removing rates leaves the deals unconverted again; changing the base currency re-converts all', async () => {
    const del = await call('DELETE', '/exchange-rates/GBP');
    assert.equal(del.status, 200);
    assert.equal(del.body.deleted, 1);
    assert.equal(del.body.reconverted_deals, 2);
    assert.deepEqual(del.body.not_converted.by_currency, { GBP: 2 });
    assert.equal((await call('DELETE', '/exchange-rates/GBP')).status, 404);
    const one = await call('DELETE', '/exchange-rates/EUR?effective_date=2026-06-01');
    assert.equal(one.body.deleted, 1);
    assert.equal((await amountsBySourceId()).e2, 440);

    const ctx = await call('PUT', '/context/business_model', { currency: 'eur' });
    assert.equal(ctx.status, 200);
    assert.equal(ctx.body.currency, 'EUR');
    const a = await amountsBySourceId();
    assert.equal(a.e2, 400);
    assert.equal(a.e3, 100);
    assert.equal(a.u2, 500); // no currency: the company's own, whatever it is
    assert.equal(a.u1, null);
    const s = await call('GET', '/pipeline/summary');
    assert.equal(s.body.currency, 'EUR');
    assert.deepEqual(s.body.not_converted.by_currency, { GBP: 2 });
    // Rates set for USD are kept for when USD is the base again, and not shown meanwhile.
    assert.deepEqual((await call('GET', '/exchange-rates')).body.rates, []);
    await assertRollupsAgree();
    await call('PUT', '/context/business_model', { currency: 'USD' });
    assert.equal((await amountsBySourceId()).e1, 1100);
    await assertRollupsAgree();
  });

  test('a base currency changed inside a transaction applies to the rows written after it', async () => {
    const other = await app.createWorkspace('Money 2');
    const written = await withWorkspace(app.db, other.id, async (tx) => {
      await bulkUpsert(tx, ENTITY_TABLES.deals, other.id, [{ ...DEALS[2]!, source_id: 'before' }]);
      await putContextSections(tx, other.id, { business_model: { currency: 'EUR' } });
      await bulkUpsert(tx, ENTITY_TABLES.deals, other.id, [{ ...DEALS[2]!, source_id: 'after' }]);
      return (
        await tx.query<{ source_id: string; amount_base: number | null }>(
          'SELECT source_id, amount_base::float8 AS amount_base FROM deals WHERE workspace_id = $1::uuid ORDER BY 1',
          [other.id],
        )
      ).rows;
    });
    assert.deepEqual(written, [
      { source_id: 'after', amount_base: 200 },
      { source_id: 'before', amount_base: 200 },
    ]);
  });

  test('bad rates are refused with a clear error and change nothing', async () => {
    const before = await call('GET', '/exchange-rates');
    const bad: unknown[] = [
      { rates: [{ currency: 'EURO', effective_date: '2026-01-01', rate: 1 }] },
      { rates: [{ currency: 'EUR', effective_date: '2026-13-01', rate: 1 }] },
      { rates: [{ currency: 'EUR', effective_date: '2026-01-01', rate: 0 }] },
      { rates: [{ currency: 'EUR', effective_date: '2026-01-01', rate: -2 }] },
      { rates: [{ currency: 'EUR', effective_date: '2026-01-01' }] },
      { rates: [] },
      {
        rates: [
          { currency: 'EUR', effective_date: '2026-01-01', rate: 1 },
          { currency: 'eur', effective_date: '2026-01-01', rate: 2 },
        ],
      },
      { rates: [{ currency: 'USD', effective_date: '2026-01-01', rate: 1 }] },
      { rates: [{ currency: 'EUR', effective_date: '2026-01-01', rate: 1, extra: true }] },
    ];
    for (const body of bad) {
      const r = await call('PUT', '/exchange-rates', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, 'validation_error', JSON.stringify(r.body));
    }
    assert.equal((await call('DELETE', '/exchange-rates/E1')).status, 400);
    assert.equal((await call('PUT', '/context/business_model', { currency: 'dollars' })).status, 400);
    assert.deepEqual((await call('GET', '/exchange-rates')).body, before.body);
  });

  test('deal responses carry the base amount beside the raw one', async () => {
    const r = await call('GET', '/deals?sort=amount&limit=50');
    const e1 = r.body.data.find((d: { source_id: string }) => d.source_id === 'e1');
    assert.equal(e1.amount, 1000);
    assert.equal(e1.currency, 'EUR');
    assert.equal(e1.amount_base, 1100);
  });
});
