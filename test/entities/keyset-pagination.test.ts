import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { encodeCursor } from '../../src/db/keyset-cursor.ts';
import { type EntityListing, type EntityPage, listEntity } from '../../src/entities/entity-listing.ts';
import { toApiRecord } from '../../src/db/list-query.ts';
import { ENTITY_LISTINGS } from '../../src/entities/entity-listings.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { ValidationError } from '../../src/errors.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { seededRandom, seedGtmWorld } from '../helpers/seed-gtm.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';
import { walkAll } from './list-walk.ts';

describe('keyset pagination', () => {
  let t: TestDb;
  let ws: string;
  before(async () => {
    t = await createTestDb();
    ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'A' }))).id;
    const other = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'B' }))).id;
    await seedGtmWorld(t.db, ws, { deals: 90, seed: 3 });
    await seedGtmWorld(t.db, other, { deals: 30, seed: 4 });
    // Scores, so their sorts page through values and nulls (closed deals) alike.
    await runComputedFields(t.db, ws, { asOf: '2025-06-30' });
  });
  after(() => t.close());

  const list = async (listing: EntityListing, query: Record<string, string>) =>
    (await withWorkspace(t.db, ws, (tx) => listEntity(tx, ws, listing, query))).parse();

  /** The records of a page read again one by one and rendered by the driver's types (toApiRecord). */
  const rowByRow = async (listing: EntityListing, page: EntityPage, zone = 'UTC') => {
    const ids = page.data.map((r) => r.id as string);
    const { rows } = await withWorkspace(t.db, ws, async (tx) => {
      await tx.query(`SELECT set_config('timezone', $1, true)`, [zone]);
      return tx.query<Record<string, unknown>>(
        `SELECT ${Object.keys(listing.columns).join(', ')} FROM ${listing.table} WHERE workspace_id = $1::uuid AND id = ANY($2::uuid[])`,
        [ws, ids],
      );
    });
    const byId = new Map(rows.map((r) => [r.id, toApiRecord(listing.columns, r)]));
    return ids.map((id) => byId.get(id));
  };

  for (const [entity, listing] of Object.entries(ENTITY_LISTINGS) as Array<[string, EntityListing]>) {
    test(`${entity}: every sort, both directions, pages equal one ordered query`, async () => {
      for (const sortKey of Object.keys(listing.sorts)) {
        for (const sort of [sortKey, `-${sortKey}`]) {
          const got = (await walkAll(t.db, ws, listing, { sort, limit: '7' })).map((r) => r.id);
          const dir = sort.startsWith('-') ? 'DESC' : 'ASC';
          const { column: col } = listing.sorts[sortKey]!;
          const { rows } = await t.db.query<{ id: string }>(
            `SELECT id FROM ${listing.table} WHERE workspace_id = $1::uuid ORDER BY ${col} ${dir} NULLS LAST, id ${dir}`,
            [ws],
          );
          assert.deepEqual(
            got,
            rows.map((r) => r.id),
            `${entity} sort=${sort}`,
          );
        }
      }
    });
  }

  test('records written by the database as JSON equal the rows decoded one by one, field for field', async () => {
    for (const [entity, listing] of Object.entries(ENTITY_LISTINGS) as Array<[string, EntityListing]>) {
      for (const sort of ['', ...Object.keys(listing.sorts).map((k) => `-${k}`)]) {
        let cursor: string | null = null;
        for (let pageNo = 0; pageNo < 3; pageNo++) {
          const q: Record<string, string> = { limit: '40', ...(sort ? { sort } : {}) };
          if (cursor) q.cursor = cursor;
          const page = await list(listing, q);
          assert.ok(page.data.length > 0, `${entity} sort=${sort} page ${pageNo}`);
          assert.deepEqual(page.data, await rowByRow(listing, page), `${entity} sort=${sort} page ${pageNo}`);
          cursor = page.next_cursor;
          if (!cursor) break;
        }
      }
    }
  });

  test('timestamps render as a Date from the driver does, at every precision and time zone', async () => {
    const times = [
      '10:00:00',
      '10:00:00.5',
      '10:00:00.12',
      '10:00:00.123',
      '10:00:00.123456',
      '23:59:59.999999',
    ];
    const { rows } = await t.db.query<{ id: string }>(
      `SELECT id FROM deals WHERE workspace_id = $1::uuid ORDER BY id LIMIT ${times.length}`,
      [ws],
    );
    for (const [i, time] of times.entries())
      await t.db.query(`UPDATE deals SET stage_entered_at = $2::timestamptz WHERE id = $1::uuid`, [
        rows[i]!.id,
        `2026-03-01 ${time}+00`,
      ]);
    for (const zone of ['UTC', 'Asia/Kolkata']) {
      const page = (
        await withWorkspace(t.db, ws, async (tx) => {
          await tx.query(`SELECT set_config('timezone', $1, true)`, [zone]);
          return listEntity(tx, ws, ENTITY_LISTINGS.deals, { sort: 'stage_entered_at', limit: '200' });
        })
      ).parse();
      assert.deepEqual(page.data, await rowByRow(ENTITY_LISTINGS.deals, page, zone), zone);
      const rendered = page.data.map((d) => d.stage_entered_at);
      for (const expected of [
        '2026-03-01T10:00:00.000Z',
        '2026-03-01T10:00:00.500Z',
        '2026-03-01T10:00:00.120Z',
        '2026-03-01T10:00:00.123Z',
        '2026-03-01T23:59:59.999Z',
      ])
        assert.ok(rendered.includes(expected), `${zone}: ${expected}`);
    }
  });

  test('no duplicates or gaps while rows are inserted between pages', async () => {
    const listing = ENTITY_LISTINGS.deals;
    const before = new Set((await walkAll(t.db, ws, listing, { limit: '200' })).map((r) => r.id));
    const r = seededRandom(99);
    let n = 0;
    for (const sort of ['amount', '-amount', 'close_date', '-close_date', '-updated_at']) {
      const seen = await walkAll(t.db, ws, listing, { sort, limit: '9' }, async () => {
        const rows = Array.from({ length: 3 }, () => ({
          source: 'hubspot',
          source_id: `late-${n++}`,
          name: 'late deal',
          amount: r.next() < 0.2 ? null : r.int(1, 400) * 250,
          close_date: r.next() < 0.2 ? null : `2026-0${r.int(1, 9)}-1${r.int(0, 9)}`,
        }));
        await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, rows);
      });
      const ids = seen.map((x) => x.id);
      assert.equal(new Set(ids).size, ids.length, `${sort}: duplicates`);
      for (const id of before) assert.ok(ids.includes(id), `${sort}: row ${id} skipped`);
    }
  });

  test('deals without an amount or a close date come last in both directions', async () => {
    const listing = ENTITY_LISTINGS.deals;
    const { rows } = await t.db.query<{ no_amount: number; no_close: number }>(
      `SELECT count(*) FILTER (WHERE amount IS NULL)::int AS no_amount,
              count(*) FILTER (WHERE close_date IS NULL)::int AS no_close
         FROM deals WHERE workspace_id = $1::uuid`,
      [ws],
    );
    assert.ok(rows[0]!.no_amount > 0 && rows[0]!.no_close > 0, 'the world has deals without both');
    for (const [column, sorts] of [
      ['amount', ['-amount', 'amount']],
      ['close_date', ['-close_date', 'close_date']],
    ] as const) {
      for (const sort of sorts) {
        const all = await walkAll(t.db, ws, listing, { sort, limit: '50' });
        const firstNull = all.findIndex((r) => r[column] === null);
        assert.ok(firstNull > 0, `${sort}: starts with a value`);
        assert.ok(
          all.slice(firstNull).every((r) => r[column] === null),
          `${sort}: every deal without a ${column} after those with one`,
        );
      }
    }
  });

  test('include_total counts the whole filtered set, ignoring cursor and limit', async () => {
    const listing = ENTITY_LISTINGS.deals;
    const first = await list(listing, { is_closed: 'false', limit: '5', include_total: 'true' });
    const { rows } = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1::uuid AND NOT is_closed',
      [ws],
    );
    assert.equal(first.total, rows[0]!.n);
    const second = await list(listing, {
      is_closed: 'false',
      limit: '5',
      include_total: 'true',
      cursor: first.next_cursor!,
    });
    assert.equal(second.total, rows[0]!.n);
    assert.equal((await list(listing, { limit: '5' })).total, undefined);
  });

  test('bad limits, sorts and cursors are validation errors', async () => {
    const listing = ENTITY_LISTINGS.deals;
    const page = await list(listing, { sort: '-amount', limit: '3' });
    const bad: Array<Record<string, string>> = [
      { limit: '0' },
      { limit: '201' },
      { limit: '10000' },
      { limit: 'ten' },
      { limit: '2.5' },
      { sort: 'source_data' },
      { sort: 'amount; DROP TABLE deals' },
      { cursor: 'not a cursor' },
      { cursor: 'eyJ4IjoxfQ' },
      { sort: 'amount', cursor: page.next_cursor! },
      {
        sort: '-amount',
        cursor: encodeCursor({
          sort: '-amount',
          value: "1' OR '1'='1",
          id: '00000000-0000-0000-0000-000000000000',
        }),
      },
      {
        sort: '-amount',
        cursor: encodeCursor({ sort: '-amount', value: '5', id: "x'; DROP TABLE deals; --" }),
      },
      {
        sort: '-created_at',
        cursor: encodeCursor({
          sort: '-created_at',
          value: null,
          id: '00000000-0000-0000-0000-000000000000',
        }),
      },
      { include_total: 'yes' },
    ];
    for (const query of bad) {
      await assert.rejects(list(listing, query), ValidationError, JSON.stringify(query));
    }
    assert.equal((await list(listing, { sort: '-amount', limit: '200' })).data.length <= 200, true);
  });
});
