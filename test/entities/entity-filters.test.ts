import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import type { FilterSpec } from '../../src/db/list-filters.ts';
import type { ApiRecord, EntityListing } from '../../src/entities/entity-listing.ts';
import { ENTITY_LISTINGS } from '../../src/entities/entity-listings.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { learnIcpProfile } from '../helpers/icp-profile.ts';
import { seedGtmWorld } from '../helpers/seed-gtm.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';
import { walkAll } from './list-walk.ts';

type Case = { query: Record<string, string>; expect: (r: ApiRecord) => boolean };

function compare(type: string, a: unknown, b: string): number {
  if (type === 'numeric' || type === 'integer') return Number(a) - Number(b);
  if (type === 'timestamptz') return Date.parse(String(a)) - Date.parse(b);
  return String(a) < b ? -1 : String(a) > b ? 1 : 0;
}

/** Filter values taken from the data, and the same predicate evaluated in JavaScript. */
function casesFor(name: string, f: FilterSpec, all: ApiRecord[]): Case[] {
  switch (f.op) {
    case 'in': {
      const counts = new Map<string, number>();
      for (const r of all)
        if (r[f.column] !== null) counts.set(String(r[f.column]), (counts.get(String(r[f.column])) ?? 0) + 1);
      const values = [...counts].sort((a, b) => b[1] - a[1]).map(([v]) => v);
      assert.ok(values.length > 0, `no data for filter ${name}`);
      const two = values.slice(0, 2);
      const cases: Case[] = [
        {
          query: { [name]: values[0]! },
          expect: (r) => String(r[f.column]) === values[0] && r[f.column] !== null,
        },
        {
          query: { [name]: two.join(',') },
          expect: (r) => r[f.column] !== null && two.includes(String(r[f.column])),
        },
        { query: { [name]: 'no-such-value' }, expect: () => false },
      ];
      return cases.filter((c) => f.type !== 'uuid' || !c.query[name]!.startsWith('no-such'));
    }
    case 'gte':
    case 'lte': {
      const values = all
        .map((r) => r[f.column])
        .filter((v) => v !== null)
        .sort((a, b) => compare(f.type, a, String(b)));
      assert.ok(values.length > 0, `no data for filter ${name}`);
      let bound = String(values[Math.floor(values.length / 2)]);
      // API timestamps carry milliseconds, the database microseconds: round an upper bound up.
      if (f.type === 'timestamptz' && f.op === 'lte') bound = new Date(Date.parse(bound) + 1).toISOString();
      return [
        {
          query: { [name]: bound },
          expect: (r) =>
            r[f.column] !== null &&
            (f.op === 'gte'
              ? compare(f.type, r[f.column], bound) >= 0
              : compare(f.type, r[f.column], bound) <= 0),
        },
      ];
    }
    case 'is':
      return ['true', 'false'].map((v) => ({
        query: { [name]: v },
        expect: (r) => r[f.column] === (v === 'true'),
      }));
    case 'present':
      return ['true', 'false'].map((v) => ({
        query: { [name]: v },
        expect: (r) => (r[f.column] !== null) === (v === 'true'),
      }));
    case 'search': {
      const text = (r: ApiRecord) =>
        f.columns
          .map((c) => (r[c] as string | null) ?? '')
          .join(' ')
          .toLowerCase();
      const sample = all.map(text).find((s) => s.trim().length >= 6)!;
      const terms = [sample.slice(1, 5).toUpperCase(), '50%_', "o'bri", '%', '_'];
      return terms.map((term) => ({
        query: { [name]: term },
        expect: (r) => text(r).includes(term.toLowerCase()),
      }));
    }
  }
}

describe('entity list filters match a recomputation in JavaScript', () => {
  let t: TestDb;
  let ws: string;
  let other: string;
  before(async () => {
    t = await createTestDb();
    ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'A' }))).id;
    other = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'B' }))).id;
    await seedGtmWorld(t.db, ws, { deals: 120, seed: 7 });
    await seedGtmWorld(t.db, other, { deals: 40, seed: 8 });
    // Scores, so the score filters have values to bound.
    await runComputedFields(t.db, ws, { asOf: '2025-06-30' });
    await learnIcpProfile(t.db, ws);
  });
  after(() => t.close());

  for (const [entity, listing] of Object.entries(ENTITY_LISTINGS) as Array<[string, EntityListing]>) {
    test(`${entity}: every filter`, async () => {
      const all = await walkAll(t.db, ws, listing, { limit: '200' });
      assert.ok(all.length >= 30, `${entity}: seeded rows expected`);
      const ids = new Set(all.map((r) => r.id));
      assert.equal(ids.size, all.length, 'no duplicates');
      for (const [name, f] of Object.entries(listing.filters)) {
        for (const c of casesFor(name, f, all)) {
          const got = (await walkAll(t.db, ws, listing, { ...c.query, limit: '50' })).map((r) => r.id).sort();
          const want = all
            .filter(c.expect)
            .map((r) => r.id)
            .sort();
          assert.deepEqual(got, want, `${entity} ${JSON.stringify(c.query)}`);
        }
      }
    });
  }

  test('filters combine with AND', async () => {
    const listing = ENTITY_LISTINGS.deals;
    const all = await walkAll(t.db, ws, listing, { limit: '200' });
    const query = {
      is_closed: 'false',
      amount_min: '20000',
      owner_email: 'ana@acme.test,bo@acme.test',
      close_date_to: '2026-06-30',
    };
    const got = (await walkAll(t.db, ws, listing, query)).map((r) => r.id).sort();
    const want = all
      .filter(
        (r) =>
          r.is_closed === false &&
          r.amount !== null &&
          Number(r.amount) >= 20000 &&
          ['ana@acme.test', 'bo@acme.test'].includes(String(r.owner_email)) &&
          r.close_date !== null &&
          String(r.close_date) <= '2026-06-30',
      )
      .map((r) => r.id)
      .sort();
    assert.ok(want.length > 0);
    assert.deepEqual(got, want);
  });

  test('amount bounds finer than a cent round inwards and stay exact', async () => {
    const listing = ENTITY_LISTINGS.deals;
    const all = await walkAll(t.db, ws, listing, { limit: '200' });
    const amounts = all.filter((r) => r.amount !== null).map((r) => Number(r.amount));
    const pivot = amounts.sort((a, b) => a - b)[Math.floor(amounts.length / 2)]!;
    const cases: Array<[Record<string, string>, (a: number) => boolean]> = [
      [{ amount_min: (pivot + 0.001).toFixed(3) }, (a) => a >= pivot + 0.001],
      [{ amount_min: (pivot - 0.001).toFixed(3) }, (a) => a >= pivot - 0.001],
      [{ amount_max: (pivot - 0.001).toFixed(3) }, (a) => a <= pivot - 0.001],
      [{ amount_max: (pivot + 0.001).toFixed(3) }, (a) => a <= pivot + 0.001],
    ];
    for (const [query, keep] of cases) {
      const got = (await walkAll(t.db, ws, listing, { ...query, limit: '50' })).map((r) => r.id).sort();
      const want = all
        .filter((r) => r.amount !== null && keep(Number(r.amount)))
        .map((r) => r.id)
        .sort();
      assert.deepEqual(got, want, JSON.stringify(query));
    }
  });
});
