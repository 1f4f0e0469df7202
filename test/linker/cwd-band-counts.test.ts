import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { Queryable } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { storeCallFacts } from '../../src/linker/call-facts.ts';
import { conversationsWithoutDealsSummaryFromScratch } from '../../src/linker/cwd-summary-from-scratch.ts';
import { DAY_BANDS, conversationsWithoutDealsSummary } from '../../src/linker/cwd-summary.ts';
import { storeInternalDomains } from '../../src/linker/internal-domains.ts';
import { runLinker, runLinkerInChunks } from '../../src/linker/linker-run.ts';
import { generateWorld } from '../../src/generator/world.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';

let t: TestDb;
before(async () => {
  t = await createTestDb();
});
after(() => t.close());

const BASE = Date.parse('2026-06-15T10:20:30.000Z');
const DAY = 86_400_000;
const SENIORITIES = [null, 'manager', 'director', 'vp', 'c_level'];
const ADDRESSES = ['a@buyer.com', 'b@buyer.com', 'c@other.io', 'rep@ours.com', 'x@ours.com', 'nobody'];
const DOMAIN_SETS = [['ours.com'], ['ours.com', 'other.io'], []];

// Starts on either side of each band's boundary second at BASE, and far away.
const startArb = fc.oneof(
  fc.constant(null),
  fc
    .constantFrom(...DAY_BANDS)
    .chain((d) =>
      fc.integer({ min: -2, max: 2 }).map((s) => new Date(BASE - (d + 1) * DAY + s * 1000).toISOString()),
    ),
  fc.integer({ min: -200 * 24, max: 2 * 24 }).map((h) => new Date(BASE + h * 3_600_000).toISOString()),
);
const durationArb = fc.oneof(
  fc.constant(null),
  fc.constantFrom(0, 899, 900, 1199, 1200, 1799, 1800, 2699, 2700, 4000),
);
const participantsArb = fc
  .subarray(ADDRESSES, { maxLength: 5 })
  .map((emails) => emails.map((email, i) => ({ email, affiliation: i % 2 ? 'external' : 'internal' })));
const pick = fc.nat({ max: 1000 });

const opArb = fc.oneof(
  fc.record({
    op: fc.constant('insert_call' as const),
    account: fc.option(fc.nat({ max: 3 })),
    deal: fc.option(fc.nat({ max: 4 }), { freq: 3 }),
    internal: fc.constantFrom(false, false, false, true, null),
    start: startArb,
    duration: durationArb,
    participants: participantsArb,
    count: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ op: fc.constant('link' as const), call: pick, deal: fc.option(fc.nat({ max: 4 })) }),
  fc.record({
    op: fc.constant('internal' as const),
    call: pick,
    internal: fc.constantFrom(false, true, null),
  }),
  fc.record({ op: fc.constant('duration' as const), call: pick, duration: durationArb }),
  fc.record({ op: fc.constant('start' as const), call: pick, start: startArb }),
  fc.record({ op: fc.constant('account' as const), call: pick, account: fc.option(fc.nat({ max: 3 })) }),
  fc.record({ op: fc.constant('participants' as const), call: pick, participants: participantsArb }),
  fc.record({
    op: fc.constant('store_facts' as const),
    domains: fc.nat({ max: 2 }),
    all: fc.boolean(),
    call: pick,
  }),
  fc.record({ op: fc.constant('domains' as const), domains: fc.nat({ max: 2 }) }),
  fc.record({ op: fc.constant('seniority' as const), contact: fc.nat({ max: 2 }), rank: fc.nat({ max: 4 }) }),
  fc.record({
    op: fc.constant('deal' as const),
    deal: fc.nat({ max: 4 }),
    closed: fc.boolean(),
    deleted: fc.boolean(),
    account: fc.option(fc.nat({ max: 3 })),
  }),
  fc.record({ op: fc.constant('unlink_account' as const), account: fc.nat({ max: 3 }) }),
  fc.record({ op: fc.constant('delete_call' as const), call: pick }),
  fc.record({ op: fc.constant('delete_deal' as const), deal: fc.nat({ max: 4 }) }),
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

interface World {
  ws: string;
  accounts: string[];
  deals: (string | null)[];
  contacts: string[];
  calls: string[];
  serial: number;
}

async function seed(q: Queryable, ws: string): Promise<World> {
  const ids = async (sql: string, values: unknown[]) =>
    (await q.query<{ id: string }>(sql, values as never[])).rows.map((r) => r.id);
  const accounts = await ids(
    `INSERT INTO accounts (workspace_id, source, source_id, name)
     SELECT $1::uuid, 'test', 'a' || i, 'Account ' || i FROM generate_series(0, 3) AS i RETURNING id`,
    [ws],
  );
  const deals = await ids(
    `INSERT INTO deals (workspace_id, source, source_id, name, account_id, is_closed)
     SELECT $1::uuid, 'test', 'd' || i, 'Deal ' || i, ($2::uuid[])[1 + i % 4], i % 2 = 1
       FROM generate_series(0, 4) AS i RETURNING id`,
    [ws, accounts],
  );
  const contacts = await ids(
    `INSERT INTO contacts (workspace_id, source, source_id, email, seniority)
     VALUES ($1::uuid, 'test', 'c0', 'a@buyer.com', 'vp'), ($1::uuid, 'test', 'c1', 'A@buyer.com', 'manager'),
            ($1::uuid, 'test', 'c2', 'c@other.io', 'c_level') RETURNING id`,
    [ws],
  );
  await storeInternalDomains(q, ws, { domains: DOMAIN_SETS[0]!, decided_by: 'context_layer' });
  return { ws, accounts, deals, contacts, calls: [], serial: 0 };
}

async function apply(q: Queryable, w: World, o: Op): Promise<void> {
  const call = 'call' in o ? w.calls[o.call % Math.max(w.calls.length, 1)] : undefined;
  const byCall = async (sql: string, values: unknown[]) => {
    if (call) await q.query(sql, [w.ws, call, ...values] as never[]);
  };
  switch (o.op) {
    case 'insert_call': {
      const { rows } = await q.query<{ id: string }>(
        `INSERT INTO conversations (workspace_id, source, source_id, account_id, deal_id, is_internal, started_at,
                                    duration_seconds, participants)
         SELECT $1::uuid, 'test', $2::text || '-' || i, $3::uuid, $4::uuid, $5::boolean, $6::timestamptz, $7::int, $8::jsonb
           FROM generate_series(1, $9::int) AS i RETURNING id`,
        [
          w.ws,
          `call-${w.serial++}`,
          o.account === null ? null : w.accounts[o.account]!,
          o.deal === null ? null : w.deals[o.deal],
          o.internal,
          o.start,
          o.duration,
          JSON.stringify(o.participants),
          o.count,
        ] as never[],
      );
      w.calls.push(...rows.map((r) => r.id));
      return;
    }
    case 'link':
      return byCall(
        'UPDATE conversations SET deal_id = $3::uuid WHERE workspace_id = $1::uuid AND id = $2::uuid',
        [o.deal === null ? null : w.deals[o.deal]],
      );
    case 'internal':
      return byCall(
        'UPDATE conversations SET is_internal = $3 WHERE workspace_id = $1::uuid AND id = $2::uuid',
        [o.internal],
      );
    case 'duration':
      return byCall(
        'UPDATE conversations SET duration_seconds = $3 WHERE workspace_id = $1::uuid AND id = $2::uuid',
        [o.duration],
      );
    case 'start':
      return byCall(
        'UPDATE conversations SET started_at = $3 WHERE workspace_id = $1::uuid AND id = $2::uuid',
        [o.start],
      );
    case 'account':
      return byCall(
        'UPDATE conversations SET account_id = $3 WHERE workspace_id = $1::uuid AND id = $2::uuid',
        [o.account === null ? null : w.accounts[o.account]],
      );
    case 'participants':
      return byCall(
        'UPDATE conversations SET participants = $3::jsonb WHERE workspace_id = $1::uuid AND id = $2::uuid',
        [JSON.stringify(o.participants)],
      );
    case 'store_facts':
      await storeCallFacts(q, w.ws, DOMAIN_SETS[o.domains]!, o.all || !call ? null : [call]);
      return;
    case 'domains':
      await storeInternalDomains(q, w.ws, { domains: DOMAIN_SETS[o.domains]!, decided_by: 'context_layer' });
      return;
    case 'seniority':
      await q.query('UPDATE contacts SET seniority = $3 WHERE workspace_id = $1::uuid AND id = $2::uuid', [
        w.ws,
        w.contacts[o.contact]!,
        SENIORITIES[o.rank]!,
      ]);
      return;
    case 'deal': {
      const deal = w.deals[o.deal];
      if (!deal) return;
      await q.query(
        `UPDATE deals SET is_closed = $3, deleted_at = CASE WHEN $4::boolean THEN now() END, account_id = $5::uuid
          WHERE workspace_id = $1::uuid AND id = $2::uuid`,
        [w.ws, deal, o.closed, o.deleted, o.account === null ? null : w.accounts[o.account]!],
      );
      return;
    }
    case 'unlink_account':
      // One statement over many calls: every call of the account loses its deal.
      await q.query(
        'UPDATE conversations SET deal_id = NULL WHERE workspace_id = $1::uuid AND account_id = $2::uuid',
        [w.ws, w.accounts[o.account]!],
      );
      return;
    case 'delete_call':
      if (!call) return;
      await q.query('DELETE FROM conversations WHERE workspace_id = $1::uuid AND id = $2::uuid', [
        w.ws,
        call,
      ]);
      w.calls = w.calls.filter((c) => c !== call);
      return;
    case 'delete_deal': {
      const deal = w.deals[o.deal];
      if (!deal) return;
      await q.query('DELETE FROM deals WHERE workspace_id = $1::uuid AND id = $2::uuid', [w.ws, deal]);
      w.deals[o.deal] = null;
      return;
    }
  }
}

/** As-of instants: BASE, and exact boundary seconds of the calls' starts (and a millisecond either side). */
async function asOfInstants(q: Queryable, w: World, salt: number): Promise<Date[]> {
  const { rows } = await q.query<{ started_at: Date | string }>(
    'SELECT started_at FROM conversations WHERE workspace_id = $1::uuid AND started_at IS NOT NULL ORDER BY id',
    [w.ws],
  );
  const out = [new Date(BASE), new Date(BASE + 37 * DAY + 1234)];
  const start = rows[salt % Math.max(rows.length, 1)]?.started_at;
  if (start) {
    const d = DAY_BANDS[salt % DAY_BANDS.length]!;
    const boundary = new Date(start).getTime() + (d + 1) * DAY;
    out.push(new Date(boundary), new Date(boundary - 1), new Date(boundary + 1));
  }
  return out;
}

test('the summary kept at write time equals the from-scratch query after every write, at every as-of instant', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), async (ops) => {
      const ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: `cwd bands ${run++}` }))).id;
      const w = await withWorkspace(t.db, ws, (tx) => seed(tx, ws));
      for (const [i, o] of ops.entries()) {
        await withWorkspace(t.db, ws, (tx) => apply(tx, w, o));
        for (const asOf of await asOfInstants(t.db, w, i)) {
          const [kept, scratch] = await withWorkspace(t.db, ws, async (tx) => [
            await conversationsWithoutDealsSummary(tx, ws, asOf),
            await conversationsWithoutDealsSummaryFromScratch(tx, ws, asOf),
          ]);
          assert.deepEqual(
            kept,
            scratch,
            `after ${JSON.stringify(ops.slice(0, i + 1))} as of ${asOf.toISOString()}`,
          );
        }
      }
    }),
    { numRuns: 25, seed: 190 },
  );
});

test('deleting a workspace takes its counts with it', async () => {
  const ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'cwd bands deleted' }))).id;
  const w = await withWorkspace(t.db, ws, (tx) => seed(tx, ws));
  await withWorkspace(t.db, ws, (tx) =>
    apply(tx, w, {
      op: 'insert_call',
      account: 0,
      deal: null,
      internal: false,
      start: new Date(BASE).toISOString(),
      duration: 1800,
      participants: [],
      count: 3,
    }),
  );
  const kept = () =>
    t.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM cwd_calls WHERE workspace_id = $1::uuid)
            + (SELECT count(*) FROM cwd_band_counts WHERE workspace_id = $1::uuid) AS n`,
      [ws],
    );
  assert.ok(Number((await kept()).rows[0]!.n) > 0);
  await t.db.query('DELETE FROM workspaces WHERE id = $1::uuid', [ws]);
  assert.equal(Number((await kept()).rows[0]!.n), 0);
});

test('a linker run, in chunks or in one pass, leaves the counts equal to the from-scratch query', async () => {
  const ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'cwd bands linker' }))).id;
  await generateWorld(t.db, ws, { deals: 60, seed: 7 });
  const compare = async (when: string) => {
    const [kept, scratch] = await withWorkspace(t.db, ws, async (tx) => [
      await conversationsWithoutDealsSummary(tx, ws),
      await conversationsWithoutDealsSummaryFromScratch(tx, ws),
    ]);
    assert.deepEqual(kept, scratch, when);
    return kept.total;
  };
  // Chunks of 40 calls: each defers its triggers' refreshes and refreshes its own calls once at the end.
  await runLinkerInChunks(t.db, ws, { chunkSize: 40 });
  assert.ok((await compare('after a chunked run')) > 0, 'the world has calls without a deal');
  // Half the deals closed (their calls' open-deal flags move with them), then one pass in one transaction,
  // which links differently now that fewer deals are live.
  await t.db.query(
    `UPDATE deals SET is_closed = TRUE, is_won = FALSE, closed_at = now() - interval '400 days'
      WHERE workspace_id = $1::uuid AND NOT is_closed AND id::text < '8'`,
    [ws],
  );
  await compare('after closing deals');
  await withWorkspace(t.db, ws, (tx) => runLinker(tx, ws));
  await compare('after a one-transaction pass');
  await withWorkspace(t.db, ws, (tx) => runLinker(tx, ws));
  await compare('after a second one-transaction pass');
});
