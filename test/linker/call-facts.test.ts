import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { DEFAULT_AS_OF, generateWorld } from '../../src/generator/world.ts';
import { listConversationsWithoutDeals } from '../../src/linker/conversations-without-deals.ts';
import { conversationsWithoutDealsSummary } from '../../src/linker/cwd-summary.ts';
import { runLinker } from '../../src/linker/linker-run.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { type TestDb, createTestDb } from '../helpers/test-db.ts';

let t: TestDb;
let ws: string;
const asOf = DEFAULT_AS_OF.toISOString();

before(async () => {
  t = await createTestDb();
  ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'Facts' }))).id;
  await generateWorld(t.db, ws, { deals: 200, seed: 11 });
  await withWorkspace(t.db, ws, (tx) => runLinker(tx, ws));
});
after(() => t.close());

/** Every conversation without a deal, most severe first, read page by page through the cursor. */
async function everyItem() {
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await withWorkspace(t.db, ws, (tx) =>
      listConversationsWithoutDeals(tx, ws, { sort: '-severity', limit: 25, as_of: asOf, cursor }),
    );
    items.push(...page.data);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return items;
}

const summary = () =>
  withWorkspace(t.db, ws, (tx) => conversationsWithoutDealsSummary(tx, ws, DEFAULT_AS_OF));

const factRows = async () =>
  (
    await t.db.query<{ conversation_id: string; external_participants: number }>(
      'SELECT conversation_id, external_participants FROM conversation_call_facts WHERE workspace_id = $1::uuid',
      [ws],
    )
  ).rows;

test('a linker run stores the facts of every call it leaves without a deal, and the reader gives the same answer without them', async () => {
  const stored = await everyItem();
  assert.ok(stored.length >= 10, `the world has calls without deals (${stored.length})`);
  assert.ok(
    stored.some((i) => i.external_participants > 1 && i.top_seniority !== 'none'),
    'some calls have several external participants and a senior one',
  );
  assert.deepEqual(
    new Set((await factRows()).map((r) => r.conversation_id)),
    new Set(stored.map((i) => i.conversation_id)),
    'one stored row per call without a deal',
  );
  const storedSummary = await summary();
  assert.equal(storedSummary.total, stored.length);

  await t.db.query('DELETE FROM conversation_call_facts WHERE workspace_id = $1::uuid', [ws]);
  assert.deepEqual(await everyItem(), stored, 'probing the participants gives the stored answer');
  assert.deepEqual(await summary(), storedSummary);

  await withWorkspace(t.db, ws, (tx) => runLinker(tx, ws));
  assert.equal((await factRows()).length, stored.length, 'the next run stores them again');
});

/** The summary the listed items add up to. */
function countsOf(items: Awaited<ReturnType<typeof everyItem>>) {
  const expected = {
    total: items.length,
    accounts: new Set(items.map((i) => i.account.id)).size,
    by_severity: { high: 0, medium: 0, low: 0 },
    by_cause: { deal_not_created: 0, early_stage: 0, disqualified_not_logged: 0 },
  };
  for (const i of items) {
    expected.by_severity[i.severity as keyof typeof expected.by_severity]++;
    expected.by_cause[i.likely_cause as keyof typeof expected.by_cause]++;
  }
  return expected;
}

test('the summary counts what the list lists: by severity, by likely cause, accounts', async () => {
  const items = await everyItem();
  const rules = new Set(items.map((i) => i.cause_rule));
  assert.ok(
    rules.has('account_has_open_deals') && rules.size > 1,
    `causes with and without open deals (${[...rules]})`,
  );
  assert.ok(
    items.some((i) => i.open_deals_at_account > 1),
    'some accounts have several open deals',
  );
  assert.deepEqual(await summary(), countsOf(items));
});

test('new participants forget a call’s facts; a call linked to a deal leaves the table at the next run', async () => {
  const [first] = await everyItem();
  assert.ok(first);
  const extra = Array.from({ length: 3 }, (_, i) => ({
    email: `buyer${i}@new-prospect.example`,
    affiliation: 'external',
  }));
  await t.db.query(
    `UPDATE conversations SET participants = participants || $3::jsonb
      WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [ws, first.conversation_id, JSON.stringify(extra)],
  );
  const facts = await factRows();
  assert.ok(!facts.some((r) => r.conversation_id === first.conversation_id), 'the changed call is forgotten');
  const changed = (await everyItem()).find((i) => i.conversation_id === first.conversation_id);
  assert.equal(changed?.external_participants, first.external_participants + 3, 'read from the call itself');

  // A call without a deal whose account has one: linked by hand, it leaves the set.
  const { rows } = await t.db.query<{ conversation_id: string; deal_id: string }>(
    `SELECT f.conversation_id, d.id AS deal_id
       FROM conversation_call_facts f
       JOIN conversations c ON c.workspace_id = f.workspace_id AND c.id = f.conversation_id
       JOIN deals d ON d.workspace_id = c.workspace_id AND d.account_id = c.account_id
      WHERE f.workspace_id = $1::uuid
      ORDER BY f.conversation_id LIMIT 1`,
    [ws],
  );
  const linked = rows[0];
  assert.ok(linked, 'some call without a deal is at an account with deals');
  await t.db.query(
    `UPDATE conversations SET deal_id = $3::uuid, link_method = 'manual'
      WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [ws, linked.conversation_id, linked.deal_id],
  );
  await withWorkspace(t.db, ws, (tx) => runLinker(tx, ws));
  const after = new Set((await factRows()).map((r) => r.conversation_id));
  assert.ok(!after.has(linked.conversation_id), 'a call with a deal has no stored facts');
  assert.ok(after.has(first.conversation_id), 'the changed call is stored again');
});

test('the summary counts calls on either side of each day and minute bound, without a start, and with missing or stale facts', async () => {
  const ids = (await everyItem()).map((i) => i.conversation_id);
  const day = 86_400_000;
  // days_ago <= d up to a millisecond before d + 1 whole days; the future; no start at all.
  const starts = [14, 30, 45, 90].flatMap((d) => [(d + 1) * day - 1, (d + 1) * day]);
  starts.push(-day, Number.NaN);
  const durations = [15, 20, 30, 45].flatMap((m) => [m * 60 - 1, m * 60]);
  durations.push(Number.NaN);
  for (const [n, id] of ids.entries()) {
    const ago = starts[n % starts.length]!;
    const seconds = durations[Math.floor(n / starts.length) % durations.length]!;
    await t.db.query(
      `UPDATE conversations SET started_at = $3::timestamptz, duration_seconds = $4::int
        WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [
        ws,
        id,
        Number.isNaN(ago) ? null : new Date(DEFAULT_AS_OF.getTime() - ago).toISOString(),
        Number.isNaN(seconds) ? null : seconds,
      ],
    );
  }
  // Facts computed with other internal domains are not used; missing ones are probed.
  await t.db.query(
    `UPDATE conversation_call_facts SET domains = '{elsewhere.example}'
      WHERE workspace_id = $1::uuid AND conversation_id = ANY($2::uuid[])`,
    [ws, ids.filter((_, n) => n % 3 === 0)],
  );
  await t.db.query(
    'DELETE FROM conversation_call_facts WHERE workspace_id = $1::uuid AND conversation_id = ANY($2::uuid[])',
    [ws, ids.filter((_, n) => n % 5 === 0)],
  );
  const items = await everyItem();
  const daysAgo = new Set(items.map((i) => i.days_ago));
  for (const d of [14, 15, 30, 31, 45, 46, 90, 91, -1, null])
    assert.ok(daysAgo.has(d), `a call ${d} days ago`);
  assert.deepEqual(await summary(), countsOf(items));
});
